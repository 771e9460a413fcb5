//! The dashboard (`ehr serve`) end to end: a real node, three dashboards (admin, doctor,
//! patient), and a real headless Chromium clicking through them.
//!
//! Screenshots of the main pages are written to `$EHR_SCREENSHOTS` (the README's come from
//! `EHR_SCREENSHOTS=docs/screenshots`), else to a temporary directory.

use ehr_client::{account_from_dev_uri, ss58};
use ehr_e2e::browser::{Browser, Dashboard};
use ehr_e2e::TestNode;
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The browser's zone: UTC+05:30, so local times differ from UTC by a non-whole hour.
const TIME_ZONE: &str = "Asia/Kolkata";
const ZONE_OFFSET_MS: u64 = (5 * 60 + 30) * 60 * 1000;
const DAY_MS: u64 = 24 * 60 * 60 * 1000;

/// `at` (ms since the epoch) as the browser's `datetime-local` value in [`TIME_ZONE`].
fn local_input(at: u64) -> String {
    let local = chrono::DateTime::from_timestamp_millis((at + ZONE_OFFSET_MS) as i64).unwrap();
    local.format("%Y-%m-%dT%H:%M").to_string()
}

/// A raw HTTP/1.1 request to the dashboard; the status code of its answer.
async fn status_of(address: std::net::SocketAddr, request: &str) -> u16 {
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer)).await;
    let answer = String::from_utf8_lossy(&answer);
    answer
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {answer}"))
}

fn screenshot_dir() -> (PathBuf, Option<tempfile::TempDir>) {
    match std::env::var_os("EHR_SCREENSHOTS") {
        Some(dir) => (PathBuf::from(dir), None),
        None => {
            let dir = tempfile::tempdir().unwrap();
            (dir.path().to_path_buf(), Some(dir))
        }
    }
}

#[tokio::test]
async fn patient_and_doctor_dashboards_work() {
    // Given a node with the contract, Alice its admin,
    let node = TestNode::start();
    let alice = ehr_e2e::deployed(&node.url(), ehr_client::Options::default()).await;
    let contract = alice.contract().unwrap().to_string();
    let ipfs = tempfile::tempdir().unwrap();
    let (shots, _keep) = screenshot_dir();
    // a dashboard each for Alice (admin), Charlie (doctor) and Bob (patient), sharing this
    // machine's IPFS store,
    let admin = Dashboard::start("//Alice", &node.url(), &contract, ipfs.path());
    let doctor = Dashboard::start("//Charlie", &node.url(), &contract, ipfs.path());
    let patient = Dashboard::start("//Bob", &node.url(), &contract, ipfs.path());
    let charlie = ss58(&account_from_dev_uri("//Charlie").unwrap());
    let bob = ss58(&account_from_dev_uri("//Bob").unwrap());
    // and a browser in UTC+05:30.
    let browser = Browser::start(TIME_ZONE).await;

    // A request without the token is refused, and so is a change without the page's header.
    let address = patient.address();
    let host = format!("Host: {address}\r\n");
    assert_eq!(
        status_of(
            address,
            &format!("GET / HTTP/1.1\r\n{host}Connection: close\r\n\r\n")
        )
        .await,
        401
    );
    let token = patient.url.split_once("token=").unwrap().1.to_string();
    let cookie = format!("Cookie: ehr_session_{}={token}\r\n", address.port());
    assert_eq!(
        status_of(
            address,
            &format!("POST /action/register_patient HTTP/1.1\r\n{host}{cookie}Content-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}")
        )
        .await,
        403
    );
    assert_eq!(
        status_of(
            address,
            &format!(
                "GET / HTTP/1.1\r\nHost: attacker.example:{}\r\n{cookie}Connection: close\r\n\r\n",
                address.port()
            )
        )
        .await,
        403
    );

    // The doctor registers.
    browser.open(&doctor.url).await;
    browser
        .fill(
            "form[data-action=register_doctor] input[name=name]",
            "Dr. Charlie Okafor",
        )
        .await;
    browser
        .fill(
            "form[data-action=register_doctor] input[name=specialty]",
            "Cardiology",
        )
        .await;
    browser
        .fill(
            "form[data-action=register_doctor] input[name=licence_number]",
            "GMC-7654321",
        )
        .await;
    let registered = browser.submit("form[data-action=register_doctor]").await;
    assert!(registered.is_ok(), "{registered:?}");

    // The admin appoints itself verifier and verifies the doctor.
    browser.open(&admin.url).await;
    browser.open(&format!("{}/admin", admin.base())).await;
    browser
        .fill(
            "form[data-action=add_verifier] input[name=account]",
            "//Alice",
        )
        .await;
    assert!(browser
        .submit("form[data-action=add_verifier]")
        .await
        .is_ok());
    browser.open(&format!("{}/admin", admin.base())).await;
    assert!(browser
        .text("#doctors")
        .await
        .contains("Dr. Charlie Okafor"));
    browser.screenshot(&shots, "admin").await;
    let verified = browser
        .submit("#doctors form[data-action=verify_doctor]")
        .await;
    assert_eq!(verified.as_deref(), Ok("doctor verified"));

    // The doctor publishes tomorrow 09:00–12:00 in the browser's zone.
    let now = ehr_e2e::now_ms();
    let local_midnight = (now + ZONE_OFFSET_MS) / DAY_MS * DAY_MS - ZONE_OFFSET_MS;
    let nine = local_midnight + DAY_MS + 9 * 3_600_000;
    browser.open(&doctor.url).await;
    browser
        .open(&format!("{}/doctor/availability", doctor.base()))
        .await;
    browser
        .set_value(
            "form[data-action=publish_availability] input[name=start]",
            &local_input(nine),
        )
        .await;
    browser
        .set_value(
            "form[data-action=publish_availability] input[name=end]",
            &local_input(nine + 3 * 3_600_000),
        )
        .await;
    let published = browser
        .submit("form[data-action=publish_availability]")
        .await;
    assert!(published.is_ok(), "{published:?}");
    browser
        .open(&format!("{}/doctor/availability", doctor.base()))
        .await;
    browser.screenshot(&shots, "doctor-availability").await;

    // The patient registers, finds the doctor and sees tomorrow's free slots in local time.
    browser.open(&patient.url).await;
    assert!(browser
        .submit("form[data-action=register_patient]")
        .await
        .is_ok());
    browser.open(&patient.url).await;
    assert!(browser.text("#roles").await.contains("patient"));
    browser.screenshot(&shots, "home").await;
    browser
        .open(&format!(
            "{}/patient/doctors?specialty=Cardiology",
            patient.base()
        ))
        .await;
    assert!(browser.text("table").await.contains("Dr. Charlie Okafor"));
    browser.screenshot(&shots, "patient-doctors").await;
    browser
        .open(&format!(
            "{}/patient/book?doctor={charlie}&from={}&to={}",
            patient.base(),
            local_midnight + DAY_MS,
            local_midnight + 2 * DAY_MS
        ))
        .await;
    let first_slot = browser.text("ul.slots li time").await;
    assert!(
        first_slot.contains("9:00"),
        "09:00 in the browser's zone: {first_slot}"
    );
    assert_eq!(
        browser
            .client
            .find_all(fantoccini::Locator::Css("ul.slots li"))
            .await
            .unwrap()
            .len(),
        6
    );
    browser.screenshot(&shots, "patient-book").await;

    // It books the first slot,
    let booked = browser
        .submit("ul.slots li:first-child form[data-action=book]")
        .await;
    assert_eq!(booked.as_deref(), Ok("booked: appointment 0"));
    // and a second booking of the same slot is refused, in words, next to the form.
    browser
        .open(&format!("{}/patient/book?doctor={charlie}", patient.base()))
        .await;
    browser
        .set_value("#book-at input[name=start]", &local_input(nine))
        .await;
    let refused = browser.submit("#book-at form[data-action=book]").await;
    let refusal = refused.expect_err("a double booking is refused");
    assert!(refusal.contains("SlotAlreadyBooked"), "{refusal}");
    browser.screenshot(&shots, "patient-double-booking").await;

    // It uploads a file (encrypted here, stored on IPFS),
    let letter = tempfile::Builder::new().suffix(".txt").tempfile().unwrap();
    let bytes: Vec<u8> = (0..300_000u32).flat_map(|i| i.to_le_bytes()).collect();
    std::fs::write(letter.path(), &bytes).unwrap();
    browser
        .open(&format!("{}/patient/documents", patient.base()))
        .await;
    browser
        .fill(
            "form[data-upload] input[name=file]",
            letter.path().to_str().unwrap(),
        )
        .await;
    let uploaded = browser.submit("form[data-upload]").await;
    assert!(
        uploaded
            .as_deref()
            .is_ok_and(|text| text.starts_with("uploaded as document 0")),
        "{uploaded:?}"
    );
    browser
        .open(&format!("{}/patient/documents", patient.base()))
        .await;
    browser.screenshot(&shots, "patient-documents").await;

    // and grants the doctor read and write access for a week.
    browser
        .open(&format!("{}/patient/grants", patient.base()))
        .await;
    browser
        .fill(
            "form[data-action=grant_access] input[name=doctor]",
            &charlie,
        )
        .await;
    browser
        .click("form[data-action=grant_access] input[name=write]")
        .await;
    browser
        .set_value(
            "form[data-action=grant_access] input[name=until]",
            &local_input(now + 7 * DAY_MS),
        )
        .await;
    let granted = browser.submit("form[data-action=grant_access]").await;
    assert!(granted.is_ok(), "{granted:?}");
    browser
        .open(&format!("{}/patient/grants", patient.base()))
        .await;
    browser.screenshot(&shots, "patient-grants").await;

    // The doctor sees the appointment,
    browser
        .open(&format!("{}/doctor/appointments", doctor.base()))
        .await;
    let schedule = browser.text("table").await;
    assert!(schedule.contains("Booked"), "{schedule}");
    browser.screenshot(&shots, "doctor-appointments").await;
    // the patient and the grant,
    browser
        .open(&format!("{}/doctor/patients", doctor.base()))
        .await;
    assert!(browser.text("table").await.contains("read and write"));
    // and opens the document (logged), getting the same bytes.
    browser
        .open(&format!("{}/doctor/patient?patient={bob}", doctor.base()))
        .await;
    browser.click("button[data-download][data-id='0']").await;
    let opened = browser
        .outcome(".download")
        .await
        .expect("the doctor opens the document");
    let digest = hex::encode(Sha256::digest(&bytes));
    assert!(
        opened.contains(&format!("{} bytes, sha-256 {digest}", bytes.len())),
        "{opened}"
    );
    browser.screenshot(&shots, "doctor-document").await;
    // With the write grant the doctor adds a letter to the patient's record.
    let reply = tempfile::Builder::new().suffix(".txt").tempfile().unwrap();
    std::fs::write(reply.path(), b"Discharge letter: follow-up in six weeks.").unwrap();
    browser
        .fill(
            "form[data-upload] input[name=file]",
            reply.path().to_str().unwrap(),
        )
        .await;
    let added = browser.submit("form[data-upload]").await;
    assert!(
        added
            .as_deref()
            .is_ok_and(|text| text.starts_with("uploaded as document 1")),
        "{added:?}"
    );

    // The patient's audit trail shows the doctor's opening.
    browser
        .open(&format!("{}/patient/audit", patient.base()))
        .await;
    let trail = browser.text("table").await;
    assert!(trail.contains("DocumentOpened"), "{trail}");
    assert_eq!(trail.matches("DocumentUploaded").count(), 2, "{trail}");
    browser.screenshot(&shots, "patient-audit").await;

    // The doctor breaks the glass with a reason; the patient sees who, reads why (sealed to
    // the patient on chain) and ends it.
    browser
        .open(&format!("{}/doctor/emergency", doctor.base()))
        .await;
    browser
        .fill(
            "form[data-action=open_emergency_access] input[name=patient]",
            &bob,
        )
        .await;
    browser
        .fill(
            "form[data-action=open_emergency_access] input[name=reason]",
            "unconscious in A&E, allergy check",
        )
        .await;
    let opened = browser
        .submit("form[data-action=open_emergency_access]")
        .await;
    assert!(
        opened
            .as_deref()
            .is_ok_and(|text| text.starts_with("EMERGENCY ACCESS OPENED")),
        "{opened:?}"
    );
    browser
        .open(&format!("{}/patient/emergency", patient.base()))
        .await;
    assert!(browser.text("#open").await.contains(&charlie));
    let reason = browser
        .submit("#open form[data-action=emergency_reason]")
        .await;
    assert_eq!(
        reason.as_deref(),
        Ok("reason: unconscious in A&E, allergy check")
    );
    browser.screenshot(&shots, "patient-emergency").await;
    let ended = browser
        .submit("#open form[data-action=end_emergency_access]")
        .await;
    assert!(ended.is_ok(), "{ended:?}");
    browser
        .open(&format!("{}/patient/emergency", patient.base()))
        .await;
    assert!(browser
        .text("#open")
        .await
        .contains("No doctor has emergency access now"));

    // The patient revokes the grant: the record key moves on, and the doctor's page of the
    // patient's documents is refused in words.
    browser
        .open(&format!("{}/patient/grants", patient.base()))
        .await;
    let revoked = browser.submit("form[data-action=revoke_access]").await;
    assert!(
        revoked
            .as_deref()
            .is_ok_and(|text| text.starts_with("access revoked")),
        "{revoked:?}"
    );
    browser
        .open(&format!("{}/doctor/patient?patient={bob}", doctor.base()))
        .await;
    let denied = browser.text("p.error").await;
    assert!(denied.contains("AccessDenied"), "{denied}");

    browser.close().await;
}
