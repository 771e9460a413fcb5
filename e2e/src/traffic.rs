//! Other users of the chain, so that a `--dev` node keeps sealing under long loads.
//!
//! substrate-contracts-node seals a block when a new transaction enters its pool, and under
//! load it sometimes stops sealing with ready transactions in the pool (the dev node's
//! instant seal; compare paritytech/polkadot-sdk#10104): nothing new arrives, so nothing is
//! sealed, and a client that never sends a transaction twice waits. A live chain makes blocks
//! by time. So, as other users would, an account of its own sends a remark a second while a
//! long batch runs ([`with_traffic`]).

use ehr_client::{dev_signer, EhrClient};
use std::future::Future;
use std::time::Duration;

/// The account that sends the remarks: `//Traffic`, funded by `funder` with 100 UNIT.
///
/// # Panics
/// If the transfer fails.
pub async fn traffic_account(funder: &EhrClient) -> EhrClient {
    let traffic = funder.with_signer(dev_signer("//Traffic").unwrap());
    let to = ehr_client::to_chain_account(&traffic.account_id());
    let transfer = ehr_client::node::tx()
        .balances()
        .transfer_keep_alive(subxt::utils::MultiAddress::Id(to), 100_000_000_000_000);
    funder.sign_and_submit(&transfer).await.unwrap();
    traffic
}

/// Runs `work` while `traffic` sends an empty remark a second; returns `work`'s output.
pub async fn with_traffic<T>(traffic: &EhrClient, work: impl Future<Output = T>) -> T {
    let remarks = async {
        loop {
            let remark = ehr_client::node::tx().system().remark(Vec::new());
            let _ = traffic.sign_and_submit(&remark).await;
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    };
    tokio::pin!(work, remarks);
    loop {
        tokio::select! {
            output = &mut work => return output,
            () = &mut remarks => {}
        }
    }
}
