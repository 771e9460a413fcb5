//! A complete patient/doctor flow against a running node:
//!
//! ```sh
//! scripts/node.sh start          # a dev node on ws://127.0.0.1:9944
//! cargo run -p ehr-client --example patient_doctor_flow -- ws://127.0.0.1:9944 \
//!     "$CARGO_TARGET_DIR/ink/ehr/ehr.contract"
//! ```
//!
//! Alice deploys and appoints Bob as verifier; Charlie registers as a doctor and Bob verifies
//! him; Charlie publishes tomorrow's morning; Dave registers as a patient, books, fails to
//! double-book, grants Charlie access, adds a document reference; Charlie opens it (logged);
//! Dave revokes the grant and Charlie is refused; Dave reads his audit trail.

use anyhow::{ensure, Context};
use ehr_client::{dev_signer, ehr, ss58, ClientError, EhrClient};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let url = args.next().unwrap_or_else(|| "ws://127.0.0.1:9944".into());
    let bundle = args
        .next()
        .unwrap_or_else(|| "target/ink/ehr/ehr.contract".into());

    let mut alice = EhrClient::connect(&url, dev_signer("//Alice")?).await?;
    let deployment = alice.deploy_bundle(&bundle).await.context("deploying")?;
    println!("contract at {}", deployment.contract);
    let bob = alice.with_signer(dev_signer("//Bob")?);
    let charlie = alice.with_signer(dev_signer("//Charlie")?);
    let dave = alice.with_signer(dev_signer("//Dave")?);

    alice.add_verifier(bob.account_id()).await?;
    charlie
        .register_doctor(
            "Dr. Charlie".into(),
            "Cardiology".into(),
            [1; 32],
            [2; 32],
            30,
        )
        .await?;
    bob.verify_doctor(charlie.account_id()).await?;

    // Tomorrow, 09:00 to 12:00 UTC: slot-aligned for 30-minute slots.
    const DAY: u64 = 24 * 60 * 60 * 1000;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_millis() as u64;
    let start = (now / DAY + 1) * DAY + 9 * 60 * 60 * 1000;
    charlie
        .publish_availability(start, start + 6 * 30 * 60 * 1000)
        .await?;

    dave.register_patient([3; 32]).await?;
    ensure!(
        dave.check_doctor_availability(charlie.account_id(), start)
            .await?
    );
    let booked = dave.book_appointment(charlie.account_id(), start).await?;
    println!(
        "booked appointment {}, event {}",
        booked.value,
        booked.events[0].name()
    );
    match dave.book_appointment(charlie.account_id(), start).await {
        Err(ClientError::Contract(ehr::Error::SlotAlreadyBooked)) => {
            println!("double booking refused")
        }
        other => anyhow::bail!("double booking was not refused: {other:?}"),
    }

    dave.grant_access(charlie.account_id(), false, start + DAY, vec![5; 48])
        .await?;
    let uploaded = dave
        .upload_document(
            dave.account_id(),
            vec![0xc1; 60],
            [0xa5; 32],
            vec![7; 72],
            None,
        )
        .await?;
    let opened = charlie
        .open_document(dave.account_id(), uploaded.value)
        .await?;
    println!(
        "Charlie opened document {}, event {}",
        opened.value.id,
        opened.events[0].name()
    );
    dave.revoke_access(charlie.account_id()).await?;
    match charlie
        .open_document(dave.account_id(), uploaded.value)
        .await
    {
        Err(ClientError::Contract(ehr::Error::AccessDenied)) => println!("revoked: refused"),
        other => anyhow::bail!("revoked doctor was not refused: {other:?}"),
    }
    let trail = dave.get_audit_trail(dave.account_id(), 0, 20).await?;
    for entry in &trail.items {
        println!(
            "audit: {:?} by {} at {}",
            entry.action,
            ss58(&entry.actor),
            entry.at
        );
    }
    Ok(())
}
