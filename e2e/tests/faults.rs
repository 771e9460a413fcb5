//! Real networks: many signers, node restarts, dropped connections, a second node, finalized
//! mode. In every test the same front-desk batch ([`ehr_e2e::batch`]) must land exactly
//! once: every job succeeds, every signer's nonces from before the batch on are used once
//! each, no slot is booked twice, and the chain holds what an undisturbed run leaves.
//!
//! `EHR_FAULT_BOOKINGS` sets the bookings per signer (default 500).

use ehr_client::{Finality, Options};
use ehr_e2e::batch::{assert_exactly_once, Batch, Desk, JobOutcome};
use ehr_e2e::proxy::TcpProxy;
use ehr_e2e::{deployed, NodeOptions, TestNode};
use std::future::Future;
use std::time::Duration;

fn batch() -> Batch {
    let bookings = std::env::var("EHR_FAULT_BOOKINGS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(500);
    Batch {
        signers: 4,
        bookings,
        upload_every: 10,
        in_flight: ehr::MAX_UPCOMING_APPOINTMENTS_PER_PATIENT as usize,
    }
}

/// Short enough that a lost status is settled from the chain within seconds.
fn fault_options() -> Options {
    Options {
        timeout: Duration::from_secs(10),
        reconnect_for: Duration::from_secs(90),
        ..Options::default()
    }
}

/// Transactions of the batch on chain so far, over all signers (`None` while the node does
/// not answer).
async fn landed(desk: &Desk) -> Option<u64> {
    let count = async {
        let mut total = 0;
        for (client, before) in desk.pool.clients().iter().zip(&desk.nonces_before) {
            let best = client.rpc().chain_get_block_hash(None).await.ok()??;
            let block = client.api().blocks().at(best).await.ok()?;
            total += block
                .account_nonce(&client.chain_account_id())
                .await
                .ok()?
                .saturating_sub(*before);
        }
        Some(total)
    };
    // A request on a connection that is being cut may never be answered.
    tokio::time::timeout(Duration::from_secs(2), count)
        .await
        .ok()
        .flatten()
}

/// Runs the batch and, once `at` of every three of its transactions have landed (for each
/// `at` in `fractions`), runs `fault`; returns the outcomes and how many faults ran before
/// the batch was done.
async fn run_with_faults<F, Fut>(
    batch: &Batch,
    desk: &Desk,
    fractions: &[u64],
    mut fault: F,
) -> (Vec<Vec<JobOutcome>>, usize)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    let total = (batch.transactions_per_signer() * batch.signers) as u64;
    let ran = std::sync::atomic::AtomicUsize::new(0);
    let faults = async {
        for at in fractions {
            loop {
                if landed(desk)
                    .await
                    .is_some_and(|done| done >= total * at / 3)
                {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            fault().await;
            ran.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    };
    let run = batch.run(desk);
    tokio::pin!(run, faults);
    let mut faults_done = false;
    loop {
        tokio::select! {
            outcomes = &mut run => return (outcomes, ran.load(std::sync::atomic::Ordering::SeqCst)),
            () = &mut faults, if !faults_done => faults_done = true,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_lands_exactly_once_with_four_signers() {
    // given: four patients, each with a doctor of their own
    let node = TestNode::start();
    let alice = deployed(&node.url(), Options::default()).await;
    let batch = batch();
    let desk = batch.prepare(&alice).await;

    // when: each pipelines its bookings, cancellations and uploads, all at once
    let outcomes = batch.run(&desk).await;

    // then
    assert_exactly_once(&batch, &desk, &outcomes).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_lands_exactly_once_across_node_restarts() {
    // given: a node that keeps its chain on disk
    let node = std::sync::Mutex::new(TestNode::start_with(NodeOptions {
        persistent: true,
        ..NodeOptions::default()
    }));
    let url = node.lock().unwrap().url();
    let alice = deployed(&url, fault_options()).await;
    let batch = batch();
    let desk = batch.prepare(&alice).await;

    // when: the node is killed and restarted on the same chain twice, mid-batch
    let (outcomes, faults_ran) = run_with_faults(&batch, &desk, &[1, 2], || async {
        tokio::task::block_in_place(|| node.lock().unwrap().restart());
    })
    .await;

    // then: the faults hit transactions in flight, and every one landed once
    let faults = alice.fault_counts();
    assert!(
        faults_ran >= 1 && faults.reconnects >= faults_ran as u64 && faults.settled > 0,
        "{faults_ran} faults: {faults:?}"
    );
    assert_exactly_once(&batch, &desk, &outcomes).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_lands_exactly_once_across_dropped_connections() {
    // given: the client talks to the node through a proxy the test controls
    let node = TestNode::start();
    let proxy = TcpProxy::start(([127, 0, 0, 1], node.port()).into()).await;
    let alice = deployed(&proxy.url(), fault_options()).await;
    let batch = batch();
    let desk = batch.prepare(&alice).await;

    // when: the proxy cuts every connection twice mid-batch, for two seconds each
    let (outcomes, faults_ran) = run_with_faults(&batch, &desk, &[1, 2], || async {
        proxy.cut();
        tokio::time::sleep(Duration::from_secs(2)).await;
        proxy.restore();
    })
    .await;

    // then: the faults hit transactions in flight, and every one landed once
    let faults = alice.fault_counts();
    assert!(
        faults_ran >= 1 && faults.reconnects >= faults_ran as u64 && faults.settled > 0,
        "{faults_ran} faults: {faults:?}"
    );
    assert_exactly_once(&batch, &desk, &outcomes).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_lands_exactly_once_in_finalized_mode() {
    // given: a client that waits for finality (the dev node finalizes a block a second
    // after it is made, so the batch is a fifth of the others)
    let node = TestNode::start();
    let alice = deployed(
        &node.url(),
        Options {
            finality: Finality::Finalized,
            ..Options::default()
        },
    )
    .await;
    let batch = Batch {
        bookings: batch().bookings.div_ceil(5),
        ..batch()
    };
    let desk = batch.prepare(&alice).await;

    // when
    let outcomes = batch.run(&desk).await;

    // then
    assert_exactly_once(&batch, &desk, &outcomes).await;
}
