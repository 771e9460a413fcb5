//! `ehr serve`: the dashboard, a local web app for the signing account.

use super::*;
use std::net::IpAddr;

/// Where the dashboard listens.
#[derive(Args)]
pub struct ServeArgs {
    /// Port to listen on (0: any free port).
    #[arg(long, default_value_t = 8700)]
    pub port: u16,
    /// Address to bind to. 127.0.0.1 unless told otherwise: the dashboard acts as the signing
    /// account, so only this machine should reach it (the session token is still required).
    /// It answers only requests addressed to 127.0.0.1, localhost, [::1] or this address, so
    /// give a specific address rather than 0.0.0.0.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// Write the dashboard's URL (with its session token) to this file once it listens, for
    /// scripts; the file is readable by its owner only.
    #[arg(long)]
    pub url_file: Option<PathBuf>,
}

/// Serves the dashboard until interrupted.
pub async fn run(context: Context, args: ServeArgs) -> anyhow::Result<()> {
    crate::web::serve(context, args).await
}
