//! `ehr serve`: the dashboard, a local web app for the signing account, the way Kubo's web UI
//! or Jupyter serve their owner.
//!
//! - It binds to 127.0.0.1 unless told otherwise and prints one URL with a random session
//!   token. The first request with `?token=` sets an `HttpOnly`, `SameSite=Strict` cookie
//!   and redirects to the same page without the token; every request without the token (in
//!   the cookie or the URL) is refused with 401.
//! - A request whose `Host` is not this server's own address is refused (DNS rebinding).
//! - State-changing requests are POSTs that must also carry the token in an `X-EHR-Token`
//!   header, which a cross-site page cannot set, and an `Origin`, if sent, of this server.
//! - The account's secret stays in this process: pages get the account's address and the
//!   results of library calls, never key material.
//! - Everything is served from the binary (no CDN): pages rendered with maud, one script and
//!   one style sheet. The Content-Security-Policy allows nothing else.
//!
//! The pages call the same library methods as the CLI; `pages` renders, `actions` acts.

mod actions;
mod pages;

use crate::cmd::{serve::ServeArgs, Context};
use anyhow::Context as _;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use std::net::SocketAddr;
use std::sync::Arc;

/// The session cookie's name, before the port: browsers share cookies between the ports of
/// one host, so two dashboards on one machine (a patient's and a doctor's) keep one each.
const SESSION_COOKIE: &str = "ehr_session_";
/// The header state-changing requests carry the token in.
const TOKEN_HEADER: &str = "x-ehr-token";

/// What every handler shares.
pub struct App {
    /// The signer's client and secret, as the CLI has them.
    pub context: Context,
    /// Who may come in.
    pub gate: Gate,
}

/// The session token and the addresses this server answers at.
pub struct Gate {
    /// The session token (64 hex characters).
    pub token: String,
    /// `Host` values this server answers to.
    hosts: Vec<String>,
    /// The session cookie's name (`ehr_session_<port>`).
    cookie: String,
}

/// Shared state of the router.
pub type Shared = Arc<App>;

/// Serves the dashboard until interrupted (Ctrl-C).
pub async fn serve(context: Context, args: ServeArgs) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(SocketAddr::new(args.bind, args.port))
        .await
        .with_context(|| format!("cannot listen on {}:{}", args.bind, args.port))?;
    let address = listener.local_addr()?;
    let token = session_token()?;
    let port = address.port();
    let mut hosts = vec![
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
    ];
    if !address.ip().is_unspecified() {
        hosts.push(address.to_string());
    }
    let shown = if address.ip().is_unspecified() {
        format!("127.0.0.1:{port}")
    } else {
        address.to_string()
    };
    let url = format!("http://{shown}/?token={token}");
    if let Some(path) = &args.url_file {
        write_private(path, &url)?;
    }
    let me = ehr_client::ss58(&context.client.account_id());
    let app = Arc::new(App {
        context,
        gate: Gate {
            token,
            hosts,
            cookie: format!("{SESSION_COOKIE}{port}"),
        },
    });
    println!("{url}");
    eprintln!("dashboard for {me}: open the URL above (Ctrl-C to stop)");
    axum::serve(listener, router(app))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .context("the dashboard's server failed")
}

/// Every route, behind the session guard.
fn router(app: Shared) -> Router {
    Router::new()
        .route("/", get(pages::home))
        .route("/patient/doctors", get(pages::doctors))
        .route("/patient/book", get(pages::book))
        .route("/patient/appointments", get(pages::patient_appointments))
        .route("/patient/documents", get(pages::patient_documents))
        .route("/patient/grants", get(pages::grants))
        .route("/patient/emergency", get(pages::patient_emergency))
        .route("/patient/audit", get(pages::audit))
        .route("/doctor/availability", get(pages::availability))
        .route("/doctor/appointments", get(pages::doctor_appointments))
        .route("/doctor/patients", get(pages::doctor_patients))
        .route("/doctor/patient", get(pages::doctor_patient))
        .route("/doctor/emergency", get(pages::doctor_emergency))
        .route("/admin", get(pages::admin))
        .route("/assets/app.js", get(script))
        .route("/assets/app.css", get(style))
        .route("/action/upload", post(actions::upload))
        .route("/action/download", post(actions::download))
        .route("/action/{name}", post(actions::act))
        .layer(middleware::from_fn_with_state(app.clone(), guard))
        .with_state(app)
}

/// 32 random bytes from the operating system, as hex.
fn session_token() -> anyhow::Result<String> {
    use rand_core::{OsRng, RngCore};
    let mut bytes = [0u8; 32];
    OsRng
        .try_fill_bytes(&mut bytes)
        .map_err(|err| anyhow::anyhow!("no randomness for the session token: {err}"))?;
    Ok(hex::encode(bytes))
}

/// Writes `text` to `path`, readable and writable by its owner only.
fn write_private(path: &std::path::Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Equality in time independent of where the strings differ.
fn same_secret(given: &str, expected: &str) -> bool {
    given.len() == expected.len()
        && given
            .bytes()
            .zip(expected.bytes())
            .fold(0u8, |diff, (a, b)| diff | (a ^ b))
            == 0
}

/// The session guard: host, token, and for POSTs the token header and origin. Adds the
/// security headers to every answer.
async fn guard(
    State(app): State<Shared>,
    jar: CookieJar,
    request: Request,
    next: Next,
) -> Response {
    let mut response = match check(
        &app.gate,
        &jar,
        request.method(),
        request.uri(),
        request.headers(),
    ) {
        Access::Allowed => next.run(request).await,
        Access::SetCookie(clean) => {
            let cookie = Cookie::build((app.gate.cookie.clone(), app.gate.token.clone()))
                .http_only(true)
                .same_site(SameSite::Strict)
                .path("/")
                .build();
            (jar.add(cookie), Redirect::to(&clean)).into_response()
        }
        Access::Refused(status, why) => pages::refused(status, why).into_response(),
    };
    let headers = response.headers_mut();
    for (name, value) in [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::CACHE_CONTROL, "no-store"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// What the guard decided.
enum Access {
    Allowed,
    /// The token came in the URL: set the cookie and go to this URL without it.
    SetCookie(String),
    Refused(StatusCode, &'static str),
}

fn check(gate: &Gate, jar: &CookieJar, method: &Method, uri: &Uri, headers: &HeaderMap) -> Access {
    let host = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    if !gate.hosts.iter().any(|known| known == host) {
        return Access::Refused(
            StatusCode::FORBIDDEN,
            "this dashboard answers only at the address `ehr serve` printed",
        );
    }
    let from_cookie = jar
        .get(&gate.cookie)
        .is_some_and(|cookie| same_secret(cookie.value(), &gate.token));
    let query: Vec<(String, String)> = uri
        .query()
        .and_then(|query| serde_urlencoded::from_str(query).ok())
        .unwrap_or_default();
    let from_url = query
        .iter()
        .any(|(name, value)| name == "token" && same_secret(value, &gate.token));
    if method == Method::GET && from_url {
        let rest: Vec<&(String, String)> =
            query.iter().filter(|(name, _)| name != "token").collect();
        // A path that starts with `//` would redirect to another host.
        let path = if uri.path().starts_with("//") {
            "/"
        } else {
            uri.path()
        };
        let clean = match serde_urlencoded::to_string(&rest) {
            Ok(rest) if !rest.is_empty() => format!("{path}?{rest}"),
            _ => path.to_string(),
        };
        return Access::SetCookie(clean);
    }
    if !from_cookie {
        return Access::Refused(
            StatusCode::UNAUTHORIZED,
            "this dashboard needs its session token: open the URL `ehr serve` printed",
        );
    }
    if method == Method::GET || method == Method::HEAD {
        return Access::Allowed;
    }
    let header_token = headers
        .get(TOKEN_HEADER)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| same_secret(value, &gate.token));
    let same_origin = match headers
        .get(header::ORIGIN)
        .and_then(|value| value.to_str().ok())
    {
        None => true,
        Some(origin) => gate
            .hosts
            .iter()
            .any(|known| origin == format!("http://{known}")),
    };
    if method != Method::POST || !header_token || !same_origin {
        return Access::Refused(
            StatusCode::FORBIDDEN,
            "refused: a change must come from the dashboard's own page",
        );
    }
    Access::Allowed
}

async fn script() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("assets/app.js"),
    )
}

async fn style() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("assets/app.css"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

    fn gate() -> Gate {
        Gate {
            token: TOKEN.into(),
            hosts: vec!["127.0.0.1:8700".into(), "localhost:8700".into()],
            cookie: format!("{SESSION_COOKIE}8700"),
        }
    }

    fn request(method: Method, uri: &str, headers: &[(&str, &str)]) -> Access {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.insert(
                header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        let jar = CookieJar::from_headers(&map);
        check(&gate(), &jar, &method, &uri.parse().unwrap(), &map)
    }

    fn cookie() -> String {
        format!("{SESSION_COOKIE}8700={TOKEN}")
    }

    #[test]
    fn token_in_the_url_sets_the_cookie_and_drops_the_token() {
        let uri = format!("/patient/book?doctor=5Grw&token={TOKEN}");
        match request(Method::GET, &uri, &[("host", "127.0.0.1:8700")]) {
            Access::SetCookie(clean) => assert_eq!(clean, "/patient/book?doctor=5Grw"),
            _ => panic!("expected the cookie to be set"),
        }
    }

    #[test]
    fn token_in_the_url_never_redirects_to_another_host() {
        let uri = format!("//attacker.example/?token={TOKEN}");
        match request(Method::GET, &uri, &[("host", "127.0.0.1:8700")]) {
            Access::SetCookie(clean) => assert_eq!(clean, "/"),
            _ => panic!("expected the cookie to be set"),
        }
    }

    #[test]
    fn request_without_the_token_fails() {
        let wrong = format!("{SESSION_COOKIE}8700={}", "0".repeat(64));
        let other_port = format!("{SESSION_COOKIE}8701={TOKEN}");
        for headers in [
            vec![("host", "127.0.0.1:8700")],
            vec![("host", "127.0.0.1:8700"), ("cookie", wrong.as_str())],
            vec![("host", "127.0.0.1:8700"), ("cookie", other_port.as_str())],
        ] {
            assert!(matches!(
                request(Method::GET, "/", &headers),
                Access::Refused(StatusCode::UNAUTHORIZED, _)
            ));
        }
    }

    #[test]
    fn request_to_another_host_fails() {
        let cookie = cookie();
        assert!(matches!(
            request(
                Method::GET,
                "/",
                &[("host", "evil.example:8700"), ("cookie", &cookie)]
            ),
            Access::Refused(StatusCode::FORBIDDEN, _)
        ));
    }

    #[test]
    fn page_with_the_cookie_works() {
        let cookie = cookie();
        assert!(matches!(
            request(
                Method::GET,
                "/",
                &[("host", "localhost:8700"), ("cookie", &cookie)]
            ),
            Access::Allowed
        ));
    }

    #[test]
    fn change_without_the_token_header_fails() {
        let cookie = cookie();
        assert!(matches!(
            request(
                Method::POST,
                "/action/book",
                &[("host", "127.0.0.1:8700"), ("cookie", &cookie)]
            ),
            Access::Refused(StatusCode::FORBIDDEN, _)
        ));
    }

    #[test]
    fn change_from_another_origin_fails() {
        let cookie = cookie();
        assert!(matches!(
            request(
                Method::POST,
                "/action/book",
                &[
                    ("host", "127.0.0.1:8700"),
                    ("cookie", &cookie),
                    (TOKEN_HEADER, TOKEN),
                    ("origin", "http://evil.example"),
                ]
            ),
            Access::Refused(StatusCode::FORBIDDEN, _)
        ));
    }

    #[test]
    fn change_from_the_page_works() {
        let cookie = cookie();
        assert!(matches!(
            request(
                Method::POST,
                "/action/book",
                &[
                    ("host", "127.0.0.1:8700"),
                    ("cookie", &cookie),
                    (TOKEN_HEADER, TOKEN),
                    ("origin", "http://127.0.0.1:8700"),
                ]
            ),
            Access::Allowed
        ));
    }

    #[test]
    fn same_secret_works() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abd", "abc"));
        assert!(!same_secret("ab", "abc"));
    }
}
