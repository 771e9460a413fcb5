//! `ehr ipfs`: the embedded IPFS block store, served to peers.

use super::*;
use ehr_client::documents::{FsBlockStore, GatewayServer};

#[derive(Subcommand)]
pub enum IpfsCommand {
    /// Serve the embedded store's blocks as an IPFS trustless gateway (GET or HEAD /ipfs/CID
    /// with Accept: application/vnd.ipld.raw, or ?format=raw) until interrupted.
    Serve {
        /// Address to listen on (port 0: any free port).
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// Write the gateway's URL to this file once it listens.
        #[arg(long)]
        url_file: Option<PathBuf>,
    },
}

/// Runs one of these commands (they need no node).
pub fn run(ipfs: &IpfsArgs, command: IpfsCommand) -> anyhow::Result<()> {
    match command {
        IpfsCommand::Serve { listen, url_file } => {
            let store = FsBlockStore::open(ipfs.dir())?;
            let dir = store.dir().display().to_string();
            let server = GatewayServer::start(store, &listen)?;
            if let Some(path) = url_file {
                std::fs::write(&path, server.url())
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            eprintln!("serving the blocks in {dir} at {}", server.url());
            server.wait();
            Ok(())
        }
    }
}
