//! End-to-end tests of the EHR contract and client on a real `substrate-contracts-node`.
//!
//! - `tests/ink_e2e.rs`: `#[ink_e2e::test]`s (ink_e2e starts its own node per test);
//! - `tests/client.rs`: the `ehr-client` API against a node [`TestNode`] starts on a free port;
//! - `tests/documents.rs`, `tests/patient_control.rs`: documents end to end and the rules that
//!   keep the patient in control, with the [`cast`] they share.
//!
//! The node binary is `$CONTRACTS_NODE`, or `substrate-contracts-node` on `PATH`.

pub mod cast;

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `substrate-contracts-node --dev --tmp` on 127.0.0.1, stopped when dropped.
pub struct TestNode {
    child: Child,
    port: u16,
    _log: tempfile::NamedTempFile,
}

/// What the node logs once its RPC server listens.
const RPC_READY: &str = "Running JSON-RPC server: addr=127.0.0.1:";

impl TestNode {
    /// Starts a node on a free port and waits until it says its RPC server listens there.
    /// Another test may take the same free port first; then this node exits and the start is
    /// tried again on another port (a bare TCP check could reach the other test's node).
    ///
    /// # Panics
    /// If the node binary cannot be started or does not listen within 60 s.
    pub fn start() -> TestNode {
        let mut last_log = String::new();
        for _ in 0..5 {
            match Self::try_start() {
                Ok(node) => return node,
                Err(log) => last_log = log,
            }
        }
        panic!("the node did not start in five tries; its last log:\n{last_log}");
    }

    fn try_start() -> Result<TestNode, String> {
        let binary =
            std::env::var("CONTRACTS_NODE").unwrap_or_else(|_| "substrate-contracts-node".into());
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map(|address| address.port())
            .expect("a free port on 127.0.0.1");
        let log = tempfile::NamedTempFile::new().expect("a temporary log file");
        let child = Command::new(&binary)
            .args(["--dev", "--tmp", "--rpc-port", &port.to_string()])
            .args([
                "--rpc-max-connections",
                "1000",
                "--no-prometheus",
                "--no-telemetry",
            ])
            .stdout(Stdio::null())
            .stderr(log.reopen().expect("the log file"))
            .spawn()
            .unwrap_or_else(|err| panic!("cannot start {binary} (run scripts/setup.sh): {err}"));
        let mut node = TestNode {
            child,
            port,
            _log: log,
        };
        let ready = format!("{RPC_READY}{port}");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let text = std::fs::read_to_string(node._log.path()).unwrap_or_default();
            if text.contains(&ready) {
                break;
            }
            if let Ok(Some(_)) = node.child.try_wait() {
                return Err(text);
            }
            assert!(
                Instant::now() < deadline,
                "{binary} did not listen on {port}:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let address = SocketAddr::from(([127, 0, 0, 1], port));
        while TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_err() {
            assert!(
                Instant::now() < deadline,
                "{binary} did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(node)
    }

    /// The node's WebSocket URL.
    pub fn url(&self) -> String {
        format!("ws://127.0.0.1:{}", self.port)
    }

    /// Stops the node now.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for TestNode {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The contract bundle under test: `$EHR_CONTRACT_BUNDLE` (the test command sets it to the
/// release build), else the bundle ink_e2e builds from `contracts/ehr`.
pub fn contract_bundle() -> PathBuf {
    if let Some(path) = std::env::var_os("EHR_CONTRACT_BUNDLE") {
        return PathBuf::from(path);
    }
    let wasm = ink_e2e::build_root_and_contract_dependencies()
        .into_iter()
        .find(|path| path.file_stem().is_some_and(|stem| stem == "ehr"))
        .expect("ink_e2e built the ehr contract");
    wasm.with_extension("contract")
}

/// Milliseconds since the Unix epoch by the wall clock, which the dev node's blocks follow.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_millis() as u64)
        .unwrap_or_default()
}

/// `count` new patients (`//Patient0`, `//Patient1`, ...), funded by `funder` with 100 UNIT
/// each (pipelined transfers) and registered, as clients on `funder`'s contract. A patient
/// holds at most `ehr::MAX_UPCOMING_APPOINTMENTS_PER_PATIENT` upcoming appointments, so a
/// batch of bookings is spread over several.
///
/// # Panics
/// If a transfer or registration fails.
pub async fn registered_patients(
    funder: &ehr_client::EhrClient,
    count: usize,
) -> Vec<ehr_client::EhrClient> {
    registered_patients_from(funder, 0, count).await
}

/// As [`registered_patients`], from `//Patient{first}` on.
///
/// # Panics
/// If a transfer or registration fails.
pub async fn registered_patients_from(
    funder: &ehr_client::EhrClient,
    first: usize,
    count: usize,
) -> Vec<ehr_client::EhrClient> {
    use futures::{stream, StreamExt};
    let patients: Vec<_> = (first..first + count)
        .map(|index| {
            funder.with_signer(ehr_client::dev_signer(&format!("//Patient{index}")).unwrap())
        })
        .collect();
    let transfers: Vec<_> = stream::iter(&patients)
        .map(|patient| {
            let to = ehr_client::to_chain_account(&patient.account_id());
            let transfer = ehr_client::node::tx()
                .balances()
                .transfer_keep_alive(subxt::utils::MultiAddress::Id(to), 100_000_000_000_000);
            async move { funder.sign_and_submit(&transfer).await.map(|_| ()) }
        })
        .buffered(16)
        .collect()
        .await;
    assert!(transfers.iter().all(Result::is_ok), "{transfers:?}");
    let registered: Vec<_> = futures::future::join_all(
        patients
            .iter()
            .map(|patient| patient.register_patient([3; 32])),
    )
    .await;
    assert!(registered.iter().all(Result::is_ok), "{registered:?}");
    patients
}

/// The node's storage deposit prices: (per byte, per item), in planck.
///
/// # Panics
/// If the node's metadata lacks the `Contracts` constants.
pub fn deposit_prices(client: &ehr_client::EhrClient) -> (u128, u128) {
    let constants = client.api().constants();
    let contracts = ehr_client::node::constants().contracts();
    (
        constants
            .at(&contracts.deposit_per_byte())
            .expect("DepositPerByte"),
        constants
            .at(&contracts.deposit_per_item())
            .expect("DepositPerItem"),
    )
}
