//! End-to-end tests of the EHR contract and client on a real `substrate-contracts-node`.
//!
//! - `tests/ink_e2e.rs`: `#[ink_e2e::test]`s (ink_e2e starts its own node per test);
//! - `tests/client.rs`: the `ehr-client` API against a node [`TestNode`] starts on a free port;
//! - `tests/documents.rs`, `tests/patient_control.rs`: documents end to end and the rules that
//!   keep the patient in control, with the [`cast`] they share.
//!
//! The node binary is `$CONTRACTS_NODE`, or `substrate-contracts-node` on `PATH`.

pub mod batch;
pub mod browser;
pub mod cast;
pub mod proxy;
pub mod traffic;

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How a [`TestNode`] runs.
#[derive(Debug, Clone, Default)]
pub struct NodeOptions {
    /// Keep the chain across [`TestNode::restart`]; `false` starts a fresh chain each time.
    /// Either way the chain lives in a temporary directory of the test's (deleted with the
    /// node), never in `--tmp`: the node deletes a `--tmp` directory only on a clean exit,
    /// and a killed node (every test's, at its end) left one behind, 3.4 GB over a few days
    /// of CI here.
    pub persistent: bool,
    /// Peers to sync from (`--bootnodes`), e.g. [`TestNode::p2p_address`] of another node.
    pub bootnodes: Vec<String>,
    /// Seconds the node waits before it finalizes a block it sealed or imported
    /// (`--finalize-delay-sec`, at most 255); `None` keeps the node's default of 1 s.
    pub finalize_delay_sec: Option<u8>,
    /// `Some(n)`: keep the state of the last n finalized blocks only (`--state-pruning n`).
    /// `None` keeps the state of every finalized block (`archive-canonical`): the dev node
    /// seals a block per transaction, so under a pipelined batch its default window of 256
    /// blocks passes in about a second, and a transaction's events could be pruned before
    /// the client reads them (it then reports `ClientError::IncludedStatePruned`).
    pub state_pruning: Option<u32>,
}

/// A `substrate-contracts-node --dev` on 127.0.0.1, stopped when dropped.
pub struct TestNode {
    child: Child,
    port: u16,
    p2p_port: u16,
    options: NodeOptions,
    base_path: tempfile::TempDir,
    log: tempfile::NamedTempFile,
}

/// What the node logs once its RPC server listens.
const RPC_READY: &str = "Running JSON-RPC server: addr=127.0.0.1:";

/// The dev chain's fixed network key (`--node-key`), so peers can name the node.
const NODE_KEY: &str = "0000000000000000000000000000000000000000000000000000000000000001";
/// The peer id of [`NODE_KEY`].
const NODE_PEER_ID: &str = "12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp";

/// A port on 127.0.0.1 that nothing listens on now.
pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port on 127.0.0.1")
}

impl TestNode {
    /// Starts a node with a fresh temporary chain on a free port and waits until it says its
    /// RPC server listens there. Another test may take the same free port first; then this
    /// node exits and the start is tried again on another port (a bare TCP check could reach
    /// the other test's node).
    ///
    /// # Panics
    /// If the node binary cannot be started or does not listen within 60 s.
    pub fn start() -> TestNode {
        Self::start_with(NodeOptions::default())
    }

    /// [`start`](Self::start) with `options`.
    ///
    /// # Panics
    /// As [`start`](Self::start).
    pub fn start_with(options: NodeOptions) -> TestNode {
        let mut last_log = String::new();
        for _ in 0..5 {
            let base_path = chain_directory();
            let log = tempfile::NamedTempFile::new().expect("a temporary log file");
            let (port, p2p_port) = (free_port(), free_port());
            match spawn(&options, &base_path, port, p2p_port, &log) {
                Ok(child) => {
                    return TestNode {
                        child,
                        port,
                        p2p_port,
                        options,
                        base_path,
                        log,
                    }
                }
                Err(log) => last_log = log,
            }
        }
        panic!("the node did not start in five tries; its last log:\n{last_log}");
    }

    /// Kills the node (SIGKILL: no clean shutdown, as in a crash) and starts it again on the
    /// same ports and, if [`NodeOptions::persistent`], the same chain.
    ///
    /// # Panics
    /// If it does not listen again within a minute.
    pub fn restart(&mut self) {
        self.stop();
        if !self.options.persistent {
            self.base_path = chain_directory();
        }
        let mut last_log = String::new();
        for _ in 0..20 {
            let log = tempfile::NamedTempFile::new().expect("a temporary log file");
            match spawn(
                &self.options,
                &self.base_path,
                self.port,
                self.p2p_port,
                &log,
            ) {
                Ok(child) => {
                    self.child = child;
                    self.log = log;
                    return;
                }
                // The port may still be held for a moment after the kill.
                Err(log) => {
                    last_log = log;
                    std::thread::sleep(Duration::from_millis(500));
                }
            }
        }
        panic!("the node did not restart; its last log:\n{last_log}");
    }

    /// The node's WebSocket URL.
    pub fn url(&self) -> String {
        format!("ws://127.0.0.1:{}", self.port)
    }

    /// The node's RPC port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The node's peer-to-peer address, for another node's [`NodeOptions::bootnodes`].
    pub fn p2p_address(&self) -> String {
        format!("/ip4/127.0.0.1/tcp/{}/p2p/{NODE_PEER_ID}", self.p2p_port)
    }

    /// What the node logged since it (re)started.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }

    /// Stops the node now.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Logs the client's tracing (for example `RUST_LOG=ehr_client=debug`) to stderr when
/// `RUST_LOG` is set; a program that installs its own subscriber does not call this.
pub fn log_from_env() {
    if std::env::var_os("RUST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .try_init();
    }
}

/// A temporary directory for a node's chain, deleted when dropped.
fn chain_directory() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("ehr-node-")
        .tempdir()
        .expect("a directory for the chain")
}

/// Starts the node binary and waits until its RPC server listens on `port`; the log so far
/// if it exits first.
fn spawn(
    options: &NodeOptions,
    base_path: &tempfile::TempDir,
    port: u16,
    p2p_port: u16,
    log: &tempfile::NamedTempFile,
) -> Result<Child, String> {
    let binary =
        std::env::var("CONTRACTS_NODE").unwrap_or_else(|_| "substrate-contracts-node".into());
    let mut command = Command::new(&binary);
    command
        .arg("--dev")
        .arg("--base-path")
        .arg(base_path.path());
    if options.bootnodes.is_empty() {
        command.args(["--node-key", NODE_KEY]);
    } else {
        command.arg("--bootnodes").args(&options.bootnodes);
    }
    if let Some(delay) = options.finalize_delay_sec {
        command.args(["--finalize-delay-sec", &delay.to_string()]);
    }
    let state_pruning = options.state_pruning.map_or_else(
        || "archive-canonical".to_string(),
        |blocks| blocks.to_string(),
    );
    command.args(["--state-pruning", &state_pruning]);
    let mut child = command
        .args(["--rpc-port", &port.to_string()])
        .args(["--port", &p2p_port.to_string()])
        .args([
            "--rpc-max-connections",
            "1000",
            "--no-prometheus",
            "--no-telemetry",
            "--no-mdns",
        ])
        .stdout(Stdio::null())
        .stderr(log.reopen().expect("the log file"))
        .spawn()
        .unwrap_or_else(|err| panic!("cannot start {binary} (run scripts/setup.sh): {err}"));
    let ready = format!("{RPC_READY}{port}");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let text = std::fs::read_to_string(log.path()).unwrap_or_default();
        if text.contains(&ready) {
            break;
        }
        if let Ok(Some(_)) = child.try_wait() {
            return Err(text);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "{binary} did not listen on {port} within 60 s:\n{text}"
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    if !accepts_by(port, deadline) {
        let _ = child.kill();
        let _ = child.wait();
        return Err(format!("{binary} did not accept connections on {port}"));
    }
    Ok(child)
}

/// Waits until something accepts connections on 127.0.0.1:`port`; `false` if nothing does
/// by `deadline`.
pub(crate) fn accepts_by(port: u16, deadline: Instant) -> bool {
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    while TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_err() {
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    true
}

impl Drop for TestNode {
    /// Stops the node; with `EHR_KEEP_NODE_LOGS=DIR` set, keeps its log (since its last
    /// start) as `DIR/node-<rpc port>.log` first, for a failed run's diagnosis.
    fn drop(&mut self) {
        if let Some(dir) = std::env::var_os("EHR_KEEP_NODE_LOGS") {
            let kept = PathBuf::from(dir).join(format!("node-{}.log", self.port));
            if let Err(err) = std::fs::copy(self.log.path(), &kept) {
                eprintln!("could not keep the node's log as {}: {err}", kept.display());
            }
        }
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

/// Alice's client on `url` with `options`, with a fresh contract deployed from
/// [`contract_bundle`].
///
/// # Panics
/// If connecting or deploying fails.
pub async fn deployed(url: &str, options: ehr_client::Options) -> ehr_client::EhrClient {
    let mut alice = ehr_client::EhrClient::connect_with(
        url,
        ehr_client::dev_signer("//Alice").unwrap(),
        options,
    )
    .await
    .expect("connecting works");
    alice
        .deploy_bundle(contract_bundle())
        .await
        .expect("deploying works");
    alice
}
