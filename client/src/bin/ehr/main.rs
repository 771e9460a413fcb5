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

pub mod cmd;
pub mod view;
mod web;

use anyhow::{bail, Context as _};
use clap::{Parser, Subcommand};
use cmd::{
    admin::AdminCommand, consent::ConsentCommand, doctor::AvailabilityCommand,
    doctor::DoctorCommand, document::DocumentCommand, emergency::EmergencyCommand,
    ipfs::IpfsCommand, patient::PatientCommand, schedule::ScheduleCommand, serve::ServeArgs,
    Context, IpfsArgs,
};
use ehr_client::config::Config;
use ehr_client::{dev_signer, AccountId, ClientError, EhrClient, Finality, Options};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

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
    #[arg(long, global = true, conflicts_with = "depth")]
    finalized: bool,
    /// Wait until a transaction's block has this many blocks on it (for a chain whose
    /// finality lags or whose tip forks).
    #[arg(long, global = true, value_name = "BLOCKS")]
    depth: Option<u32>,
    /// Seconds to wait for any answer from the node.
    #[arg(long, global = true, default_value_t = 60)]
    timeout: u64,
    #[command(flatten)]
    ipfs: IpfsArgs,
    #[command(subcommand)]
    command: Command,
}

/// The commands, grouped by concern; each group lives in its own `cmd` module.
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
    #[command(flatten)]
    Schedule(ScheduleCommand),
    #[command(flatten)]
    Consent(ConsentCommand),
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
    /// The dashboard: a local web app for the signing account (patient, doctor, verifier or
    /// admin) on 127.0.0.1. Prints one URL with a session token; open it in a browser.
    Serve(ServeArgs),
}

fn config_path(cli: &Cli) -> PathBuf {
    cli.config.clone().unwrap_or_else(Config::default_path)
}

/// The signer's secret URI: --suri, --suri-file, or a well-known dev account for public
/// queries, which need no secret (they are dry-runs).
fn secret_uri(cli: &Cli) -> anyhow::Result<String> {
    Ok(match (&cli.suri, &cli.suri_file) {
        (Some(suri), _) => suri.clone(),
        (None, Some(path)) => std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
            .to_string(),
        (None, None) => "//Alice".to_string(),
    })
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let suri = secret_uri(&cli)?;
    let signer = dev_signer(&suri)?;
    match cli.command {
        Command::Account => {
            return cmd::chain::account_command(
                AccountId::from(signer.public_key().0),
                &suri,
                cli.json,
            )
        }
        Command::Ipfs(command) => return cmd::ipfs::run(&cli.ipfs, command),
        _ => {}
    }
    if cli.suri.is_none() && cli.suri_file.is_none() && !is_public_query(&cli.command) {
        bail!("this command acts as an account: give --suri, EHR_SURI or --suri-file");
    }
    let options = Options {
        timeout: Duration::from_secs(cli.timeout),
        finality: match (cli.finalized, cli.depth) {
            (true, _) => Finality::Finalized,
            (false, Some(blocks)) => Finality::Depth(blocks),
            (false, None) => Finality::InBlock,
        },
        ..Options::default()
    };
    let client = EhrClient::connect_with(&cli.url, signer, options).await?;
    let config_file = config_path(&cli);
    if let Command::Deploy { bundle } = &cli.command {
        let bundle = bundle.clone().unwrap_or_else(cmd::chain::default_bundle);
        return cmd::chain::deploy(client, &cli.url, &bundle, &config_file, cli.json).await;
    }
    let contract = match Config::load(&config_file)?.contract_for(&cli.url, cli.contract.as_deref())
    {
        Err(ClientError::NoContract) => bail!(
            "no contract for {}: run `ehr deploy` or give --contract",
            cli.url
        ),
        other => other?,
    };
    let context = Context {
        client: client.attach(contract),
        suri,
        json: cli.json,
        ipfs: cli.ipfs.clone(),
        timeout: Duration::from_secs(cli.timeout),
    };
    match cli.command {
        Command::Account | Command::Deploy { .. } | Command::Ipfs(_) => {
            unreachable!("handled before connecting")
        }
        Command::Admin(command) => cmd::admin::run(&context, command).await,
        Command::Patient(command) => cmd::patient::run(&context, command).await,
        Command::Doctor(command) => cmd::doctor::run(&context, command).await,
        Command::Schedule(command) => cmd::schedule::run(&context, command).await,
        Command::Consent(command) => cmd::consent::run(&context, command).await,
        Command::Doc(command) => cmd::document::run(&context, command).await,
        Command::ScanChain { marker } => {
            cmd::chain::scan_chain(&context.client, &marker, context.json).await
        }
        Command::Emergency(command) => cmd::emergency::run(&context, command).await,
        Command::Serve(args) => cmd::serve::run(context, args).await,
    }
}

/// Commands that read public data (a dry-run), so any account may ask.
fn is_public_query(command: &Command) -> bool {
    match command {
        Command::Schedule(ScheduleCommand::Doctors { .. } | ScheduleCommand::Available { .. })
        | Command::ScanChain { .. } => true,
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
