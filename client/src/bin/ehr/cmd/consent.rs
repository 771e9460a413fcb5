//! Consent: `ehr grant`, `revoke`, `share-key`, `rotate-key`, `replace-encryption-key`,
//! `grants`, and the patient's `audit` trail.

use super::*;

#[derive(Subcommand)]
pub enum ConsentCommand {
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
    /// A patient's audit trail (default: the signer's).
    Audit {
        /// The patient.
        patient: Option<String>,
        #[command(flatten)]
        page: PageArgs,
    },
}

/// Runs one of these commands.
pub async fn run(context: &Context, command: ConsentCommand) -> anyhow::Result<()> {
    let client = &context.client;
    let as_json = context.json;
    match command {
        ConsentCommand::Grant {
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
        ConsentCommand::Revoke { doctor } => {
            let rotation = context
                .vault()
                .await?
                .revoke_access(account(&doctor)?)
                .await?;
            print_rotation("access revoked", &rotation, as_json);
        }
        ConsentCommand::RotateKey => {
            let rotation = context.vault().await?.rotate_record_key().await?;
            print_rotation("record key rotated", &rotation, as_json);
        }
        ConsentCommand::ReplaceEncryptionKey => {
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
        ConsentCommand::ShareKey {
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
        ConsentCommand::Grants {
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
        ConsentCommand::Audit { patient, page } => {
            let patient = context.or_me(&patient)?;
            let found = client
                .get_audit_trail(patient, page.offset, page.limit)
                .await?;
            print_rows(&found.items, Some(found.total), page.offset, as_json);
        }
    }
    Ok(())
}
