//! `ehr emergency`: break-glass access and the key custodian.

use super::*;

#[derive(Subcommand)]
pub enum EmergencyCommand {
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

/// Runs one of these commands.
pub async fn run(context: &Context, command: EmergencyCommand) -> anyhow::Result<()> {
    let client = &context.client;
    let as_json = context.json;
    match command {
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
                let (ended, rotation) = context.vault().await?.end_emergency_access(doctor).await?;
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
    }
    Ok(())
}
