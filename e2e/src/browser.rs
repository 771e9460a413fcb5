//! The dashboard in a real browser: [`Dashboard`] runs `ehr serve` for one account,
//! [`Browser`] drives Debian's headless Chromium through chromedriver (W3C WebDriver).
//!
//! Both run on 127.0.0.1 and stop when dropped. The browser's binaries are `$CHROMIUM` and
//! `$CHROMEDRIVER`, else `/usr/bin/chromium` and `chromedriver` on `PATH` (Debian's `chromium`
//! and `chromium-driver` packages, which `scripts/setup.sh` installs).

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The `ehr` binary: `$EHR_BIN`, else `ehr` next to the test's own `deps/` directory (the
/// test command builds it with every target, `cargo build --workspace --all-targets`).
///
/// # Panics
/// If it is not there.
pub fn ehr_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("EHR_BIN") {
        return PathBuf::from(path);
    }
    let exe = std::env::current_exe().expect("the test's own path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test runs from target/<profile>/deps");
    let ehr = profile_dir.join("ehr");
    assert!(
        ehr.exists(),
        "{} is missing: run `cargo build -p ehr-client --bin ehr` first, or set EHR_BIN",
        ehr.display()
    );
    ehr
}

/// `ehr serve` for one account, on a free port.
pub struct Dashboard {
    child: Child,
    /// The URL it printed, with its session token.
    pub url: String,
}

impl Dashboard {
    /// Starts `ehr serve` as `suri` against `node_url` and `contract`, with its IPFS store
    /// in `ipfs_dir`, and waits for its URL.
    ///
    /// # Panics
    /// If it does not print a URL within 60 s.
    pub fn start(suri: &str, node_url: &str, contract: &str, ipfs_dir: &Path) -> Self {
        let mut child = Command::new(ehr_binary())
            .args(["--url", node_url, "--contract", contract, "--suri", suri])
            .arg("--ipfs-dir")
            .arg(ipfs_dir)
            .args(["serve", "--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("ehr serve starts");
        let stdout = child.stdout.take().expect("its stdout");
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            if let Some(Ok(line)) = lines.next() {
                let _ = sender.send(line);
            }
            // Keep reading so the server never blocks on a full pipe.
            for _ in lines {}
        });
        let url = receiver
            .recv_timeout(Duration::from_secs(60))
            .expect("ehr serve printed its URL within 60 s");
        assert!(url.starts_with("http://127.0.0.1:"), "{url}");
        Self { child, url }
    }

    /// The dashboard's address without the token: `http://127.0.0.1:PORT`.
    pub fn base(&self) -> String {
        self.url
            .split_once("/?token=")
            .map(|(base, _)| base.to_string())
            .unwrap_or_else(|| self.url.clone())
    }

    /// The `host:port` it listens on.
    pub fn address(&self) -> SocketAddr {
        self.base()
            .trim_start_matches("http://")
            .parse()
            .expect("a socket address")
    }
}

impl Drop for Dashboard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A headless Chromium session through chromedriver.
pub struct Browser {
    /// The WebDriver session.
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts chromedriver on a free port and a headless Chromium session with a fresh
    /// profile and the window size screenshots use; `time_zone` is the browser's zone (the
    /// `TZ` chromedriver passes on).
    ///
    /// # Panics
    /// If chromedriver or Chromium is missing or does not start.
    pub async fn start(time_zone: &str) -> Self {
        let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let chromedriver = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
        let port = crate::free_port();
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .env("TZ", time_zone)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|err| {
                panic!("{chromedriver} does not start ({err}): install chromium-driver (scripts/setup.sh does)")
            });
        assert!(
            crate::accepts_by(port, Instant::now() + Duration::from_secs(30)),
            "chromedriver did not listen on {port}"
        );
        let profile = tempfile::tempdir().expect("a profile directory");
        let capabilities = json!({
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--window-size=1280,900",
                    "--force-device-scale-factor=1", "--lang=en-US",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            }
        });
        let Value::Object(capabilities) = capabilities else {
            unreachable!("an object")
        };
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a Chromium session (is the chromium package installed?)");
        Self {
            client,
            driver,
            _profile: profile,
        }
    }

    /// Opens `url` and waits for the page.
    pub async fn open(&self, url: &str) {
        self.client.goto(url).await.expect("the page opens");
    }

    /// The text of the first element matching `css`.
    pub async fn text(&self, css: &str) -> String {
        self.client
            .wait()
            .at_most(Duration::from_secs(30))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|err| panic!("no `{css}` on the page: {err}"))
            .text()
            .await
            .expect("its text")
    }

    /// Types `text` into the field matching `css`.
    pub async fn fill(&self, css: &str, text: &str) {
        let field = self
            .client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|err| panic!("no `{css}` on the page: {err}"));
        field.clear().await.ok();
        field.send_keys(text).await.expect("typing works");
    }

    /// Sets the value of the field matching `css` (for date and time fields, whose typing
    /// order depends on the locale).
    pub async fn set_value(&self, css: &str, value: &str) {
        let found = self
            .client
            .execute(
                "const el = document.querySelector(arguments[0]); if (!el) return false; el.value = arguments[1]; return true;",
                vec![json!(css), json!(value)],
            )
            .await
            .expect("the script runs");
        assert_eq!(found, json!(true), "no `{css}` on the page");
    }

    /// Clicks the element matching `css`.
    pub async fn click(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|err| panic!("no `{css}` on the page: {err}"))
            .click()
            .await
            .expect("clicking works");
    }

    /// Submits the form matching `form` (clicks its submit button) and waits up to 2 minutes
    /// for its status line: `Ok(message)` or `Err(error)`, as the page shows them.
    pub async fn submit(&self, form: &str) -> Result<String, String> {
        self.click(&format!("{form} button[type=submit]")).await;
        self.outcome(form).await
    }

    /// Waits for the status line inside `container` to say how an action ended.
    pub async fn outcome(&self, container: &str) -> Result<String, String> {
        let css = format!("{container} .result");
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let state = self
                .client
                .execute(
                    "const el = document.querySelector(arguments[0]); return el ? [el.className, el.textContent] : null;",
                    vec![json!(css)],
                )
                .await
                .expect("the script runs");
            if let Some([class, text]) = state.as_array().map(Vec::as_slice) {
                let (class, text) = (class.as_str().unwrap_or(""), text.as_str().unwrap_or(""));
                let busy = text.ends_with('…') || text.is_empty();
                if class.contains("error") {
                    return Err(text.to_string());
                }
                if class.contains("ok") && !busy {
                    return Ok(text.to_string());
                }
            }
            assert!(
                Instant::now() < deadline,
                "`{css}` did not settle in 2 minutes"
            );
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    /// A PNG of the page as it shows now, written to `dir/name.png`.
    pub async fn screenshot(&self, dir: &Path, name: &str) {
        let png = self.client.screenshot().await.expect("a screenshot");
        std::fs::create_dir_all(dir).expect("the screenshot directory");
        std::fs::write(dir.join(format!("{name}.png")), png).expect("the screenshot is written");
    }

    /// Ends the session; dropping the browser then stops chromedriver.
    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
