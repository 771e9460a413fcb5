//! Files as IPFS UnixFS DAGs, the way Kubo's `ipfs add --cid-version=1` builds them: 256 KiB
//! chunks stored as raw leaves (CIDv1, codec `raw`, sha2-256), joined by a balanced tree of
//! dag-pb nodes with at most 174 links each. A file of one chunk is its raw leaf (`bafkrei…`);
//! a longer one gets a dag-pb root (`bafybei…`). Built from the IPLD crates (`cid`,
//! `multihash`, `ipld-dagpb`, `quick-protobuf`); both directions stream in constant memory.

use bytes::Bytes;
use cid::Cid;
use ipld_dagpb::{PbLink, PbNode};
use multihash::Multihash;
use quick_protobuf::{BytesReader, Writer};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};

use super::DocumentError;

/// Bytes per leaf (Kubo's default chunker, `size-262144`).
pub const CHUNK_SIZE: usize = 256 * 1024;
/// Most links per dag-pb node (Kubo's balanced layout).
pub const MAX_LINKS: usize = 174;
/// Largest block this code accepts from a store or a peer (IPFS peers exchange blocks of at
/// most 2 MiB; ours are at most 256 KiB plus a little).
pub const MAX_BLOCK_SIZE: usize = 2 * 1024 * 1024;

/// Multicodec of raw leaves.
pub const RAW_CODEC: u64 = 0x55;
/// Multicodec of dag-pb nodes.
pub const DAG_PB_CODEC: u64 = 0x70;
/// Multihash code of sha2-256.
const SHA2_256: u64 = 0x12;
/// UnixFS `Data.Type` of a file.
const UNIXFS_FILE: u64 = 2;

/// The CIDv1 of `bytes` stored as a block with `codec`.
pub fn block_cid(codec: u64, bytes: &[u8]) -> Cid {
    let digest = Sha256::digest(bytes);
    let hash = Multihash::<64>::wrap(SHA2_256, &digest).expect("a 32-byte digest fits");
    Cid::new_v1(codec, hash)
}

/// Checks that `bytes` are the block `cid` names (a sha2-256 CIDv1 of a raw leaf or dag-pb
/// node).
///
/// # Errors
/// `Integrity` if the bytes hash to another CID; `UnsupportedCid` for another codec or hash.
pub fn verify_block(cid: &Cid, bytes: &[u8]) -> Result<(), DocumentError> {
    if cid.hash().code() != SHA2_256 || !matches!(cid.codec(), RAW_CODEC | DAG_PB_CODEC) {
        return Err(DocumentError::UnsupportedCid(cid.to_string()));
    }
    if block_cid(cid.codec(), bytes) != *cid {
        return Err(DocumentError::Integrity(format!(
            "block {cid} does not hash to its CID"
        )));
    }
    Ok(())
}

/// Where an importer puts the blocks it makes.
pub trait BlockSink {
    /// Stores one block.
    ///
    /// # Errors
    /// Whatever storing fails with.
    fn put_block(&mut self, cid: &Cid, bytes: &[u8]) -> Result<(), DocumentError>;
}

/// Where a reader gets blocks from. Implementations need not verify: [`DagReader`] checks
/// every block against its CID.
pub trait BlockSource {
    /// The block named `cid`.
    ///
    /// # Errors
    /// `BlockNotFound` if the source does not have it; whatever else fetching fails with.
    fn get_block(&mut self, cid: &Cid) -> Result<Vec<u8>, DocumentError>;

    /// A hint that `cids` will be asked for next, in this order (a node's links): a source
    /// that fetches over a network may fetch them ahead, in parallel. The default does
    /// nothing.
    fn prefetch(&mut self, _cids: &[Cid]) {}
}

impl<T: BlockSink + ?Sized> BlockSink for &mut T {
    fn put_block(&mut self, cid: &Cid, bytes: &[u8]) -> Result<(), DocumentError> {
        (**self).put_block(cid, bytes)
    }
}

impl<T: BlockSource + ?Sized> BlockSource for &mut T {
    fn get_block(&mut self, cid: &Cid) -> Result<Vec<u8>, DocumentError> {
        (**self).get_block(cid)
    }

    fn prefetch(&mut self, cids: &[Cid]) {
        (**self).prefetch(cids)
    }
}

/// A link to a child, with what its parent records about it.
#[derive(Debug, Clone)]
struct Child {
    cid: Cid,
    /// Bytes of the child's whole subtree as stored (dag-pb `Tsize`).
    tree_size: u64,
    /// Bytes of file content under the child (UnixFS `blocksizes`).
    file_size: u64,
}

/// Builds a file's DAG from bytes written into it ([`Write`]), handing each block to a
/// [`BlockSink`] as soon as it is complete. Holds at most one chunk and one list of at most
/// 174 links per tree level.
pub struct FileImporter<S: BlockSink> {
    sink: S,
    chunk: Vec<u8>,
    /// `levels[0]`: leaves not yet under a node; `levels[i]`: nodes of height `i`.
    levels: Vec<Vec<Child>>,
    length: u64,
    error: Option<DocumentError>,
}

impl<S: BlockSink> FileImporter<S> {
    /// A new importer writing blocks into `sink`.
    pub fn new(sink: S) -> Self {
        Self {
            sink,
            chunk: Vec::with_capacity(CHUNK_SIZE),
            levels: vec![Vec::new()],
            length: 0,
            error: None,
        }
    }

    /// Bytes written so far.
    pub fn len(&self) -> u64 {
        self.length
    }

    /// Whether nothing was written yet.
    pub fn is_empty(&self) -> bool {
        self.length == 0
    }

    fn flush_chunk(&mut self) -> Result<(), DocumentError> {
        let cid = block_cid(RAW_CODEC, &self.chunk);
        self.sink.put_block(&cid, &self.chunk)?;
        let size = self.chunk.len() as u64;
        self.chunk.clear();
        self.push(
            0,
            Child {
                cid,
                tree_size: size,
                file_size: size,
            },
        )
    }

    /// Adds a child at `level`, closing the level into a node when it is full.
    fn push(&mut self, level: usize, child: Child) -> Result<(), DocumentError> {
        self.levels[level].push(child);
        if self.levels[level].len() == MAX_LINKS {
            let children = std::mem::take(&mut self.levels[level]);
            let node = self.write_node(children)?;
            if self.levels.len() == level + 1 {
                self.levels.push(Vec::new());
            }
            self.push(level + 1, node)?;
        }
        Ok(())
    }

    /// Encodes a dag-pb node over `children` and stores it.
    fn write_node(&mut self, children: Vec<Child>) -> Result<Child, DocumentError> {
        let file_size: u64 = children.iter().map(|child| child.file_size).sum();
        let mut data = Vec::new();
        {
            let mut writer = Writer::new(&mut data);
            let protobuf = |result: quick_protobuf::Result<()>| {
                result.map_err(|err| DocumentError::Ipfs(format!("encoding UnixFS data: {err}")))
            };
            protobuf(writer.write_with_tag(8, |w| w.write_uint64(UNIXFS_FILE)))?;
            protobuf(writer.write_with_tag(24, |w| w.write_uint64(file_size)))?;
            for child in &children {
                protobuf(writer.write_with_tag(32, |w| w.write_uint64(child.file_size)))?;
            }
        }
        let children_tree: u64 = children.iter().map(|child| child.tree_size).sum();
        let node = PbNode {
            links: children
                .into_iter()
                .map(|child| PbLink {
                    cid: child.cid,
                    name: Some(String::new()),
                    size: Some(child.tree_size),
                })
                .collect(),
            data: Some(Bytes::from(data)),
        };
        let bytes = node.into_bytes();
        let cid = block_cid(DAG_PB_CODEC, &bytes);
        self.sink.put_block(&cid, &bytes)?;
        Ok(Child {
            cid,
            tree_size: bytes.len() as u64 + children_tree,
            file_size,
        })
    }

    /// Stores what is left and returns the file's root CID, its length, and the sink.
    ///
    /// # Errors
    /// Whatever the sink failed with.
    pub fn finish(mut self) -> Result<(Cid, u64, S), DocumentError> {
        if let Some(err) = self.error.take() {
            return Err(err);
        }
        if !self.chunk.is_empty() || self.length == 0 {
            self.flush_chunk()?;
        }
        // Close every level from the bottom; the root is the one child left at the top.
        let mut level = 0;
        loop {
            let is_top = level + 1 == self.levels.len();
            let children = std::mem::take(&mut self.levels[level]);
            if is_top && children.len() == 1 {
                let root = children.into_iter().next().expect("one child");
                return Ok((root.cid, self.length, self.sink));
            }
            if !children.is_empty() {
                let node = self.write_node(children)?;
                if is_top {
                    self.levels.push(Vec::new());
                }
                self.levels[level + 1].push(node);
            }
            level += 1;
        }
    }
}

impl<S: BlockSink> Write for FileImporter<S> {
    fn write(&mut self, mut buf: &[u8]) -> std::io::Result<usize> {
        let written = buf.len();
        while !buf.is_empty() {
            let take = (CHUNK_SIZE - self.chunk.len()).min(buf.len());
            self.chunk.extend_from_slice(&buf[..take]);
            buf = &buf[take..];
            self.length += take as u64;
            if self.chunk.len() == CHUNK_SIZE {
                if let Err(err) = self.flush_chunk() {
                    let message = err.to_string();
                    self.error = Some(err);
                    return Err(std::io::Error::other(message));
                }
            }
        }
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Imports everything `reader` yields and returns the root CID and length.
///
/// # Errors
/// `Io` if reading fails; whatever the sink fails with.
pub fn import(mut reader: impl Read, sink: impl BlockSink) -> Result<(Cid, u64), DocumentError> {
    let mut importer = FileImporter::new(sink);
    if let Err(err) = std::io::copy(&mut reader, &mut importer) {
        return Err(importer.error.take().unwrap_or(DocumentError::Io(err)));
    }
    let (cid, length, _) = importer.finish()?;
    Ok((cid, length))
}

/// Reads a file back from its DAG ([`Read`]), fetching one block at a time from a
/// [`BlockSource`] and checking each against its CID. Holds one block and, per tree level, the
/// links still to visit.
pub struct DagReader<S: BlockSource> {
    source: S,
    /// Links still to visit, per level, in reverse order (the next one last).
    pending: Vec<Vec<Cid>>,
    block: Vec<u8>,
    position: usize,
    blocks_read: u64,
}

impl<S: BlockSource> DagReader<S> {
    /// A reader of the file whose root is `root`.
    pub fn new(source: S, root: Cid) -> Self {
        Self {
            source,
            pending: vec![vec![root]],
            block: Vec::new(),
            position: 0,
            blocks_read: 0,
        }
    }

    /// Blocks fetched so far.
    pub fn blocks_read(&self) -> u64 {
        self.blocks_read
    }

    /// Loads the next leaf's bytes into `block`; false at the end of the file.
    fn next_leaf(&mut self) -> Result<bool, DocumentError> {
        loop {
            let Some(level) = self.pending.last_mut() else {
                return Ok(false);
            };
            let Some(cid) = level.pop() else {
                self.pending.pop();
                continue;
            };
            let bytes = self.source.get_block(&cid)?;
            if bytes.len() > MAX_BLOCK_SIZE {
                return Err(DocumentError::Integrity(format!(
                    "block {cid} is too large"
                )));
            }
            verify_block(&cid, &bytes)?;
            self.blocks_read += 1;
            if cid.codec() == RAW_CODEC {
                self.block = bytes;
                self.position = 0;
                return Ok(true);
            }
            let node = PbNode::from_bytes(Bytes::from(bytes))
                .map_err(|err| DocumentError::Integrity(format!("node {cid}: {err}")))?;
            check_file_node(&cid, node.data.as_deref())?;
            if self.pending.len() > 16 {
                return Err(DocumentError::Integrity(format!(
                    "DAG under {cid} is too deep"
                )));
            }
            let links: Vec<Cid> = node.links.into_iter().map(|link| link.cid).collect();
            self.source.prefetch(&links);
            self.pending.push(links.into_iter().rev().collect());
        }
    }
}

/// Checks that a dag-pb node is a UnixFS file node without inline data (how our importer and
/// Kubo's raw-leaves mode make them).
fn check_file_node(cid: &Cid, data: Option<&[u8]>) -> Result<(), DocumentError> {
    let data = data.unwrap_or_default();
    let mut reader = BytesReader::from_bytes(data);
    let mut kind = None;
    while !reader.is_eof() {
        let tag = reader
            .next_tag(data)
            .map_err(|err| DocumentError::Integrity(format!("node {cid}: {err}")))?;
        match tag {
            8 => {
                kind = Some(
                    reader
                        .read_uint64(data)
                        .map_err(|err| DocumentError::Integrity(format!("node {cid}: {err}")))?,
                )
            }
            18 => {
                let inline = reader
                    .read_bytes(data)
                    .map_err(|err| DocumentError::Integrity(format!("node {cid}: {err}")))?;
                if !inline.is_empty() {
                    return Err(DocumentError::UnsupportedCid(format!(
                        "{cid}: file nodes with inline data"
                    )));
                }
            }
            other => reader
                .read_unknown(data, other)
                .map_err(|err| DocumentError::Integrity(format!("node {cid}: {err}")))?,
        }
    }
    if kind != Some(UNIXFS_FILE) {
        return Err(DocumentError::UnsupportedCid(format!(
            "{cid} is not a UnixFS file"
        )));
    }
    Ok(())
}

impl<S: BlockSource> Read for DagReader<S> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.position == self.block.len() {
            match self.next_leaf() {
                Ok(true) => {}
                Ok(false) => return Ok(0),
                Err(err) => return Err(std::io::Error::other(err)),
            }
        }
        let available = &self.block[self.position..];
        let take = available.len().min(buf.len());
        buf[..take].copy_from_slice(&available[..take]);
        self.position += take;
        Ok(take)
    }
}

/// A sink that keeps nothing: computes a CID without storing blocks.
#[derive(Debug, Default, Clone, Copy)]
pub struct DiscardBlocks;

impl BlockSink for DiscardBlocks {
    fn put_block(&mut self, _cid: &Cid, _bytes: &[u8]) -> Result<(), DocumentError> {
        Ok(())
    }
}

/// The CID Kubo's `ipfs add --cid-version=1` gives `reader`'s bytes, without storing them.
///
/// # Errors
/// `Io` if reading fails.
pub fn file_cid(reader: impl Read) -> Result<Cid, DocumentError> {
    import(reader, DiscardBlocks).map(|(cid, _)| cid)
}
