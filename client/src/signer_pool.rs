//! [`SignerPool`]: many signers over one connection, each numbering its own transactions.
//!
//! One signer's transactions are ordered by its nonce, so one signer's throughput is bounded
//! by how many of its transactions the pool holds and a block takes. A front desk that books
//! for many patients, or a service that funds many accounts, spreads its work over several
//! signers: each keeps its nonce in the client (never re-read from the chain while its
//! transactions are in flight), and all of them share the connection and its reconnects.

use crate::messages::Message;
use crate::{AccountId, ClientError, EhrClient, Included, Keypair, Result, Submitted};
use codec::Decode;
use futures::{stream, StreamExt};

/// Several signers over one connection and contract.
///
/// ```no_run
/// # async fn run(alice: ehr_client::EhrClient) -> ehr_client::Result<()> {
/// use ehr_client::{dev_signer, messages, SignerPool};
///
/// let pool = SignerPool::new(&alice, [dev_signer("//Bob")?, dev_signer("//Dave")?]);
/// let batches = vec![
///     vec![messages::register_patient([1; 32])],
///     vec![messages::register_patient([2; 32])],
/// ];
/// for outcomes in pool.submit_batches(batches, 8).await {
///     for outcome in outcomes {
///         outcome?;
///     }
/// }
/// # Ok(())
/// # }
/// ```
pub struct SignerPool {
    clients: Vec<EhrClient>,
}

impl SignerPool {
    /// One client per signer, sharing `base`'s connection, options and contract.
    pub fn new(base: &EhrClient, signers: impl IntoIterator<Item = Keypair>) -> SignerPool {
        SignerPool {
            clients: signers
                .into_iter()
                .map(|signer| base.with_signer(signer))
                .collect(),
        }
    }

    /// The signers' clients, in the order they were given.
    pub fn clients(&self) -> &[EhrClient] {
        &self.clients
    }

    /// How many signers the pool has.
    pub fn len(&self) -> usize {
        self.clients.len()
    }

    /// Whether the pool has no signer.
    pub fn is_empty(&self) -> bool {
        self.clients.is_empty()
    }

    /// The client of the signer `account`, if it is in the pool.
    pub fn client_of(&self, account: &AccountId) -> Option<&EhrClient> {
        self.clients
            .iter()
            .find(|client| &client.account_id() == account)
    }

    /// Submits `batches[i]` as signer `i` (contract messages act as their caller), all
    /// signers at once, each with up to `in_flight` transactions pending; returns each
    /// signer's outcomes in input order. A batch without a signer gets `InvalidInput` for
    /// each message.
    pub async fn submit_batches<R: Decode>(
        &self,
        batches: Vec<Vec<Message<R>>>,
        in_flight: usize,
    ) -> Vec<Vec<Result<Submitted<R>>>> {
        let signers = self.clients.len();
        futures::future::join_all(batches.into_iter().enumerate().map(
            |(index, batch)| async move {
                match self.clients.get(index) {
                    Some(client) => client.submit_many(batch, in_flight).await,
                    None => batch
                        .iter()
                        .map(|_| {
                            Err(ClientError::InvalidInput(format!(
                                "batch {index} has no signer: the pool has {signers}"
                            )))
                        })
                        .collect(),
                }
            },
        ))
        .await
    }

    /// Spreads runtime `calls` whose signer does not matter (funding transfers, for example)
    /// over the signers in turn, each with up to `in_flight` pending; returns the outcomes in
    /// input order. An empty pool gives `InvalidInput` for each call.
    pub async fn spread<Call: subxt::tx::TxPayload>(
        &self,
        calls: Vec<Call>,
        in_flight: usize,
    ) -> Vec<Result<Included>> {
        if self.clients.is_empty() {
            return calls
                .iter()
                .map(|_| Err(ClientError::InvalidInput("the signer pool is empty".into())))
                .collect();
        }
        let signers = self.clients.len();
        let mut per_signer: Vec<Vec<(usize, Call)>> = (0..signers).map(|_| Vec::new()).collect();
        for (index, call) in calls.into_iter().enumerate() {
            per_signer[index % signers].push((index, call));
        }
        let outcomes = futures::future::join_all(per_signer.into_iter().zip(&self.clients).map(
            |(calls, client)| async move {
                stream::iter(calls)
                    .map(
                        |(index, call)| async move { (index, client.sign_and_submit(&call).await) },
                    )
                    .buffered(in_flight.max(1))
                    .collect::<Vec<_>>()
                    .await
            },
        ))
        .await;
        let mut ordered: Vec<_> = outcomes.into_iter().flatten().collect();
        ordered.sort_by_key(|(index, _)| *index);
        ordered.into_iter().map(|(_, outcome)| outcome).collect()
    }
}
