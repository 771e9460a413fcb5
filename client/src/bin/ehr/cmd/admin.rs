//! `ehr admin`: the admin and verifier roles, the emergency key custodian.

use super::*;

#[derive(Subcommand)]
pub enum AdminCommand {
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

/// Runs one of these commands.
pub async fn run(context: &Context, command: AdminCommand) -> anyhow::Result<()> {
    let client = &context.client;
    let as_json = context.json;
    match command {
        AdminCommand::Show => print_value("admin", json!(ss58(&client.admin().await?)), as_json),
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
    }
    Ok(())
}
