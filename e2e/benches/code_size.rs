//! Code size and what deploying it costs on a contracts-node on 127.0.0.1 (a program that prints
//! figures): the optimized WASM size of each contract, the storage deposit the node asks to
//! upload it (dry-run of `ContractsApi_upload_code`), the deposit of instantiating it, and the
//! node's storage prices that turn the cost benchmark's bytes and items into a deposit.
//!
//! `cargo bench -p ehr-e2e --bench code_size`. The bundle is `$EHR_CONTRACT_BUNDLE` or built
//! like the e2e tests build it.

use ehr_client::{
    dev_signer, messages,
    node::{
        self,
        runtime_types::pallet_contracts::{primitives::Code, wasm::Determinism},
    },
    ContractBundle, EhrClient,
};
use ehr_e2e::{contract_bundle, deposit_prices, TestNode};
use subxt::backend::{legacy::LegacyRpcMethods, rpc::RpcClient};
use subxt::SubstrateConfig;

/// `amount` planck as tokens, with the chain's decimals and symbol.
fn tokens(amount: u128, decimals: u32, symbol: &str) -> String {
    let unit = 10u128.pow(decimals);
    let fraction = format!("{:0width$}", amount % unit, width = decimals as usize);
    let fraction = fraction.trim_end_matches('0');
    if fraction.is_empty() {
        format!("{} {symbol}", amount / unit)
    } else {
        format!("{}.{fraction} {symbol}", amount / unit)
    }
}

fn charge(
    deposit: &node::runtime_types::pallet_contracts::primitives::StorageDeposit<u128>,
) -> u128 {
    use node::runtime_types::pallet_contracts::primitives::StorageDeposit;
    match deposit {
        StorageDeposit::Charge(amount) => *amount,
        StorageDeposit::Refund(_) => 0,
    }
}

#[tokio::main]
async fn main() {
    let bundle_path = contract_bundle();
    let bundle = ContractBundle::load(&bundle_path).expect("the bundle loads");
    let node = TestNode::start();
    let alice = EhrClient::connect(&node.url(), dev_signer("//Alice").unwrap())
        .await
        .expect("connecting works");
    let rpc = LegacyRpcMethods::<SubstrateConfig>::new(
        RpcClient::from_url(node.url()).await.expect("rpc connects"),
    );
    let properties = rpc.system_properties().await.expect("system properties");
    let decimals = properties
        .get("tokenDecimals")
        .and_then(|value| value.as_u64())
        .unwrap_or(12) as u32;
    let symbol = properties
        .get("tokenSymbol")
        .and_then(|value| value.as_str())
        .unwrap_or("UNIT")
        .to_string();

    let (per_byte, per_item) = deposit_prices(&alice);
    let constants = alice.api().constants();
    let lockup = constants
        .at(&node::constants()
            .contracts()
            .code_hash_lockup_deposit_percent())
        .expect("CodeHashLockupDepositPercent");

    let runtime = alice
        .api()
        .runtime_api()
        .at_latest()
        .await
        .expect("latest block");
    let upload = runtime
        .call(node::apis().contracts_api().upload_code(
            alice.chain_account_id(),
            bundle.wasm.clone(),
            None,
            Determinism::Enforced,
        ))
        .await
        .expect("the upload dry-run runs")
        .expect("the node accepts the code");
    let instantiate = runtime
        .call(node::apis().contracts_api().instantiate(
            alice.chain_account_id(),
            0,
            None,
            None,
            Code::Upload(bundle.wasm.clone()),
            messages::constructor_new(),
            b"code-size-bench".to_vec(),
        ))
        .await
        .expect("the instantiation dry-run runs");
    instantiate
        .result
        .as_ref()
        .expect("the node instantiates the contract");
    let total = charge(&instantiate.storage_deposit);
    let contract_part = total.saturating_sub(upload.deposit);

    println!("| contract | optimized WASM | upload deposit | instantiate deposit (contract only) | instantiate `gas_required` (ref_time / proof_size) |");
    println!("|---|---:|---:|---:|---:|");
    println!(
        "| `{}` | {} bytes ({:.1} KiB) | {} | {} | {} / {} |",
        bundle.name,
        bundle.wasm.len(),
        bundle.wasm.len() as f64 / 1024.0,
        tokens(upload.deposit, decimals, &symbol),
        tokens(contract_part, decimals, &symbol),
        instantiate.gas_required.ref_time,
        instantiate.gas_required.proof_size,
    );
    println!();
    println!(
        "Node prices (contracts-node 0.42.0): {} per byte, {} per item of storage; code hash \
         lock-up {}% of the code deposit. A message in the cost tables that adds B bytes and I \
         items asks for B x {} + I x {} as deposit.",
        tokens(per_byte, decimals, &symbol),
        tokens(per_item, decimals, &symbol),
        lockup.0 / 10_000_000,
        tokens(per_byte, decimals, &symbol),
        tokens(per_item, decimals, &symbol),
    );
}
