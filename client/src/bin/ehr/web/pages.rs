//! The dashboard's pages: each reads through the library (as the CLI's commands do) and
//! renders with maud. Forms carry `data-action`: the script posts them to `actions`.
//!
//! Times go to the page as RFC 3339 in `<time datetime>` elements; the script shows them in
//! the browser's time zone.

use super::{App, Shared};
use crate::view::{self, time, GrantView, Row};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ehr_client::ehr::{
    AppointmentStatus, AuditAction, AuditEntry, Doctor, DoctorStatus, DocumentStatus,
    EmergencyCustodian, Patient, MAX_PAGE_SIZE, MS_PER_DAY,
};
use ehr_client::{ss58, AccountId, ClientError, EhrClient};
use maud::{html, Markup, DOCTYPE};
use serde::Deserialize;
use serde_json::Value;

/// A page, or the one line that says why it could not be shown.
pub type Page = Result<Markup, PageError>;

/// Why a page could not be shown.
pub struct PageError(StatusCode, String);

impl From<ClientError> for PageError {
    fn from(err: ClientError) -> Self {
        let status = match err {
            ClientError::Contract(_) | ClientError::InvalidInput(_) => StatusCode::BAD_REQUEST,
            _ => StatusCode::BAD_GATEWAY,
        };
        Self(status, err.to_string())
    }
}

impl From<anyhow::Error> for PageError {
    fn from(err: anyhow::Error) -> Self {
        Self(StatusCode::BAD_REQUEST, format!("{err:#}"))
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        refused(self.0, &self.1)
    }
}

/// A bare page with one line saying why (no navigation: the caller may not be signed in).
pub fn refused(status: StatusCode, why: &str) -> Response {
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head { meta charset="utf-8"; title { "EHR: " (status.as_u16()) } link rel="stylesheet" href="/assets/app.css"; }
            body { main { p.error role="alert" { (why) } p { a href="/" { "Back to the dashboard" } } } }
        }
    };
    (status, page).into_response()
}

/// Who the signer is, as the contract sees it.
pub struct Whoami {
    pub me: AccountId,
    pub patient: Option<Patient>,
    pub doctor: Option<Doctor>,
    pub admin: bool,
    pub verifier: bool,
    /// The emergency key custodian, if one is appointed.
    pub custodian: Option<EmergencyCustodian>,
}

impl Whoami {
    fn is_custodian(&self) -> bool {
        self.custodian
            .as_ref()
            .is_some_and(|custodian| custodian.account == self.me)
    }

    fn verified_doctor(&self) -> bool {
        self.doctor
            .as_ref()
            .is_some_and(|doctor| doctor.status == DoctorStatus::Verified)
    }
}

/// A missing registration is `None`; any other error is the page's error.
fn registered<T>(answer: ehr_client::Result<T>) -> Result<Option<T>, ClientError> {
    match answer {
        Ok(value) => Ok(Some(value)),
        Err(ClientError::Contract(
            ehr_client::ehr::Error::PatientNotRegistered
            | ehr_client::ehr::Error::DoctorNotRegistered,
        )) => Ok(None),
        Err(err) => Err(err),
    }
}

async fn whoami(client: &EhrClient) -> Result<Whoami, ClientError> {
    let me = client.account_id();
    let (patient, doctor, admin, verifier, custodian) = tokio::join!(
        client.patient(me),
        client.doctor(me),
        client.admin(),
        client.is_verifier(me),
        client.emergency_custodian(),
    );
    Ok(Whoami {
        me,
        patient: registered(patient)?,
        doctor: registered(doctor)?,
        admin: admin? == me,
        verifier: verifier?,
        custodian: custodian.ok(),
    })
}

/// The page frame: the signer, navigation by role, the content.
fn layout(app: &App, who: &Whoami, title: &str, content: Markup) -> Markup {
    let roles = roles(who);
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="ehr-token" content=(app.gate.token);
                title { (title) " · EHR" }
                link rel="stylesheet" href="/assets/app.css";
                script src="/assets/app.js" defer {}
            }
            body {
                header {
                    a.brand href="/" { "EHR" }
                    nav {
                        @if who.patient.is_some() {
                            span.group { "Patient" }
                            a href="/patient/doctors" { "Find a doctor" }
                            a href="/patient/appointments" { "Appointments" }
                            a href="/patient/documents" { "Documents" }
                            a href="/patient/grants" { "Grants" }
                            a href="/patient/emergency" { "Emergency" }
                            a href="/patient/audit" { "Audit trail" }
                        }
                        @if who.doctor.is_some() {
                            span.group { "Doctor" }
                            a href="/doctor/availability" { "Availability" }
                            a href="/doctor/appointments" { "Appointments" }
                            a href="/doctor/patients" { "Patients" }
                            a href="/doctor/emergency" { "Break glass" }
                        }
                        @if who.admin || who.verifier {
                            a href="/admin" { "Administration" }
                        }
                    }
                    div.account title="the signing account" {
                        code id="account" { (ss58(&who.me)) }
                        " " span.roles { (roles) }
                    }
                }
                main {
                    h1 { (title) }
                    (content)
                }
                footer { "Times are shown in your time zone (" span id="zone" {} "). Nothing here leaves this machine except through the contract and IPFS." }
            }
        }
    }
}

fn roles(who: &Whoami) -> String {
    let mut roles = Vec::new();
    if who.admin {
        roles.push("admin".to_string());
    }
    if who.verifier {
        roles.push("verifier".into());
    }
    if who.is_custodian() {
        roles.push("emergency custodian".into());
    }
    if who.patient.is_some() {
        roles.push("patient".into());
    }
    if let Some(doctor) = &who.doctor {
        roles.push(format!("doctor ({:?})", doctor.status).to_lowercase());
    }
    if roles.is_empty() {
        "not registered".into()
    } else {
        roles.join(", ")
    }
}

/// A form the script posts to `/action/{action}`; the answer shows in its status line.
fn action_form(action: &str, label: &str, fields: Markup) -> Markup {
    html! {
        form.action data-action=(action) {
            (fields)
            button type="submit" { (label) }
            span.result role="status" {}
        }
    }
}

/// A one-button form with hidden fields.
fn action_button(action: &str, label: &str, hidden: &[(&str, String)]) -> Markup {
    action_form(
        action,
        label,
        html! { @for (name, value) in hidden { input type="hidden" name=(name) value=(value); } },
    )
}

/// A table of `rows` in the CLI's columns (`view::Row`), with per-row actions.
fn table<T: Row>(rows: &[T], actions: impl Fn(&T) -> Markup) -> Markup {
    html! {
        @if rows.is_empty() {
            p.empty { "Nothing here yet." }
        } @else {
            table {
                thead { tr { @for header in T::headers() { th { (header.replace('_', " ")) } } th {} } }
                tbody {
                    @for row in rows {
                        @let value = row.json();
                        tr {
                            @for header in T::headers() { td { (cell(&value[*header])) } }
                            td.actions { (actions(row)) }
                        }
                    }
                }
            }
        }
    }
}

/// One value: times as `<time>` (shown in the browser's zone), accounts shortened.
fn cell(value: &Value) -> Markup {
    match value {
        Value::Null => html! { "–" },
        Value::String(text) => {
            if chrono::DateTime::parse_from_rfc3339(text).is_ok() {
                html! { time datetime=(text) { (text) } }
            } else if text.len() == 48 && text.starts_with('5') {
                html! { code.account title=(text) { (text) } }
            } else {
                html! { (text) }
            }
        }
        other => html! { (other.to_string()) },
    }
}

/// Previous and next links for a list of `total` items.
fn pager(path: &str, extra: &str, offset: u32, shown: usize, total: u32) -> Markup {
    let page = MAX_PAGE_SIZE;
    let end = offset.saturating_add(u32::try_from(shown).unwrap_or(page));
    html! {
        p.pager {
            @if offset > 0 {
                a rel="prev" href=(format!("{path}?offset={}{extra}", offset.saturating_sub(page))) { "← newer" }
                " "
            }
            (if total == 0 { "0".to_string() } else { format!("{}–{end} of {total}", offset + 1) })
            @if end < total {
                " "
                a rel="next" href=(format!("{path}?offset={end}{extra}")) { "older →" }
            }
        }
    }
}

#[derive(Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    offset: u32,
}

// ------------------------------------------------------------------------------ everyone

/// Who am I, and registration.
pub async fn home(State(app): State<Shared>) -> Page {
    let client = &app.context.client;
    let who = whoami(client).await?;
    let public_key = ehr_client::documents::EncryptionKeys::from_suri(&app.context.suri)
        .map(|keys| format!("0x{}", hex::encode(keys.public_key())))
        .unwrap_or_default();
    let content = html! {
        section {
            dl {
                dt { "Account" } dd { code { (ss58(&who.me)) } }
                dt { "Roles" } dd id="roles" { (roles(&who)) }
                dt { "Encryption key (public)" } dd { code.key { (public_key) } }
                dt { "Contract" } dd { code { (client.contract().map(ToString::to_string).unwrap_or_default()) } }
            }
        }
        @if who.patient.is_none() && who.doctor.is_none() {
            section id="register-patient" {
                h2 { "Register as a patient" }
                p { "Your encryption key is derived from your account's secret on this machine; only its public half goes on chain." }
                (action_form("register_patient", "Register as patient", html! {}))
            }
            section id="register-doctor" {
                h2 { "Register as a doctor" }
                p { "Your name and specialty are public. Only a hash of your licence number goes on chain; a verifier checks it." }
                (action_form("register_doctor", "Register as doctor", html! {
                    label { "Display name " input name="name" required maxlength="64"; }
                    label { "Specialty " input name="specialty" required maxlength="64"; }
                    label { "Licence number " input name="licence_number" required; }
                    label { "Slot length (minutes) " input name="slot_minutes" type="number" min="5" max="480" value="30"; }
                }))
            }
        }
        @if let Some(doctor) = &who.doctor {
            @if doctor.status == DoctorStatus::Pending {
                p.notice { "Your registration waits for a verifier." }
            }
        }
    };
    Ok(layout(&app, &who, "Who am I", content))
}

// ------------------------------------------------------------------------------ patient

#[derive(Deserialize)]
pub struct DoctorsQuery {
    #[serde(default)]
    offset: u32,
    specialty: Option<String>,
}

/// Verified doctors, by specialty.
pub async fn doctors(State(app): State<Shared>, Query(query): Query<DoctorsQuery>) -> Page {
    let client = &app.context.client;
    let who = whoami(client).await?;
    let specialty = query.specialty.filter(|text| !text.trim().is_empty());
    let found = client
        .get_all_doctors(specialty.clone(), query.offset, MAX_PAGE_SIZE)
        .await?;
    let extra = specialty
        .as_ref()
        .and_then(|text| serde_urlencoded::to_string([("specialty", text)]).ok())
        .map(|pair| format!("&{pair}"))
        .unwrap_or_default();
    let content = html! {
        form.filter method="get" {
            label { "Specialty " input name="specialty" value=(specialty.clone().unwrap_or_default()); }
            button type="submit" { "Find" }
        }
        (table(&found.items, |(doctor, _)| html! {
            a.button href=(format!("/patient/book?doctor={}", ss58(doctor))) { "Free slots" }
        }))
        (pager("/patient/doctors", &extra, query.offset, found.items.len(), found.total))
    };
    Ok(layout(&app, &who, "Find a doctor", content))
}

#[derive(Deserialize)]
pub struct BookQuery {
    doctor: String,
    from: Option<u64>,
    to: Option<u64>,
}

/// A doctor's free slots in one day, and booking.
pub async fn book(State(app): State<Shared>, Query(query): Query<BookQuery>) -> Page {
    let client = &app.context.client;
    let who = whoami(client).await?;
    let doctor = ehr_client::parse_account(&query.doctor)?;
    let profile = client.doctor(doctor).await?;
    let now = crate::cmd::now_ms();
    let from = query.from.unwrap_or(now);
    let to = query
        .to
        .unwrap_or_else(|| from.saturating_add(MS_PER_DAY))
        .min(from.saturating_add(MS_PER_DAY));
    let slots = client.free_slots(doctor, from, to).await?;
    let doctor_text = ss58(&doctor);
    let content = html! {
        p { (profile.display_name) ", " (profile.specialty) ": slots of " (profile.slot_minutes) " minutes." }
        form.filter {
            label { "Day " input id="day" type="date" data-day-picker data-doctor=(doctor_text) data-from=(from); }
        }
        h2 { "Free slots from " time datetime=(time(from)) { (time(from)) } }
        @if slots.is_empty() {
            p.empty { "No free slots in this day." }
        } @else {
            ul.slots {
                @for start in &slots {
                    li { (action_form("book", "Book", html! {
                        input type="hidden" name="doctor" value=(doctor_text);
                        input type="hidden" name="start" value=(start);
                        time datetime=(time(*start)) { (time(*start)) }
                        " "
                    })) }
                }
            }
        }
        section id="book-at" {
            h2 { "Book at a time" }
            (action_form("book", "Book", html! {
                input type="hidden" name="doctor" value=(doctor_text);
                label { "Start " input name="start" type="datetime-local" required; }
            }))
        }
    };
    Ok(layout(
        &app,
        &who,
        &format!("Book {}", profile.display_name),
        content,
    ))
}

/// The patient's appointments; cancel before they start.
pub async fn patient_appointments(
    State(app): State<Shared>,
    Query(query): Query<PageQuery>,
) -> Page {
    appointments(app, query, "/patient/appointments", "My appointments").await
}

/// The doctor's appointments: complete, no-show, cancel.
pub async fn doctor_appointments(
    State(app): State<Shared>,
    Query(query): Query<PageQuery>,
) -> Page {
    appointments(app, query, "/doctor/appointments", "Appointments with me").await
}

async fn appointments(app: Shared, query: PageQuery, path: &str, title: &str) -> Page {
    let client = &app.context.client;
    let who = whoami(client).await?;
    let found = client
        .get_all_appointments(who.me, query.offset, MAX_PAGE_SIZE)
        .await?;
    let now = crate::cmd::now_ms();
    let content = html! {
        (table(&found.items, |appointment| html! {
            @if appointment.status == AppointmentStatus::Booked {
                @if appointment.start > now {
                    (action_button("cancel_appointment", "Cancel", &[("id", appointment.id.to_string())]))
                } @else if appointment.doctor == who.me {
                    (action_button("complete_appointment", "Fulfilled", &[("id", appointment.id.to_string())]))
                    (action_button("mark_no_show", "No-show", &[("id", appointment.id.to_string())]))
                }
            }
        }))
        (pager(path, "", query.offset, found.items.len(), found.total))
    };
    Ok(layout(&app, &who, title, content))
}

#[derive(Deserialize)]
pub struct PatientQuery {
    patient: Option<String>,
    #[serde(default)]
    offset: u32,
}

/// The patient's documents: upload, download and decrypt, mark entered-in-error.
pub async fn patient_documents(State(app): State<Shared>, Query(query): Query<PageQuery>) -> Page {
    let who = whoami(&app.context.client).await?;
    let content = documents(&app, who.me, query.offset, true, ("/patient/documents", "")).await?;
    Ok(layout(&app, &who, "My documents", content))
}

/// One patient's documents, for a doctor holding a grant (or emergency access).
pub async fn doctor_patient(State(app): State<Shared>, Query(query): Query<PatientQuery>) -> Page {
    let client = &app.context.client;
    let who = whoami(client).await?;
    let patient_text = query.patient.unwrap_or_default();
    let patient = ehr_client::parse_account(&patient_text)?;
    let grant = client.grant(patient, who.me).await;
    let may_write = grant.as_ref().is_ok_and(|grant| {
        grant.write && grant.revoked_at.is_none() && grant.expires_at > crate::cmd::now_ms()
    });
    let extra = format!("&patient={}", ss58(&patient));
    let content = html! {
        p { "Patient " code { (ss58(&patient)) } ". Opening a document is logged on the patient's audit trail." }
        (documents(&app, patient, query.offset, may_write, ("/doctor/patient", &extra)).await?)
    };
    Ok(layout(&app, &who, "A patient's documents", content))
}

/// A patient's documents, one page; `list` is the page's path and its other query fields.
async fn documents(
    app: &App,
    patient: AccountId,
    offset: u32,
    may_write: bool,
    list: (&str, &str),
) -> Result<Markup, PageError> {
    let client = &app.context.client;
    let me = client.account_id();
    let found = client
        .get_all_documents(patient, offset, MAX_PAGE_SIZE)
        .await?;
    let vault = app.context.vault().await.ok();
    let rows = view::DocumentRow::of(vault.as_ref(), patient, found.items).await;
    let patient_text = ss58(&patient);
    let (path, extra) = list;
    Ok(html! {
        @if may_write {
            section id="upload" {
                h2 { "Add a document" }
                p { "The file is encrypted on this machine before it is stored on IPFS; the chain gets only its encrypted reference and a hash." }
                form.upload data-upload data-patient=(patient_text) {
                    label { "File " input name="file" type="file" required; }
                    label { "Kind code " input name="kind" type="number" min="0" max="65535" value="1"; }
                    button type="submit" { "Encrypt and upload" }
                    progress value="0" max="1" hidden {}
                    span.result role="status" {}
                }
            }
        }
        (table(&rows, |view::DocumentRow(document, _)| html! {
            div.download {
                button type="button" data-download data-patient=(patient_text) data-id=(document.id) { "Open" }
                progress value="0" max="1" hidden {}
                span.result role="status" {}
            }
            @if document.status == DocumentStatus::Current && (patient == me || document.author == me) {
                (action_button("mark_entered_in_error", "Entered in error", &[("patient", patient_text.clone()), ("id", document.id.to_string())]))
            }
        }))
        (pager(path, extra, offset, rows.len(), found.total))
    })
}

/// The patient's grants: grant, revoke.
pub async fn grants(State(app): State<Shared>, Query(query): Query<PageQuery>) -> Page {
    let client = &app.context.client;
    let who = whoami(client).await?;
    let found = client
        .get_grants(who.me, query.offset, MAX_PAGE_SIZE)
        .await?;
    let now = crate::cmd::now_ms();
    let rows = view::grant_entries(found.items, now);
    let content = html! {
        section id="grant" {
            h2 { "Let a doctor in" }
            p { "The doctor gets your record key, sealed to their registered key. Revoking moves your records to a new key." }
            (action_form("grant_access", "Grant", html! {
                label { "Doctor (account) " input name="doctor" required size="50"; }
                label { input name="write" type="checkbox"; " may add documents" }
                label { "Until " input name="until" type="datetime-local" required; }
            }))
        }
        (table(&rows, |GrantView(_, doctor, grant, _)| html! {
            @if grant.revoked_at.is_none() && grant.expires_at > now {
                (action_button("revoke_access", "Revoke", &[("doctor", ss58(doctor))]))
            }
        }))
        (pager("/patient/grants", "", query.offset, rows.len(), found.total))
    };
    Ok(layout(&app, &who, "My grants", content))
}

/// Emergency access to the patient's records: the key deposit, who opened access and when.
pub async fn patient_emergency(State(app): State<Shared>) -> Page {
    let client = &app.context.client;
    let who = whoami(client).await?;
    let deposit = client.emergency_key(who.me).await.ok();
    let openings = recent_audit(client, who.me, |action| {
        matches!(
            action,
            AuditAction::EmergencyAccessOpened
                | AuditAction::EmergencyAccessEnded
                | AuditAction::EmergencyKeyReleased
        )
    })
    .await?;
    let now = crate::cmd::now_ms();
    let mut open_now = Vec::new();
    for entry in &openings {
        if entry.action == AuditAction::EmergencyAccessOpened && !open_now.contains(&entry.actor) {
            if let Ok(access) = client.emergency_access(who.me, entry.actor).await {
                if access.ended_at.is_none() && access.expires_at > now {
                    open_now.push(entry.actor);
                }
            }
        }
    }
    let content = html! {
        section id="deposit" {
            h2 { "Key deposit" }
            @match (&who.custodian, &deposit) {
                (None, _) => p { "No emergency custodian is appointed." },
                (Some(_), Some(deposit)) => {
                    p { "Your record key (epoch " (deposit.key_epoch) ") is deposited with the custodian since " time datetime=(time(deposit.deposited_at)) { (time(deposit.deposited_at)) } "." }
                    (action_form("withdraw_emergency_key", "Withdraw the key", html! {}))
                }
                (Some(custodian), None) => {
                    p { "Not deposited. Depositing lets the custodian " code { (ss58(&custodian.account)) } " release your key to a doctor who opens emergency access." }
                    (action_form("deposit_emergency_key", "Deposit the key", html! {}))
                }
            }
        }
        section id="open" {
            h2 { "Open now" }
            @if open_now.is_empty() { p.empty { "No doctor has emergency access now." } }
            @for doctor in &open_now {
                p { code { (ss58(doctor)) } }
                (action_button("emergency_reason", "Read the reason", &[("doctor", ss58(doctor))]))
                (action_button("end_emergency_access", "End it", &[("doctor", ss58(doctor))]))
            }
        }
        section id="refuse" {
            h2 { "Refuse or allow a doctor" }
            (action_form("refuse_emergency_access", "Refuse break-glass", html! { label { "Doctor " input name="doctor" required size="50"; } }))
            (action_form("allow_emergency_access", "Allow again", html! { label { "Doctor " input name="doctor" required size="50"; } }))
        }
        h2 { "Recent emergency events" }
        (table(&openings, |_| html! {}))
    };
    Ok(layout(&app, &who, "Emergency access", content))
}

/// The newest page of `patient`'s audit trail, filtered, newest first.
async fn recent_audit(
    client: &EhrClient,
    patient: AccountId,
    keep: impl Fn(AuditAction) -> bool,
) -> Result<Vec<AuditEntry>, ClientError> {
    let total = client.get_audit_trail(patient, 0, 1).await?.total;
    let newest = client
        .get_audit_trail(patient, total.saturating_sub(MAX_PAGE_SIZE), MAX_PAGE_SIZE)
        .await?;
    Ok(newest
        .items
        .into_iter()
        .rev()
        .filter(|entry| keep(entry.action))
        .collect())
}

/// The patient's audit trail, oldest first, one page at a time.
pub async fn audit(State(app): State<Shared>, Query(query): Query<PageQuery>) -> Page {
    let client = &app.context.client;
    let who = whoami(client).await?;
    let found = client
        .get_audit_trail(who.me, query.offset, MAX_PAGE_SIZE)
        .await?;
    let content = html! {
        p { "Every action on your records, oldest first. Only you can read it." }
        (table(&found.items, |_| html! {}))
        (pager("/patient/audit", "", query.offset, found.items.len(), found.total))
    };
    Ok(layout(&app, &who, "My audit trail", content))
}

// ------------------------------------------------------------------------------ doctor

/// The doctor's availability windows: publish and withdraw.
pub async fn availability(State(app): State<Shared>) -> Page {
    let client = &app.context.client;
    let who = whoami(client).await?;
    let windows = client.get_availability(who.me).await?;
    let slot = who
        .doctor
        .as_ref()
        .map(|doctor| doctor.slot_minutes)
        .unwrap_or(30);
    let content = html! {
        section id="publish" {
            h2 { "Open a window" }
            p { "Both ends on a " (slot) "-minute boundary; patients book slots inside it." }
            (action_form("publish_availability", "Publish", html! {
                label { "From " input name="start" type="datetime-local" required; }
                label { "Until " input name="end" type="datetime-local" required; }
            }))
        }
        (table(&windows, |window| action_button("withdraw_availability", "Withdraw", &[("start", window.start.to_string())])))
    };
    Ok(layout(&app, &who, "My availability", content))
}

/// Patients the doctor sees (from the doctor's appointments) and their grants to the doctor.
pub async fn doctor_patients(State(app): State<Shared>, Query(query): Query<PageQuery>) -> Page {
    let client = &app.context.client;
    let who = whoami(client).await?;
    let found = client
        .get_all_appointments(who.me, query.offset, MAX_PAGE_SIZE)
        .await?;
    let mut patients: Vec<AccountId> = Vec::new();
    for appointment in &found.items {
        if !patients.contains(&appointment.patient) {
            patients.push(appointment.patient);
        }
    }
    let now = crate::cmd::now_ms();
    let mut rows = Vec::new();
    for patient in patients {
        let grant = client.grant(patient, who.me).await.ok();
        rows.push((patient, grant));
    }
    let content = html! {
        form.filter method="get" action="/doctor/patient" {
            label { "Open a patient's record " input name="patient" required size="50" placeholder="account"; }
            button type="submit" { "Open" }
        }
        p { "Patients with appointments in this page of your schedule, and their grant to you." }
        @if rows.is_empty() { p.empty { "No patients yet." } }
        @else {
            table {
                thead { tr { th { "patient" } th { "access" } th {} } }
                tbody {
                    @for (patient, grant) in &rows {
                        tr {
                            td { code.account { (ss58(patient)) } }
                            td { (match grant {
                                Some(grant) if grant.revoked_at.is_none() && grant.expires_at > now =>
                                    if grant.write { "read and write".to_string() } else { "read".to_string() },
                                Some(_) => "expired or revoked".to_string(),
                                None => "no grant".to_string(),
                            }) }
                            td.actions { a.button href=(format!("/doctor/patient?patient={}", ss58(patient))) { "Documents" } }
                        }
                    }
                }
            }
        }
        (pager("/doctor/patients", "", query.offset, found.items.len(), found.total))
    };
    Ok(layout(&app, &who, "My patients", content))
}

/// Break-glass: open emergency access with a reason; end it.
pub async fn doctor_emergency(State(app): State<Shared>) -> Page {
    let who = whoami(&app.context.client).await?;
    let content = html! {
        p.notice { "Emergency access opens a patient's records for one hour without a grant. It is logged on the patient's audit trail, and the reason is sealed to the patient." }
        @if !who.verified_doctor() { p.error { "Only a verified doctor may break the glass." } }
        (action_form("open_emergency_access", "Break the glass", html! {
            label { "Patient " input name="patient" required size="50"; }
            label { "Reason " input name="reason" required maxlength="206" size="50"; }
        }))
        h2 { "End emergency access" }
        (action_form("end_emergency_access", "End", html! {
            label { "Patient " input name="patient" required size="50"; }
        }))
    };
    Ok(layout(&app, &who, "Break glass", content))
}

// ------------------------------------------------------------------------------ admin

/// Doctors to verify or suspend, verifiers, the custodian.
pub async fn admin(State(app): State<Shared>, Query(query): Query<PageQuery>) -> Page {
    let client = &app.context.client;
    let who = whoami(client).await?;
    let found = client
        .get_registered_doctors(query.offset, MAX_PAGE_SIZE)
        .await?;
    let verifiers = client.verifier_count().await?;
    let content = html! {
        @if who.verifier {
            section id="doctors" {
                h2 { "Doctors" }
                (table(&found.items, |(doctor, profile)| html! {
                    @if profile.status != DoctorStatus::Verified {
                        (action_button("verify_doctor", "Verify", &[("account", ss58(doctor))]))
                    }
                    @if profile.status != DoctorStatus::Suspended {
                        (action_button("suspend_doctor", "Suspend", &[("account", ss58(doctor))]))
                    }
                }))
                (pager("/admin", "", query.offset, found.items.len(), found.total))
            }
        }
        @if who.admin {
            section id="verifiers" {
                h2 { "Verifiers (" (verifiers) ")" }
                (action_form("add_verifier", "Appoint", html! { label { "Account " input name="account" required size="50"; } }))
                (action_form("remove_verifier", "Remove", html! { label { "Account " input name="account" required size="50"; } }))
            }
            section id="custodian" {
                h2 { "Emergency key custodian" }
                @match &who.custodian {
                    Some(custodian) => {
                        p { code { (ss58(&custodian.account)) } }
                        (action_form("remove_custodian", "Remove the custodian", html! {}))
                    }
                    None => p { "None appointed." },
                }
                (action_form("set_custodian", "Appoint", html! {
                    label { "Account " input name="account" required size="50"; }
                    label { "Public key (hex) " input name="public_key" required size="66"; }
                }))
            }
        }
        @if !who.admin && !who.verifier { p.error { "This account is neither the admin nor a verifier." } }
    };
    Ok(layout(&app, &who, "Administration", content))
}
