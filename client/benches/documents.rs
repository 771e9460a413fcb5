//! The document pipeline's throughput and memory (a program that prints figures): for each file
//! size, in a fresh child process each so that peak memory is the stage's own,
//!
//! - encrypt: XChaCha20-Poly1305 STREAM, ciphertext thrown away;
//! - encrypt + CID: also building the Kubo-compatible UnixFS DAG, blocks thrown away;
//! - encrypt + CID + store: `seal_document` into the embedded block store on disk;
//! - open: `open_sealed_document` from that store (fetch, verify, decrypt, check the hash).
//!
//! `cargo bench -p ehr-client --bench documents -- [--sizes-mib 1,100]`

use ehr_client::documents::{
    crypto::DocumentKey, open_sealed_document, seal_document, unixfs::DiscardBlocks,
    unixfs::FileImporter, DocumentReference, EncryptionKeys, FsBlockStore,
};
use std::{
    fs::File,
    io::{BufReader, BufWriter, Write},
    path::Path,
    process::Command,
    time::Instant,
};

const MIB: u64 = 1024 * 1024;
const PATIENT: [u8; 32] = [7; 32];
const STAGES: [&str; 4] = ["encrypt", "encrypt + CID", "encrypt + CID + store", "open"];

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
    let mut out = BufWriter::new(File::create(path).unwrap());
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

/// Runs one stage on `file` and prints `seconds peak_kib`.
fn child(stage: usize, file: &Path, work: &Path) {
    let record_key = EncryptionKeys::from_suri("//Bob")
        .unwrap()
        .record_key(0)
        .unwrap();
    let input = || BufReader::with_capacity(1 << 20, File::open(file).unwrap());
    let started = Instant::now();
    match stage {
        0 => {
            DocumentKey::generate()
                .encrypt(input(), std::io::sink(), |_| {})
                .unwrap();
        }
        1 => {
            let mut importer = FileImporter::new(DiscardBlocks);
            DocumentKey::generate()
                .encrypt(input(), &mut importer, |_| {})
                .unwrap();
            importer.finish().unwrap();
        }
        2 | 3 => {
            let store = FsBlockStore::open(work.join(format!("store-{stage}"))).unwrap();
            let sealed =
                seal_document(input(), store.clone(), &record_key, &PATIENT, 1, |_| {}).unwrap();
            if stage == 3 {
                let started = Instant::now();
                let reference = DocumentReference {
                    patient: &PATIENT,
                    encrypted_cid: &sealed.encrypted_cid,
                    content_hash: &sealed.content_hash,
                    wrapped_key: &sealed.wrapped_key,
                };
                let out = BufWriter::new(File::create(work.join("opened")).unwrap());
                open_sealed_document(reference, &record_key, store, out, |_| {}).unwrap();
                println!("{} {}", started.elapsed().as_secs_f64(), peak_rss_kib());
                return;
            }
        }
        _ => unreachable!(),
    }
    println!("{} {}", started.elapsed().as_secs_f64(), peak_rss_kib());
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|arg| arg == "--child") {
        let stage: usize = args[at + 1].parse().unwrap();
        child(stage, Path::new(&args[at + 2]), Path::new(&args[at + 3]));
        return;
    }
    let sizes: Vec<u64> = args
        .iter()
        .position(|arg| arg == "--sizes-mib")
        .and_then(|at| args.get(at + 1))
        .map(|list| list.as_str())
        .unwrap_or("1,100")
        .split(',')
        .map(|size| {
            size.trim()
                .parse()
                .expect("--sizes-mib: whole MiB, comma-separated")
        })
        .collect();
    let work = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    println!("| file | stage | time | throughput | peak memory (whole process) |");
    println!("|---:|---|---:|---:|---:|");
    for size in sizes {
        let file = work.path().join(format!("plain-{size}"));
        write_test_file(&file, size * MIB);
        for (stage, name) in STAGES.iter().enumerate() {
            let stage_dir = work.path().join(format!("{size}-{stage}"));
            std::fs::create_dir_all(&stage_dir).unwrap();
            let output = Command::new(&exe)
                .args(["--child", &stage.to_string()])
                .arg(&file)
                .arg(&stage_dir)
                .output()
                .unwrap();
            assert!(
                output.status.success(),
                "{}",
                String::from_utf8_lossy(&output.stderr)
            );
            let text = String::from_utf8(output.stdout).unwrap();
            let mut fields = text.split_whitespace();
            let seconds: f64 = fields.next().unwrap().parse().unwrap();
            let peak_kib: u64 = fields.next().unwrap().parse().unwrap();
            println!(
                "| {size} MiB | {name} | {:.3} s | {:.1} MB/s | {:.1} MiB |",
                seconds,
                (size * MIB) as f64 / 1e6 / seconds,
                peak_kib as f64 / 1024.0
            );
            std::fs::remove_dir_all(&stage_dir).ok();
        }
        std::fs::remove_file(&file).ok();
    }
}
