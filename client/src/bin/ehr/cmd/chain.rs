//! The account, the contract and the chain: `ehr account`, `ehr deploy`, `ehr scan-chain`.

use super::*;
use ehr_client::config::Config;
use std::path::Path;

/// Prints the signer's address (and, with --json, its public X25519 key).
pub fn account_command(me: AccountId, suri: &str, as_json: bool) -> anyhow::Result<()> {
    if as_json {
        println!(
            "{}",
            json!({ "account": ss58(&me), "public_key": format!("0x{}", hex::encode(derived_public_key(suri)?)) })
        );
    } else {
        println!("{}", ss58(&me));
    }
    Ok(())
}

/// The bundle `ehr deploy` uses by default: `$CARGO_TARGET_DIR/ink/ehr/ehr.contract`, then
/// `target/ink/ehr/ehr.contract`.
pub fn default_bundle() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target"));
    target.join("ink").join("ehr").join("ehr.contract")
}

/// Uploads and instantiates the bundle, and remembers the contract for `url` in `config_file`.
pub async fn deploy(
    mut client: EhrClient,
    url: &str,
    bundle: &Path,
    config_file: &Path,
    as_json: bool,
) -> anyhow::Result<()> {
    let deployment = client
        .deploy_bundle(bundle)
        .await
        .with_context(|| format!("deploying {}", bundle.display()))?;
    let mut config = Config::load(config_file)?;
    config
        .contracts
        .insert(url.to_string(), deployment.contract.to_string());
    config.save(config_file)?;
    if as_json {
        println!(
            "{}",
            json!({ "contract": deployment.contract.to_string(), "code_hash": format!("{:?}", deployment.code_hash), "uploaded_code": deployment.uploaded_code })
        );
    } else {
        println!(
            "deployed {} (code {:?}{}); remembered in {}",
            deployment.contract,
            deployment.code_hash,
            if deployment.uploaded_code {
                ", uploaded"
            } else {
                ", already on chain"
            },
            config_file.display()
        );
    }
    Ok(())
}

/// Searches the whole chain for `marker`; fails if it is found.
pub async fn scan_chain(client: &EhrClient, marker: &str, as_json: bool) -> anyhow::Result<()> {
    let scan = client.scan_chain_for(marker.as_bytes()).await?;
    if as_json {
        println!(
            "{}",
            json!({
                "blocks": scan.blocks,
                "extrinsics": scan.extrinsics,
                "event_records": scan.event_records,
                "storage_entries": scan.storage_entries,
                "contract_entries": scan.contract_entries,
                "bytes_searched": scan.bytes_searched,
                "found_in": scan.found_in,
            })
        );
    } else {
        println!(
                    "searched {} blocks ({} extrinsics, {} event records), {} storage entries and {} contract storage entries: {} bytes",
                    scan.blocks,
                    scan.extrinsics,
                    scan.event_records,
                    scan.storage_entries,
                    scan.contract_entries,
                    scan.bytes_searched
                );
    }
    if !scan.found_in.is_empty() {
        bail!("the marker is on chain: {}", scan.found_in.join("; "));
    }
    if !as_json {
        println!("the marker is nowhere on chain");
    }
    Ok(())
}
