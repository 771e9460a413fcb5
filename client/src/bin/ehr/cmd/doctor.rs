//! `ehr doctor`: registration, verification, availability.

use super::*;

#[derive(Subcommand)]
pub enum DoctorCommand {
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
pub enum AvailabilityCommand {
    /// Publish [START, END) for the signing doctor.
    Publish { start: String, end: String },
    /// Withdraw the signer's window starting at START.
    Withdraw { start: String },
    /// A doctor's windows (default: the signer's).
    Show { doctor: Option<String> },
}

/// Runs one of these commands.
pub async fn run(context: &Context, command: DoctorCommand) -> anyhow::Result<()> {
    let client = &context.client;
    let as_json = context.json;
    match command {
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
            let licence_hash = ehr_client::licence_hash(&licence_number);
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
    }
    Ok(())
}
