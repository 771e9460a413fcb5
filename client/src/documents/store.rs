//! Where encrypted blobs live: IPFS blocks on the local disk, served to and fetched from other
//! nodes over the IPFS [**trustless gateway**](https://specs.ipfs.tech/http-gateways/trustless-gateway/)
//! protocol (`GET /ipfs/{cid}` with `Accept: application/vnd.ipld.raw` or `?format=raw`,
//! answered with the block as `application/vnd.ipld.raw`), which Kubo and public gateways
//! speak too. Every block fetched is checked against its CID before it is kept or used; a
//! peer that lies or does not answer in time is passed over for the next one.
//!
//! - [`FsBlockStore`]: the embedded default, a directory of blocks named by CID (no daemon).
//! - [`GatewayServer`]: serves a store's blocks on 127.0.0.1 (or any address) to other nodes.
//! - [`PeerBlockSource`]: a store that fetches the blocks it lacks from peers' gateways and
//!   keeps them, so a document uploaded on one node opens on another by its CID.
//! - [`KuboRpc`]: blocks in a Kubo daemon or pinning service, through its RPC API
//!   (`/api/v0/block/put`, `/api/v0/block/get`).

use cid::Cid;
use std::{
    collections::HashMap,
    fs,
    io::{Read, Write},
    net::SocketAddr,
    path::{Path, PathBuf},
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Arc,
    },
    thread::JoinHandle,
    time::Duration,
};

use super::{
    unixfs::{verify_block, BlockSink, BlockSource, MAX_BLOCK_SIZE},
    DocumentError,
};

/// Blocks in memory (tests, and computing CIDs).
#[derive(Debug, Default, Clone)]
pub struct MemoryBlockStore {
    blocks: HashMap<Cid, Vec<u8>>,
}

impl MemoryBlockStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Blocks held.
    pub fn len(&self) -> usize {
        self.blocks.len()
    }

    /// Whether the store holds no block.
    pub fn is_empty(&self) -> bool {
        self.blocks.is_empty()
    }

    /// Mutable access to a block, for tamper tests.
    pub fn block_mut(&mut self, cid: &Cid) -> Option<&mut Vec<u8>> {
        self.blocks.get_mut(cid)
    }

    /// Every CID held.
    pub fn cids(&self) -> impl Iterator<Item = &Cid> {
        self.blocks.keys()
    }
}

impl BlockSink for MemoryBlockStore {
    fn put_block(&mut self, cid: &Cid, bytes: &[u8]) -> Result<(), DocumentError> {
        self.blocks.insert(*cid, bytes.to_vec());
        Ok(())
    }
}

impl BlockSource for MemoryBlockStore {
    fn get_block(&mut self, cid: &Cid) -> Result<Vec<u8>, DocumentError> {
        self.blocks
            .get(cid)
            .cloned()
            .ok_or_else(|| DocumentError::BlockNotFound(cid.to_string()))
    }
}

/// A directory of IPFS blocks, one file per block, named by the CID's base32 string.
#[derive(Debug, Clone)]
pub struct FsBlockStore {
    dir: PathBuf,
}

impl FsBlockStore {
    /// Opens (creating if need be) the store in `dir`.
    ///
    /// # Errors
    /// `Io` if the directory cannot be created.
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self, DocumentError> {
        let dir = dir.into();
        fs::create_dir_all(dir.join("blocks"))?;
        Ok(Self { dir })
    }

    /// The store's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, cid: &Cid) -> PathBuf {
        self.dir.join("blocks").join(cid.to_string())
    }

    /// Whether the store holds `cid`.
    pub fn has(&self, cid: &Cid) -> bool {
        self.path(cid).is_file()
    }

    /// The block `cid`, read from disk and checked against its CID.
    ///
    /// # Errors
    /// `BlockNotFound`, `Integrity` if the file on disk was altered, `Io`.
    pub fn read(&self, cid: &Cid) -> Result<Vec<u8>, DocumentError> {
        let bytes = match fs::read(self.path(cid)) {
            Ok(bytes) => bytes,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                return Err(DocumentError::BlockNotFound(cid.to_string()))
            }
            Err(err) => return Err(err.into()),
        };
        verify_block(cid, &bytes)?;
        Ok(bytes)
    }

    /// Stores a block (after checking it against its CID); a block held already is kept.
    ///
    /// # Errors
    /// `Integrity` if `bytes` are not the block `cid`; `Io`.
    pub fn write(&self, cid: &Cid, bytes: &[u8]) -> Result<(), DocumentError> {
        verify_block(cid, bytes)?;
        let path = self.path(cid);
        if path.is_file() {
            return Ok(());
        }
        let mut file = tempfile::NamedTempFile::new_in(self.dir.join("blocks"))?;
        file.write_all(bytes)?;
        file.persist(&path)
            .map_err(|err| DocumentError::Io(err.error))?;
        Ok(())
    }
}

impl BlockSink for FsBlockStore {
    fn put_block(&mut self, cid: &Cid, bytes: &[u8]) -> Result<(), DocumentError> {
        self.write(cid, bytes)
    }
}

impl BlockSource for FsBlockStore {
    fn get_block(&mut self, cid: &Cid) -> Result<Vec<u8>, DocumentError> {
        self.read(cid)
    }
}

/// Requests a [`GatewayServer`] answers at once.
const GATEWAY_WORKERS: usize = 4;

/// Blocks a [`PeerBlockSource`] fetches at once when prefetching.
const PREFETCH_FETCHES: usize = 8;

/// Serves a [`FsBlockStore`]'s blocks over the trustless gateway protocol until dropped.
pub struct GatewayServer {
    server: Arc<tiny_http::Server>,
    address: SocketAddr,
    stopping: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl GatewayServer {
    /// Starts serving `store` on `address` (`127.0.0.1:0` picks a free port).
    ///
    /// # Errors
    /// `Ipfs` if the address cannot be bound.
    pub fn start(store: FsBlockStore, address: &str) -> Result<Self, DocumentError> {
        let server = tiny_http::Server::http(address)
            .map_err(|err| DocumentError::Ipfs(format!("cannot listen on {address}: {err}")))?;
        let address = server
            .server_addr()
            .to_ip()
            .ok_or_else(|| DocumentError::Ipfs("the gateway has no IP address".into()))?;
        let server = Arc::new(server);
        let serving = Arc::clone(&server);
        let stopping = Arc::new(AtomicBool::new(false));
        let stop_seen = Arc::clone(&stopping);
        // A few workers answer at once, so a peer prefetching a tree's blocks in parallel is
        // served in parallel; the outer thread waits for them.
        let thread = std::thread::spawn(move || {
            std::thread::scope(|scope| {
                for _ in 0..GATEWAY_WORKERS {
                    scope.spawn(|| loop {
                        match serving.recv() {
                            Ok(request) => {
                                let response = gateway_response(
                                    &store,
                                    request.method(),
                                    request.url(),
                                    request.headers(),
                                );
                                // tiny_http leaves the body out of answers to HEAD.
                                let _ = request.respond(response);
                            }
                            // `Drop` unblocks each worker once after setting the flag; any
                            // other error is one failed connection.
                            Err(_) if stop_seen.load(Ordering::SeqCst) => break,
                            Err(_) => continue,
                        }
                    });
                }
            });
        });
        Ok(Self {
            server,
            address,
            stopping,
            thread: Some(thread),
        })
    }

    /// The address served, e.g. `127.0.0.1:40123`.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The gateway's base URL, e.g. `http://127.0.0.1:40123`.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Serves until the process ends (for `ehr ipfs serve`).
    pub fn wait(mut self) {
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for GatewayServer {
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        for _ in 0..GATEWAY_WORKERS {
            self.server.unblock();
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The media type of a single raw block.
const RAW_BLOCK: &str = "application/vnd.ipld.raw";

/// Whether the request asks for a raw block: `?format=raw`, or `application/vnd.ipld.raw`
/// among the `Accept` header's media types (parameters such as `;q=` ignored).
fn wants_raw_block(query: &str, headers: &[tiny_http::Header]) -> bool {
    query.split('&').any(|pair| pair == "format=raw")
        || headers
            .iter()
            .filter(|header| header.field.equiv("Accept"))
            .flat_map(|header| header.value.as_str().split(','))
            .any(|media| media.split(';').next().map(str::trim) == Some(RAW_BLOCK))
}

/// The bytes of block `cid`: inline for an identity CID (such as the `bafkqaaa` probe, the
/// empty block), otherwise from the store.
fn block_bytes(store: &FsBlockStore, cid: &Cid) -> Result<Vec<u8>, DocumentError> {
    const IDENTITY: u64 = 0x00;
    if cid.hash().code() == IDENTITY {
        return Ok(cid.hash().digest().to_vec());
    }
    store.read(cid)
}

/// Answers one request as the trustless gateway specification says for raw blocks.
fn gateway_response(
    store: &FsBlockStore,
    method: &tiny_http::Method,
    url: &str,
    headers: &[tiny_http::Header],
) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
    let header = |field: &str, value: &str| {
        tiny_http::Header::from_bytes(field.as_bytes(), value.as_bytes())
            .expect("header names and values are ASCII")
    };
    let text = |status: u16, body: &str| {
        tiny_http::Response::from_string(body.to_string())
            .with_status_code(status)
            .with_header(header("X-Content-Type-Options", "nosniff"))
    };
    if !matches!(method, tiny_http::Method::Get | tiny_http::Method::Head) {
        return text(405, "only GET and HEAD").with_header(header("Allow", "GET, HEAD"));
    }
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let Some(cid) = path.strip_prefix("/ipfs/") else {
        return text(404, "not found");
    };
    let Ok(cid) = cid.trim_end_matches('/').parse::<Cid>() else {
        return text(400, "not a CID");
    };
    if !wants_raw_block(query, headers) {
        return text(
            406,
            "this trustless gateway serves single blocks: send Accept: application/vnd.ipld.raw",
        )
        .with_header(header("Vary", "Accept"));
    }
    let etag = format!("\"{cid}.raw\"");
    let bytes = match block_bytes(store, &cid) {
        Ok(bytes) => bytes,
        Err(DocumentError::BlockNotFound(_)) => return text(404, "block not found"),
        Err(_) => return text(500, "block unreadable"),
    };
    let unchanged = headers
        .iter()
        .filter(|h| h.field.equiv("If-None-Match"))
        .flat_map(|h| h.value.as_str().split(','))
        .any(|tag| tag.trim() == etag || tag.trim() == "*");
    let response = if unchanged {
        tiny_http::Response::from_data(Vec::new()).with_status_code(304)
    } else {
        tiny_http::Response::from_data(bytes)
            .with_header(header("Content-Type", RAW_BLOCK))
            .with_header(header(
                "Content-Disposition",
                &format!("attachment; filename=\"{cid}.bin\""),
            ))
    };
    response
        .with_header(header("Etag", &etag))
        .with_header(header("X-Content-Type-Options", "nosniff"))
        .with_header(header("X-Ipfs-Path", &format!("/ipfs/{cid}")))
        .with_header(header(
            "Cache-Control",
            "public, max-age=29030400, immutable",
        ))
        .with_header(header("Vary", "Accept"))
}

/// A local store that fetches the blocks it lacks from peers' trustless gateways (in order),
/// checks each against its CID, and keeps it.
#[derive(Debug, Clone)]
pub struct PeerBlockSource {
    local: FsBlockStore,
    peers: Vec<String>,
    agent: ureq::Agent,
}

impl PeerBlockSource {
    /// A source over `local` that asks `peers` (base URLs such as `http://127.0.0.1:8080`).
    pub fn new(local: FsBlockStore, peers: Vec<String>, timeout: Duration) -> Self {
        Self {
            local,
            peers,
            agent: ureq::AgentBuilder::new().timeout(timeout).build(),
        }
    }

    fn fetch(&self, peer: &str, cid: &Cid) -> Result<Vec<u8>, DocumentError> {
        let url = format!("{}/ipfs/{cid}", peer.trim_end_matches('/'));
        let response = self
            .agent
            .get(&url)
            .set("Accept", RAW_BLOCK)
            .call()
            .map_err(|err| match err {
                ureq::Error::Status(404, _) => DocumentError::BlockNotFound(cid.to_string()),
                other => DocumentError::Ipfs(format!("{peer}: {other}")),
            })?;
        read_block_body(response, peer)
    }
}

impl BlockSource for PeerBlockSource {
    /// Fetches the blocks among `cids` that the local store lacks, [`PREFETCH_FETCHES`] at a
    /// time, each checked against its CID and kept. Failures are left for `get_block` to meet
    /// and report.
    fn prefetch(&mut self, cids: &[Cid]) {
        if self.peers.is_empty() {
            return;
        }
        let missing: Vec<&Cid> = cids.iter().filter(|cid| !self.local.has(cid)).collect();
        if missing.len() < 2 {
            return;
        }
        let this = &*self;
        let next = AtomicUsize::new(0);
        std::thread::scope(|scope| {
            for _ in 0..PREFETCH_FETCHES.min(missing.len()) {
                scope.spawn(|| {
                    while let Some(cid) = missing.get(next.fetch_add(1, Ordering::Relaxed)) {
                        for peer in &this.peers {
                            if let Ok(bytes) = this.fetch(peer, cid) {
                                if this.local.write(cid, &bytes).is_ok() {
                                    break;
                                }
                            }
                        }
                    }
                });
            }
        });
    }

    fn get_block(&mut self, cid: &Cid) -> Result<Vec<u8>, DocumentError> {
        match self.local.read(cid) {
            Err(DocumentError::BlockNotFound(_)) => {}
            other => return other,
        }
        let mut last_error = DocumentError::BlockNotFound(cid.to_string());
        for peer in &self.peers {
            // A peer that does not answer within the agent's time-out, or whose bytes do not
            // hash to the CID (`write` checks), is passed over for the next one.
            match self
                .fetch(peer, cid)
                .and_then(|bytes| self.local.write(cid, &bytes).map(|()| bytes))
            {
                Ok(bytes) => return Ok(bytes),
                Err(err) => last_error = err,
            }
        }
        Err(last_error)
    }
}

impl BlockSink for PeerBlockSource {
    fn put_block(&mut self, cid: &Cid, bytes: &[u8]) -> Result<(), DocumentError> {
        self.local.write(cid, bytes)
    }
}

/// Reads a block from an HTTP response body, refusing more than [`MAX_BLOCK_SIZE`] bytes
/// without reading them all.
fn read_block_body(response: ureq::Response, from: &str) -> Result<Vec<u8>, DocumentError> {
    let mut bytes = Vec::new();
    response
        .into_reader()
        .take(MAX_BLOCK_SIZE as u64 + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() > MAX_BLOCK_SIZE {
        return Err(DocumentError::Integrity(format!(
            "{from} sent an oversized block"
        )));
    }
    Ok(bytes)
}

/// Blocks in a Kubo daemon (or a service with Kubo's RPC API), e.g. `http://127.0.0.1:5001`.
#[derive(Debug, Clone)]
pub struct KuboRpc {
    api: String,
    agent: ureq::Agent,
}

impl KuboRpc {
    /// A client of the RPC API at `api`.
    pub fn new(api: &str, timeout: Duration) -> Self {
        Self {
            api: api.trim_end_matches('/').to_string(),
            agent: ureq::AgentBuilder::new().timeout(timeout).build(),
        }
    }
}

impl BlockSink for KuboRpc {
    fn put_block(&mut self, cid: &Cid, bytes: &[u8]) -> Result<(), DocumentError> {
        let codec = if cid.codec() == super::unixfs::RAW_CODEC {
            "raw"
        } else {
            "dag-pb"
        };
        let boundary = "ehr-block-boundary-7b3f";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"block\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let url = format!(
            "{}/api/v0/block/put?cid-codec={codec}&mhtype=sha2-256&pin=true",
            self.api
        );
        let response = self
            .agent
            .post(&url)
            .set(
                "Content-Type",
                &format!("multipart/form-data; boundary={boundary}"),
            )
            .send_bytes(&body)
            .map_err(|err| DocumentError::Ipfs(format!("{}: {err}", self.api)))?;
        let answer: serde_json::Value = serde_json::from_reader(response.into_reader())
            .map_err(|err| DocumentError::Ipfs(format!("{}: {err}", self.api)))?;
        let stored = answer["Key"].as_str().unwrap_or_default();
        if stored != cid.to_string() {
            return Err(DocumentError::Ipfs(format!(
                "{} stored the block as {stored}, expected {cid}",
                self.api
            )));
        }
        Ok(())
    }
}

impl BlockSource for KuboRpc {
    fn get_block(&mut self, cid: &Cid) -> Result<Vec<u8>, DocumentError> {
        let url = format!("{}/api/v0/block/get?arg={cid}", self.api);
        let response = self
            .agent
            .post(&url)
            .call()
            .map_err(|err| DocumentError::Ipfs(format!("{}: {err}", self.api)))?;
        read_block_body(response, &self.api)
    }
}
