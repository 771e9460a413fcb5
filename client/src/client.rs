//! [`EhrClient`]: a signer connected to a node, bound to one `ehr` contract.

use crate::connection::{within, Connection, Link};
use crate::events::{contract_events, EhrEvent};
use crate::messages::{self, Message};
use crate::node::{
    self,
    runtime_types::{
        pallet_contracts::{
            primitives::{Code, StorageDeposit},
            wasm::Determinism,
        },
        sp_weights::weight_v2::Weight,
    },
};
use crate::{ClientError, ContractBundle, Result};
use codec::{Decode, Encode};
use futures::{stream, StreamExt};
use std::collections::VecDeque;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use subxt::{
    backend::{legacy::LegacyRpcMethods, rpc::RpcClient},
    utils::{AccountId32, MultiAddress, H256},
    OnlineClient, SubstrateConfig,
};
use subxt_signer::sr25519::Keypair;
use tokio::sync::Mutex;
use tracing::Instrument;

/// When a submitted transaction counts as done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Finality {
    /// Included in a best block (fast; can in principle be reorganised away).
    #[default]
    InBlock,
    /// Included in a finalized block: for audit-relevant writes that must not be undone.
    Finalized,
    /// Included in a best block with at least this many blocks built on it, for chains
    /// whose finality lags or whose tip forks (several authors racing). A value read from the
    /// block (an appointment's id) holds only as long as the block stays on the best chain:
    /// depth makes a replacement of it unlikely, finality makes it impossible. A chain that
    /// seals only on demand (the dev node) must keep getting transactions for the depth to
    /// come; else the submission ends [`Unsettled`](crate::ClientError::Unsettled) after
    /// [`Options::settle_for`].
    Depth(u32),
}

/// Tunables of an [`EhrClient`].
#[derive(Debug, Clone)]
pub struct Options {
    /// Longest wait for any one answer from the node, and for inclusion of a transaction.
    pub timeout: Duration,
    /// When a submission is done.
    pub finality: Finality,
    /// Margin added to the dry-run's gas and storage deposit, in percent.
    pub margin_percent: u64,
    /// For how many blocks a signed transaction stays valid (rounded down to a power of two,
    /// at least 4, and at most the runtime's `BlockHashCount`). Once they have passed without
    /// it, the client knows it never will be included ([`ClientError::NotIncluded`]). On a
    /// 6-second chain 2,048 blocks are 3.4 hours; a dev node under load makes dozens of
    /// blocks a second.
    pub mortality: u64,
    /// Longest time to find out what became of a transaction after a fault (a dropped
    /// connection, a node restart, a lost status) before giving up with
    /// [`ClientError::Unsettled`].
    pub settle_for: Duration,
    /// Longest time to keep reconnecting (with back-off) to a node that went away.
    pub reconnect_for: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            timeout: Duration::from_secs(60),
            finality: Finality::InBlock,
            margin_percent: 20,
            mortality: 2048,
            settle_for: Duration::from_secs(300),
            reconnect_for: Duration::from_secs(120),
        }
    }
}

/// What the dry-run of a message answered.
#[derive(Debug, Clone)]
pub struct DryRun<R> {
    /// The value the message returned in the dry-run.
    pub value: R,
    /// Gas the call needs: (ref_time, proof_size).
    pub gas_required: (u64, u64),
    /// Storage deposit charged (positive) or refunded (negative), in plancks.
    pub storage_deposit: i128,
}

/// A transaction included in a block.
#[derive(Debug, Clone)]
pub struct Submitted<R> {
    /// The message's result. For messages that create something (`book_appointment`,
    /// `upload_document`, `open_emergency_access`) it is read from the emitted event, so it is
    /// right even when other transactions landed between the dry-run and inclusion; otherwise
    /// it is the dry-run's value.
    pub value: R,
    /// The contract's events from this transaction, in order.
    pub events: Vec<EhrEvent>,
    /// The block that included the transaction.
    pub block_hash: H256,
    /// The transaction's hash.
    pub extrinsic_hash: H256,
    /// The signer's nonce the transaction used.
    pub nonce: u64,
    /// The gas limit and storage deposit limit the transaction was submitted with.
    pub gas_limit: (u64, u64),
    /// See [`Submitted::gas_limit`]; `None` means no limit.
    pub storage_deposit_limit: Option<u128>,
}

/// See [`EhrClient::fault_counts`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FaultCounts {
    /// Times the connection was opened again after the node went away.
    pub reconnects: u64,
    /// Transactions settled from the chain (looked up, and submitted again if missing)
    /// because the node did not report their inclusion.
    pub settled: u64,
    /// Replacements signed with the same nonce, for transactions the node held without
    /// including them (see [`submission`](crate::submission)).
    pub replaced: u64,
    /// Transactions signed again with the same nonce because the node refused the block
    /// their era starts from: a reorganisation had replaced it (see
    /// [`submission`](crate::submission), step 7).
    pub signed_again: u64,
}

/// Where [`EhrClient::deploy`] put the contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployment {
    /// The new contract's address.
    pub contract: AccountId32,
    /// The code hash the contract runs.
    pub code_hash: H256,
    /// Whether this deployment uploaded the code (false: it was on chain already).
    pub uploaded_code: bool,
}

/// A signer connected to a node, bound to one `ehr` contract.
///
/// Every write is dry-run first: a contract error comes back as
/// [`ClientError::Contract`] before anything is submitted. Then it is signed with the next
/// nonce from the client's own counter (so many submissions can be in flight at once),
/// submitted with the dry-run's gas and storage deposit plus a margin, and awaited until
/// included. Every wait is bounded by [`Options::timeout`].
///
/// Each transaction is submitted exactly once: after a dropped connection, a node restart or
/// a lost status the client reconnects and finds out from the chain whether it was
/// included, submitting the same signed bytes again (same nonce) only if it was not; see
/// [`crate::submission`]. Reads are retried once after a reconnect.
///
/// ```no_run
/// # async fn run() -> ehr_client::Result<()> {
/// use ehr_client::{dev_signer, EhrClient};
///
/// let mut alice = EhrClient::connect("ws://127.0.0.1:9944", dev_signer("//Alice")?).await?;
/// let deployment = alice.deploy_bundle("target/ink/ehr/ehr.contract").await?;
/// let bob = EhrClient::connect("ws://127.0.0.1:9944", dev_signer("//Bob")?)
///     .await?
///     .attach(deployment.contract);
/// bob.register_patient([7; 32]).await?;
/// assert!(bob.patient_verification(bob.account_id()).await?.registered);
/// # Ok(())
/// # }
/// ```
pub struct EhrClient {
    pub(crate) connection: Arc<Connection>,
    pub(crate) signer: Keypair,
    contract: Option<AccountId32>,
    next_nonce: Mutex<Option<u64>>,
    pub(crate) options: Options,
}

/// How often [`EhrClient::watch_events`] asks for new blocks.
const WATCH_POLL: Duration = Duration::from_millis(250);

fn with_margin(value: u64, percent: u64) -> u64 {
    value.saturating_add(value.saturating_mul(percent) / 100)
}

fn deposit_amount(deposit: &StorageDeposit<u128>) -> i128 {
    match deposit {
        StorageDeposit::Charge(amount) => i128::try_from(*amount).unwrap_or(i128::MAX),
        StorageDeposit::Refund(amount) => -i128::try_from(*amount).unwrap_or(i128::MAX),
    }
}

/// Decodes what an ink! message returns: `Result<Result<R, ehr::Error>, ink::LangError>`.
pub fn decode_message_result<R: Decode>(mut data: &[u8]) -> Result<R> {
    type Answer<R> = core::result::Result<core::result::Result<R, ehr::Error>, ink::LangError>;
    match Answer::<R>::decode(&mut data) {
        Ok(Ok(Ok(value))) => Ok(value),
        Ok(Ok(Err(error))) => Err(ClientError::Contract(error)),
        Ok(Err(lang_error)) => Err(ClientError::LangError(lang_error)),
        Err(err) => Err(ClientError::Decode {
            what: "the contract's answer",
            reason: err.to_string(),
        }),
    }
}

/// For messages that create something, the created value as the contract's event states it.
fn value_from_events(label: &str, events: &[EhrEvent]) -> Option<Vec<u8>> {
    events.iter().find_map(|event| match (label, event) {
        ("book_appointment", EhrEvent::AppointmentBooked(booked)) => Some(booked.id.encode()),
        ("upload_document", EhrEvent::DocumentUploaded(uploaded)) => Some(uploaded.id.encode()),
        ("open_emergency_access", EhrEvent::EmergencyAccessOpened(opened)) => {
            Some(opened.expires_at.encode())
        }
        _ => None,
    })
}

impl EhrClient {
    /// Connects to the node at `url` (e.g. `ws://127.0.0.1:9944`) with default [`Options`].
    ///
    /// # Errors
    /// `Transport` if the node cannot be reached, `Timeout` if it does not answer in time.
    pub async fn connect(url: &str, signer: Keypair) -> Result<Self> {
        Self::connect_with(url, signer, Options::default()).await
    }

    /// Connects to the node at `url` with the given options.
    ///
    /// # Errors
    /// As [`EhrClient::connect`].
    pub async fn connect_with(url: &str, signer: Keypair, options: Options) -> Result<Self> {
        let connection = Connection::open(url, options.timeout, options.reconnect_for).await?;
        Ok(EhrClient {
            connection: Arc::new(connection),
            signer,
            contract: None,
            next_nonce: Mutex::new(None),
            options,
        })
    }

    /// The same connection with another signer (and its own nonce counter).
    pub fn with_signer(&self, signer: Keypair) -> Self {
        EhrClient {
            connection: self.connection.clone(),
            signer,
            contract: self.contract.clone(),
            next_nonce: Mutex::new(None),
            options: self.options.clone(),
        }
    }

    /// Binds the client to the `ehr` contract at `contract`.
    pub fn attach(mut self, contract: AccountId32) -> Self {
        self.contract = Some(contract);
        self
    }

    /// The contract the client is bound to, if any.
    pub fn contract(&self) -> Option<&AccountId32> {
        self.contract.as_ref()
    }

    /// The signer's account, as the contract sees it.
    pub fn account_id(&self) -> crate::AccountId {
        crate::AccountId::from(self.signer.public_key().0)
    }

    /// The signer's account, as the chain sees it.
    pub fn chain_account_id(&self) -> AccountId32 {
        self.signer.public_key().to_account_id()
    }

    /// The subxt client over the current connection, for anything this crate does not wrap.
    /// After a reconnect, ask again: the old one no longer answers.
    pub fn api(&self) -> OnlineClient<SubstrateConfig> {
        self.connection.link().api.clone()
    }

    /// What the connection (shared with every client made from it by
    /// [`with_signer`](Self::with_signer)) went through: how often it was opened again, and
    /// how many transactions were settled from the chain after their fast path failed.
    pub fn fault_counts(&self) -> FaultCounts {
        FaultCounts {
            reconnects: self.connection.reconnects(),
            settled: self
                .connection
                .settled
                .load(std::sync::atomic::Ordering::Relaxed),
            replaced: self
                .connection
                .replaced
                .load(std::sync::atomic::Ordering::Relaxed),
            signed_again: self
                .connection
                .signed_again
                .load(std::sync::atomic::Ordering::Relaxed),
        }
    }

    /// The options in force.
    pub fn options(&self) -> &Options {
        &self.options
    }

    fn contract_address(&self) -> Result<AccountId32> {
        self.contract.clone().ok_or(ClientError::NoContract)
    }

    /// Uploads the bundle's code (unless it is on chain already) and instantiates the contract
    /// with `new()`; the client is then bound to the new contract.
    ///
    /// # Errors
    /// `InvalidInput` for an unreadable bundle or one whose code does not match its hash;
    /// `Dispatch` if the chain refuses the upload or instantiation.
    pub async fn deploy_bundle(&mut self, path: impl AsRef<std::path::Path>) -> Result<Deployment> {
        let bundle = ContractBundle::load(path)?;
        self.deploy(&bundle).await
    }

    /// Like [`EhrClient::deploy_bundle`], from a loaded bundle.
    ///
    /// # Errors
    /// As [`EhrClient::deploy_bundle`].
    pub async fn deploy(&mut self, bundle: &ContractBundle) -> Result<Deployment> {
        let code_hash = H256(bundle.code_hash);
        let best = self.best_block().await?;
        let code_stored = self
            .read("the code's storage entry", |link| async move {
                let query = node::storage().contracts().code_info_of(code_hash);
                Ok(link.api.storage().at(best).fetch(&query).await?.is_some())
            })
            .await?;
        if !code_stored {
            let upload = node::tx().contracts().upload_code(
                bundle.wasm.clone(),
                None,
                Determinism::Enforced,
            );
            let events = self.sign_and_submit(&upload).await?.events;
            let stored = events
                .find_first::<node::contracts::events::CodeStored>()?
                .ok_or_else(|| ClientError::Dispatch("the upload stored no code".into()))?;
            if stored.code_hash != code_hash {
                return Err(ClientError::Dispatch(format!(
                    "the chain stored code {:?}, expected {:?}",
                    stored.code_hash, code_hash
                )));
            }
        }

        let salt = {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|elapsed| elapsed.as_nanos())
                .unwrap_or_default();
            (nanos, self.signer.public_key().0).encode()
        };
        let constructor = messages::constructor_new();
        let payload = || {
            node::apis().contracts_api().instantiate(
                self.chain_account_id(),
                0,
                None,
                None,
                Code::Existing(code_hash),
                constructor.clone(),
                salt.clone(),
            )
        };
        let dry_run = self
            .call_runtime_api("the instantiation dry-run", payload)
            .await?;
        let result = dry_run
            .result
            .map_err(|err| self.describe_dispatch_error(&err))?;
        if result.result.flags.bits & 1 == 1 {
            return Err(ClientError::Reverted(format!(
                "the constructor reverted: 0x{}",
                hex::encode(&result.result.data)
            )));
        }
        let (ref_time, proof_size) = self.gas_limit((
            dry_run.gas_required.ref_time,
            dry_run.gas_required.proof_size,
        ));
        let deposit = self.deposit_limit(deposit_amount(&dry_run.storage_deposit));
        let instantiate = node::tx().contracts().instantiate(
            0,
            Weight {
                ref_time,
                proof_size,
            },
            Some(deposit.into()),
            code_hash,
            constructor,
            salt,
        );
        let events = self.sign_and_submit(&instantiate).await?.events;
        let instantiated = events
            .find_first::<node::contracts::events::Instantiated>()?
            .ok_or_else(|| ClientError::Dispatch("the instantiation created no contract".into()))?;
        self.contract = Some(instantiated.contract.clone());
        Ok(Deployment {
            contract: instantiated.contract,
            code_hash,
            uploaded_code: !code_stored,
        })
    }

    /// Dry-runs `message` as the signer on the latest block: nothing is submitted.
    ///
    /// # Errors
    /// `Contract` with the contract's error if the message would fail; `Dispatch`,
    /// `Transport`, `Timeout`, `Decode` for the rest.
    #[tracing::instrument(level = "debug", name = "dry_run", skip_all, fields(message = message.label()))]
    pub async fn dry_run<R: Decode>(&self, message: &Message<R>) -> Result<DryRun<R>> {
        let contract = self.contract_address()?;
        let payload = || {
            node::apis().contracts_api().call(
                self.chain_account_id(),
                contract.clone(),
                0,
                None,
                None,
                message.input_data().to_vec(),
            )
        };
        let answer = self.call_runtime_api("a dry-run", payload).await?;
        let returned = answer
            .result
            .map_err(|err| self.describe_dispatch_error(&err))?;
        let value = decode_message_result::<R>(&returned.data)?;
        Ok(DryRun {
            value,
            gas_required: (answer.gas_required.ref_time, answer.gas_required.proof_size),
            storage_deposit: deposit_amount(&answer.storage_deposit),
        })
    }

    /// Answers a query (or previews a write) with a dry-run alone.
    ///
    /// # Errors
    /// As [`EhrClient::dry_run`].
    pub async fn query<R: Decode>(&self, message: &Message<R>) -> Result<R> {
        Ok(self.dry_run(message).await?.value)
    }

    /// Dry-runs `message`, then submits it with the dry-run's gas and storage deposit (plus
    /// [`Options::margin_percent`]) and waits until it is included
    /// ([`Options::finality`]); returns its result and the contract's events.
    ///
    /// # Errors
    /// `Contract` if the dry-run fails (nothing is submitted) or, if the state changed before
    /// inclusion, the contract error a fresh dry-run reports; `Rejected`, `Dispatch`,
    /// `Transport`, `Timeout`, `Decode` for the rest.
    #[tracing::instrument(level = "debug", name = "submit", skip_all, fields(message = message.label()))]
    pub async fn submit<R: Decode>(&self, message: &Message<R>) -> Result<Submitted<R>> {
        let contract = self.contract_address()?;
        let dry_run = self.dry_run(message).await?;
        let (ref_time, proof_size) = self.gas_limit(dry_run.gas_required);
        let storage_deposit_limit = self.deposit_limit(dry_run.storage_deposit);
        let call = node::tx().contracts().call(
            MultiAddress::Id(contract.clone()),
            0,
            Weight {
                ref_time,
                proof_size,
            },
            Some(storage_deposit_limit.into()),
            message.input_data().to_vec(),
        );
        let included = match self.sign_and_submit(&call).await {
            Ok(included) => included,
            // The state changed between the dry-run and inclusion: say what the contract says
            // now, if it is a contract error.
            Err(ClientError::Dispatch(reason)) if reason.contains("ContractReverted") => {
                return match self.dry_run(message).await {
                    Err(err @ ClientError::Contract(_)) => Err(err),
                    _ => Err(ClientError::Dispatch(reason)),
                };
            }
            Err(err) => return Err(err),
        };
        let contract_events = contract_events(&included.events, &contract)?;
        let value = match value_from_events(message.label(), &contract_events) {
            Some(encoded) => R::decode(&mut &encoded[..]).map_err(|err| ClientError::Decode {
                what: "an event's value",
                reason: err.to_string(),
            })?,
            None => dry_run.value,
        };
        Ok(Submitted {
            value,
            events: contract_events,
            block_hash: included.block_hash,
            extrinsic_hash: included.extrinsic_hash,
            nonce: included.nonce,
            gas_limit: (ref_time, proof_size),
            storage_deposit_limit: Some(storage_deposit_limit),
        })
    }

    /// The node's RPC methods (the legacy ones every Substrate node serves), over the
    /// current connection.
    pub fn rpc(&self) -> LegacyRpcMethods<SubstrateConfig> {
        self.connection.link().rpc.clone()
    }

    /// The raw RPC client, for methods [`EhrClient::rpc`] lacks (`childstate_*`).
    pub fn rpc_client(&self) -> RpcClient {
        self.connection.link().rpc_client.clone()
    }

    /// Runs the read `request` on the current connection within the time-out; if the node
    /// did not answer, reconnects (see [`Options::reconnect_for`]) and runs it once more.
    pub(crate) async fn read<T, F, Fut>(&self, waiting_for: &'static str, request: F) -> Result<T>
    where
        F: Fn(Arc<Link>) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let link = self.connection.link();
        match within(self.options.timeout, waiting_for, request(link.clone())).await {
            Err(ClientError::Transport(_) | ClientError::Timeout { .. }) => {
                let link = self.connection.reconnect(&link).await?;
                within(self.options.timeout, waiting_for, request(link)).await
            }
            answer => answer,
        }
    }

    /// The contract's events block by block as new best blocks arrive: `(block hash,
    /// events)` for each block (empty for blocks without any). For services that react to
    /// the chain, such as the emergency key custodian (`ehr emergency watch`).
    ///
    /// # Errors
    /// `NoContract`; `Transport` if the node cannot be reached; each item may carry a
    /// `Transport` or `Decode` error, after which the stream ends.
    pub async fn watch_events(
        &self,
    ) -> Result<impl futures::Stream<Item = Result<(H256, Vec<EhrEvent>)>> + '_> {
        self.watch_events_from(None).await
    }

    /// [`watch_events`](Self::watch_events), starting at block number `from` (the next new
    /// block if `None`): every block from there on is delivered once, in order. The stream
    /// follows the best chain by number and survives the node going away: it reconnects
    /// (see [`Options::reconnect_for`]) and goes on from the block after the last one it
    /// delivered, without gaps or repeats. So a watcher that restarts with the last block it
    /// handled misses nothing that happened while it was away. Old blocks need the node to
    /// keep their state (an archive node).
    ///
    /// # Errors
    /// As [`watch_events`](Self::watch_events); an item is `Transport` if a block is gone
    /// or the node cannot be reached again.
    pub async fn watch_events_from(
        &self,
        from: Option<u32>,
    ) -> Result<impl futures::Stream<Item = Result<(H256, Vec<EhrEvent>)>> + '_> {
        let contract = self.contract.clone().ok_or(ClientError::NoContract)?;
        let next = match from {
            Some(from) => from,
            None => self.best_block_number().await?.saturating_add(1),
        };
        struct Watch {
            next: u32,
            ready: VecDeque<(H256, Vec<EhrEvent>)>,
            ended: bool,
        }
        let start = Watch {
            next,
            ready: VecDeque::new(),
            ended: false,
        };
        Ok(stream::unfold(start, move |mut watch| {
            let contract = contract.clone();
            async move {
                loop {
                    if let Some(block) = watch.ready.pop_front() {
                        return Some((Ok(block), watch));
                    }
                    if watch.ended {
                        return None;
                    }
                    match self.contract_events_from(&contract, watch.next).await {
                        Ok(blocks) if blocks.is_empty() => {
                            tokio::time::sleep(WATCH_POLL).await;
                        }
                        Ok(blocks) => {
                            watch.next = watch
                                .next
                                .saturating_add(u32::try_from(blocks.len()).unwrap_or(u32::MAX));
                            watch.ready.extend(blocks);
                        }
                        Err(err) => {
                            watch.ended = true;
                            return Some((Err(err), watch));
                        }
                    }
                }
            }
        }))
    }

    /// The contract's events in the best chain's blocks from number `from` on (at most 64
    /// blocks, none if `from` is past the best block).
    async fn contract_events_from(
        &self,
        contract: &AccountId32,
        from: u32,
    ) -> Result<Vec<(H256, Vec<EhrEvent>)>> {
        let best = self.best_block_number().await?;
        let mut blocks = Vec::new();
        for number in from..=best.min(from.saturating_add(63)) {
            let block = self
                .read("a block's events", |link| async move {
                    let hash = link
                        .rpc
                        .chain_get_block_hash(Some(number.into()))
                        .await?
                        .ok_or_else(|| ClientError::Transport(format!("block {number} is gone")))?;
                    let events = link.api.blocks().at(hash).await?.events().await?;
                    Ok((hash, events))
                })
                .await?;
            blocks.push((
                block.0,
                crate::events::block_contract_events(&block.1, contract)?,
            ));
        }
        Ok(blocks)
    }

    /// The best block's number.
    ///
    /// # Errors
    /// `Transport`, `Timeout`.
    pub async fn best_block_number(&self) -> Result<u32> {
        self.read("the best block", |link| async move {
            Ok(link
                .rpc
                .chain_get_header(None)
                .await?
                .ok_or_else(|| ClientError::Transport("the node has no best block".into()))?
                .number)
        })
        .await
    }

    /// The signer's nonce on chain at the best block: how many of its transactions the
    /// chain has included (the pool's pending ones not counted).
    ///
    /// # Errors
    /// `Transport`, `Timeout`, `Decode`.
    pub async fn account_nonce(&self) -> Result<u64> {
        let best = self.best_block().await?;
        let account = self.chain_account_id();
        self.read("the account's nonce", |link| {
            let account = account.clone();
            async move {
                Ok(link
                    .api
                    .blocks()
                    .at(best)
                    .await?
                    .account_nonce(&account)
                    .await?)
            }
        })
        .await
    }

    /// The latest block's timestamp in milliseconds: the `now` the contract sees.
    ///
    /// # Errors
    /// `Transport`, `Decode`.
    pub async fn chain_timestamp(&self) -> Result<u64> {
        // At the best block, where dry-runs run (subxt's `at_latest` is the finalized one).
        let best = self.best_block().await?;
        self.read("the block's timestamp", |link| async move {
            Ok(link
                .api
                .storage()
                .at(best)
                .fetch_or_default(&crate::node::storage().timestamp().now())
                .await?)
        })
        .await
    }

    /// Submits `messages` from this one signer with up to `in_flight` transactions pending at
    /// once (each still dry-run first), and returns each one's outcome in input order.
    ///
    /// The client numbers the transactions itself, so they do not collide in the pool
    /// ("Priority is too low") the way independent submissions that read the nonce from chain
    /// state would.
    pub async fn submit_many<R: Decode>(
        &self,
        messages: Vec<Message<R>>,
        in_flight: usize,
    ) -> Vec<Result<Submitted<R>>> {
        // Owned messages: a closure over `&Message` makes this future not `Send` for every
        // lifetime (rust-lang/rust#102211), which a web server's handlers need.
        stream::iter(messages)
            .map(|message| async move { self.submit(&message).await })
            .buffered(in_flight.max(1))
            .collect()
            .await
    }

    /// Signs any runtime `call` (e.g. from [`crate::node::tx`]) with the client's next nonce,
    /// submits it and waits for inclusion, exactly once (see [`crate::submission`]); returns
    /// the block and the extrinsic's events. A failed extrinsic comes back as
    /// `ClientError::Dispatch`. Contract messages should use [`EhrClient::submit`], which
    /// dry-runs them first.
    ///
    /// # Errors
    /// `Rejected`, `Dispatch`, `NotIncluded`, `Unsettled`, `Transport`, `Timeout`.
    pub async fn sign_and_submit<Call: subxt::tx::TxPayload>(
        &self,
        call: &Call,
    ) -> Result<crate::Included> {
        let submission = self
            .sign(call)
            .instrument(tracing::debug_span!("sign"))
            .await?;
        self.submit_signed(&submission).await
    }

    /// The next nonce of the signer: from the node (counting its pool) the first time, then
    /// from the client's own counter.
    pub(crate) async fn take_nonce(&self) -> Result<u64> {
        let mut next = self.next_nonce.lock().await;
        let nonce = match *next {
            Some(nonce) => nonce,
            None => {
                let account = self.chain_account_id();
                self.read("the account's nonce", |link| {
                    let account = account.clone();
                    async move { Ok(link.rpc.system_account_next_index(&account).await?) }
                })
                .await?
            }
        };
        *next = Some(nonce.saturating_add(1));
        Ok(nonce)
    }

    /// After a transaction that will never be included, count afresh from the chain: its
    /// nonce is free again.
    pub(crate) async fn forget_nonce(&self) {
        *self.next_nonce.lock().await = None;
    }

    /// The best block: dry-runs see what earlier submissions (included, maybe not yet
    /// finalized) did.
    async fn best_block(&self) -> Result<H256> {
        self.read("the best block", |link| async move {
            link.rpc
                .chain_get_block_hash(None)
                .await?
                .ok_or_else(|| ClientError::Transport("the node has no best block".into()))
        })
        .await
    }

    /// Calls a runtime API (a dry-run) on the best block, within the time-out.
    async fn call_runtime_api<Call: subxt::runtime_api::RuntimeApiPayload>(
        &self,
        waiting_for: &'static str,
        payload: impl Fn() -> Call,
    ) -> Result<Call::ReturnType> {
        let best = self.best_block().await?;
        self.read(waiting_for, |link| {
            let payload = payload();
            async move { Ok(link.api.runtime_api().at(best).call(payload).await?) }
        })
        .await
    }

    /// The gas limit to submit with: the dry-run's (ref_time, proof_size) plus the margin.
    fn gas_limit(&self, (ref_time, proof_size): (u64, u64)) -> (u64, u64) {
        let percent = self.options.margin_percent;
        (
            with_margin(ref_time, percent),
            with_margin(proof_size, percent),
        )
    }

    /// The storage deposit limit to submit with: the dry-run's charge plus the margin, or
    /// nothing when the dry-run refunded.
    fn deposit_limit(&self, storage_deposit: i128) -> u128 {
        match u128::try_from(storage_deposit) {
            Ok(charge) => charge.saturating_add(
                charge.saturating_mul(u128::from(self.options.margin_percent)) / 100,
            ),
            Err(_) => 0,
        }
    }

    fn describe_dispatch_error(
        &self,
        error: &node::runtime_types::sp_runtime::DispatchError,
    ) -> ClientError {
        let encoded = error.encode();
        match subxt::error::DispatchError::decode_from(encoded, self.api().metadata()) {
            Ok(described) => ClientError::Dispatch(described.to_string()),
            Err(_) => ClientError::Dispatch(format!("{error:?}")),
        }
    }
}
