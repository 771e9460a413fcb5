//! Submitting a signed transaction exactly once.
//!
//! Every transaction the client signs has an identity it can find again: the signer, the
//! nonce the client gave it, its extrinsic hash, and the block its era starts at (transactions
//! are mortal, [`Options::mortality`](crate::Options::mortality) blocks). The fast path
//! watches it into a block. When that fails in any way (the connection drops, the node
//! restarts and forgets its pool, the node stops reporting the status, a time-out) the
//! client **settles** it from the chain itself:
//!
//! 1. reconnect if the node does not answer (bounded back-off);
//! 2. look for the extrinsic hash in every block from its era's start to the head: found
//!    means included, once, with its events;
//! 3. not found, and the signer's nonce on chain has passed its nonce: another transaction
//!    used the nonce, so this one can never be included;
//! 4. not found, and the head is past the era's end: it can never be included;
//! 5. otherwise submit the **same bytes** again (same nonce, so a second inclusion is
//!    impossible) and check again a moment later;
//! 6. if the node keeps answering that it has the transaction already, or that it banned it,
//!    while its nonce is the signer's next on chain and for longer than [`STUCK_FOR`], the
//!    node's pool holds it without offering it to blocks (substrate-contracts-node 0.42.0's
//!    pool does this under pipelined load: it files a transaction that arrives before its
//!    predecessor is in a block as waiting for the predecessor's nonce, and now and then
//!    never releases it once the predecessor is in a block; or it drops and bans it). The
//!    client then signs a **replacement**: the same call with the **same nonce**, mortal
//!    from a recent block, with a tip one planck higher than the last (so it also replaces
//!    a transaction the pool holds as ready). The node validates it afresh. Both carry one
//!    nonce, so at most one of them is ever included; from then on the client looks for
//!    either, and reports the one included. At most [`MAX_REPLACEMENTS`] per transaction.
//! 7. if the node refuses the transaction because of the block its era starts from ("bad
//!    signature", "ancient birth block"), that block is not on the node's chain: a
//!    reorganisation replaced it (two authoring nodes, or a node that restarted onto a
//!    peer's chain), or the node has not imported it yet. A form mortal from a block off the
//!    chain can never be included on it, so the client signs the same call with the same
//!    nonce again, mortal from a block of the node's chain as it is now, and follows both
//!    forms as in step 6. At most [`MAX_BIRTH_RESIGNS`] times per transaction; then the
//!    outcome is [`ClientError::NotIncluded`] (the nonce is free again).
//!
//! Each transaction ends with one typed outcome: included (with its events, or with the
//! dispatch error it failed with), [`ClientError::IncludedStatePruned`] (included, but the
//! node has pruned its block's state, so its events cannot be read there),
//! [`ClientError::NotIncluded`] (proven never to be included), or
//! [`ClientError::Unsettled`] (still unknown after
//! [`Options::settle_for`](crate::Options::settle_for): it may yet be included).

use crate::connection::{Api, Link};
use crate::{ClientError, EhrClient, Finality, Result};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use subxt::{
    blocks::ExtrinsicEvents,
    config::DefaultExtrinsicParamsBuilder,
    tx::{SubmittableExtrinsic, TxProgress, TxStatus},
    utils::H256,
    SubstrateConfig,
};
use tracing::Instrument;

/// How often a transaction being settled is looked for again.
const SETTLE_POLL: Duration = Duration::from_millis(500);

/// How far below the best block transactions are made mortal from (see
/// [`EhrClient::recent_block`]).
const BIRTH_DEPTH: u32 = 8;

/// Blocks whose extrinsic hashes are remembered while settling (the oldest are forgotten).
const REMEMBERED_BLOCKS: usize = 4096;

/// How long the node may hold a transaction whose nonce is the signer's next on chain
/// ("already imported" or "banned") before the client signs a replacement with the same
/// nonce. Two blocks of a six-second chain: a ready transaction is in the next block.
pub const STUCK_FOR: Duration = Duration::from_secs(12);

/// Replacements per transaction at most (each tips one planck more than the last).
pub const MAX_REPLACEMENTS: u32 = 3;

/// How many times at most a transaction is signed again because the node refused the block
/// its era starts from (step 7 of the [module docs](self)).
pub const MAX_BIRTH_RESIGNS: u32 = 3;

/// A signed transaction the client can find again.
#[derive(Debug, Clone)]
pub struct Submission {
    /// The extrinsic's hash (BLAKE2b-256 of its bytes).
    pub extrinsic_hash: H256,
    /// The signer's nonce it carries: at most one transaction per nonce is ever included.
    pub nonce: u64,
    /// The block its era starts from; it cannot be included before.
    pub birth: u32,
    /// The first block number at which it can no longer be included.
    pub death: u32,
    bytes: Vec<u8>,
    /// The call it carries, SCALE-encoded: a replacement signs it again with the same nonce.
    call_data: Vec<u8>,
}

/// One signed form of a submission: the first, or a replacement with the same nonce.
#[derive(Debug, Clone)]
struct SignedForm {
    extrinsic_hash: H256,
    birth: u32,
    death: u32,
    bytes: Vec<u8>,
}

impl From<&Submission> for SignedForm {
    fn from(submission: &Submission) -> Self {
        SignedForm {
            extrinsic_hash: submission.extrinsic_hash,
            birth: submission.birth,
            death: submission.death,
            bytes: submission.bytes.clone(),
        }
    }
}

/// What settling a submission has done so far.
struct SettleState {
    /// The form signed first.
    first: SignedForm,
    /// Its replacements, oldest first. At most one form of all is ever included: one nonce.
    replacements: Vec<SignedForm>,
    resubmissions: u32,
    /// Since when the node has held the latest form without including it, its nonce next.
    held_since: Option<tokio::time::Instant>,
    /// How often the node refused the latest form for the block its era starts from.
    birth_refusals: u32,
    /// Replacements kept for forms the node held (step 6), at most [`MAX_REPLACEMENTS`].
    held_replacements: u32,
    /// The node's answer if it refused the latest form for the block its era starts from:
    /// the next step signs it again instead of sending the same bytes (step 7).
    birth_refusal: Option<String>,
}

impl SettleState {
    fn forms(&self) -> impl Iterator<Item = &SignedForm> {
        std::iter::once(&self.first).chain(&self.replacements)
    }

    fn latest(&self) -> &SignedForm {
        self.replacements.last().unwrap_or(&self.first)
    }

    fn replacements(&self) -> u32 {
        u32::try_from(self.replacements.len()).unwrap_or(u32::MAX)
    }
}

/// A call already SCALE-encoded, to sign again.
struct EncodedCall<'a>(&'a [u8]);

impl subxt::tx::TxPayload for EncodedCall<'_> {
    fn encode_call_data_to(
        &self,
        _metadata: &subxt::Metadata,
        out: &mut Vec<u8>,
    ) -> std::result::Result<(), subxt::Error> {
        out.extend_from_slice(self.0);
        Ok(())
    }
}

/// A transaction included in a block.
#[derive(Debug)]
pub struct Included {
    /// The block that includes it.
    pub block_hash: H256,
    /// The hash of the form included: the submission's own, or a replacement's.
    pub extrinsic_hash: H256,
    /// The nonce it used.
    pub nonce: u64,
    /// How many times the same bytes were submitted again while settling (0 on the fast path).
    pub resubmissions: u32,
    /// Replacements signed with the same nonce while settling (see the [module docs](self)).
    pub replacements: u32,
    /// The extrinsic's events.
    pub events: ExtrinsicEvents<SubstrateConfig>,
}

/// The extrinsic hashes of recent blocks, by number, shared by the clients of a connection.
/// An entry counts only while its hash is the one the walk down from the current head
/// expects at its number: after a reorganisation (forks, or a node that restarted and lost
/// its last blocks) the replaced blocks are read again, never trusted by number.
#[derive(Default)]
pub(crate) struct BlockIndex {
    blocks: BTreeMap<u32, IndexedBlock>,
}

struct IndexedBlock {
    hash: H256,
    parent: H256,
    extrinsics: Vec<H256>,
}

enum Settled {
    Included(Included),
    Never(String),
    Pending,
}

impl EhrClient {
    /// Signs `call` with the signer's next nonce, mortal from a recent best block, without
    /// submitting it: [`sign_and_submit`](Self::sign_and_submit) is this and then
    /// [`submit_signed`](Self::submit_signed), for callers that keep the signed transaction
    /// and submit it later. The nonce is taken: submit it, or later transactions of the
    /// signer wait for this one.
    ///
    /// # Errors
    /// `Transport`, `Timeout` reading the nonce or a recent block.
    pub async fn sign<Call: subxt::tx::TxPayload>(&self, call: &Call) -> Result<Submission> {
        let call_data = self.connection.link().api.tx().call_data(call)?;
        let nonce = self.take_nonce().await?;
        let form = self.sign_form(&call_data, nonce, 0).await?;
        Ok(Submission {
            extrinsic_hash: form.extrinsic_hash,
            nonce,
            birth: form.birth,
            death: form.death,
            bytes: form.bytes,
            call_data,
        })
    }

    /// Signs the encoded call with `nonce` and `tip`, mortal from a recent best block.
    async fn sign_form(&self, call_data: &[u8], nonce: u64, tip: u128) -> Result<SignedForm> {
        let (birth, birth_hash) = self.recent_block().await?;
        // A power of two no longer than the runtime keeps block hashes for.
        let api = self.connection.link().api.clone();
        let kept = api
            .constants()
            .at(&crate::node::constants().system().block_hash_count())
            .unwrap_or(250);
        let period = self.options.mortality.min(u64::from(kept)).clamp(4, 65_536);
        let period = if period.is_power_of_two() {
            period
        } else {
            period.next_power_of_two() / 2
        };
        let mut params = DefaultExtrinsicParamsBuilder::<SubstrateConfig>::new()
            .nonce(nonce)
            .tip(tip);
        let death = match birth_hash {
            Some(hash) => {
                params = params.mortal_unchecked(u64::from(birth), hash, period);
                birth.saturating_add(u32::try_from(period).unwrap_or(u32::MAX))
            }
            // A chain still at genesis: immortal (the only case).
            None => u32::MAX,
        };
        let params = params.build();
        let signed =
            api.tx()
                .create_signed_offline(&EncodedCall(call_data), &self.signer, params)?;
        Ok(SignedForm {
            extrinsic_hash: signed.hash(),
            birth,
            death,
            bytes: signed.into_encoded(),
        })
    }

    /// Submits a signed transaction and waits until it is included
    /// ([`Options::finality`](crate::Options::finality)), settling it from the chain if the
    /// fast path fails; see the [module docs](self).
    ///
    /// # Errors
    /// `Dispatch` if it was included and failed; `Rejected` if the node refused it outright
    /// for a reason other than the block its era starts from (it never entered the pool; a
    /// form refused for that block is signed again, step 7 of the module docs);
    /// `NotIncluded`; `Unsettled`; `Transport` if the node cannot be reached again.
    pub async fn submit_signed(&self, submission: &Submission) -> Result<Included> {
        let link = self.connection.link();
        let timeout = self.options.timeout;
        let api = link.api.clone();
        let sent = tokio::time::timeout(
            timeout,
            SubmittableExtrinsic::from_bytes(api, submission.bytes.clone()).submit_and_watch(),
        )
        .instrument(tracing::debug_span!("send"))
        .await;
        let progress = match sent {
            Ok(Ok(progress)) => progress,
            Ok(Err(err)) => match ClientError::from(err) {
                // Mortal from a block the node's chain does not have (a reorganisation
                // replaced it): settling signs it again from a block the chain has, at once
                // (the pool now bans these bytes, so sending them again would only be
                // answered "temporarily banned").
                ClientError::Rejected(reason) if birth_refused(&reason) => {
                    tracing::debug!(nonce = submission.nonce, %reason, "birth block refused");
                    return self.settle(submission, reason.clone(), Some(reason)).await;
                }
                // Refused outright: it never entered the pool, its nonce is free again.
                ClientError::Rejected(reason) if !still_possible(&reason) => {
                    tracing::debug!(nonce = submission.nonce, %reason, "rejected");
                    self.forget_nonce().await;
                    return Err(ClientError::Rejected(reason));
                }
                other => return self.settle(submission, other.to_string(), None).await,
            },
            Err(_) => {
                return self
                    .settle(
                        submission,
                        format!("no answer to the submission within {timeout:?}"),
                        None,
                    )
                    .await
            }
        };
        let watched = tokio::time::timeout(timeout, watch(progress, self.options.finality))
            .instrument(tracing::debug_span!("in_block"))
            .await;
        let why = match watched {
            // In a best block: the same loop as settling, which waits until the block has the
            // depth asked for and follows the transaction if a reorganisation moves it.
            Ok(Ok(_)) if matches!(self.options.finality, Finality::Depth(_)) => {
                return self
                    .follow(submission, "waiting for depth".into(), None)
                    .instrument(tracing::debug_span!("depth"))
                    .await
            }
            Ok(Ok(in_block)) => {
                let events = tokio::time::timeout(timeout, in_block.wait_for_success())
                    .instrument(tracing::debug_span!("events"))
                    .await;
                match events {
                    Ok(Ok(events)) => {
                        return Ok(Included {
                            block_hash: in_block.block_hash(),
                            extrinsic_hash: submission.extrinsic_hash,
                            nonce: submission.nonce,
                            resubmissions: 0,
                            replacements: 0,
                            events,
                        });
                    }
                    Ok(Err(subxt::Error::Runtime(dispatch))) => {
                        return Err(ClientError::Dispatch(dispatch.to_string()))
                    }
                    Ok(Err(err)) => err.to_string(),
                    Err(_) => format!("no events within {timeout:?}"),
                }
            }
            Ok(Err(why)) => why,
            Err(_) => format!("no inclusion reported within {timeout:?}"),
        };
        self.settle(submission, why, None).await
    }

    /// Finds out from the chain what became of `submission` after its fast path failed
    /// (counted in [`FaultCounts::settled`](crate::FaultCounts::settled)).
    /// `birth_refusal` as in [`follow`](Self::follow).
    async fn settle(
        &self,
        submission: &Submission,
        why: String,
        birth_refusal: Option<String>,
    ) -> Result<Included> {
        self.connection
            .settled
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.follow(submission, why, birth_refusal).await
    }

    /// Follows `submission` on the chain until it is included (as deep as
    /// [`Options::finality`](crate::Options::finality) asks) or provably never will be,
    /// submitting the same bytes again while it is neither. `birth_refusal`: the node refused
    /// the submission for the block its era starts from, with this answer.
    #[tracing::instrument(level = "debug", name = "settle", skip_all, fields(signer = %self.chain_account_id(), nonce = submission.nonce, hash = ?submission.extrinsic_hash, why = %why))]
    async fn follow(
        &self,
        submission: &Submission,
        why: String,
        birth_refusal: Option<String>,
    ) -> Result<Included> {
        let started = tokio::time::Instant::now();
        let mut link = self.connection.link();
        let mut state = SettleState {
            first: SignedForm::from(submission),
            replacements: Vec::new(),
            resubmissions: 0,
            held_since: None,
            birth_refusals: 0,
            held_replacements: 0,
            birth_refusal,
        };
        let mut last_error = String::from("none");
        loop {
            let step = tokio::time::timeout(
                self.options.timeout,
                self.settle_step(&link, submission, &mut state),
            )
            .await
            .unwrap_or_else(|_| {
                Err(ClientError::Transport(format!(
                    "no answer within {:?}",
                    self.options.timeout
                )))
            });
            tracing::debug!(
                nonce = submission.nonce,
                step = match &step {
                    Ok(Settled::Included(_)) => "included".to_string(),
                    Ok(Settled::Never(reason)) => format!("never: {reason}"),
                    Ok(Settled::Pending) => "pending".to_string(),
                    Err(err) => format!("error: {err}"),
                },
                "settling"
            );
            match step {
                Ok(Settled::Included(included)) => {
                    return match failure(&link.api, &included.events) {
                        Some(err) => Err(err),
                        None => Ok(included),
                    }
                }
                Ok(Settled::Never(reason)) => {
                    self.forget_nonce().await;
                    return Err(ClientError::NotIncluded {
                        extrinsic_hash: submission.extrinsic_hash,
                        nonce: submission.nonce,
                        reason,
                    });
                }
                Ok(Settled::Pending) => {}
                Err(err @ (ClientError::Transport(_) | ClientError::Timeout { .. })) => {
                    last_error = err.to_string();
                    match self.connection.reconnect(&link).await {
                        // A new connection: look again at once, within the deadline.
                        Ok(new_link) if new_link.generation != link.generation => {
                            link = new_link;
                            if started.elapsed() <= self.options.settle_for {
                                continue;
                            }
                        }
                        // The same connection still answers: the error was the request's;
                        // wait and look again, within the deadline.
                        Ok(_) => {}
                        Err(err) => {
                            return Err(ClientError::Unsettled {
                                extrinsic_hash: submission.extrinsic_hash,
                                nonce: submission.nonce,
                                reason: err.to_string(),
                            })
                        }
                    }
                }
                Err(err) => return Err(err),
            }
            if started.elapsed() > self.options.settle_for {
                return Err(ClientError::Unsettled {
                    extrinsic_hash: submission.extrinsic_hash,
                    nonce: submission.nonce,
                    reason: format!(
                        "neither included nor provably excluded after {:?} (last error: {last_error})",
                        self.options.settle_for
                    ),
                });
            }
            tokio::time::sleep(SETTLE_POLL).await;
        }
    }

    async fn settle_step(
        &self,
        link: &Arc<Link>,
        submission: &Submission,
        state: &mut SettleState,
    ) -> Result<Settled> {
        let head_hash = match self.options.finality {
            Finality::InBlock | Finality::Depth(_) => link.rpc.chain_get_block_hash(None).await?,
            Finality::Finalized => Some(link.rpc.chain_get_finalized_head().await?),
        }
        .ok_or_else(|| ClientError::Transport("the node has no best block".into()))?;
        let head = link.api.blocks().at(head_hash).await?;
        let head_number = head.number();
        let chain_nonce = head.account_nonce(&self.chain_account_id()).await?;
        // Under `Depth(n)` a block counts once n blocks are built on it.
        let included_by = match self.options.finality {
            Finality::Depth(depth) => head_number.saturating_sub(depth),
            Finality::InBlock | Finality::Finalized => head_number,
        };
        let hashes: Vec<H256> = state.forms().map(|form| form.extrinsic_hash).collect();
        let birth = state.forms().map(|form| form.birth).min().unwrap_or(0);
        let death = state.forms().map(|form| form.death).max().unwrap_or(0);
        if let Some((number, block_hash, extrinsic_hash)) = self
            .find_extrinsic(link, &hashes, birth, (head_number, head_hash))
            .await?
        {
            if number > included_by {
                return Ok(Settled::Pending);
            }
            // The block index keeps hashes only, so the found block is read once more for
            // the extrinsic's events: once per settled transaction, not per block walked.
            let block = link.api.blocks().at(block_hash).await?;
            let extrinsics = block.extrinsics().await?;
            for extrinsic in extrinsics.iter() {
                let extrinsic = extrinsic?;
                if hash_from_body(extrinsic.bytes()) == extrinsic_hash {
                    let events = extrinsic.events().await.map_err(|err| {
                        if state_pruned(&err.to_string()) {
                            ClientError::IncludedStatePruned {
                                extrinsic_hash,
                                nonce: submission.nonce,
                                block_hash,
                            }
                        } else {
                            ClientError::from(err)
                        }
                    })?;
                    return Ok(Settled::Included(Included {
                        block_hash,
                        extrinsic_hash,
                        nonce: submission.nonce,
                        resubmissions: state.resubmissions,
                        replacements: state.replacements(),
                        events,
                    }));
                }
            }
        }
        if chain_nonce > submission.nonce {
            return Ok(Settled::Never(format!(
                "nonce {} was used by another transaction of the signer",
                submission.nonce
            )));
        }
        if head_number >= death {
            return Ok(Settled::Never(format!(
                "its era ended at block {death} and it is in none of blocks {birth}..={head_number}"
            )));
        }
        if let Some(reason) = state.birth_refusal.take() {
            return self.sign_again(link, submission, state, reason).await;
        }
        match link
            .rpc
            .author_submit_extrinsic(&state.latest().bytes)
            .await
        {
            Ok(_) => {
                state.resubmissions += 1;
                state.held_since = None;
                tracing::debug!(head_number, chain_nonce, "submitted again");
                Ok(Settled::Pending)
            }
            Err(err) => match ClientError::from(err) {
                ClientError::Rejected(reason) if still_possible(&reason) => {
                    tracing::debug!(head_number, chain_nonce, %reason, "not submitted again");
                    if chain_nonce == submission.nonce && held(&reason) {
                        let since = *state
                            .held_since
                            .get_or_insert_with(tokio::time::Instant::now);
                        if since.elapsed() >= STUCK_FOR
                            && state.held_replacements < MAX_REPLACEMENTS
                        {
                            let counter = &self.connection.replaced;
                            if self.replace(link, submission, state, counter).await? {
                                state.held_replacements += 1;
                            }
                        }
                    } else {
                        state.held_since = None;
                    }
                    Ok(Settled::Pending)
                }
                ClientError::Rejected(reason) if birth_refused(&reason) => {
                    self.sign_again(link, submission, state, reason).await
                }
                ClientError::Rejected(reason) => {
                    Ok(Settled::Never(format!("the node refuses it now: {reason}")))
                }
                other => Err(other),
            },
        }
    }

    /// The node refused the latest form for the block its era starts from (`reason`), so that
    /// form can never be included on its chain: signs the call again, from a block read
    /// afresh, at most [`MAX_BIRTH_RESIGNS`] times (step 7 of the [module docs](self)).
    async fn sign_again(
        &self,
        link: &Link,
        submission: &Submission,
        state: &mut SettleState,
        reason: String,
    ) -> Result<Settled> {
        if state.birth_refusals >= MAX_BIRTH_RESIGNS {
            return Ok(Settled::Never(format!(
                "the node refuses the block its era starts from, {MAX_BIRTH_RESIGNS} times signed again: {reason}"
            )));
        }
        state.birth_refusals += 1;
        tracing::debug!(%reason, "signing again");
        self.forget_recent_block().await;
        if !self
            .replace(link, submission, state, &self.connection.signed_again)
            .await?
        {
            // Not taken: the next step looks again and, if the latest form is still off the
            // chain, signs once more.
            state.birth_refusal = Some(reason);
        }
        Ok(Settled::Pending)
    }

    /// Signs and submits a replacement of `submission`: the same call and nonce, mortal from
    /// a recent block, tipping one planck more than the last form. Kept, and counted in
    /// `counter`, only if the node takes it; returns whether it did.
    async fn replace(
        &self,
        link: &Link,
        submission: &Submission,
        state: &mut SettleState,
        counter: &std::sync::atomic::AtomicU64,
    ) -> Result<bool> {
        let tip = u128::from(state.replacements()) + 1;
        let form = self
            .sign_form(&submission.call_data, submission.nonce, tip)
            .await?;
        match link.rpc.author_submit_extrinsic(&form.bytes).await {
            Ok(_) => {
                tracing::debug!(replacement = ?form.extrinsic_hash, tip, "replaced");
                counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                state.replacements.push(form);
                state.held_since = None;
                Ok(true)
            }
            Err(err) => match ClientError::from(err) {
                ClientError::Rejected(reason) => {
                    tracing::debug!(%reason, "replacement not taken");
                    Ok(false)
                }
                other => Err(other),
            },
        }
    }

    /// The block of the chain that ends at `head` (number, hash), at or above `from`, that
    /// includes one of `extrinsic_hashes`, and which one, if any. Walks down from the head
    /// by parent hashes, so a block replaced by a reorganisation is never taken for the one
    /// now at its number.
    async fn find_extrinsic(
        &self,
        link: &Link,
        extrinsic_hashes: &[H256],
        from: u32,
        head: (u32, H256),
    ) -> Result<Option<(u32, H256, H256)>> {
        let mut index = self.connection.blocks.lock().await;
        let (head_number, mut expected) = head;
        for number in (from..=head_number).rev() {
            let known = index
                .blocks
                .get(&number)
                .filter(|block| block.hash == expected)
                .map(|block| {
                    (
                        block.parent,
                        included_of(&block.extrinsics, extrinsic_hashes),
                    )
                });
            let (parent, found) = match known {
                Some(known) => known,
                None => {
                    let block = link.api.blocks().at(expected).await?;
                    let extrinsics = block
                        .extrinsics()
                        .await?
                        .iter()
                        .map(|extrinsic| extrinsic.map(|e| hash_from_body(e.bytes())))
                        .collect::<Result<Vec<_>, _>>()?;
                    let parent = block.header().parent_hash;
                    let found = included_of(&extrinsics, extrinsic_hashes);
                    index.blocks.insert(
                        number,
                        IndexedBlock {
                            hash: expected,
                            parent,
                            extrinsics,
                        },
                    );
                    while index.blocks.len() > REMEMBERED_BLOCKS {
                        index.blocks.pop_first();
                    }
                    (parent, found)
                }
            };
            if let Some(extrinsic_hash) = found {
                return Ok(Some((number, expected, extrinsic_hash)));
            }
            expected = parent;
        }
        Ok(None)
    }

    /// A recent block to make transactions mortal from, refreshed twice a second:
    /// [`BIRTH_DEPTH`] blocks below the best one. The pool checks a transaction against the
    /// block its view has caught up with, which under load lags the best block; mortal from a
    /// block the pool has not reached, a transaction is refused ("ancient birth block", or
    /// "bad signature" once the chain is longer than the era). `None` for the hash while the
    /// chain is shorter than that (the transaction is then immortal).
    async fn recent_block(&self) -> Result<(u32, Option<H256>)> {
        let mut recent = self.connection.recent_block.lock().await;
        if let Some((number, hash, at)) = *recent {
            if at.elapsed() < Duration::from_millis(500) {
                return Ok((number, hash));
            }
        }
        let found = self
            .read("a recent block", |link| async move {
                let best = link
                    .rpc
                    .chain_get_header(None)
                    .await?
                    .ok_or_else(|| ClientError::Transport("the node has no best block".into()))?
                    .number;
                let Some(birth) = best.checked_sub(BIRTH_DEPTH).filter(|birth| *birth > 0) else {
                    return Ok((0, None));
                };
                let hash = link
                    .rpc
                    .chain_get_block_hash(Some(birth.into()))
                    .await?
                    .ok_or_else(|| ClientError::Transport(format!("block {birth} is gone")))?;
                Ok((birth, Some(hash)))
            })
            .await?;
        *recent = Some((found.0, found.1, std::time::Instant::now()));
        Ok(found)
    }

    /// Drops the cached recent block: the node refused a transaction mortal from it, so the
    /// next one is signed from a block read afresh.
    async fn forget_recent_block(&self) {
        *self.connection.recent_block.lock().await = None;
    }
}

/// The hash of an extrinsic from a block's body, as its signer computed it: over its SCALE
/// encoding with the length prefix, which subxt strips from a block's extrinsic bytes.
fn hash_from_body(unprefixed: &[u8]) -> H256 {
    use codec::Encode;
    let length = u32::try_from(unprefixed.len()).unwrap_or(u32::MAX);
    let mut encoded = codec::Compact(length).encode();
    encoded.extend_from_slice(unprefixed);
    H256(crate::blake2_256(&encoded))
}

/// Whether the node's error says it has pruned the state asked for.
fn state_pruned(error: &str) -> bool {
    error.contains("State already discarded")
}

/// The first of `wanted` among a block's extrinsic hashes.
fn included_of(extrinsics: &[H256], wanted: &[H256]) -> Option<H256> {
    wanted
        .iter()
        .copied()
        .find(|hash| extrinsics.contains(hash))
}

/// Whether the pool's answer says it holds the transaction (or banned it) rather than being
/// about to include it: with its nonce next on chain, held too long means stuck.
fn held(reason: &str) -> bool {
    reason.contains("Already Imported") || reason.contains("temporarily banned")
}

/// Whether the pool refused a transaction for the block its era starts from: a block it has
/// no hash for ("ancient birth block"), or a different hash at that number, which makes the
/// signed payload another one ("bad signature": the era's block hash is part of what is
/// signed, and the client signs with the right key).
fn birth_refused(reason: &str) -> bool {
    let reason = reason.to_ascii_lowercase();
    reason.contains("bad signature") || reason.contains("ancient birth block")
}

/// Reasons the pool gives for not taking a transaction again that still leave it possible:
/// it has it already, it banned its hash for a while (it saw it), its nonce is in the
/// future or just used (the next look settles which), or another with its nonce waits.
fn still_possible(reason: &str) -> bool {
    [
        "Already Imported",
        "temporarily banned",
        "outdated",
        "Priority is too low",
        "Immediately Dropped",
    ]
    .iter()
    .any(|marker| reason.contains(marker))
}

/// The dispatch error an included extrinsic failed with, if it failed.
fn failure(api: &Api, events: &ExtrinsicEvents<SubstrateConfig>) -> Option<ClientError> {
    for event in events.iter() {
        let Ok(event) = event else { continue };
        if event.pallet_name() == "System" && event.variant_name() == "ExtrinsicFailed" {
            return Some(
                match subxt::error::DispatchError::decode_from(event.field_bytes(), api.metadata())
                {
                    Ok(error) => ClientError::Dispatch(error.to_string()),
                    Err(err) => ClientError::Dispatch(format!("undecodable dispatch error: {err}")),
                },
            );
        }
    }
    None
}

async fn watch(
    mut progress: TxProgress<SubstrateConfig, Api>,
    finality: Finality,
) -> std::result::Result<subxt::tx::TxInBlock<SubstrateConfig, Api>, String> {
    while let Some(status) = progress.next().await {
        match status {
            Ok(TxStatus::InBestBlock(in_block)) if finality != Finality::Finalized => {
                return Ok(in_block)
            }
            Ok(TxStatus::InFinalizedBlock(in_block)) => return Ok(in_block),
            Ok(TxStatus::Error { message })
            | Ok(TxStatus::Invalid { message })
            | Ok(TxStatus::Dropped { message }) => return Err(message),
            Ok(_) => continue,
            Err(err) => return Err(err.to_string()),
        }
    }
    Err("the node stopped reporting the transaction's progress".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The node's answers as `ClientError::Rejected` carries them: the bad signature exactly
    /// as substrate-contracts-node 0.42.0 gave it in the fault test without the fix, the others
    /// in the same form with substrate's texts for those errors.
    const BAD_SIGNATURE: &str = r#"ErrorObject { code: ServerError(1010), message: "Invalid Transaction", data: Some(RawValue("Transaction has a bad signature")) }"#;
    const ANCIENT_BIRTH_BLOCK: &str = r#"ErrorObject { code: ServerError(1010), message: "Invalid Transaction", data: Some(RawValue("Transaction has an ancient birth block")) }"#;
    const BANNED: &str = r#"ErrorObject { code: ServerError(1012), message: "Transaction is temporarily banned", data: None }"#;
    const STALE: &str = r#"ErrorObject { code: ServerError(1010), message: "Invalid Transaction", data: Some(RawValue("Transaction is outdated")) }"#;
    const NO_FUNDS: &str = r#"ErrorObject { code: ServerError(1010), message: "Invalid Transaction", data: Some(RawValue("Inability to pay some fees (e.g. account balance too low)")) }"#;

    #[test]
    fn birth_refused_works() {
        assert!(birth_refused(BAD_SIGNATURE));
        assert!(birth_refused(ANCIENT_BIRTH_BLOCK));
    }

    #[test]
    fn other_refusals_are_not_birth_refusals() {
        for reason in [BANNED, STALE, NO_FUNDS] {
            assert!(!birth_refused(reason), "{reason}");
        }
    }

    #[test]
    fn birth_refusals_are_not_still_possible() {
        // Otherwise the submit path would settle them as waiting instead of signing again.
        assert!(!still_possible(BAD_SIGNATURE));
        assert!(!still_possible(ANCIENT_BIRTH_BLOCK));
        assert!(still_possible(BANNED) && still_possible(STALE));
    }
}
