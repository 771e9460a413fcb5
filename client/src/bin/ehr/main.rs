//! `ehr`: the EHR contract from a terminal.
//!
//! ```sh
//! ehr --suri //Alice deploy
//! ehr --suri //Alice admin add-verifier //Bob
//! ehr --suri //Charlie doctor register --name "Dr. Charlie" --specialty Cardiology \
//!     --licence-number GMC-1234567 --slot-minutes 30
//! ehr --suri //Bob doctor verify //Charlie
//! ehr doctors
//! ehr --suri //Dave book //Charlie 2026-11-25T09:00:00Z
//! ```
//!
//! Errors print one line naming the cause (e.g. `error: the contract refused: the slot is booked already (SlotAlreadyBooked)`)
//! and exit with status 1.

mod view;

use anyhow::{anyhow, bail, Context};
use clap::{Args, Parser, Subcommand};
use ehr_client::documents::{EncryptionKeys, FsBlockStore, GatewayServer};
use ehr_client::ehr::EmergencyCustodian;
use ehr_client::vault::KeyRotation;
use ehr_client::{
    blake2_256, dev_signer, parse_account, ss58, to_chain_account, AccountId, EhrClient, Finality,
    IpfsBackend, Options,
};
use futures::StreamExt;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;
use view::{print_record, print_rows, print_submitted, print_value, GrantView};

#[derive(Parser)]
#[command(
    name = "ehr",
    version,
    about = "Electronic health records on an ink! contract"
)]
struct Cli {
    /// Node WebSocket URL.
    #[arg(
        long,
        global = true,
        env = "EHR_URL",
        default_value = "ws://127.0.0.1:9944"
    )]
    url: String,
    /// Secret URI of the signing account: a dev account such as //Alice, or a seed phrase.
    /// Prefer EHR_SURI or --suri-file for real secrets; the value is never printed.
    #[arg(long, global = true, env = "EHR_SURI", hide_env_values = true)]
    suri: Option<String>,
    /// File holding the signer's secret URI (first line).
    #[arg(long, global = true, env = "EHR_SURI_FILE", conflicts_with = "suri")]
    suri_file: Option<PathBuf>,
    /// Contract address; by default the one `ehr deploy` remembered for this URL.
    #[arg(long, global = true, env = "EHR_CONTRACT")]
    contract: Option<String>,
    /// Where `ehr deploy` remembers contract addresses.
    #[arg(long, global = true, env = "EHR_CONFIG")]
    config: Option<PathBuf>,
    /// Print JSON instead of tables.
    #[arg(long, global = true)]
    json: bool,
    /// Wait until transactions are finalized, not just included in a block.
    #[arg(long, global = true)]
    finalized: bool,
    /// Seconds to wait for any answer from the node.
    #[arg(long, global = true, default_value_t = 60)]
    timeout: u64,
    #[command(flatten)]
    ipfs: IpfsArgs,
    #[command(subcommand)]
    command: Command,
}

/// Where document blobs go (README, "IPFS backends").
#[derive(Args, Clone)]
struct IpfsArgs {
    /// The embedded IPFS block store's directory (default: $XDG_DATA_HOME/ehr/ipfs, or
    /// ~/.local/share/ehr/ipfs).
    #[arg(long, global = true, env = "EHR_IPFS_DIR")]
    ipfs_dir: Option<PathBuf>,
    /// A peer's trustless gateway (`ehr ipfs serve`, or Kubo's gateway) to fetch blocks the
    /// embedded store lacks from; repeat for more peers.
    #[arg(
        long,
        global = true,
        env = "EHR_IPFS_PEERS",
        value_delimiter = ',',
        conflicts_with = "ipfs_api"
    )]
    ipfs_peer: Vec<String>,
    /// Use a Kubo daemon (or pinning service) through its RPC API instead of the embedded
    /// store, e.g. http://127.0.0.1:5001.
    #[arg(long, global = true, env = "EHR_IPFS_API")]
    ipfs_api: Option<String>,
}

impl IpfsArgs {
    fn dir(&self) -> PathBuf {
        if let Some(dir) = &self.ipfs_dir {
            return dir.clone();
        }
        std::env::var_os("XDG_DATA_HOME")
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".local/share"))
            })
            .unwrap_or_else(|| PathBuf::from("."))
            .join("ehr")
            .join("ipfs")
    }

    fn backend(&self, timeout: Duration) -> anyhow::Result<IpfsBackend> {
        Ok(match &self.ipfs_api {
            Some(api) => IpfsBackend::kubo(api, timeout),
            None => IpfsBackend::embedded(self.dir(), self.ipfs_peer.clone(), timeout)?,
        })
    }
}

#[derive(Args, Clone, Copy)]
struct PageArgs {
    /// Skip this many items.
    #[arg(long, default_value_t = 0)]
    offset: u32,
    /// Items per page (the contract caps pages at 20).
    #[arg(long, default_value_t = 20)]
    limit: u32,
}

#[derive(Subcommand)]
enum Command {
    /// Show the signer's account address.
    Account,
    /// Upload and instantiate the contract from its .contract bundle; remember its address.
    Deploy {
        /// Path to ehr.contract (default: $CARGO_TARGET_DIR/ink/ehr/ehr.contract, then
        /// target/ink/ehr/ehr.contract).
        #[arg(long)]
        bundle: Option<PathBuf>,
    },
    /// Admin and verifier roles.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Patients: register, verify, look up.
    #[command(subcommand)]
    Patient(PatientCommand),
    /// Doctors: register, verify, suspend, availability.
    #[command(subcommand)]
    Doctor(DoctorCommand),
    /// List doctors (verified ones, or --all registered).
    Doctors {
        /// Only this specialty (case-insensitive).
        #[arg(long)]
        specialty: Option<String>,
        /// Every registered doctor, whatever the status.
        #[arg(long, conflicts_with = "specialty")]
        all: bool,
        #[command(flatten)]
        page: PageArgs,
    },
    /// Whether a doctor's slot starting at START is free to book.
    Available {
        /// The doctor.
        doctor: String,
        /// Slot start (RFC 3339, e.g. 2026-11-25T09:00:00Z).
        start: String,
    },
    /// Book a doctor's slot as the signing patient.
    Book {
        /// The doctor.
        doctor: String,
        /// Slot start (RFC 3339).
        start: String,
    },
    /// List appointments of an account (default: the signer's).
    Appointments {
        /// Patient or doctor account.
        account: Option<String>,
        #[command(flatten)]
        page: PageArgs,
    },
    /// One appointment: show, cancel, complete, no-show.
    #[command(subcommand)]
    Appointment(AppointmentCommand),
    /// Grant a doctor access to the signer's records; the current record key is sealed to the
    /// doctor's registered X25519 key.
    Grant {
        /// The doctor.
        doctor: String,
        /// When the grant ends: RFC 3339, or +DURATION from now (+45s, +30m, +12h, +7d).
        #[arg(long)]
        until: String,
        /// Let the doctor add documents too.
        #[arg(long)]
        write: bool,
        /// A record key sealed elsewhere (hex), instead of sealing the derived one.
        #[arg(long)]
        wrapped_key: Option<String>,
    },
    /// Revoke a doctor's grant at once: the record key moves to the next epoch and is shared
    /// again with every other doctor whose grant is live.
    Revoke {
        /// The doctor.
        doctor: String,
    },
    /// Share the current record key with a doctor holding a live grant.
    ShareKey {
        /// The doctor.
        doctor: String,
        /// The record-key epoch a key sealed elsewhere belongs to (with --wrapped-key).
        #[arg(long, requires = "wrapped_key")]
        epoch: Option<u32>,
        /// A record key sealed elsewhere (hex), instead of sealing the derived one.
        #[arg(long, requires = "epoch")]
        wrapped_key: Option<String>,
    },
    /// Move the signer's record key to the next epoch without revoking anyone; share it with
    /// every live grantee and re-deposit it with the emergency custodian.
    RotateKey,
    /// Replace the signer's registered encryption key with the next generation's (a lost or
    /// exposed device). A doctor's patients then rotate and re-share to the new key.
    ReplaceEncryptionKey,
    /// A patient's grants (default: the signer's), or with --doctor the one grant.
    Grants {
        /// The patient (default: the signer).
        #[arg(long)]
        patient: Option<String>,
        /// Only the grant to this doctor.
        #[arg(long)]
        doctor: Option<String>,
        #[command(flatten)]
        page: PageArgs,
    },
    /// Documents: upload a file, get one back, list; or work with raw references.
    #[command(subcommand, visible_alias = "document")]
    Doc(DocumentCommand),
    /// The embedded IPFS store: serve it to peers.
    #[command(subcommand)]
    Ipfs(IpfsCommand),
    /// Search every extrinsic, event and storage value on the chain for a marker (to check
    /// that nothing of a document reached the chain); exits 1 if it is found.
    ScanChain {
        /// The text to look for.
        #[arg(long)]
        marker: String,
    },
    /// Break-glass access: open, end, show.
    #[command(subcommand)]
    Emergency(EmergencyCommand),
    /// A patient's audit trail (default: the signer's).
    Audit {
        /// The patient.
        patient: Option<String>,
        #[command(flatten)]
        page: PageArgs,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Show the admin account.
    Show,
    /// Propose ACCOUNT as the next admin.
    Transfer { account: String },
    /// Accept the admin role proposed to the signer.
    Accept,
    /// Appoint a verifier.
    AddVerifier { account: String },
    /// Remove a verifier.
    RemoveVerifier { account: String },
    /// Whether ACCOUNT is a verifier.
    IsVerifier { account: String },
    /// How many verifiers there are.
    Verifiers,
    /// Appoint the break-glass key custodian: its account and X25519 public key (the
    /// custodian's `ehr account --json` shows it).
    SetCustodian {
        account: String,
        #[arg(long)]
        public_key: String,
    },
    /// Remove the break-glass key custodian.
    RemoveCustodian,
    /// Show the break-glass key custodian.
    Custodian,
}

#[derive(Subcommand)]
enum PatientCommand {
    /// Register the signer as a patient.
    Register {
        /// Public X25519 key (hex, 32 bytes); default: derived from the signer's secret URI.
        #[arg(long)]
        public_key: Option<String>,
    },
    /// Attest a patient's identity (verified doctor or verifier; not oneself).
    Verify { account: String },
    /// Withdraw the attestation of a patient's identity (its attester, or any verifier).
    Unverify { account: String },
    /// A patient's registration.
    Show { account: Option<String> },
    /// Whether ACCOUNT is a registered patient, and who verified it when.
    Verification { account: Option<String> },
    /// How many patients are registered.
    Count,
}

#[derive(Subcommand)]
enum DoctorCommand {
    /// Register the signer as a doctor (pending verification).
    Register {
        /// Display name (public professional data).
        #[arg(long)]
        name: String,
        /// Specialty.
        #[arg(long)]
        specialty: String,
        /// Licence number; only its BLAKE2b-256 hash goes on chain.
        #[arg(long)]
        licence_number: String,
        /// Slot length in minutes.
        #[arg(long, default_value_t = 30)]
        slot_minutes: u16,
        /// Public X25519 key (hex); default: derived from the signer's secret URI.
        #[arg(long)]
        public_key: Option<String>,
    },
    /// Verify a doctor (verifier).
    Verify { account: String },
    /// Suspend a doctor (verifier).
    Suspend { account: String },
    /// A doctor's profile (default: the signer's).
    Show { account: Option<String> },
    /// How many doctors are registered and verified.
    Count,
    /// Publish, withdraw or show availability windows.
    #[command(subcommand)]
    Availability(AvailabilityCommand),
}

#[derive(Subcommand)]
enum AvailabilityCommand {
    /// Publish [START, END) for the signing doctor.
    Publish { start: String, end: String },
    /// Withdraw the signer's window starting at START.
    Withdraw { start: String },
    /// A doctor's windows (default: the signer's).
    Show { doctor: Option<String> },
}

#[derive(Subcommand)]
enum AppointmentCommand {
    /// Show one appointment.
    Show { id: u64 },
    /// Cancel before it starts (patient or doctor).
    Cancel { id: u64 },
    /// Mark fulfilled after it started (doctor).
    Complete { id: u64 },
    /// Mark no-show after it started (doctor).
    NoShow { id: u64 },
}

#[derive(Subcommand)]
enum IpfsCommand {
    /// Serve the embedded store's blocks as an IPFS trustless gateway (GET or HEAD /ipfs/CID
    /// with Accept: application/vnd.ipld.raw, or ?format=raw) until interrupted.
    Serve {
        /// Address to listen on (port 0: any free port).
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// Write the gateway's URL to this file once it listens.
        #[arg(long)]
        url_file: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum DocumentCommand {
    /// Encrypt FILE on this machine, store it on IPFS, and add it to a patient's record.
    Upload {
        /// The file.
        file: PathBuf,
        /// The patient (default: the signer).
        #[arg(long)]
        patient: Option<String>,
        /// Document kind code.
        #[arg(long)]
        kind: u16,
        /// The current document this one replaces.
        #[arg(long)]
        supersedes: Option<u32>,
    },
    /// Open document ID (logged), fetch it from IPFS, decrypt and check it, write it to
    /// --output. Nothing is written unless every check passes.
    Get {
        /// The document.
        id: u32,
        /// The patient (default: the signer).
        #[arg(long)]
        patient: Option<String>,
        /// Where to write the file.
        #[arg(short, long)]
        output: PathBuf,
    },
    /// List a patient's documents (default: the signer's).
    List {
        /// The patient.
        #[arg(long)]
        patient: Option<String>,
        #[command(flatten)]
        page: PageArgs,
    },
    /// Add a reference to a document encrypted elsewhere (low level).
    Add {
        /// The patient (default: the signer).
        #[arg(long)]
        patient: Option<String>,
        /// Encrypted CID (hex).
        #[arg(long)]
        encrypted_cid: String,
        /// BLAKE2b-256 (or SHA-256) hash of the plaintext (hex, 32 bytes).
        #[arg(long)]
        content_hash: String,
        /// Document key wrapped with the record key (hex).
        #[arg(long, default_value = "0x")]
        wrapped_key: String,
        /// The current document this one replaces.
        #[arg(long)]
        supersedes: Option<u32>,
    },
    /// Open a document's reference (a transaction: the access is logged for anyone but the
    /// patient), without fetching the file.
    Open { patient: String, id: u32 },
    /// Mark a document entered-in-error.
    EnteredInError { patient: String, id: u32 },
}

#[derive(Subcommand)]
enum EmergencyCommand {
    /// Open a patient's records for one hour (verified doctor). The reason goes on chain
    /// sealed to the patient: only the patient reads it (`ehr emergency reason`).
    Open {
        patient: String,
        /// Why (at most 206 bytes).
        #[arg(long)]
        reason: String,
    },
    /// As a patient: refuse DOCTOR break-glass access (revoking a grant does this too).
    Refuse { doctor: String },
    /// As a patient: lift a refusal of DOCTOR's break-glass access.
    Allow { doctor: String },
    /// As a patient: the reason DOCTOR gave for its latest emergency access.
    Reason { doctor: String },
    /// As a patient: deposit the record key with the emergency custodian (opt in to key
    /// release during emergency access).
    DepositKey,
    /// As a patient: withdraw the deposited key (opt out).
    WithdrawKey,
    /// A patient's deposited key (default: the signer's).
    Key { patient: Option<String> },
    /// As the custodian: release PATIENT's deposited key to DOCTOR, whose emergency access
    /// is open.
    Release { patient: String, doctor: String },
    /// As the custodian: release keys as doctors open emergency access, until interrupted.
    /// The contract's rules decide (a verified, not suspended doctor the patient has not
    /// refused, whose access is open); each refusal is one line saying why.
    Watch {
        /// First replay the blocks from this number (a watcher that was offline catches up).
        #[arg(long)]
        from_block: Option<u32>,
    },
    /// End emergency access early (the patient, or the doctor). The patient's client also
    /// rotates the record key if it had been released to the doctor.
    End {
        /// The patient (default: the signer).
        #[arg(long)]
        patient: Option<String>,
        /// The doctor (default: the signer).
        #[arg(long)]
        doctor: Option<String>,
    },
    /// The latest emergency access of DOCTOR to PATIENT.
    Show {
        #[arg(long)]
        patient: Option<String>,
        #[arg(long)]
        doctor: Option<String>,
    },
}

/// Remembered contract addresses, per node URL.
#[derive(serde::Serialize, serde::Deserialize, Default)]
struct Config {
    contracts: BTreeMap<String, String>,
}

fn config_path(cli: &Cli) -> PathBuf {
    if let Some(path) = &cli.config {
        return path.clone();
    }
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".config")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("ehr").join("config.json")
}

fn load_config(path: &Path) -> anyhow::Result<Config> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text)
            .with_context(|| format!("{} is not a valid ehr config", path.display())),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
        Err(err) => Err(err).with_context(|| format!("cannot read {}", path.display())),
    }
}

fn save_config(path: &Path, config: &Config) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    std::fs::write(path, serde_json::to_string_pretty(config)?)
        .with_context(|| format!("cannot write {}", path.display()))
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or_default()
}

/// RFC 3339, or `+<n>m|h|d` from now, to milliseconds since the epoch.
fn parse_time(text: &str) -> anyhow::Result<u64> {
    if let Some(relative) = text.strip_prefix('+') {
        let (number, unit) = relative.split_at(relative.len().saturating_sub(1));
        let number: u64 = number.parse().map_err(|_| {
            anyhow!("`{text}` is not a time: use RFC 3339 or +45s, +30m, +12h, +7d")
        })?;
        let unit_ms: u64 = match unit {
            "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            _ => bail!("`{text}` is not a time: use RFC 3339 or +45s, +30m, +12h, +7d"),
        };
        return number
            .checked_mul(unit_ms)
            .and_then(|offset| now_ms().checked_add(offset))
            .ok_or_else(|| anyhow!("`{text}` is too far away"));
    }
    let at = chrono::DateTime::parse_from_rfc3339(text)
        .map_err(|err| anyhow!("`{text}` is not an RFC 3339 time ({err})"))?;
    u64::try_from(at.timestamp_millis()).map_err(|_| anyhow!("`{text}` is before 1970"))
}

fn parse_hex(what: &str, text: &str) -> anyhow::Result<Vec<u8>> {
    hex::decode(text.trim_start_matches("0x")).map_err(|_| anyhow!("{what} is not hex"))
}

fn parse_hash(what: &str, text: &str) -> anyhow::Result<[u8; 32]> {
    parse_hex(what, text)?
        .try_into()
        .map_err(|_| anyhow!("{what} must be 32 bytes"))
}

fn account(text: &str) -> anyhow::Result<AccountId> {
    Ok(parse_account(text)?)
}

/// The signer's public X25519 key of generation 0 (for registration): derived from its secret
/// key bytes (see `ehr_client::documents::crypto`).
fn derived_public_key(suri: &str) -> anyhow::Result<[u8; 32]> {
    Ok(EncryptionKeys::from_suri(suri)?.public_key())
}

fn default_bundle() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target"));
    target.join("ink").join("ehr").join("ehr.contract")
}

struct Session {
    client: EhrClient,
    suri: String,
    json: bool,
    ipfs: IpfsArgs,
    timeout: Duration,
}

impl Session {
    /// The signer's documents, with the generation of its encryption keys registered on chain.
    async fn vault(&self) -> anyhow::Result<ehr_client::DocumentVault<'_>> {
        let keys = self
            .client
            .registered_keys(EncryptionKeys::from_suri(&self.suri)?)
            .await?;
        Ok(self
            .client
            .documents(keys, self.ipfs.backend(self.timeout)?))
    }

    /// A progress bar on stderr for `total` bytes (a byte counter if unknown); hidden for
    /// --json and when stderr is not a terminal.
    fn progress(&self, what: &str, total: Option<u64>) -> ProgressBar {
        let bar = match total {
            Some(total) => ProgressBar::new(total).with_style(
                ProgressStyle::with_template(
                    "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            ),
            None => ProgressBar::new_spinner().with_style(
                ProgressStyle::with_template("{msg} {spinner} {bytes} {bytes_per_sec}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            ),
        };
        if self.json {
            bar.set_draw_target(ProgressDrawTarget::hidden());
        }
        bar.with_message(what.to_string())
    }

    fn me(&self) -> AccountId {
        self.client.account_id()
    }
    fn or_me(&self, account_text: &Option<String>) -> anyhow::Result<AccountId> {
        match account_text {
            Some(text) => account(text),
            None => Ok(self.me()),
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let suri = match (&cli.suri, &cli.suri_file) {
        (Some(suri), _) => suri.clone(),
        (None, Some(path)) => std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
            .to_string(),
        // Public queries need no secret: dry-run them as a well-known dev account.
        (None, None) => "//Alice".to_string(),
    };
    let signer = dev_signer(&suri)?;
    if let Command::Account = cli.command {
        let me = AccountId::from(signer.public_key().0);
        if cli.json {
            println!(
                "{}",
                json!({ "account": ss58(&me), "public_key": format!("0x{}", hex::encode(derived_public_key(&suri)?)) })
            );
        } else {
            println!("{}", ss58(&me));
        }
        return Ok(());
    }
    if let Command::Ipfs(IpfsCommand::Serve { listen, url_file }) = &cli.command {
        let store = FsBlockStore::open(cli.ipfs.dir())?;
        let dir = store.dir().display().to_string();
        let server = GatewayServer::start(store, listen)?;
        if let Some(path) = url_file {
            std::fs::write(path, server.url())
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        eprintln!("serving the blocks in {dir} at {}", server.url());
        server.wait();
        return Ok(());
    }
    if cli.suri.is_none() && cli.suri_file.is_none() && !is_public_query(&cli.command) {
        bail!("this command acts as an account: give --suri, EHR_SURI or --suri-file");
    }
    let options = Options {
        timeout: Duration::from_secs(cli.timeout),
        finality: if cli.finalized {
            Finality::Finalized
        } else {
            Finality::InBlock
        },
        ..Options::default()
    };
    let client = EhrClient::connect_with(&cli.url, signer, options).await?;
    let config_file = config_path(&cli);
    if let Command::Deploy { bundle } = &cli.command {
        let bundle = bundle.clone().unwrap_or_else(default_bundle);
        let mut client = client;
        let deployment = client
            .deploy_bundle(&bundle)
            .await
            .with_context(|| format!("deploying {}", bundle.display()))?;
        let mut config = load_config(&config_file)?;
        config
            .contracts
            .insert(cli.url.clone(), deployment.contract.to_string());
        save_config(&config_file, &config)?;
        if cli.json {
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
        return Ok(());
    }
    let contract = match &cli.contract {
        Some(address) => address.clone(),
        None => load_config(&config_file)?
            .contracts
            .get(&cli.url)
            .cloned()
            .ok_or_else(|| {
                anyhow!(
                    "no contract for {}: run `ehr deploy` or give --contract",
                    cli.url
                )
            })?,
    };
    let contract = to_chain_account(&account(&contract)?);
    let context = Session {
        client: client.attach(contract),
        suri,
        json: cli.json,
        ipfs: cli.ipfs.clone(),
        timeout: Duration::from_secs(cli.timeout),
    };
    dispatch(&context, cli.command).await
}

/// Commands that read public data (a dry-run), so any account may ask.
fn is_public_query(command: &Command) -> bool {
    match command {
        Command::Doctors { .. } | Command::Available { .. } | Command::ScanChain { .. } => true,
        Command::Admin(sub) => matches!(
            sub,
            AdminCommand::Show
                | AdminCommand::IsVerifier { .. }
                | AdminCommand::Verifiers
                | AdminCommand::Custodian
        ),
        Command::Patient(sub) => matches!(
            sub,
            PatientCommand::Show { .. }
                | PatientCommand::Verification { .. }
                | PatientCommand::Count
        ),
        Command::Doctor(sub) => matches!(
            sub,
            DoctorCommand::Show { .. }
                | DoctorCommand::Count
                | DoctorCommand::Availability(AvailabilityCommand::Show { .. })
        ),
        _ => false,
    }
}

async fn dispatch(context: &Session, command: Command) -> anyhow::Result<()> {
    let client = &context.client;
    let as_json = context.json;
    match command {
        Command::Account | Command::Deploy { .. } | Command::Ipfs(_) => {
            unreachable!("handled before connecting")
        }
        Command::Admin(sub) => match sub {
            AdminCommand::Show => {
                print_value("admin", json!(ss58(&client.admin().await?)), as_json)
            }
            AdminCommand::Transfer { account: to } => {
                let done = client.transfer_admin(account(&to)?).await?;
                print_submitted("admin transfer proposed", &done, Value::Null, as_json);
            }
            AdminCommand::Accept => {
                let done = client.accept_admin().await?;
                print_submitted("admin role accepted", &done, Value::Null, as_json);
            }
            AdminCommand::AddVerifier { account: verifier } => {
                let done = client.add_verifier(account(&verifier)?).await?;
                print_submitted("verifier added", &done, Value::Null, as_json);
            }
            AdminCommand::RemoveVerifier { account: verifier } => {
                let done = client.remove_verifier(account(&verifier)?).await?;
                print_submitted("verifier removed", &done, Value::Null, as_json);
            }
            AdminCommand::IsVerifier { account: who } => {
                let answer = client.is_verifier(account(&who)?).await?;
                print_value("verifier", json!(answer), as_json);
            }
            AdminCommand::Verifiers => {
                print_value("verifiers", json!(client.verifier_count().await?), as_json)
            }
            AdminCommand::SetCustodian {
                account: custodian,
                public_key,
            } => {
                let custodian = EmergencyCustodian {
                    account: account(&custodian)?,
                    public_key: parse_hash("--public-key", &public_key)?,
                };
                let done = client.set_emergency_custodian(Some(custodian)).await?;
                print_submitted(
                    "emergency key custodian appointed",
                    &done,
                    Value::Null,
                    as_json,
                );
            }
            AdminCommand::RemoveCustodian => {
                let done = client.set_emergency_custodian(None).await?;
                print_submitted(
                    "emergency key custodian removed",
                    &done,
                    Value::Null,
                    as_json,
                );
            }
            AdminCommand::Custodian => print_record(&client.emergency_custodian().await?, as_json),
        },
        Command::Patient(sub) => match sub {
            PatientCommand::Register { public_key } => {
                let key = match public_key {
                    Some(text) => parse_hash("--public-key", &text)?,
                    None => derived_public_key(&context.suri)?,
                };
                let done = client.register_patient(key).await?;
                print_submitted("registered as patient", &done, Value::Null, as_json);
            }
            PatientCommand::Verify { account: patient } => {
                let done = client.verify_patient(account(&patient)?).await?;
                print_submitted("patient verified", &done, Value::Null, as_json);
            }
            PatientCommand::Unverify { account: patient } => {
                let done = client
                    .withdraw_patient_verification(account(&patient)?)
                    .await?;
                print_submitted("patient attestation withdrawn", &done, Value::Null, as_json);
            }
            PatientCommand::Show { account: who } => {
                let who = context.or_me(&who)?;
                print_record(&(who, client.patient(who).await?), as_json);
            }
            PatientCommand::Verification { account: who } => {
                let who = context.or_me(&who)?;
                print_record(&(who, client.patient_verification(who).await?), as_json);
            }
            PatientCommand::Count => {
                print_value("patients", json!(client.patient_count().await?), as_json)
            }
        },
        Command::Doctor(sub) => match sub {
            DoctorCommand::Register {
                name,
                specialty,
                licence_number,
                slot_minutes,
                public_key,
            } => {
                let key = match public_key {
                    Some(text) => parse_hash("--public-key", &text)?,
                    None => derived_public_key(&context.suri)?,
                };
                let licence_hash = blake2_256(licence_number.trim().as_bytes());
                let done = client
                    .register_doctor(name, specialty, licence_hash, key, slot_minutes)
                    .await?;
                print_submitted(
                    "registered as doctor (pending verification)",
                    &done,
                    Value::Null,
                    as_json,
                );
            }
            DoctorCommand::Verify { account: doctor } => {
                let done = client.verify_doctor(account(&doctor)?).await?;
                print_submitted("doctor verified", &done, Value::Null, as_json);
            }
            DoctorCommand::Suspend { account: doctor } => {
                let done = client.suspend_doctor(account(&doctor)?).await?;
                print_submitted("doctor suspended", &done, Value::Null, as_json);
            }
            DoctorCommand::Show { account: who } => {
                let who = context.or_me(&who)?;
                print_record(&(who, client.doctor(who).await?), as_json);
            }
            DoctorCommand::Count => {
                let registered = client.doctor_count().await?;
                let verified = client.verified_doctor_count().await?;
                if as_json {
                    println!(
                        "{}",
                        json!({ "registered": registered, "verified": verified })
                    );
                } else {
                    println!("doctors: {registered} registered, {verified} verified");
                }
            }
            DoctorCommand::Availability(sub) => match sub {
                AvailabilityCommand::Publish { start, end } => {
                    let done = client
                        .publish_availability(parse_time(&start)?, parse_time(&end)?)
                        .await?;
                    print_submitted("availability published", &done, Value::Null, as_json);
                }
                AvailabilityCommand::Withdraw { start } => {
                    let done = client.withdraw_availability(parse_time(&start)?).await?;
                    print_submitted("availability withdrawn", &done, Value::Null, as_json);
                }
                AvailabilityCommand::Show { doctor } => {
                    let windows = client.get_availability(context.or_me(&doctor)?).await?;
                    print_rows(&windows, None, 0, as_json);
                }
            },
        },
        Command::Doctors {
            specialty,
            all,
            page,
        } => {
            let found = if all {
                client
                    .get_registered_doctors(page.offset, page.limit)
                    .await?
            } else {
                client
                    .get_all_doctors(specialty, page.offset, page.limit)
                    .await?
            };
            print_rows(&found.items, Some(found.total), page.offset, as_json);
        }
        Command::Available { doctor, start } => {
            let free = client
                .check_doctor_availability(account(&doctor)?, parse_time(&start)?)
                .await?;
            print_value("available", json!(free), as_json);
        }
        Command::Book { doctor, start } => {
            let done = client
                .book_appointment(account(&doctor)?, parse_time(&start)?)
                .await?;
            print_submitted("booked appointment", &done, json!(done.value), as_json);
        }
        Command::Appointments { account: who, page } => {
            let who = context.or_me(&who)?;
            let found = client
                .get_all_appointments(who, page.offset, page.limit)
                .await?;
            print_rows(&found.items, Some(found.total), page.offset, as_json);
        }
        Command::Appointment(sub) => match sub {
            AppointmentCommand::Show { id } => {
                print_record(&client.appointment(id).await?, as_json)
            }
            AppointmentCommand::Cancel { id } => {
                let done = client.cancel_appointment(id).await?;
                print_submitted("appointment cancelled", &done, json!(id), as_json);
            }
            AppointmentCommand::Complete { id } => {
                let done = client.complete_appointment(id).await?;
                print_submitted("appointment fulfilled", &done, json!(id), as_json);
            }
            AppointmentCommand::NoShow { id } => {
                let done = client.mark_no_show(id).await?;
                print_submitted("appointment marked no-show", &done, json!(id), as_json);
            }
        },
        Command::Grant {
            doctor,
            until,
            write,
            wrapped_key,
        } => {
            let (doctor, expires_at) = (account(&doctor)?, parse_time(&until)?);
            let done = match wrapped_key {
                Some(sealed) => {
                    client
                        .grant_access(
                            doctor,
                            write,
                            expires_at,
                            parse_hex("--wrapped-key", &sealed)?,
                        )
                        .await?
                }
                None => {
                    context
                        .vault()
                        .await?
                        .grant_access(doctor, write, expires_at)
                        .await?
                }
            };
            print_submitted(
                "access granted (record key sealed to the doctor)",
                &done,
                Value::Null,
                as_json,
            );
        }
        Command::Revoke { doctor } => {
            let rotation = context
                .vault()
                .await?
                .revoke_access(account(&doctor)?)
                .await?;
            print_rotation("access revoked", &rotation, as_json);
        }
        Command::RotateKey => {
            let rotation = context.vault().await?.rotate_record_key().await?;
            print_rotation("record key rotated", &rotation, as_json);
        }
        Command::ReplaceEncryptionKey => {
            let (done, keys) = context.vault().await?.replace_public_key().await?;
            print_submitted(
                &format!(
                    "encryption key replaced (generation {}); keys sealed to the old one stay readable by whoever holds it",
                    keys.generation()
                ),
                &done,
                json!(format!("0x{}", hex::encode(keys.public_key()))),
                as_json,
            );
        }
        Command::ShareKey {
            doctor,
            epoch,
            wrapped_key,
        } => {
            let doctor = account(&doctor)?;
            let done = match (epoch, wrapped_key) {
                (Some(epoch), Some(sealed)) => {
                    client
                        .share_record_key(doctor, epoch, parse_hex("--wrapped-key", &sealed)?)
                        .await?
                }
                _ => context.vault().await?.share_record_key(doctor).await?,
            };
            print_submitted("record key shared", &done, Value::Null, as_json);
        }
        Command::Grants {
            patient,
            doctor,
            page,
        } => {
            let patient = context.or_me(&patient)?;
            match doctor {
                Some(doctor) => {
                    let doctor = account(&doctor)?;
                    let grant = client.grant(patient, doctor).await?;
                    print_record(&GrantView(Some(patient), doctor, grant, now_ms()), as_json);
                }
                None => {
                    let found = client.get_grants(patient, page.offset, page.limit).await?;
                    let rows = view::grant_entries(found.items, now_ms());
                    print_rows(&rows, Some(found.total), page.offset, as_json);
                }
            }
        }
        Command::ScanChain { marker } => {
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
        }
        Command::Doc(sub) => match sub {
            DocumentCommand::Upload {
                file,
                patient,
                kind,
                supersedes,
            } => {
                let patient = context.or_me(&patient)?;
                let size = std::fs::metadata(&file)
                    .with_context(|| format!("cannot read {}", file.display()))?
                    .len();
                let bar = context.progress("encrypting and storing", Some(size));
                let reporter = bar.clone();
                let uploaded = context
                    .vault()
                    .await?
                    .upload_document_with(patient, file.as_path(), kind, supersedes, move |done| {
                        reporter.set_position(done)
                    })
                    .await;
                bar.finish_and_clear();
                let uploaded = uploaded?;
                if let Some(rotation) = &uploaded.rotation {
                    print_rotation(
                        "a holder of the record key had lost access: record key rotated",
                        rotation,
                        as_json,
                    );
                }
                if as_json {
                    println!(
                        "{}",
                        json!({
                            "id": uploaded.id,
                            "cid": uploaded.cid.to_string(),
                            "key_epoch": uploaded.key_epoch,
                            "bytes": uploaded.plaintext_len,
                            "blob_bytes": uploaded.blob_len,
                            "block": format!("{:?}", uploaded.block_hash),
                        })
                    );
                } else {
                    println!(
                        "uploaded {} as document {} of {} ({} bytes, encrypted blob {} bytes, IPFS {}, key epoch {}) in block {:?}",
                        file.display(),
                        uploaded.id,
                        ss58(&patient),
                        uploaded.plaintext_len,
                        uploaded.blob_len,
                        uploaded.cid,
                        uploaded.key_epoch,
                        uploaded.block_hash
                    );
                }
            }
            DocumentCommand::Get {
                id,
                patient,
                output,
            } => {
                let patient = context.or_me(&patient)?;
                let bar = context.progress("fetching and decrypting", None);
                let reporter = bar.clone();
                let opened = context
                    .vault()
                    .await?
                    .open_document_with(patient, id, &output, move |done| {
                        reporter.set_position(done)
                    })
                    .await;
                bar.finish_and_clear();
                let opened = opened?;
                if as_json {
                    let mut value = view::document_json(&opened.document);
                    value["output"] = json!(opened.path.display().to_string());
                    value["bytes"] = json!(opened.plaintext_len);
                    value["cid"] = json!(opened.cid.to_string());
                    println!("{value}");
                } else {
                    println!(
                        "document {id} of {} opened (logged), checked and written to {} ({} bytes, IPFS {})",
                        ss58(&patient),
                        opened.path.display(),
                        opened.plaintext_len,
                        opened.cid
                    );
                }
            }
            DocumentCommand::List { patient, page } => {
                let patient = context.or_me(&patient)?;
                let found = client
                    .get_all_documents(patient, page.offset, page.limit)
                    .await?;
                // The kind is inside the encrypted reference: shown where this account holds
                // the document's key.
                let kinds = match context
                    .vault()
                    .await?
                    .document_kinds(patient, &found.items)
                    .await
                {
                    Ok(kinds) => kinds,
                    Err(_) => vec![None; found.items.len()],
                };
                let rows: Vec<_> = found
                    .items
                    .into_iter()
                    .zip(kinds)
                    .map(|(document, kind)| view::DocumentRow(document, kind))
                    .collect();
                print_rows(&rows, Some(found.total), page.offset, as_json);
            }
            DocumentCommand::Add {
                patient,
                encrypted_cid,
                content_hash,
                wrapped_key,
                supersedes,
            } => {
                let done = client
                    .upload_document(
                        context.or_me(&patient)?,
                        parse_hex("--encrypted-cid", &encrypted_cid)?,
                        parse_hash("--content-hash", &content_hash)?,
                        parse_hex("--wrapped-key", &wrapped_key)?,
                        supersedes,
                    )
                    .await?;
                print_submitted("document added", &done, json!(done.value), as_json);
            }
            DocumentCommand::Open { patient, id } => {
                let done = client.open_document(account(&patient)?, id).await?;
                if as_json {
                    print_record(&done.value, true);
                } else {
                    print_submitted("document opened", &done, json!(id), false);
                    print_record(&done.value, false);
                }
            }
            DocumentCommand::EnteredInError { patient, id } => {
                let done = client
                    .mark_document_entered_in_error(account(&patient)?, id)
                    .await?;
                print_submitted(
                    "document marked entered-in-error",
                    &done,
                    json!(id),
                    as_json,
                );
            }
        },
        Command::Emergency(sub) => match sub {
            EmergencyCommand::Open { patient, reason } => {
                let done = context
                    .vault()
                    .await?
                    .open_emergency_access(account(&patient)?, &reason)
                    .await?;
                print_submitted(
                    "EMERGENCY ACCESS OPENED (logged) until",
                    &done,
                    json!(view::time(done.value)),
                    as_json,
                );
            }
            EmergencyCommand::End { patient, doctor } => {
                let (patient, doctor) = (context.or_me(&patient)?, context.or_me(&doctor)?);
                if patient == context.me() {
                    let (ended, rotation) =
                        context.vault().await?.end_emergency_access(doctor).await?;
                    print_submitted("emergency access ended", &ended, Value::Null, as_json);
                    if let Some(rotation) = rotation {
                        print_rotation(
                            "the key released to the doctor is retired: record key rotated",
                            &rotation,
                            as_json,
                        );
                    }
                } else {
                    let done = client.end_emergency_access(patient, doctor).await?;
                    print_submitted("emergency access ended", &done, Value::Null, as_json);
                }
            }
            EmergencyCommand::Refuse { doctor } => {
                let done = client.refuse_emergency_access(account(&doctor)?).await?;
                print_submitted(
                    "break-glass access refused to the doctor",
                    &done,
                    Value::Null,
                    as_json,
                );
            }
            EmergencyCommand::Allow { doctor } => {
                let done = client.allow_emergency_access(account(&doctor)?).await?;
                print_submitted("break-glass refusal lifted", &done, Value::Null, as_json);
            }
            EmergencyCommand::Reason { doctor } => {
                let reason = context
                    .vault()
                    .await?
                    .emergency_reason(account(&doctor)?)
                    .await?;
                print_value("reason", json!(reason), as_json);
            }
            EmergencyCommand::DepositKey => {
                let done = context.vault().await?.deposit_emergency_key().await?;
                print_submitted(
                    "record key deposited with the emergency custodian",
                    &done,
                    Value::Null,
                    as_json,
                );
            }
            EmergencyCommand::WithdrawKey => {
                let done = client.withdraw_emergency_key().await?;
                print_submitted("deposited key withdrawn", &done, Value::Null, as_json);
            }
            EmergencyCommand::Key { patient } => {
                let patient = context.or_me(&patient)?;
                print_record(&(patient, client.emergency_key(patient).await?), as_json);
            }
            EmergencyCommand::Release { patient, doctor } => {
                let done = context
                    .vault()
                    .await?
                    .release_emergency_key(account(&patient)?, account(&doctor)?)
                    .await?;
                print_submitted(
                    "record key released to the doctor (logged)",
                    &done,
                    Value::Null,
                    as_json,
                );
            }
            EmergencyCommand::Watch { from_block } => {
                let vault = context.vault().await?;
                let mut blocks = Box::pin(client.watch_events_from(from_block).await?);
                eprintln!(
                    "watching for emergency access as custodian {}",
                    ss58(&context.me())
                );
                while let Some(block) = blocks.next().await {
                    let (_, events) = block?;
                    for (patient, doctor, outcome) in
                        vault.release_for_opened_emergencies(&events).await
                    {
                        match outcome {
                            Ok(done) => print_submitted(
                                &format!(
                                    "released {}'s record key to {}",
                                    ss58(&patient),
                                    ss58(&doctor)
                                ),
                                &done,
                                Value::Null,
                                as_json,
                            ),
                            Err(err) => eprintln!(
                                "not released: {}'s record key to {}: {err}",
                                ss58(&patient),
                                ss58(&doctor)
                            ),
                        }
                    }
                }
            }
            EmergencyCommand::Show { patient, doctor } => {
                let access = client
                    .emergency_access(context.or_me(&patient)?, context.or_me(&doctor)?)
                    .await?;
                print_record(&access, as_json);
            }
        },
        Command::Audit { patient, page } => {
            let patient = context.or_me(&patient)?;
            let found = client
                .get_audit_trail(patient, page.offset, page.limit)
                .await?;
            print_rows(&found.items, Some(found.total), page.offset, as_json);
        }
    }
    Ok(())
}

fn print_rotation(what: &str, rotation: &KeyRotation, as_json: bool) {
    let reshared: Vec<String> = rotation.reshared.iter().map(ss58).collect();
    print_submitted(
        &format!(
            "{what}; record key epoch {} shared again with {} doctor(s){}",
            rotation.key_epoch,
            reshared.len(),
            if rotation.emergency_key_redeposited {
                " and re-deposited with the emergency custodian"
            } else {
                ""
            }
        ),
        &rotation.submitted,
        if as_json {
            json!({
                "key_epoch": rotation.key_epoch,
                "reshared": reshared,
                "emergency_key_redeposited": rotation.emergency_key_redeposited,
            })
        } else {
            Value::Null
        },
        as_json,
    );
    for (grantee, status) in &rotation.skipped {
        eprintln!(
            "note: the new record key was not shared with {} (doctor {status:?})",
            ss58(grantee)
        );
    }
    for (grantee, err) in &rotation.failed {
        eprintln!(
            "warning: the new record key was not shared with {}: {err}; run `ehr share-key {}`",
            ss58(grantee),
            ss58(grantee)
        );
    }
    if let Some(err) = &rotation.deposit_error {
        eprintln!(
            "warning: the new record key was not deposited with the emergency custodian: {err}; run `ehr emergency deposit-key`"
        );
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_time_works() {
        assert_eq!(parse_time("1970-01-01T00:00:01Z").unwrap(), 1000);
        assert_eq!(
            parse_time("2026-11-25T10:00:00+01:00").unwrap(),
            1_795_597_200_000
        );
        let soon = parse_time("+30m").unwrap();
        assert!(soon >= now_ms() + 29 * 60_000);
    }

    #[test]
    fn parse_time_of_garbage_fails() {
        for text in ["", "tomorrow", "+3x", "+m", "1969-12-31T23:59:59Z"] {
            assert!(parse_time(text).is_err(), "{text}");
        }
    }

    #[test]
    fn derived_key_is_stable_and_per_account() {
        assert_eq!(
            derived_public_key("//Alice").unwrap(),
            derived_public_key("//Alice").unwrap()
        );
        assert_ne!(
            derived_public_key("//Alice").unwrap(),
            derived_public_key("//Bob").unwrap()
        );
        assert!(derived_public_key("not a secret uri").is_err());
    }
}
