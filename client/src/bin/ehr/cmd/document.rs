//! `ehr doc`: documents encrypted here, stored on IPFS, referenced on chain.

use super::*;

#[derive(Subcommand)]
pub enum DocumentCommand {
    /// Encrypt FILE on this machine, store it on IPFS, and add it to a patient's record.
    Upload {
        /// The file.
        file: PathBuf,
        /// The patient (default: the signer).
        #[arg(long)]
        patient: Option<String>,
        /// Document kind code.
        #[arg(long)]
        kind: u16,
        /// The current document this one replaces.
        #[arg(long)]
        supersedes: Option<u32>,
    },
    /// Open document ID (logged), fetch it from IPFS, decrypt and check it, write it to
    /// --output. Nothing is written unless every check passes.
    Get {
        /// The document.
        id: u32,
        /// The patient (default: the signer).
        #[arg(long)]
        patient: Option<String>,
        /// Where to write the file.
        #[arg(short, long)]
        output: PathBuf,
    },
    /// List a patient's documents (default: the signer's).
    List {
        /// The patient.
        #[arg(long)]
        patient: Option<String>,
        #[command(flatten)]
        page: PageArgs,
    },
    /// Add a reference to a document encrypted elsewhere (low level).
    Add {
        /// The patient (default: the signer).
        #[arg(long)]
        patient: Option<String>,
        /// Encrypted CID (hex).
        #[arg(long)]
        encrypted_cid: String,
        /// BLAKE2b-256 (or SHA-256) hash of the plaintext (hex, 32 bytes).
        #[arg(long)]
        content_hash: String,
        /// Document key wrapped with the record key (hex).
        #[arg(long, default_value = "0x")]
        wrapped_key: String,
        /// The current document this one replaces.
        #[arg(long)]
        supersedes: Option<u32>,
    },
    /// Open a document's reference (a transaction: the access is logged for anyone but the
    /// patient), without fetching the file.
    Open { patient: String, id: u32 },
    /// Mark a document entered-in-error.
    EnteredInError { patient: String, id: u32 },
}

/// Runs one of these commands.
pub async fn run(context: &Context, command: DocumentCommand) -> anyhow::Result<()> {
    let client = &context.client;
    let as_json = context.json;
    match command {
        DocumentCommand::Upload {
            file,
            patient,
            kind,
            supersedes,
        } => {
            let patient = context.or_me(&patient)?;
            let size = std::fs::metadata(&file)
                .with_context(|| format!("cannot read {}", file.display()))?
                .len();
            let bar = context.progress("encrypting and storing", Some(size));
            let reporter = bar.clone();
            let uploaded = context
                .vault()
                .await?
                .upload_document_with(patient, file.as_path(), kind, supersedes, move |done| {
                    reporter.set_position(done)
                })
                .await;
            bar.finish_and_clear();
            let uploaded = uploaded?;
            if let Some(rotation) = &uploaded.rotation {
                print_rotation(
                    "a holder of the record key had lost access: record key rotated",
                    rotation,
                    as_json,
                );
            }
            if as_json {
                println!(
                    "{}",
                    json!({
                        "id": uploaded.id,
                        "cid": uploaded.cid.to_string(),
                        "key_epoch": uploaded.key_epoch,
                        "bytes": uploaded.plaintext_len,
                        "blob_bytes": uploaded.blob_len,
                        "block": format!("{:?}", uploaded.block_hash),
                    })
                );
            } else {
                println!(
                        "uploaded {} as document {} of {} ({} bytes, encrypted blob {} bytes, IPFS {}, key epoch {}) in block {:?}",
                        file.display(),
                        uploaded.id,
                        ss58(&patient),
                        uploaded.plaintext_len,
                        uploaded.blob_len,
                        uploaded.cid,
                        uploaded.key_epoch,
                        uploaded.block_hash
                    );
            }
        }
        DocumentCommand::Get {
            id,
            patient,
            output,
        } => {
            let patient = context.or_me(&patient)?;
            let bar = context.progress("fetching and decrypting", None);
            let reporter = bar.clone();
            let opened = context
                .vault()
                .await?
                .open_document_with(patient, id, &output, move |done| {
                    reporter.set_position(done)
                })
                .await;
            bar.finish_and_clear();
            let opened = opened?;
            if as_json {
                let mut value = view::document_json(&opened.document);
                value["output"] = json!(opened.path.display().to_string());
                value["bytes"] = json!(opened.plaintext_len);
                value["cid"] = json!(opened.cid.to_string());
                println!("{value}");
            } else {
                println!(
                        "document {id} of {} opened (logged), checked and written to {} ({} bytes, IPFS {})",
                        ss58(&patient),
                        opened.path.display(),
                        opened.plaintext_len,
                        opened.cid
                    );
            }
        }
        DocumentCommand::List { patient, page } => {
            let patient = context.or_me(&patient)?;
            let found = client
                .get_all_documents(patient, page.offset, page.limit)
                .await?;
            // The kind is inside the encrypted reference: shown where this account holds
            // the document's key.
            let vault = context.vault().await?;
            let rows = view::DocumentRow::of(Some(&vault), patient, found.items).await;
            print_rows(&rows, Some(found.total), page.offset, as_json);
        }
        DocumentCommand::Add {
            patient,
            encrypted_cid,
            content_hash,
            wrapped_key,
            supersedes,
        } => {
            let done = client
                .upload_document(
                    context.or_me(&patient)?,
                    parse_hex("--encrypted-cid", &encrypted_cid)?,
                    parse_hash("--content-hash", &content_hash)?,
                    parse_hex("--wrapped-key", &wrapped_key)?,
                    supersedes,
                )
                .await?;
            print_submitted("document added", &done, json!(done.value), as_json);
        }
        DocumentCommand::Open { patient, id } => {
            let done = client.open_document(account(&patient)?, id).await?;
            if as_json {
                print_record(&done.value, true);
            } else {
                print_submitted("document opened", &done, json!(id), false);
                print_record(&done.value, false);
            }
        }
        DocumentCommand::EnteredInError { patient, id } => {
            let done = client
                .mark_document_entered_in_error(account(&patient)?, id)
                .await?;
            print_submitted(
                "document marked entered-in-error",
                &done,
                json!(id),
                as_json,
            );
        }
    }
    Ok(())
}
