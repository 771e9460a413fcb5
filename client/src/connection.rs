//! The link to a node, shared by every [`EhrClient`](crate::EhrClient) made from one
//! `connect` (with [`with_signer`](crate::EhrClient::with_signer) or a
//! [`SignerPool`](crate::SignerPool)), and replaced when the node goes away and comes back.

use crate::{ClientError, Result};
use std::sync::{Arc, RwLock};
use std::time::Duration;
use subxt::{
    backend::{legacy::LegacyRpcMethods, rpc::RpcClient},
    utils::H256,
    OnlineClient, SubstrateConfig,
};

pub(crate) type Api = OnlineClient<SubstrateConfig>;

/// One open connection: the subxt client and the raw RPC methods over it.
pub(crate) struct Link {
    pub(crate) api: Api,
    pub(crate) rpc: LegacyRpcMethods<SubstrateConfig>,
    pub(crate) rpc_client: RpcClient,
    /// Counts reconnections, so that many tasks that saw the same link fail reconnect once.
    pub(crate) generation: u64,
}

impl Link {
    async fn open(url: &str, generation: u64) -> Result<Link> {
        let rpc_client = RpcClient::from_url(url)
            .await
            .map_err(|err| ClientError::Transport(format!("cannot connect to {url}: {err}")))?;
        let api = Api::from_rpc_client(rpc_client.clone()).await?;
        Ok(Link {
            rpc: LegacyRpcMethods::new(rpc_client.clone()),
            api,
            rpc_client,
            generation,
        })
    }

    /// Whether the link still answers (a cheap request, within `within`).
    async fn answers(&self, within: Duration) -> bool {
        matches!(
            tokio::time::timeout(within, self.rpc.chain_get_block_hash(None)).await,
            Ok(Ok(_))
        )
    }
}

/// The node a client talks to: its URL, its chain, and the current [`Link`].
pub(crate) struct Connection {
    url: String,
    genesis: H256,
    current: RwLock<Arc<Link>>,
    reconnecting: tokio::sync::Mutex<()>,
    /// Extrinsic hashes of recent blocks, for settling transactions.
    pub(crate) blocks: tokio::sync::Mutex<crate::submission::BlockIndex>,
    /// A recent block (number, hash, when it was read) to make transactions mortal from.
    pub(crate) recent_block: tokio::sync::Mutex<Option<(u32, Option<H256>, std::time::Instant)>>,
    timeout: Duration,
    reconnect_for: Duration,
    /// Transactions whose fate was settled from the chain after the fast path failed.
    pub(crate) settled: std::sync::atomic::AtomicU64,
    /// Replacements signed with the same nonce for transactions the node held unincluded.
    pub(crate) replaced: std::sync::atomic::AtomicU64,
    /// Transactions signed again because the node refused the block their era starts from.
    pub(crate) signed_again: std::sync::atomic::AtomicU64,
}

/// Runs `future`, waiting at most `after`.
///
/// # Errors
/// `Timeout` (waiting for `waiting_for`) if it has not finished after `after`; else what
/// `future` returns.
pub(crate) async fn within<T>(
    after: Duration,
    waiting_for: &'static str,
    future: impl std::future::Future<Output = Result<T>>,
) -> Result<T> {
    tokio::time::timeout(after, future)
        .await
        .map_err(|_| ClientError::Timeout { waiting_for, after })?
}

/// Locks `mutex`, waiting at most `after`.
///
/// # Errors
/// `Timeout` (waiting for `waiting_for`) if it is still held after `after`.
pub(crate) async fn lock_within<'a, T>(
    mutex: &'a tokio::sync::Mutex<T>,
    after: Duration,
    waiting_for: &'static str,
) -> Result<tokio::sync::MutexGuard<'a, T>> {
    within(after, waiting_for, async { Ok(mutex.lock().await) }).await
}

impl Connection {
    /// The longest a reconnection takes: the check that the link still answers (2 s), the
    /// attempts for [`Options::reconnect_for`](crate::Options::reconnect_for), and the last
    /// one's time-out.
    fn longest_reconnection(&self) -> Duration {
        Duration::from_secs(2) + self.reconnect_for + self.timeout
    }

    /// Opens the first link to `url`, each step within `timeout`.
    pub(crate) async fn open(
        url: &str,
        timeout: Duration,
        reconnect_for: Duration,
    ) -> Result<Connection> {
        let link = within(timeout, "the node to answer", Link::open(url, 0)).await?;
        Ok(Connection {
            url: url.to_owned(),
            genesis: link.api.genesis_hash(),
            current: RwLock::new(Arc::new(link)),
            reconnecting: tokio::sync::Mutex::new(()),
            blocks: Default::default(),
            recent_block: Default::default(),
            timeout,
            reconnect_for,
            settled: Default::default(),
            replaced: Default::default(),
            signed_again: Default::default(),
        })
    }

    /// How many times the connection was opened again.
    pub(crate) fn reconnects(&self) -> u64 {
        self.link().generation
    }

    /// The link in use now.
    pub(crate) fn link(&self) -> Arc<Link> {
        self.current
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Called after `failed` gave a transport error or did not answer: if it still answers it
    /// is kept; otherwise a new link is opened, retrying with exponential back-off (0.1 s
    /// doubling to 5 s) for at most `reconnect_for`. Many callers that saw the same link fail
    /// share one reconnection.
    ///
    /// # Errors
    /// `Transport` if no link could be opened in time; `InvalidInput` if the node at the URL
    /// now runs another chain (another genesis hash): transactions signed for the old chain
    /// mean nothing there.
    pub(crate) async fn reconnect(&self, failed: &Link) -> Result<Arc<Link>> {
        // Bounded like every other wait: a caller's future abandoned (neither polled nor
        // dropped) in the middle of a reconnection would otherwise hold every later one up
        // for ever, with no timer left to end it (a benchmark did this once).
        let _one_at_a_time = lock_within(
            &self.reconnecting,
            self.longest_reconnection(),
            "another reconnection to finish",
        )
        .await?;
        let current = self.link();
        if current.generation != failed.generation {
            return Ok(current);
        }
        if current.answers(Duration::from_secs(2)).await {
            return Ok(current);
        }
        let started = tokio::time::Instant::now();
        let mut delay = Duration::from_millis(100);
        loop {
            tracing::debug!(url = %self.url, "reconnecting");
            let error = match tokio::time::timeout(
                self.timeout,
                Link::open(&self.url, failed.generation + 1),
            )
            .await
            {
                Ok(Ok(link)) => {
                    if link.api.genesis_hash() != self.genesis {
                        return Err(ClientError::InvalidInput(format!(
                            "the node at {} now runs another chain (genesis {:?}, was {:?})",
                            self.url,
                            link.api.genesis_hash(),
                            self.genesis
                        )));
                    }
                    let link = Arc::new(link);
                    *self
                        .current
                        .write()
                        .unwrap_or_else(|poisoned| poisoned.into_inner()) = link.clone();
                    return Ok(link);
                }
                Ok(Err(err)) => err.to_string(),
                Err(_) => format!("no answer within {:?}", self.timeout),
            };
            if started.elapsed() + delay > self.reconnect_for {
                return Err(ClientError::Transport(format!(
                    "lost the node at {} and could not reconnect within {:?}: {error}",
                    self.url, self.reconnect_for
                )));
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(5));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn lock_within_works() {
        // given: a free lock
        let mutex = tokio::sync::Mutex::new(());

        // when / then: it is taken at once
        assert!(lock_within(&mutex, Duration::from_secs(1), "the lock")
            .await
            .is_ok());
    }

    #[tokio::test]
    async fn lock_held_by_an_abandoned_future_times_out() {
        // given: a future that took the lock and is neither polled again nor dropped
        let mutex = tokio::sync::Mutex::new(());
        let mut holder = Box::pin(async {
            let _guard = mutex.lock().await;
            std::future::pending::<()>().await;
        });
        assert!(futures::poll!(&mut holder).is_pending());

        // when: another caller waits for the lock
        let waited = lock_within(&mutex, Duration::from_millis(50), "the lock").await;

        // then: it gets a typed time-out instead of waiting for ever
        assert!(matches!(
            waited,
            Err(ClientError::Timeout { waiting_for: "the lock", after }) if after == Duration::from_millis(50)
        ));
        drop(holder);
        assert!(lock_within(&mutex, Duration::from_secs(1), "the lock")
            .await
            .is_ok());
    }
}
