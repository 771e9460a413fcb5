//! Bookings per second with 1, 2 and 4 signers, and the time from a node restart until every
//! transaction in flight at the kill has landed: the front-desk batch of `ehr_e2e::batch`
//! (each booking followed by its cancellation) on substrate-contracts-node 0.42.0.
//!
//! `cargo bench -p ehr-e2e --bench signers -- [BOOKINGS_PER_SIGNER]` (default 250) prints
//! Markdown tables. A program that prints figures; nothing here asserts a time.

use ehr_client::{FaultCounts, Options};
use ehr_e2e::batch::{assert_exactly_once, Batch};
use ehr_e2e::{deployed, NodeOptions, TestNode};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// As the fault tests: a transaction still unsettled after a minute has met the dev node's
/// fork stall (see node_costs.rs), and is reported then.
fn options() -> Options {
    Options {
        timeout: Duration::from_secs(10),
        settle_for: Duration::from_secs(60),
        ..Options::default()
    }
}

#[tokio::main]
async fn main() {
    ehr_e2e::log_from_env();
    let bookings: usize = std::env::args()
        .skip(1)
        .find(|arg| !arg.starts_with('-'))
        .and_then(|arg| arg.parse().ok())
        .unwrap_or(250);
    let in_flight = ehr::MAX_UPCOMING_APPOINTMENTS_PER_PATIENT as usize;

    println!(
        "Each signer is a patient booking then cancelling {bookings} slots of their own doctor, \
         {in_flight} jobs in flight per signer (a patient holds at most {in_flight} upcoming \
         appointments); each booking is dry-run, signed with the signer's own nonce, submitted \
         and awaited in a block, then its cancellation the same way. Every run is checked on \
         chain to have landed exactly once.\n"
    );
    println!("| signers | bookings | transactions | seconds | bookings/s | transactions/s |");
    println!("|---:|---:|---:|---:|---:|---:|");
    for signers in [1, 2, 4] {
        progress(&format!(
            "{signers} signer(s): starting a node and deploying"
        ));
        let node = TestNode::start();
        let alice = deployed(&node.url(), options()).await;
        let batch = Batch {
            signers,
            bookings,
            upload_every: 0,
            in_flight,
        };
        let desk = batch.prepare(&alice).await;
        progress(&format!("{signers} signer(s): running the batch"));
        let began = Instant::now();
        let outcomes = batch.run(&desk).await;
        let seconds = began.elapsed().as_secs_f64();
        progress(&format!("{signers} signer(s): checking the chain"));
        assert_exactly_once(&batch, &desk, &outcomes).await;
        let total_bookings = signers * bookings;
        let transactions = signers * batch.transactions_per_signer();
        println!(
            "| {signers} | {total_bookings} | {transactions} | {seconds:.1} | {:.1} | {:.1} |",
            total_bookings as f64 / seconds,
            transactions as f64 / seconds
        );
    }

    // The restart: 4 signers, the node killed (SIGKILL) a third of the way through and
    // started again on the same chain. On a loaded machine a short batch can end before the
    // watcher sees a third of it landed; then nothing is killed, and the run is made again.
    let mut measured = None;
    for attempt in 1..=RESTART_ATTEMPTS {
        measured = restart_mid_batch(bookings, in_flight).await;
        if measured.is_some() {
            break;
        }
        progress(&format!(
            "restart: the batch ended before the kill (attempt {attempt} of {RESTART_ATTEMPTS})"
        ));
    }
    let Some(restart) = measured else {
        panic!(
            "in {RESTART_ATTEMPTS} attempts the batch always ended before a third of it was \
             seen landed: measure with more bookings per signer"
        );
    };
    println!(
        "\nA node restart mid-batch (4 signers, {in_flight} in flight each, killed a third of \
         the way through, restarted on the same chain):\n"
    );
    println!("| measurement | figure |");
    println!("|---|---:|");
    println!(
        "| kill to the node answering again | {:.2} s |",
        restart.back.as_secs_f64()
    );
    println!(
        "| kill to every transaction in flight at the kill landed | {:.2} s |",
        restart.settled.as_secs_f64()
    );
    println!("| reconnections | {} |", restart.faults.reconnects);
    println!(
        "| transactions settled from the chain | {} |",
        restart.faults.settled
    );
    println!("| lost or doubled | 0 (checked on chain) |");
}

/// Restart runs at most, each on a fresh node (see [`restart_mid_batch`]).
const RESTART_ATTEMPTS: u32 = 3;

/// What a restart mid-batch measured.
struct Restart {
    /// From the kill until the node answered again.
    back: Duration,
    /// From the kill until every transaction in flight at the kill had landed.
    settled: Duration,
    /// The client's fault counters after the batch.
    faults: FaultCounts,
}

/// Runs the 4-signer batch on a fresh persistent node, kills the node once a third of the
/// batch has landed and starts it again on the same chain, then checks on chain that every
/// transaction landed exactly once. `None` if the batch ended before the kill: then the node
/// is never killed.
///
/// The watcher that kills the node is polled beside the batch and dropped before the chain is
/// checked. A watcher left suspended holds what it was using (once, the connection's
/// reconnection lock, in the middle of a reconnection after the kill), and the check then
/// waited on it for ever: no timer runs while a future waits on a lock.
async fn restart_mid_batch(bookings: usize, in_flight: usize) -> Option<Restart> {
    progress("restart: starting a node and deploying");
    let mut node = TestNode::start_with(NodeOptions {
        persistent: true,
        ..NodeOptions::default()
    });
    let alice = deployed(&node.url(), options()).await;
    let batch = Batch {
        signers: 4,
        bookings,
        upload_every: 0,
        in_flight,
    };
    let desk = batch.prepare(&alice).await;
    let total = (batch.transactions_per_signer() * batch.signers) as u64;
    let killing = AtomicBool::new(false);
    let mut restart = Box::pin(async {
        let landed = loop {
            let landed = desk.landed().await.unwrap_or(0);
            if landed >= total / 3 {
                break landed;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        let at_kill = desk
            .chain_nonces()
            .await
            .expect("the node answers before the kill");
        progress(&format!(
            "restart: killing the node ({landed} of {total} transactions landed)"
        ));
        // From here on the batch cannot end unnoticed: the kill comes before the batch is
        // polled again.
        killing.store(true, Ordering::SeqCst);
        let killed = Instant::now();
        tokio::task::block_in_place(|| node.restart());
        let back = killed.elapsed();
        progress(&format!(
            "restart: the node answers again after {:.1} s",
            back.as_secs_f64()
        ));
        // Each signer has at most `in_flight` transactions in flight, and they land in nonce
        // order: once its nonce is `in_flight` past the one at the kill (or at its last
        // transaction), all of them have.
        let per_signer = batch.transactions_per_signer() as u64;
        let targets: Vec<u64> = at_kill
            .iter()
            .zip(&desk.nonces_before)
            .map(|(then, before)| (then + in_flight as u64).min(before + per_signer))
            .collect();
        loop {
            if let Some(now) = desk.chain_nonces().await {
                if now.iter().zip(&targets).all(|(now, target)| now >= target) {
                    break;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        (back, killed.elapsed())
    });
    progress("restart: running the batch");
    let mut run = Box::pin(batch.run(&desk));
    let mut measured = None;
    let outcomes = loop {
        tokio::select! {
            outcomes = &mut run => break outcomes,
            figures = &mut restart, if measured.is_none() => measured = Some(figures),
        }
    };
    if measured.is_none() && killing.load(Ordering::SeqCst) {
        // Killed, and every job has ended since: whatever was in flight at the kill has
        // landed (or failed, which the check below reports).
        measured = tokio::time::timeout(Duration::from_secs(30), &mut restart)
            .await
            .ok();
    }
    drop(restart);
    progress("restart: checking the chain");
    assert_exactly_once(&batch, &desk, &outcomes).await;
    if !killing.load(Ordering::SeqCst) {
        return None;
    }
    let (back, settled) =
        measured.expect("every job ended, yet transactions in flight at the kill had not landed");
    Some(Restart {
        back,
        settled,
        faults: alice.fault_counts(),
    })
}

/// Where the run is, on stderr (the tables go to stdout): a run that hangs shows where.
fn progress(step: &str) {
    eprintln!("[signers] {step}");
}
