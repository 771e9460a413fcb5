//! Client throughput against a contracts-node on 127.0.0.1 (a program that prints figures):
//!
//! (a) `book_appointment` one at a time, submit-and-wait: bookings/s and latency p50/p99;
//! (b) `book_appointment` through the pipelined `submit_many`, spread over patients (a patient
//!     holds at most 8 upcoming appointments), IN_FLIGHT transactions in flight in all:
//!     bookings/s;
//! (c) the node's ceiling: plain balance transfers submitted the same pipelined way.
//!
//! `cargo bench -p ehr-e2e --bench throughput -- [BOOKINGS] [IN_FLIGHT]` (default 500, 25).
//! The contract bundle is `$EHR_CONTRACT_BUNDLE` or built like the e2e tests build it.

use ehr_client::{dev_signer, messages, node, to_chain_account, EhrClient};
use ehr_e2e::{contract_bundle, now_ms, registered_patients, TestNode};
use futures::{stream, StreamExt};
use std::time::{Duration, Instant};
use subxt::utils::MultiAddress;

const SLOT: u64 = 5 * 60_000;
const DAY: u64 = 24 * 60 * 60_000;

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with("--"));
    let bookings: u64 = args.next().and_then(|arg| arg.parse().ok()).unwrap_or(500);
    let in_flight: usize = args.next().and_then(|arg| arg.parse().ok()).unwrap_or(25);
    let one_by_one = (bookings / 5).max(10);

    let node = TestNode::start();
    let mut alice = EhrClient::connect(&node.url(), dev_signer("//Alice").unwrap())
        .await
        .expect("connecting works");
    alice
        .deploy_bundle(contract_bundle())
        .await
        .expect("deploying works");
    let bob = alice.with_signer(dev_signer("//Bob").unwrap());
    let dave = alice.with_signer(dev_signer("//Dave").unwrap());
    alice.add_verifier(bob.account_id()).await.unwrap();
    // Two doctors, as a doctor has at most 512 open appointments: (a) books Charlie, (b) Eve.
    let start = (now_ms() / DAY + 1) * DAY;
    let mut doctors = Vec::new();
    for (suri, slots) in [("//Charlie", one_by_one), ("//Eve", bookings)] {
        let doctor = alice.with_signer(dev_signer(suri).unwrap());
        doctor
            .register_doctor("Dr. Bench".into(), "Cardiology".into(), [1; 32], [2; 32], 5)
            .await
            .unwrap();
        bob.verify_doctor(doctor.account_id()).await.unwrap();
        doctor
            .publish_availability(start, start + slots * SLOT)
            .await
            .unwrap();
        doctors.push(doctor.account_id());
    }
    let per_patient = u64::from(ehr::MAX_UPCOMING_APPOINTMENTS_PER_PATIENT);
    let patients = registered_patients(
        &alice,
        (one_by_one + bookings).div_ceil(per_patient) as usize,
    )
    .await;
    let (first_patients, batch_patients) =
        patients.split_at(one_by_one.div_ceil(per_patient) as usize);

    // (a) one at a time
    let mut latencies = Vec::new();
    let began = Instant::now();
    for slot in 0..one_by_one {
        let sent = Instant::now();
        first_patients[(slot / per_patient) as usize]
            .book_appointment(doctors[0], start + slot * SLOT)
            .await
            .expect("booking works");
        latencies.push(sent.elapsed());
    }
    let single_rate = one_by_one as f64 / began.elapsed().as_secs_f64();
    latencies.sort_unstable();

    // (b) pipelined: each patient pipelines its bookings, enough patients at once to keep
    // IN_FLIGHT transactions in flight
    let began = Instant::now();
    let results: Vec<_> = stream::iter(batch_patients.iter().enumerate())
        .map(|(index, patient)| {
            let first = index as u64 * per_patient;
            let batch: Vec<_> = (first..(first + per_patient).min(bookings))
                .map(|slot| messages::book_appointment(doctors[1], start + slot * SLOT))
                .collect();
            patient.submit_many(batch, per_patient as usize)
        })
        .buffer_unordered(in_flight.div_ceil(per_patient as usize))
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .flatten()
        .collect();
    let batch_rate = bookings as f64 / began.elapsed().as_secs_f64();
    let failed: Vec<_> = results
        .iter()
        .filter_map(|result| result.as_ref().err())
        .collect();
    assert!(
        failed.is_empty(),
        "{} of {bookings} pipelined bookings failed, the first with: {}",
        failed.len(),
        failed[0]
    );

    // (c) the node's ceiling: pipelined balance transfers from one signer
    let ferdie = to_chain_account(&ehr_client::account_from_dev_uri("//Ferdie").unwrap());
    let transfer = node::tx()
        .balances()
        .transfer_keep_alive(MultiAddress::Id(ferdie), 1_000_000_000);
    let began = Instant::now();
    let transfers: Vec<_> = stream::iter(0..bookings)
        .map(|_| dave.sign_and_submit(&transfer))
        .buffered(in_flight)
        .collect()
        .await;
    let ceiling = bookings as f64 / began.elapsed().as_secs_f64();
    assert!(
        transfers.iter().all(Result::is_ok),
        "every transfer is included"
    );

    println!("| measurement | figure |");
    println!("|---|---|");
    println!("| (a) one at a time: {one_by_one} bookings | {single_rate:.1} bookings/s |");
    println!(
        "| (a) latency p50 / p99 | {:.0} ms / {:.0} ms |",
        percentile(&latencies, 0.5).as_secs_f64() * 1000.0,
        percentile(&latencies, 0.99).as_secs_f64() * 1000.0
    );
    println!("| (b) pipelined, {in_flight} in flight: {bookings} bookings | {batch_rate:.1} bookings/s |");
    println!("| (c) ceiling: {bookings} pipelined balance transfers | {ceiling:.1} transfers/s |");
    println!("| (b)/(c) | {:.0} % |", 100.0 * batch_rate / ceiling);
    println!("| (b)/(a) | {:.1}x |", batch_rate / single_rate);
}
