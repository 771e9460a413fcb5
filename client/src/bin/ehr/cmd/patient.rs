//! `ehr patient`: registration and identity attestation.

use super::*;

#[derive(Subcommand)]
pub enum PatientCommand {
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

/// Runs one of these commands.
pub async fn run(context: &Context, command: PatientCommand) -> anyhow::Result<()> {
    let client = &context.client;
    let as_json = context.json;
    match command {
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
    }
    Ok(())
}
