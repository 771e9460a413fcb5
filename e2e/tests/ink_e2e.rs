//! `#[ink_e2e::test]`s: each test gets a fresh `substrate-contracts-node` (from
//! `CONTRACTS_NODE` or PATH) and the `ehr` contract, built by ink_e2e, instantiated on it.

use ehr::{Ehr, EhrRef, Error};
use ink_e2e::{account_id, AccountKeyring, ContractsBackend};

type E2EResult<T> = std::result::Result<T, Box<dyn std::error::Error>>;

const SLOT_MS: u64 = 30 * 60 * 1000;
const DAY_MS: u64 = 24 * 60 * 60 * 1000;

/// Tomorrow at 09:00 UTC by the wall clock, which the dev node's block timestamps follow.
fn tomorrow_morning() -> u64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_millis() as u64;
    (now / DAY_MS + 1) * DAY_MS + 18 * SLOT_MS
}

#[ink_e2e::test]
async fn booking_and_consent_flow_works<Client: E2EBackend>(mut client: Client) -> E2EResult<()> {
    // given: Alice deploys and appoints Bob; Charlie is a verified doctor with a window;
    // Dave is a patient
    let mut constructor = EhrRef::new();
    let contract = client
        .instantiate("ehr", &ink_e2e::alice(), &mut constructor)
        .submit()
        .await
        .expect("instantiate failed");
    let mut ehr = contract.call_builder::<Ehr>();
    let (bob, charlie, dave) = (
        account_id(AccountKeyring::Bob),
        account_id(AccountKeyring::Charlie),
        account_id(AccountKeyring::Dave),
    );
    client
        .call(&ink_e2e::alice(), &ehr.add_verifier(bob))
        .submit()
        .await?;
    client
        .call(
            &ink_e2e::charlie(),
            &ehr.register_doctor("Dr. C".into(), "Cardiology".into(), [1; 32], [2; 32], 30),
        )
        .submit()
        .await?;
    client
        .call(&ink_e2e::bob(), &ehr.verify_doctor(charlie))
        .submit()
        .await?;
    let start = tomorrow_morning();
    client
        .call(
            &ink_e2e::charlie(),
            &ehr.publish_availability(start, start + 4 * SLOT_MS),
        )
        .submit()
        .await?;
    client
        .call(&ink_e2e::dave(), &ehr.register_patient([3; 32]))
        .submit()
        .await?;

    // when: Dave books a slot
    let free = client
        .call(
            &ink_e2e::dave(),
            &ehr.check_doctor_availability(charlie, start),
        )
        .dry_run()
        .await?
        .return_value();
    assert_eq!(free, Ok(true));
    let booked = client
        .call(&ink_e2e::dave(), &ehr.book_appointment(charlie, start))
        .submit()
        .await?;

    // then: the appointment exists, an event was emitted, and the slot cannot be booked again
    assert_eq!(booked.contract_emitted_events()?.len(), 1);
    assert_eq!(booked.return_value(), Ok(0));
    let again = client
        .call(&ink_e2e::dave(), &ehr.book_appointment(charlie, start))
        .dry_run()
        .await?;
    assert_eq!(again.return_value(), Err(Error::SlotAlreadyBooked));

    // when: Dave grants Charlie write access and Charlie adds a document
    client
        .call(
            &ink_e2e::dave(),
            &ehr.grant_access(charlie, true, start + DAY_MS, vec![5; 48]),
        )
        .submit()
        .await?;
    let uploaded = client
        .call(
            &ink_e2e::charlie(),
            &ehr.upload_document(dave, vec![0xc1; 60], [0xa5; 32], vec![7; 72], None),
        )
        .submit()
        .await?;
    assert_eq!(uploaded.return_value(), Ok(0));

    // then: Charlie opens it, logged; after revocation Charlie is refused
    let opened = client
        .call(&ink_e2e::charlie(), &ehr.open_document(dave, 0))
        .submit()
        .await?;
    assert_eq!(
        opened.return_value().map(|document| document.author),
        Ok(charlie)
    );
    client
        .call(&ink_e2e::dave(), &ehr.revoke_access(charlie))
        .submit()
        .await?;
    let refused = client
        .call(&ink_e2e::charlie(), &ehr.open_document(dave, 0))
        .dry_run()
        .await?;
    assert_eq!(refused.return_value(), Err(Error::AccessDenied));
    let trail = client
        .call(&ink_e2e::dave(), &ehr.get_audit_trail(dave, 0, 20))
        .dry_run()
        .await?
        .return_value()
        .expect("the patient reads the trail");
    assert_eq!(trail.total, 6);
    Ok(())
}

#[ink_e2e::test]
async fn emergency_access_works<Client: E2EBackend>(mut client: Client) -> E2EResult<()> {
    // given: a verified doctor (Charlie, verified by Bob) and a patient (Dave) with no grant
    let mut constructor = EhrRef::new();
    let contract = client
        .instantiate("ehr", &ink_e2e::alice(), &mut constructor)
        .submit()
        .await
        .expect("instantiate failed");
    let mut ehr = contract.call_builder::<Ehr>();
    let (bob, charlie, dave) = (
        account_id(AccountKeyring::Bob),
        account_id(AccountKeyring::Charlie),
        account_id(AccountKeyring::Dave),
    );
    client
        .call(&ink_e2e::alice(), &ehr.add_verifier(bob))
        .submit()
        .await?;
    client
        .call(
            &ink_e2e::charlie(),
            &ehr.register_doctor("Dr. C".into(), "Emergency".into(), [1; 32], [2; 32], 15),
        )
        .submit()
        .await?;
    client
        .call(&ink_e2e::bob(), &ehr.verify_doctor(charlie))
        .submit()
        .await?;
    client
        .call(&ink_e2e::dave(), &ehr.register_patient([3; 32]))
        .submit()
        .await?;
    let denied = client
        .call(&ink_e2e::charlie(), &ehr.get_all_documents(dave, 0, 20))
        .dry_run()
        .await?;
    assert_eq!(denied.return_value(), Err(Error::AccessDenied));

    // when: Charlie opens emergency access
    client
        .call(
            &ink_e2e::charlie(),
            &ehr.open_emergency_access(dave, vec![9; 256]),
        )
        .submit()
        .await?;

    // then: Charlie can list Dave's documents until Dave ends the access
    let listed = client
        .call(&ink_e2e::charlie(), &ehr.get_all_documents(dave, 0, 20))
        .dry_run()
        .await?;
    assert_eq!(listed.return_value().map(|page| page.total), Ok(0));
    client
        .call(&ink_e2e::dave(), &ehr.end_emergency_access(dave, charlie))
        .submit()
        .await?;
    let ended = client
        .call(&ink_e2e::charlie(), &ehr.get_all_documents(dave, 0, 20))
        .dry_run()
        .await?;
    assert_eq!(ended.return_value(), Err(Error::AccessDenied));
    Ok(())
}
