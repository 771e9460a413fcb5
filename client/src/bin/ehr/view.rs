//! How results look: aligned tables for people, JSON for scripts. Times are RFC 3339 (UTC).

use chrono::{DateTime, SecondsFormat, Utc};
use ehr_client::ehr::{
    Appointment, AuditEntry, AuditSubject, AvailabilityWindow, Doctor, Document, EmergencyAccess,
    EmergencyCustodian, EmergencyKey, Grant, GrantEntry, Patient, PatientVerification,
};
use ehr_client::{ss58, AccountId, EhrEvent, Submitted};
use serde_json::{json, Value};

/// Milliseconds since the Unix epoch as RFC 3339.
pub fn time(ms: u64) -> String {
    i64::try_from(ms)
        .ok()
        .and_then(DateTime::<Utc>::from_timestamp_millis)
        .map(|at| at.to_rfc3339_opts(SecondsFormat::Secs, true))
        .unwrap_or_else(|| format!("{ms} ms"))
}

fn opt_time(ms: Option<u64>) -> Value {
    ms.map(|ms| Value::String(time(ms))).unwrap_or(Value::Null)
}

fn opt_account(account: Option<AccountId>) -> Value {
    account
        .map(|account| Value::String(ss58(&account)))
        .unwrap_or(Value::Null)
}

fn hex(bytes: &[u8]) -> String {
    format!("0x{}", ::hex::encode(bytes))
}

/// A value that can be shown as a table row or as JSON.
pub trait Row {
    /// Column headers.
    fn headers() -> &'static [&'static str];
    /// The JSON object; the table shows its fields in `headers()` order.
    fn json(&self) -> Value;
}

impl Row for (AccountId, Doctor) {
    fn headers() -> &'static [&'static str] {
        &[
            "account",
            "display_name",
            "specialty",
            "status",
            "slot_minutes",
            "registered_at",
        ]
    }
    fn json(&self) -> Value {
        let (account, doctor) = self;
        json!({
            "account": ss58(account),
            "display_name": doctor.display_name,
            "specialty": doctor.specialty,
            "status": format!("{:?}", doctor.status),
            "slot_minutes": doctor.slot_minutes,
            "registered_at": time(doctor.registered_at),
            "licence_hash": hex(&doctor.licence_hash),
            "public_key": hex(&doctor.public_key),
            "status_changed_by": opt_account(doctor.status_changed_by),
            "status_changed_at": opt_time(doctor.status_changed_at),
        })
    }
}

impl Row for (AccountId, Patient) {
    fn headers() -> &'static [&'static str] {
        &[
            "account",
            "registered_at",
            "verified_by",
            "verified_at",
            "public_key",
        ]
    }
    fn json(&self) -> Value {
        let (account, patient) = self;
        json!({
            "account": ss58(account),
            "registered_at": time(patient.registered_at),
            "verified_by": opt_account(patient.verified_by),
            "verified_at": opt_time(patient.verified_at),
            "public_key": hex(&patient.public_key),
        })
    }
}

impl Row for (AccountId, PatientVerification) {
    fn headers() -> &'static [&'static str] {
        &["account", "registered", "verified_by", "verified_at"]
    }
    fn json(&self) -> Value {
        let (account, verification) = self;
        json!({
            "account": ss58(account),
            "registered": verification.registered,
            "verified_by": opt_account(verification.verified_by),
            "verified_at": opt_time(verification.verified_at),
        })
    }
}

impl Row for AvailabilityWindow {
    fn headers() -> &'static [&'static str] {
        &["start", "end"]
    }
    fn json(&self) -> Value {
        json!({ "start": time(self.start), "end": time(self.end) })
    }
}

impl Row for Appointment {
    fn headers() -> &'static [&'static str] {
        &["id", "start", "end", "status", "patient", "doctor"]
    }
    fn json(&self) -> Value {
        json!({
            "id": self.id,
            "start": time(self.start),
            "end": time(self.end),
            "status": format!("{:?}", self.status),
            "patient": ss58(&self.patient),
            "doctor": ss58(&self.doctor),
            "booked_at": time(self.booked_at),
            "updated_at": time(self.updated_at),
        })
    }
}

fn grant_json(patient: Option<&AccountId>, doctor: &AccountId, grant: &Grant, now: u64) -> Value {
    let state = if grant.revoked_at.is_some() {
        "revoked"
    } else if grant.expires_at <= now {
        "expired"
    } else {
        "live"
    };
    json!({
        "patient": patient.map(|patient| Value::String(ss58(patient))).unwrap_or(Value::Null),
        "doctor": ss58(doctor),
        "access": if grant.write { "read+write" } else { "read" },
        "state": state,
        "granted_at": time(grant.granted_at),
        "expires_at": time(grant.expires_at),
        "revoked_at": opt_time(grant.revoked_at),
        "wrapped_key": hex(&grant.wrapped_key),
    })
}

/// A grant, with whether it is live at `now` (the caller's clock).
pub struct GrantView(pub Option<AccountId>, pub AccountId, pub Grant, pub u64);

impl Row for GrantView {
    fn headers() -> &'static [&'static str] {
        &[
            "doctor",
            "access",
            "state",
            "granted_at",
            "expires_at",
            "revoked_at",
        ]
    }
    fn json(&self) -> Value {
        grant_json(self.0.as_ref(), &self.1, &self.2, self.3)
    }
}

/// Grants listed for a patient.
pub fn grant_entries(entries: Vec<GrantEntry>, now: u64) -> Vec<GrantView> {
    entries
        .into_iter()
        .map(|entry| GrantView(None, entry.doctor, entry.grant, now))
        .collect()
}

impl Row for Document {
    fn headers() -> &'static [&'static str] {
        &[
            "id",
            "status",
            "author",
            "created_at",
            "supersedes",
            "superseded_by",
        ]
    }
    fn json(&self) -> Value {
        json!({
            "id": self.id,
            "status": format!("{:?}", self.status),
            "author": ss58(&self.author),
            "created_at": time(self.created_at),
            "supersedes": self.supersedes,
            "superseded_by": self.superseded_by,
            "content_hash": hex(&self.content_hash),
            "encrypted_cid": hex(&self.encrypted_cid),
            "wrapped_key": hex(&self.wrapped_key),
            "key_epoch": self.key_epoch,
        })
    }
}

/// A document's reference as JSON.
pub fn document_json(document: &Document) -> Value {
    document.json()
}

/// A document with its kind code, decrypted from the reference when this account holds the
/// key (`None`: it does not), as `ehr doc list` shows it.
pub struct DocumentRow(pub Document, pub Option<u16>);

impl DocumentRow {
    /// `documents` of `patient` as rows, each with its kind where `vault` (this account's)
    /// holds the document's key; without a vault, or if the kinds cannot be read, no kinds.
    pub async fn of(
        vault: Option<&ehr_client::DocumentVault<'_>>,
        patient: AccountId,
        documents: Vec<Document>,
    ) -> Vec<Self> {
        let kinds = match vault {
            Some(vault) => vault.document_kinds(patient, &documents).await.ok(),
            None => None,
        }
        .unwrap_or_else(|| vec![None; documents.len()]);
        documents
            .into_iter()
            .zip(kinds)
            .map(|(document, kind)| Self(document, kind))
            .collect()
    }
}

impl Row for DocumentRow {
    fn headers() -> &'static [&'static str] {
        &[
            "id",
            "kind",
            "status",
            "author",
            "created_at",
            "supersedes",
            "superseded_by",
        ]
    }
    fn json(&self) -> Value {
        let mut value = self.0.json();
        value["kind"] = json!(self.1);
        value
    }
}

impl Row for EmergencyAccess {
    fn headers() -> &'static [&'static str] {
        &["opened_at", "expires_at", "ended_at", "released_key_epoch"]
    }
    fn json(&self) -> Value {
        json!({
            "opened_at": time(self.opened_at),
            "expires_at": time(self.expires_at),
            "ended_at": opt_time(self.ended_at),
            "sealed_reason": hex(&self.sealed_reason),
            "released_key_epoch": self.released_key_epoch,
            "released_key": hex(&self.released_key),
        })
    }
}

impl Row for EmergencyCustodian {
    fn headers() -> &'static [&'static str] {
        &["account", "public_key"]
    }
    fn json(&self) -> Value {
        json!({
            "account": ss58(&self.account),
            "public_key": hex(&self.public_key),
        })
    }
}

impl Row for (AccountId, EmergencyKey) {
    fn headers() -> &'static [&'static str] {
        &["patient", "custodian", "key_epoch", "deposited_at"]
    }
    fn json(&self) -> Value {
        let (patient, deposit) = self;
        json!({
            "patient": ss58(patient),
            "custodian": ss58(&deposit.custodian),
            "key_epoch": deposit.key_epoch,
            "deposited_at": time(deposit.deposited_at),
            "sealed_key": hex(&deposit.sealed_key),
        })
    }
}

impl Row for AuditEntry {
    fn headers() -> &'static [&'static str] {
        &["at", "action", "actor", "subject"]
    }
    fn json(&self) -> Value {
        let subject = match self.subject {
            AuditSubject::Record => "record".to_string(),
            AuditSubject::Account(account) => format!("account {}", ss58(&account)),
            AuditSubject::Appointment(id) => format!("appointment {id}"),
            AuditSubject::Document(id) => format!("document {id}"),
        };
        json!({
            "at": time(self.at),
            "action": format!("{:?}", self.action),
            "actor": ss58(&self.actor),
            "subject": subject,
        })
    }
}

fn cell(value: &Value) -> String {
    match value {
        Value::Null => "-".into(),
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// Prints `rows` as a table (or a JSON array), with `total` when the list is one page.
pub fn print_rows<T: Row>(rows: &[T], total: Option<u32>, offset: u32, as_json: bool) {
    if as_json {
        let items: Vec<Value> = rows.iter().map(Row::json).collect();
        let out = match total {
            Some(total) => json!({ "items": items, "total": total, "offset": offset }),
            None => Value::Array(items),
        };
        println!("{out:#}");
        return;
    }
    let headers = T::headers();
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            let object = row.json();
            headers
                .iter()
                .map(|header| cell(&object[*header]))
                .collect()
        })
        .collect();
    let widths: Vec<usize> = headers
        .iter()
        .enumerate()
        .map(|(column, header)| {
            table
                .iter()
                .map(|row| row[column].chars().count())
                .chain([header.len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<String>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(text, width)| format!("{text:<width$}"))
            .collect();
        println!("{}", padded.join("  ").trim_end());
    };
    line(headers.iter().map(|header| header.to_uppercase()).collect());
    for row in table {
        line(row);
    }
    if let Some(total) = total {
        let shown = u32::try_from(rows.len()).unwrap_or(u32::MAX);
        if shown == 0 {
            println!("(none of {total} from offset {offset})");
        } else {
            println!(
                "({}-{} of {total})",
                offset.saturating_add(1),
                offset.saturating_add(shown)
            );
        }
    }
}

/// Prints one record as `key: value` lines (or a JSON object).
pub fn print_record<T: Row>(record: &T, as_json: bool) {
    let object = record.json();
    if as_json {
        println!("{object:#}");
        return;
    }
    if let Value::Object(fields) = object {
        let width = fields.keys().map(String::len).max().unwrap_or(0);
        for (key, value) in fields {
            println!("{key:<width$}  {}", cell(&value));
        }
    }
}

/// Prints a plain value.
pub fn print_value(label: &str, value: Value, as_json: bool) {
    if as_json {
        println!("{}", json!({ label: value }));
    } else {
        println!("{label}: {}", cell(&value));
    }
}

fn event_summary(event: &EhrEvent) -> String {
    event.name().to_string()
}

/// Prints what a submitted transaction did.
pub fn print_submitted<R>(what: &str, submitted: &Submitted<R>, value: Value, as_json: bool) {
    let events: Vec<String> = submitted.events.iter().map(event_summary).collect();
    if as_json {
        println!(
            "{:#}",
            json!({
                "ok": what,
                "value": value,
                "events": events,
                "block": format!("{:?}", submitted.block_hash),
                "extrinsic": format!("{:?}", submitted.extrinsic_hash),
            })
        );
    } else {
        let value = match value {
            Value::Null => String::new(),
            other => format!(": {}", cell(&other)),
        };
        println!(
            "ok, {what}{value} (events: {}; block {:?})",
            if events.is_empty() {
                "none".into()
            } else {
                events.join(", ")
            },
            submitted.block_hash
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_is_rfc3339() {
        assert_eq!(time(0), "1970-01-01T00:00:00Z");
        assert_eq!(time(1_795_600_800_000), "2026-11-25T10:00:00Z");
    }
}
