//! A front desk's day as one batch, for the fault tests and the throughput bench.
//!
//! `signers` patients each book and cancel `bookings` slots of their own doctor (a booking,
//! then its cancellation once the booking's id is known), and add a document reference to
//! their record after every `upload_every`-th booking; each signer keeps up to `in_flight`
//! of these jobs going at once (at most [`ehr::MAX_UPCOMING_APPOINTMENTS_PER_PATIENT`], as
//! every job holds one upcoming appointment until it is cancelled).
//!
//! A batch this long can stall the dev node's instant seal, so the desk's own account keeps
//! other traffic going while it runs ([`crate::traffic`]).
//!
//! Every transaction is a distinct slot or document, so the chain shows a transaction
//! included twice: [`ChainSummary`] lists, per doctor and slot, every appointment booked for
//! it, and per patient every document; [`Batch::expected`] is what one undisturbed run
//! leaves, whatever the order the blocks took the transactions in.

use ehr::{AppointmentStatus, Timestamp};
use ehr_client::{dev_signer, messages, AccountId, ClientError, EhrClient, SignerPool};
use futures::{stream, StreamExt};
use std::collections::BTreeMap;

/// Slot length of the batch's doctors, in minutes and milliseconds.
const SLOT_MINUTES: u16 = 5;
const SLOT_MS: u64 = SLOT_MINUTES as u64 * 60_000;

/// The batch's shape.
#[derive(Debug, Clone, Copy)]
pub struct Batch {
    /// Patients signing, each with its own doctor.
    pub signers: usize,
    /// Booking-and-cancelling jobs per signer.
    pub bookings: usize,
    /// A document reference after every this many bookings (0: none).
    pub upload_every: usize,
    /// Jobs a signer keeps going at once.
    pub in_flight: usize,
}

/// The accounts a batch runs with.
pub struct Desk {
    /// The patients' clients, signer `i` books doctor `i`.
    pub pool: SignerPool,
    /// The doctors, verified, each with one window of `bookings` slots.
    pub doctors: Vec<AccountId>,
    /// The first slot of every doctor's window.
    pub first_slot: Timestamp,
    /// Each signer's nonce on chain before the batch.
    pub nonces_before: Vec<u64>,
    /// Another user of the chain: a remark a second while the batch runs
    /// ([`crate::traffic`]).
    pub traffic: EhrClient,
}

/// What a batch left on chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainSummary {
    /// (doctor, slot start) → every appointment booked for it: (patient, status).
    pub appointments: BTreeMap<(AccountId, Timestamp), Vec<(AccountId, AppointmentStatus)>>,
    /// patient → the encrypted CIDs of their documents, in id order.
    pub documents: BTreeMap<AccountId, Vec<Vec<u8>>>,
}

/// One job's outcome: the nonces its transactions used, or the first error.
pub type JobOutcome = Result<Vec<u64>, ClientError>;

/// The doctors who take a batch's bookings: prefunded dev accounts.
const DOCTORS: [&str; 4] = ["//Charlie", "//Dave", "//Eve", "//Ferdie"];

impl Batch {
    /// Funds and registers the patients, registers and verifies one doctor per signer and
    /// publishes a window of `bookings` slots for each, on `alice`'s contract (Alice is its
    /// admin; Bob becomes a verifier).
    ///
    /// # Panics
    /// If any step fails, or there are more signers than [`DOCTORS`].
    pub async fn prepare(&self, alice: &EhrClient) -> Desk {
        assert!(
            self.signers <= DOCTORS.len(),
            "at most {} signers",
            DOCTORS.len()
        );
        let bob = alice.with_signer(dev_signer("//Bob").unwrap());
        if !alice.is_verifier(bob.account_id()).await.unwrap() {
            alice.add_verifier(bob.account_id()).await.unwrap();
        }
        // Whole hours, from the first one at least an hour away, so every slot is aligned and
        // still in the future when it is booked: the next hour alone can be seconds away, and
        // a batch in finalized mode runs for minutes (one CI run's first booking of slot 0
        // came after it had started: `SlotInPast`).
        let first_slot = (crate::now_ms() / 3_600_000 + 2) * 3_600_000;
        let mut doctors = Vec::new();
        for suri in &DOCTORS[..self.signers] {
            let doctor = alice.with_signer(dev_signer(suri).unwrap());
            doctor
                .register_doctor(
                    "Dr. Desk".into(),
                    "General practice".into(),
                    [1; 32],
                    [2; 32],
                    SLOT_MINUTES,
                )
                .await
                .unwrap();
            bob.verify_doctor(doctor.account_id()).await.unwrap();
            doctor
                .publish_availability(first_slot, first_slot + self.bookings as u64 * SLOT_MS)
                .await
                .unwrap();
            doctors.push(doctor.account_id());
        }
        let patients = crate::registered_patients(alice, self.signers).await;
        // Every booking and document locks a storage deposit (a cancelled appointment stays
        // on the record): 2 UNIT per job on top of the 100 UNIT each patient starts with.
        let jobs = self.jobs().count() as u128;
        for patient in &patients {
            let to = ehr_client::to_chain_account(&patient.account_id());
            let transfer = ehr_client::node::tx()
                .balances()
                .transfer_keep_alive(subxt::utils::MultiAddress::Id(to), jobs * 2_000_000_000_000);
            alice.sign_and_submit(&transfer).await.unwrap();
        }
        let pool = self.signer_pool(alice);
        let traffic = crate::traffic::traffic_account(alice).await;
        let mut nonces_before = Vec::new();
        for patient in &patients {
            nonces_before.push(chain_nonce(patient).await);
        }
        Desk {
            pool,
            doctors,
            first_slot,
            nonces_before,
            traffic,
        }
    }

    /// The batch's patients (`//Patient0`, …), each on `base`'s connection and options.
    fn signer_pool(&self, base: &EhrClient) -> SignerPool {
        let signers =
            (0..self.signers).map(|index| dev_signer(&format!("//Patient{index}")).unwrap());
        SignerPool::new(base, signers)
    }

    /// `desk`, its patients submitting through `base`'s connection and with its options
    /// (another [`Finality`](ehr_client::Finality), say) from now on.
    pub fn through(&self, desk: Desk, base: &EhrClient) -> Desk {
        Desk {
            pool: self.signer_pool(base),
            ..desk
        }
    }

    /// Runs the batch: every signer at once, each pipelining its jobs. Returns each
    /// signer's job outcomes in job order (bookings first, then uploads, as numbered).
    pub async fn run(&self, desk: &Desk) -> Vec<Vec<JobOutcome>> {
        let per_signer =
            desk.pool
                .clients()
                .iter()
                .zip(&desk.doctors)
                .map(|(patient, doctor)| async move {
                    stream::iter(self.jobs())
                        .map(|job| job.run(patient, *doctor, desk.first_slot))
                        .buffered(self.in_flight.max(1))
                        .collect::<Vec<_>>()
                        .await
                });
        crate::traffic::with_traffic(&desk.traffic, futures::future::join_all(per_signer)).await
    }

    fn jobs(&self) -> impl Iterator<Item = Job> {
        let bookings = self.bookings;
        let every = self.upload_every;
        (0..bookings).flat_map(move |slot| {
            let upload = (every > 0 && (slot + 1) % every == 0).then_some(Job::Upload(slot));
            std::iter::once(Job::BookAndCancel(slot)).chain(upload)
        })
    }

    /// The transactions each signer sends: two per booking, one per upload.
    pub fn transactions_per_signer(&self) -> usize {
        self.jobs()
            .map(|job| match job {
                Job::BookAndCancel(_) => 2,
                Job::Upload(_) => 1,
            })
            .sum()
    }

    /// What one undisturbed run of the batch leaves on chain.
    pub fn expected(&self, desk: &Desk) -> ChainSummary {
        let mut summary = ChainSummary {
            appointments: BTreeMap::new(),
            documents: BTreeMap::new(),
        };
        for (patient, doctor) in desk.pool.clients().iter().zip(&desk.doctors) {
            let patient = patient.account_id();
            for job in self.jobs() {
                match job {
                    Job::BookAndCancel(slot) => {
                        summary.appointments.insert(
                            (*doctor, desk.first_slot + slot as u64 * SLOT_MS),
                            vec![(patient, AppointmentStatus::Cancelled)],
                        );
                    }
                    Job::Upload(slot) => summary
                        .documents
                        .entry(patient)
                        .or_default()
                        .push(document_reference(slot)),
                }
            }
        }
        summary
    }
}

#[derive(Debug, Clone, Copy)]
enum Job {
    BookAndCancel(usize),
    Upload(usize),
}

impl Job {
    async fn run(
        self,
        patient: &EhrClient,
        doctor: AccountId,
        first_slot: Timestamp,
    ) -> JobOutcome {
        match self {
            Job::BookAndCancel(slot) => {
                let booked = patient
                    .book_appointment(doctor, first_slot + slot as u64 * SLOT_MS)
                    .await?;
                let cancelled = patient.cancel_appointment(booked.value).await?;
                Ok(vec![booked.nonce, cancelled.nonce])
            }
            Job::Upload(slot) => {
                let uploaded = patient
                    .submit(&messages::upload_document(
                        patient.account_id(),
                        document_reference(slot),
                        [7; 32],
                        vec![9; 72],
                        None,
                    ))
                    .await?;
                Ok(vec![uploaded.nonce])
            }
        }
    }
}

/// The encrypted CID a batch's upload `slot` stores (any bytes do: the contract keeps them).
fn document_reference(slot: usize) -> Vec<u8> {
    format!("batch-document-{slot:06}").into_bytes()
}

/// The signer's nonce on chain at the best block.
///
/// # Panics
/// If the node cannot be reached (the client reconnects first).
pub async fn chain_nonce(client: &EhrClient) -> u64 {
    client.account_nonce().await.unwrap()
}

impl Desk {
    /// Each signer's nonce on chain, or `None` while the node does not answer within 2 s (a
    /// request on a connection that is being cut, or to a node going away, may never be
    /// answered).
    pub async fn chain_nonces(&self) -> Option<Vec<u64>> {
        let read = async {
            let mut nonces = Vec::new();
            for client in self.pool.clients() {
                nonces.push(client.account_nonce().await.ok()?);
            }
            Some(nonces)
        };
        tokio::time::timeout(std::time::Duration::from_secs(2), read)
            .await
            .ok()
            .flatten()
    }

    /// The batch's transactions on chain so far, over all signers (`None` while the node
    /// does not answer).
    pub async fn landed(&self) -> Option<u64> {
        let nonces = self.chain_nonces().await?;
        Some(
            nonces
                .iter()
                .zip(&self.nonces_before)
                .map(|(now, before)| now.saturating_sub(*before))
                .sum(),
        )
    }
}

/// Every item of a paginated list, page after page: `page(offset)` reads one.
///
/// # Panics
/// If a query fails.
async fn every_item<T, Fut>(mut page: impl FnMut(u32) -> Fut) -> Vec<T>
where
    Fut: std::future::Future<Output = ehr_client::Result<ehr::Page<T>>>,
{
    let mut items = Vec::new();
    loop {
        let found = page(items.len() as u32).await.unwrap();
        let empty = found.items.is_empty();
        items.extend(found.items);
        if empty || items.len() as u32 >= found.total {
            return items;
        }
    }
}

/// Reads what the batch left on chain: every appointment and document of its patients.
///
/// # Panics
/// If a query fails.
pub async fn chain_summary(desk: &Desk) -> ChainSummary {
    let mut summary = ChainSummary {
        appointments: BTreeMap::new(),
        documents: BTreeMap::new(),
    };
    for patient in desk.pool.clients() {
        let account = patient.account_id();
        let appointments =
            every_item(|offset| patient.get_all_appointments(account, offset, ehr::MAX_PAGE_SIZE))
                .await;
        for appointment in appointments {
            summary
                .appointments
                .entry((appointment.doctor, appointment.start))
                .or_default()
                .push((appointment.patient, appointment.status));
        }
        let documents =
            every_item(|offset| patient.get_all_documents(account, offset, ehr::MAX_PAGE_SIZE))
                .await;
        // A patient without documents has no entry, as in `Batch::expected`.
        if !documents.is_empty() {
            let cids = documents.into_iter().map(|document| document.encrypted_cid);
            summary.documents.insert(account, cids.collect());
        }
    }
    for documents in summary.documents.values_mut() {
        documents.sort();
    }
    summary
}

/// Checks a run's outcomes against the chain: every job succeeded, the batch's transactions
/// used each signer's nonces from before the batch on exactly once, the chain holds exactly
/// what an undisturbed run leaves, and no slot was booked twice.
///
/// # Panics
/// With what differs.
pub async fn assert_exactly_once(batch: &Batch, desk: &Desk, outcomes: &[Vec<JobOutcome>]) {
    let per_signer = batch.transactions_per_signer() as u64;
    for (signer, (jobs, client)) in outcomes.iter().zip(desk.pool.clients()).enumerate() {
        let failed: Vec<_> = jobs.iter().filter_map(|job| job.as_ref().err()).collect();
        assert!(
            failed.is_empty(),
            "signer {signer}: {} of {} jobs failed, the first: {}",
            failed.len(),
            jobs.len(),
            failed[0]
        );
        let mut nonces: Vec<u64> = jobs
            .iter()
            .flat_map(|job| job.as_ref().unwrap().iter().copied())
            .collect();
        nonces.sort_unstable();
        let before = desk.nonces_before[signer];
        let expected: Vec<u64> = (before..before + per_signer).collect();
        assert_eq!(nonces, expected, "signer {signer}: nonces used");
        assert_eq!(
            chain_nonce(client).await,
            before + per_signer,
            "signer {signer}: nonce on chain"
        );
    }
    let summary = chain_summary(desk).await;
    let twice: Vec<_> = summary
        .appointments
        .iter()
        .filter(|(_, booked)| booked.len() > 1)
        .collect();
    assert!(twice.is_empty(), "slots booked more than once: {twice:?}");
    let mut expected = batch.expected(desk);
    for documents in expected.documents.values_mut() {
        documents.sort();
    }
    assert!(
        summary == expected,
        "the chain differs from an undisturbed run: {} appointments (expected {}), {} documents (expected {})",
        summary.appointments.len(),
        expected.appointments.len(),
        summary.documents.values().map(Vec::len).sum::<usize>(),
        expected.documents.values().map(Vec::len).sum::<usize>(),
    );
}
