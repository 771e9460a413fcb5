//! The dashboard's actions: each POST calls one library method (the same the CLI calls) and
//! answers `{"message": ...}` or `{"error": ...}`, one readable line the page shows next to
//! the form. A refused action changes nothing: the client dry-runs every message first.

use super::Shared;
use crate::cmd::derived_public_key;
use anyhow::{anyhow, Context as _};
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use ehr_client::ehr::EmergencyCustodian;
use ehr_client::{parse_account, ss58, AccountId, ClientError};
use futures::StreamExt;
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::io::AsyncWriteExt;

/// The largest file the dashboard takes in one upload.
const MAX_UPLOAD_BYTES: u64 = 1 << 30;

/// An action's answer.
type Outcome = anyhow::Result<String>;

/// The answer as JSON: 200 with the message, or the error's status with its one line.
fn answer(outcome: Outcome) -> Response {
    match outcome {
        Ok(message) => Json(json!({ "message": message })).into_response(),
        Err(err) => {
            let status = match err.downcast_ref::<ClientError>() {
                Some(ClientError::Contract(_) | ClientError::InvalidInput(_))
                | Some(ClientError::Document(_))
                | None => StatusCode::UNPROCESSABLE_ENTITY,
                Some(_) => StatusCode::BAD_GATEWAY,
            };
            (status, Json(json!({ "error": format!("{err:#}") }))).into_response()
        }
    }
}

/// A form's fields, as the script sends them (a JSON object).
struct Fields(Value);

impl Fields {
    fn text(&self, name: &str) -> anyhow::Result<String> {
        match &self.0[name] {
            Value::String(text) if !text.trim().is_empty() => Ok(text.trim().to_string()),
            Value::Number(number) => Ok(number.to_string()),
            _ => Err(anyhow!("{} is missing", name.replace('_', " "))),
        }
    }

    fn number<T: TryFrom<u64>>(&self, name: &str) -> anyhow::Result<T> {
        let value = match &self.0[name] {
            Value::Number(number) => number.as_u64(),
            Value::String(text) => text.trim().parse().ok(),
            _ => None,
        };
        value
            .and_then(|value| T::try_from(value).ok())
            .ok_or_else(|| anyhow!("{} must be a whole number in range", name.replace('_', " ")))
    }

    fn account(&self, name: &str) -> anyhow::Result<AccountId> {
        let text = self.text(name)?;
        parse_account(&text).with_context(|| format!("{name} `{text}` is not an account"))
    }

    fn flag(&self, name: &str) -> bool {
        matches!(self.0[name], Value::Bool(true))
    }
}

/// `POST /action/{name}` with the form's fields as JSON.
pub async fn act(
    State(app): State<Shared>,
    Path(name): Path<String>,
    Json(fields): Json<Value>,
) -> Response {
    answer(run(&app, &name, &Fields(fields)).await)
}

async fn run(app: &Shared, name: &str, fields: &Fields) -> Outcome {
    let context = &app.context;
    let client = &context.client;
    let me = client.account_id();
    Ok(match name {
        // everyone
        "register_patient" => {
            client
                .register_patient(derived_public_key(&context.suri)?)
                .await?;
            "registered as a patient".into()
        }
        "register_doctor" => {
            client
                .register_doctor(
                    fields.text("name")?,
                    fields.text("specialty")?,
                    ehr_client::licence_hash(&fields.text("licence_number")?),
                    derived_public_key(&context.suri)?,
                    fields.number("slot_minutes")?,
                )
                .await?;
            "registered as a doctor: a verifier will check your licence".into()
        }
        // schedule
        "book" => {
            let booked = client
                .book_appointment(fields.account("doctor")?, fields.number("start")?)
                .await?;
            format!("booked: appointment {}", booked.value)
        }
        "cancel_appointment" => {
            let id = fields.number("id")?;
            client.cancel_appointment(id).await?;
            format!("appointment {id} cancelled")
        }
        "complete_appointment" => {
            let id = fields.number("id")?;
            client.complete_appointment(id).await?;
            format!("appointment {id} fulfilled")
        }
        "mark_no_show" => {
            let id = fields.number("id")?;
            client.mark_no_show(id).await?;
            format!("appointment {id} marked no-show")
        }
        "publish_availability" => {
            client
                .publish_availability(fields.number("start")?, fields.number("end")?)
                .await?;
            "availability published".into()
        }
        "withdraw_availability" => {
            client
                .withdraw_availability(fields.number("start")?)
                .await?;
            "availability withdrawn".into()
        }
        // consent
        "grant_access" => {
            let doctor = fields.account("doctor")?;
            let until: u64 = fields.number("until")?;
            context
                .vault()
                .await?
                .grant_access(doctor, fields.flag("write"), until)
                .await?;
            format!(
                "access granted to {} (record key sealed to the doctor)",
                ss58(&doctor)
            )
        }
        "revoke_access" => {
            let doctor = fields.account("doctor")?;
            let rotation = context.vault().await?.revoke_access(doctor).await?;
            let mut message = format!(
                "access revoked; record key epoch {} shared again with {} doctor(s)",
                rotation.key_epoch,
                rotation.reshared.len()
            );
            if !rotation.failed.is_empty() {
                message.push_str(&format!(
                    "; not shared with {} doctor(s): share again from the CLI (`ehr share-key`)",
                    rotation.failed.len()
                ));
            }
            message
        }
        // documents
        "mark_document_entered_in_error" => {
            let id = fields.number("id")?;
            client
                .mark_document_entered_in_error(fields.account("patient")?, id)
                .await?;
            format!("document {id} marked entered-in-error")
        }
        // emergency
        "deposit_emergency_key" => {
            context.vault().await?.deposit_emergency_key().await?;
            "record key deposited with the emergency custodian".into()
        }
        "withdraw_emergency_key" => {
            client.withdraw_emergency_key().await?;
            "deposited key withdrawn".into()
        }
        "emergency_reason" => {
            let doctor = fields.account("doctor")?;
            let reason = context.vault().await?.emergency_reason(doctor).await?;
            format!("reason: {reason}")
        }
        "refuse_emergency_access" => {
            client
                .refuse_emergency_access(fields.account("doctor")?)
                .await?;
            "break-glass access refused to the doctor".into()
        }
        "allow_emergency_access" => {
            client
                .allow_emergency_access(fields.account("doctor")?)
                .await?;
            "break-glass refusal lifted".into()
        }
        "open_emergency_access" => {
            let until = context
                .vault()
                .await?
                .open_emergency_access(fields.account("patient")?, &fields.text("reason")?)
                .await?;
            format!(
                "EMERGENCY ACCESS OPENED (logged) until {}",
                crate::view::time(until.value)
            )
        }
        "end_emergency_access" => {
            // The patient ends a doctor's access (and retires a released key); a doctor ends
            // its own access to a patient.
            if fields.0["doctor"].is_string() {
                let doctor = fields.account("doctor")?;
                let (_, rotation) = context.vault().await?.end_emergency_access(doctor).await?;
                match rotation {
                    Some(rotation) => format!(
                        "emergency access ended; the released key is retired (record key epoch {})",
                        rotation.key_epoch
                    ),
                    None => "emergency access ended".into(),
                }
            } else {
                client
                    .end_emergency_access(fields.account("patient")?, me)
                    .await?;
                "emergency access ended".into()
            }
        }
        // administration
        "verify_doctor" => {
            client.verify_doctor(fields.account("account")?).await?;
            "doctor verified".into()
        }
        "suspend_doctor" => {
            client.suspend_doctor(fields.account("account")?).await?;
            "doctor suspended".into()
        }
        "add_verifier" => {
            client.add_verifier(fields.account("account")?).await?;
            "verifier appointed".into()
        }
        "remove_verifier" => {
            client.remove_verifier(fields.account("account")?).await?;
            "verifier removed".into()
        }
        "set_custodian" => {
            let public_key = crate::cmd::parse_hash("public key", &fields.text("public_key")?)?;
            let custodian = EmergencyCustodian {
                account: fields.account("account")?,
                public_key,
            };
            client.set_emergency_custodian(Some(custodian)).await?;
            "emergency key custodian appointed".into()
        }
        "remove_custodian" => {
            client.set_emergency_custodian(None).await?;
            "emergency key custodian removed".into()
        }
        other => return Err(anyhow!("there is no action `{other}`")),
    })
}

#[derive(Deserialize)]
pub struct UploadQuery {
    patient: String,
    kind: u16,
}

/// `POST /action/upload?patient=&kind=` with the file as the body: the file goes to a private
/// temporary file, then through the vault (encrypt, store on IPFS, add the reference).
pub async fn upload(
    State(app): State<Shared>,
    Query(query): Query<UploadQuery>,
    body: Body,
) -> Response {
    answer(upload_file(&app, query, body).await)
}

async fn upload_file(app: &Shared, query: UploadQuery, body: Body) -> Outcome {
    let patient = parse_account(&query.patient)?;
    let staged = tempfile::NamedTempFile::new().context("no room for the upload")?;
    let mut file = tokio::fs::File::create(staged.path()).await?;
    let mut received: u64 = 0;
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|err| anyhow!("the upload broke off: {err}"))?;
        received = received.saturating_add(chunk.len() as u64);
        if received > MAX_UPLOAD_BYTES {
            return Err(anyhow!("the file is larger than {MAX_UPLOAD_BYTES} bytes"));
        }
        file.write_all(&chunk).await?;
    }
    file.flush().await?;
    drop(file);
    let uploaded = app
        .context
        .vault()
        .await?
        .upload_document(patient, staged.path(), query.kind)
        .await?;
    Ok(format!(
        "uploaded as document {} ({} bytes, encrypted blob {} bytes, IPFS {})",
        uploaded.id, uploaded.plaintext_len, uploaded.blob_len, uploaded.cid
    ))
}

/// `POST /action/download` `{patient, id}`: opens the document (logged), fetches, decrypts and
/// checks it, and answers its bytes (`application/octet-stream`, with its length for the
/// page's progress bar), or `{"error"}`.
pub async fn download(State(app): State<Shared>, Json(fields): Json<Value>) -> Response {
    match open_file(&app, &Fields(fields)).await {
        Ok(response) => response,
        Err(err) => answer(Err(err)),
    }
}

async fn open_file(app: &Shared, fields: &Fields) -> anyhow::Result<Response> {
    let patient = fields.account("patient")?;
    let id = fields.number("id")?;
    let dir = tempfile::tempdir().context("no room to decrypt into")?;
    let output = dir.path().join("document");
    let opened = app
        .context
        .vault()
        .await?
        .open_document(patient, id, &output)
        .await?;
    // The open file stays readable after its directory goes: nothing is left behind.
    let file = tokio::fs::File::open(&output).await?;
    drop(dir);
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(file));
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (header::CONTENT_LENGTH, opened.plaintext_len.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"document-{id}.bin\""),
            ),
            (
                header::HeaderName::from_static("x-ehr-kind"),
                opened.kind.to_string(),
            ),
        ],
        body,
    )
        .into_response())
}
