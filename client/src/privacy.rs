//! Evidence that nothing of a document reached the chain: [`EhrClient::scan_chain_for`]
//! searches every byte the chain holds for a marker (every block's extrinsics and events,
//! every top-level storage value, and every key and value in the contract's own storage).

use crate::{ClientError, EhrClient, Result};
use subxt::backend::rpc::rpc_params;

/// What [`EhrClient::scan_chain_for`] looked at, and where it found the marker.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChainScan {
    /// Blocks whose extrinsics and events were searched (genesis to the best block).
    pub blocks: u64,
    /// Extrinsics searched.
    pub extrinsics: u64,
    /// Blocks' `System.Events` values searched (contract events are inside them).
    pub event_records: u64,
    /// Top-level storage entries searched (key and value), at the best block.
    pub storage_entries: u64,
    /// Entries of the contract's child trie searched (key and value), at the best block.
    pub contract_entries: u64,
    /// Bytes searched in all.
    pub bytes_searched: u64,
    /// Where the marker was found (empty: nowhere).
    pub found_in: Vec<String>,
}

/// Keys asked for per `*_getKeysPaged` call.
const KEYS_PER_PAGE: u32 = 512;

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty()
        && haystack
            .windows(needle.len())
            .any(|window| window == needle)
}

impl ChainScan {
    fn search(&mut self, bytes: &[u8], needle: &[u8], place: impl FnOnce() -> String) {
        self.bytes_searched += bytes.len() as u64;
        if contains(bytes, needle) {
            self.found_in.push(place());
        }
    }
}

impl EhrClient {
    /// Searches the whole chain as this node has it, genesis to best block, for `marker`:
    /// every extrinsic, every block's events, every top-level storage key and value, and
    /// every key and value of the contract's storage. A dev chain is small enough for this;
    /// on a long-lived chain it reads everything.
    ///
    /// # Errors
    /// `InvalidInput` for an empty marker; `NoContract`; `Transport`, `Decode`.
    pub async fn scan_chain_for(&self, marker: &[u8]) -> Result<ChainScan> {
        if marker.is_empty() {
            return Err(ClientError::InvalidInput("the marker is empty".into()));
        }
        let contract = self.contract().cloned().ok_or(ClientError::NoContract)?;
        let rpc = self.rpc();
        let best = rpc
            .chain_get_block_hash(None)
            .await?
            .ok_or_else(|| ClientError::Transport("the node has no best block".into()))?;
        let head = rpc
            .chain_get_header(Some(best))
            .await?
            .ok_or_else(|| ClientError::Transport("the node has no best header".into()))?
            .number;
        let events_key = self
            .api()
            .storage()
            .address_bytes(&crate::node::storage().system().events())?;
        let mut scan = ChainScan::default();
        for number in 0..=head {
            let hash = rpc
                .chain_get_block_hash(Some(number.into()))
                .await?
                .ok_or_else(|| ClientError::Transport(format!("no block {number}")))?;
            let block = rpc
                .chain_get_block(Some(hash))
                .await?
                .ok_or_else(|| ClientError::Transport(format!("no block {number}")))?;
            scan.blocks += 1;
            for (index, extrinsic) in block.block.extrinsics.iter().enumerate() {
                scan.extrinsics += 1;
                scan.search(&extrinsic.0, marker, || {
                    format!("block {number}, extrinsic {index}")
                });
            }
            if let Some(events) = rpc.state_get_storage(&events_key, Some(hash)).await? {
                scan.event_records += 1;
                scan.search(&events, marker, || format!("block {number}, events"));
            }
        }
        let mut start: Option<Vec<u8>> = None;
        loop {
            let keys = rpc
                .state_get_keys_paged(&[], KEYS_PER_PAGE, start.as_deref(), Some(best))
                .await?;
            for key in &keys {
                scan.storage_entries += 1;
                scan.search(key, marker, || {
                    format!("storage key 0x{}", hex::encode(key))
                });
                if let Some(value) = rpc.state_get_storage(key, Some(best)).await? {
                    scan.search(&value, marker, || {
                        format!("storage value at 0x{}", hex::encode(key))
                    });
                }
            }
            if keys.len() < KEYS_PER_PAGE as usize {
                break;
            }
            start = keys.last().cloned();
        }
        let info = self
            .api()
            .storage()
            .at(best)
            .fetch(
                &crate::node::storage()
                    .contracts()
                    .contract_info_of(&contract),
            )
            .await?
            .ok_or_else(|| ClientError::InvalidInput(format!("no contract at {contract}")))?;
        let child = format!(
            "0x{}",
            hex::encode([b":child_storage:default:".as_slice(), &info.trie_id.0].concat())
        );
        let mut start: Option<String> = None;
        loop {
            let keys: Vec<String> = self
                .rpc_client()
                .request(
                    "childstate_getKeysPaged",
                    rpc_params![&child, "0x", KEYS_PER_PAGE, &start, best],
                )
                .await?;
            for key in &keys {
                let key_bytes = decode_hex(key)?;
                scan.contract_entries += 1;
                scan.search(&key_bytes, marker, || format!("contract storage key {key}"));
                let value: Option<String> = self
                    .rpc_client()
                    .request("childstate_getStorage", rpc_params![&child, key, best])
                    .await?;
                if let Some(value) = value {
                    scan.search(&decode_hex(&value)?, marker, || {
                        format!("contract storage value at {key}")
                    });
                }
            }
            if keys.len() < KEYS_PER_PAGE as usize {
                break;
            }
            start = keys.last().cloned();
        }
        Ok(scan)
    }
}

fn decode_hex(text: &str) -> Result<Vec<u8>> {
    hex::decode(text.trim_start_matches("0x")).map_err(|err| ClientError::Decode {
        what: "hex from the node",
        reason: err.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contains_works() {
        assert!(contains(b"abcMARKERdef", b"MARKER"));
        assert!(!contains(b"abcMARKEdef", b"MARKER"));
        assert!(!contains(b"abc", b""));
    }
}
