//! Documents end to end on a contracts-node on 127.0.0.1 (a program that prints figures): for
//! each file size, the patient's `DocumentVault::upload_document` (encrypt, build the UnixFS
//! DAG, store the blocks, dry-run and submit `upload_document`, wait for the block) and a
//! doctor's `open_document` (submit the logged `open_document`, fetch every block from the
//! patient's gateway by CID into the doctor's store, decrypt, check the hash, write the file).
//! Each runs in a fresh child process, so its peak memory is its own.
//!
//! `cargo bench -p ehr-e2e --bench documents_on_chain -- [--sizes-mib 1,100]`

use ehr_client::documents::{EncryptionKeys, FsBlockStore, GatewayServer};
use ehr_client::{dev_signer, parse_account, EhrClient, IpfsBackend};
use ehr_e2e::{contract_bundle, now_ms, TestNode};
use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const MIB: u64 = 1024 * 1024;
const STAGES: [&str; 2] = [
    "patient uploads",
    "doctor gets (from the patient's gateway)",
];

/// Peak resident memory of this process (`VmHWM`), in KiB.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmHWM:"))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kib| kib.parse().ok())
        })
        .unwrap_or(0)
}

fn write_test_file(path: &Path, bytes: u64) {
    let mut out = BufWriter::new(std::fs::File::create(path).unwrap());
    let mut state: u32 = 0x1234_5678;
    let mut block = vec![0u8; MIB as usize];
    for _ in 0..bytes / MIB {
        for byte in block.iter_mut() {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            *byte = state as u8;
        }
        out.write_all(&block).unwrap();
    }
    out.flush().unwrap();
}

/// `--child STAGE URL CONTRACT FILE WORK [GATEWAY]`: runs one stage, prints
/// `seconds peak_kib`. Stage 0 prints the document id after them.
async fn child(args: &[String]) {
    let (stage, url, contract, file, work) = (
        args[0].parse::<usize>().unwrap(),
        &args[1],
        &args[2],
        Path::new(&args[3]),
        Path::new(&args[4]),
    );
    let contract = ehr_client::to_chain_account(&parse_account(contract).unwrap());
    let suri = if stage == 0 { "//Dave" } else { "//Charlie" };
    let client = EhrClient::connect(url, dev_signer(suri).unwrap())
        .await
        .unwrap()
        .attach(contract);
    let peers = args.get(6).cloned().into_iter().collect();
    let ipfs =
        IpfsBackend::embedded(work.join(&suri[2..]), peers, Duration::from_secs(60)).unwrap();
    let vault = client.documents(EncryptionKeys::from_suri(suri).unwrap(), ipfs);
    let patient = ehr_client::account_from_dev_uri("//Dave").unwrap();
    let started = Instant::now();
    if stage == 0 {
        let uploaded = vault.upload_document(patient, file, 11).await.unwrap();
        println!(
            "{} {} {}",
            started.elapsed().as_secs_f64(),
            peak_rss_kib(),
            uploaded.id
        );
    } else {
        let id: u32 = args[5].parse().unwrap();
        vault
            .open_document(patient, id, &work.join("opened"))
            .await
            .unwrap();
        println!("{} {}", started.elapsed().as_secs_f64(), peak_rss_kib());
    }
}

fn run_child(args: &[String]) -> Vec<String> {
    let output = Command::new(std::env::current_exe().unwrap())
        .arg("--child")
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .split_whitespace()
        .map(String::from)
        .collect()
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|arg| arg == "--child") {
        child(&args[at + 1..]).await;
        return;
    }
    let sizes: Vec<u64> = args
        .iter()
        .position(|arg| arg == "--sizes-mib")
        .and_then(|at| args.get(at + 1))
        .map(String::as_str)
        .unwrap_or("1,100")
        .split(',')
        .map(|size| size.trim().parse().expect("--sizes-mib: whole MiB"))
        .collect();

    // A node, the contract, Dave a patient who granted Charlie read access.
    let node = TestNode::start();
    let mut alice = EhrClient::connect(&node.url(), dev_signer("//Alice").unwrap())
        .await
        .unwrap();
    let contract = alice
        .deploy_bundle(contract_bundle())
        .await
        .unwrap()
        .contract;
    let bob = alice.with_signer(dev_signer("//Bob").unwrap());
    let charlie = alice.with_signer(dev_signer("//Charlie").unwrap());
    let dave = alice.with_signer(dev_signer("//Dave").unwrap());
    alice.add_verifier(bob.account_id()).await.unwrap();
    charlie
        .register_doctor(
            "Dr. Charlie".into(),
            "Cardiology".into(),
            [1; 32],
            EncryptionKeys::from_suri("//Charlie").unwrap().public_key(),
            30,
        )
        .await
        .unwrap();
    bob.verify_doctor(charlie.account_id()).await.unwrap();
    dave.register_patient(EncryptionKeys::from_suri("//Dave").unwrap().public_key())
        .await
        .unwrap();
    let work = tempfile::tempdir().unwrap();
    let dave_vault = dave.documents(
        EncryptionKeys::from_suri("//Dave").unwrap(),
        IpfsBackend::embedded(work.path().join("unused"), vec![], Duration::from_secs(5)).unwrap(),
    );
    dave_vault
        .grant_access(charlie.account_id(), false, now_ms() + 86_400_000)
        .await
        .unwrap();

    println!("| file | step | time | throughput | peak memory (whole client process) |");
    println!("|---:|---|---:|---:|---:|");
    for size in sizes {
        let run = work.path().join(format!("run-{size}"));
        std::fs::create_dir_all(&run).unwrap();
        let file = work.path().join(format!("plain-{size}"));
        write_test_file(&file, size * MIB);
        let common = |stage: usize| {
            vec![
                stage.to_string(),
                node.url(),
                contract.to_string(),
                file.display().to_string(),
                run.display().to_string(),
            ]
        };
        let upload = run_child(&common(0));
        let gateway =
            GatewayServer::start(FsBlockStore::open(run.join("Dave")).unwrap(), "127.0.0.1:0")
                .unwrap();
        let mut get_args = common(1);
        get_args.push(upload[2].clone());
        get_args.push(gateway.url());
        let get = run_child(&get_args);
        drop(gateway);
        for (name, fields) in STAGES.iter().zip([&upload, &get]) {
            let seconds: f64 = fields[0].parse().unwrap();
            let peak_kib: u64 = fields[1].parse().unwrap();
            println!(
                "| {size} MiB | {name} | {seconds:.3} s | {:.1} MB/s | {:.1} MiB |",
                (size * MIB) as f64 / 1e6 / seconds,
                peak_kib as f64 / 1024.0
            );
        }
        std::fs::remove_dir_all(&run).ok();
        std::fs::remove_file(&file).ok();
    }
}
