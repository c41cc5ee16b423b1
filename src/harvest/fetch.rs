//! Fetching a harvest source's pages safely: a timeout per request, retries with backoff on 429 and
//! 5xx (honouring `Retry-After`), a size cap read as the body streams in, redirects only to http(s),
//! and no private, loopback or link-local targets (checked for addresses in the URL and for every
//! address a name resolves to, so a redirect or a DNS answer cannot reach them either) unless an admin
//! marked the source as private. `reqwest` with rustls, no OpenSSL.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::Url;

/// Longest wait a `Retry-After` may ask for before a retry (a source asking for more fails the page).
const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);
/// Most redirects followed per request.
const MAX_REDIRECTS: usize = 10;

/// How a source is fetched.
#[derive(Clone, Debug)]
pub struct FetchPolicy {
    /// Time for one request, from connecting to the last byte of the body.
    pub timeout: Duration,
    /// Largest body accepted, in bytes.
    pub max_bytes: u64,
    /// Retries after a 429, a 5xx or a failed connection (0: one attempt only).
    pub retries: u32,
    /// The first backoff; each further retry waits twice as long.
    pub backoff: Duration,
    /// Whether private, loopback and link-local addresses may be fetched (an admin's choice per
    /// source).
    pub allow_private: bool,
}

impl Default for FetchPolicy {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(60),
            max_bytes: 64 * 1024 * 1024,
            retries: 3,
            backoff: Duration::from_secs(2),
            allow_private: false,
        }
    }
}

/// Why a page could not be fetched.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The URL or a redirect names something odcat does not fetch (scheme, private address).
    #[error("refused to fetch `{url}`: {reason}")]
    Refused {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// The body is larger than the cap.
    #[error("`{url}` is larger than {limit} bytes")]
    TooLarge {
        /// The URL.
        url: String,
        /// The cap.
        limit: u64,
    },
    /// The source answered an error status (after the retries, for 429 and 5xx).
    #[error("`{url}` answered HTTP {status}")]
    Status {
        /// The URL.
        url: String,
        /// The status.
        status: u16,
    },
    /// The request did not complete in time.
    #[error("`{url}` did not answer within {seconds} s")]
    Timeout {
        /// The URL.
        url: String,
        /// The timeout.
        seconds: u64,
    },
    /// Connecting or reading failed.
    #[error("`{url}`: {message}")]
    Network {
        /// The URL.
        url: String,
        /// What failed.
        message: String,
    },
}

/// A fetched page.
#[derive(Clone, Debug)]
pub struct Page {
    /// Where it was finally read (after redirects).
    pub url: Url,
    /// Its media type without parameters, in lower case.
    pub content_type: Option<String>,
    /// The body (decompressed when sent with gzip, or when it is a gzip file such as a
    /// `catalog.ttl.gz` dump).
    pub body: Vec<u8>,
}

/// One request at a time per host, whatever the number of jobs (politeness towards sources).
fn host_gate(url: &Url) -> Arc<tokio::sync::Semaphore> {
    static GATES: std::sync::LazyLock<
        std::sync::Mutex<std::collections::HashMap<String, Arc<tokio::sync::Semaphore>>>,
    > = std::sync::LazyLock::new(Default::default);
    let key = format!(
        "{}:{}",
        url.host_str().unwrap_or(""),
        url.port_or_known_default().unwrap_or(0)
    );
    let mut gates = GATES
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    gates
        .entry(key)
        .or_insert_with(|| Arc::new(tokio::sync::Semaphore::new(1)))
        .clone()
}

/// The body of a gzip file, at most `limit` bytes once decompressed (a gzip bomb is refused
/// like a page over the cap).
fn gunzip(body: &[u8], limit: u64) -> Result<Option<Vec<u8>>, std::io::Error> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(body)
        .take(limit + 1)
        .read_to_end(&mut out)?;
    Ok((out.len() as u64 <= limit).then_some(out))
}

/// Whether `ip` is an address a public source never has: loopback, private, link-local, shared
/// (CGNAT), unspecified, multicast, broadcast, documentation, or an IPv4 address in IPv6 clothing of
/// one of these.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || (a == 100 && (64..128).contains(&b))
                || a == 0
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_private(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
        }
    }
}

/// The reason `url` may not be fetched, if any: a scheme other than http(s), or an address literal
/// that is private when private targets are not allowed.
fn refusal(url: &Url, allow_private: bool) -> Option<String> {
    if !matches!(url.scheme(), "http" | "https") {
        return Some(format!(
            "the scheme `{}` is not http or https",
            url.scheme()
        ));
    }
    let ip = match url.host()? {
        url::Host::Ipv4(ip) => IpAddr::V4(ip),
        url::Host::Ipv6(ip) => IpAddr::V6(ip),
        url::Host::Domain(_) => return None,
    };
    (!allow_private && is_private(ip)).then(|| {
        format!("{ip} is a private, loopback or link-local address (an admin may allow it for this source)")
    })
}

/// Resolves names as the system does and drops private addresses unless they are allowed, so no
/// name can lead a request to them.
struct GuardedResolver {
    allow_private: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = found
                .into_iter()
                .filter(|a| allow_private || !is_private(a.ip()))
                .collect();
            if allowed.is_empty() {
                return Err(format!(
                    "`{host}` resolves only to private, loopback or link-local addresses"
                )
                .into());
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

/// Fetches pages under a [`FetchPolicy`].
#[derive(Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    policy: FetchPolicy,
}

impl Fetcher {
    /// A fetcher with its own connection pool, naming itself odcat's harvester.
    pub fn new(policy: FetchPolicy) -> Result<Self, FetchError> {
        Self::with_agent(
            policy,
            concat!("odcat/", env!("CARGO_PKG_VERSION"), " (harvester)"),
        )
    }

    /// A fetcher with its own connection pool that sends `agent` as its `User-Agent`.
    pub fn with_agent(policy: FetchPolicy, agent: &str) -> Result<Self, FetchError> {
        let allow_private = policy.allow_private;
        let redirects = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= MAX_REDIRECTS {
                return attempt.error(format!("more than {MAX_REDIRECTS} redirects"));
            }
            let target = attempt.url().to_string();
            match refusal(attempt.url(), allow_private) {
                Some(reason) => attempt.error(format!("a redirect to `{target}`: {reason}")),
                None => attempt.follow(),
            }
        });
        let client = reqwest::Client::builder()
            .user_agent(agent)
            .timeout(policy.timeout)
            .connect_timeout(policy.timeout.min(Duration::from_secs(15)))
            .redirect(redirects)
            .dns_resolver(Arc::new(GuardedResolver { allow_private }))
            .build()
            .map_err(|e| FetchError::Network {
                url: String::new(),
                message: e.to_string(),
            })?;
        Ok(Self { client, policy })
    }

    /// `GET url` with `Accept: accept`: the page, after retries on 429, 5xx and failed
    /// connections; other statuses fail at once.
    pub async fn get(&self, url: &Url, accept: &str) -> Result<Page, FetchError> {
        if let Some(reason) = refusal(url, self.policy.allow_private) {
            return Err(FetchError::Refused {
                url: url.to_string(),
                reason,
            });
        }
        let mut attempt = 0;
        loop {
            let gate = host_gate(url);
            let permit = gate.acquire().await;
            let result = self.attempt(url, accept).await;
            drop(permit);
            match result {
                Ok(page) => return Ok(page),
                Err((error, wait)) if attempt < self.policy.retries && wait.is_some() => {
                    attempt += 1;
                    let backoff = self.policy.backoff * 2u32.saturating_pow(attempt - 1);
                    let wait = wait.flatten().unwrap_or(backoff);
                    if wait > MAX_RETRY_AFTER {
                        return Err(error);
                    }
                    tracing::info!(harvest.url = %url, attempt, wait_ms = wait.as_millis() as u64, error = %error, "retrying");
                    tokio::time::sleep(wait).await;
                }
                Err((error, _)) => return Err(error),
            }
        }
    }

    /// Whether `url` answers: one `HEAD` request (`GET` when `get` is set, reading no body),
    /// following redirects under the same rules as [`get`](Self::get), one request at a time per
    /// host. Any HTTP status is an answer; an error means there was none (refused, timed out, no
    /// connection).
    pub async fn probe(&self, url: &Url, get: bool) -> Result<u16, FetchError> {
        if let Some(reason) = refusal(url, self.policy.allow_private) {
            return Err(FetchError::Refused {
                url: url.to_string(),
                reason,
            });
        }
        let gate = host_gate(url);
        let _permit = gate.acquire().await;
        let method = if get {
            reqwest::Method::GET
        } else {
            reqwest::Method::HEAD
        };
        let response = self
            .client
            .request(method, url.clone())
            .header(reqwest::header::ACCEPT, "*/*")
            .send()
            .await
            .map_err(|e| self.request_error(url, &e))?;
        // The body is not read: dropping the response closes the connection.
        Ok(response.status().as_u16())
    }

    /// What a failed request of `url` was: a timeout, a refused redirect, or a network failure.
    fn request_error(&self, url: &Url, e: &reqwest::Error) -> FetchError {
        if e.is_timeout() {
            FetchError::Timeout {
                url: url.to_string(),
                seconds: self.policy.timeout.as_secs(),
            }
        } else if e.is_redirect() {
            FetchError::Refused {
                url: url.to_string(),
                reason: error_chain(e),
            }
        } else {
            FetchError::Network {
                url: url.to_string(),
                message: error_chain(e),
            }
        }
    }

    /// One request. The error comes with `Some` when a retry may help (with the wait the source
    /// asked for, if it did).
    async fn attempt(
        &self,
        url: &Url,
        accept: &str,
    ) -> Result<Page, (FetchError, Option<Option<Duration>>)> {
        let network = |e: reqwest::Error| {
            let error = self.request_error(url, &e);
            // A refused redirect or a name that resolves only to private addresses stays refused.
            let retry = matches!(error, FetchError::Timeout { .. })
                || (e.is_connect() && !error_chain(&e).contains("private"));
            (error, retry.then_some(None))
        };
        let response = self
            .client
            .get(url.clone())
            .header(reqwest::header::ACCEPT, accept)
            .send()
            .await
            .map_err(network)?;
        let status = response.status();
        let final_url = response.url().clone();
        if status.as_u16() == 429 || status.is_server_error() {
            let retry_after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            return Err((
                FetchError::Status {
                    url: final_url.to_string(),
                    status: status.as_u16(),
                },
                Some(retry_after),
            ));
        }
        if status.is_redirection() {
            // reqwest hands back a redirect it does not follow: one to another scheme.
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            return Err((
                FetchError::Refused {
                    url: final_url.to_string(),
                    reason: format!("a redirect to `{location}`, which is not http or https"),
                },
                None,
            ));
        }
        if !status.is_success() {
            return Err((
                FetchError::Status {
                    url: final_url.to_string(),
                    status: status.as_u16(),
                },
                None,
            ));
        }
        let too_large = || FetchError::TooLarge {
            url: final_url.to_string(),
            limit: self.policy.max_bytes,
        };
        if response
            .content_length()
            .is_some_and(|n| n > self.policy.max_bytes)
        {
            return Err((too_large(), None));
        }
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                v.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase()
            });
        let mut body = Vec::new();
        let mut stream = response.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(network)?;
            if body.len() as u64 + chunk.len() as u64 > self.policy.max_bytes {
                return Err((too_large(), None));
            }
            body.extend_from_slice(&chunk);
        }
        // A gzip file (a dump): decompressed here, under the same cap; its media type then says
        // nothing about the content, which the URL's inner extension tells.
        let gzip_type = matches!(
            content_type.as_deref(),
            Some("application/gzip" | "application/x-gzip")
        );
        let (body, content_type) = if body.starts_with(&[0x1f, 0x8b]) {
            let body = tokio::task::spawn_blocking({
                let limit = self.policy.max_bytes;
                move || gunzip(&body, limit)
            })
            .await
            .map_err(|e| e.to_string())
            .and_then(|r| r.map_err(|e| format!("not a valid gzip file: {e}")))
            .map_err(|message| {
                (
                    FetchError::Network {
                        url: final_url.to_string(),
                        message,
                    },
                    None,
                )
            })?
            .ok_or_else(|| (too_large(), None))?;
            (body, content_type.filter(|_| !gzip_type))
        } else {
            (body, content_type)
        };
        Ok(Page {
            url: final_url,
            content_type,
            body,
        })
    }
}

/// An error with its causes, for messages.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;

    use super::super::test_server::serve;
    use super::*;

    fn ok(body: &str) -> String {
        super::super::test_server::answer("200 OK", "text/turtle; charset=utf-8", body)
    }

    fn local() -> FetchPolicy {
        FetchPolicy {
            timeout: Duration::from_secs(2),
            max_bytes: 1024,
            retries: 2,
            backoff: Duration::from_millis(10),
            allow_private: true,
        }
    }

    #[tokio::test]
    async fn one_request_at_a_time_per_host() {
        use std::sync::atomic::AtomicUsize;
        let now = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = Url::parse(&format!("http://{}/p", listener.local_addr().unwrap())).unwrap();
        {
            let (now, most) = (now.clone(), most.clone());
            tokio::spawn(async move {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                while let Ok((mut socket, _)) = listener.accept().await {
                    let (now, most) = (now.clone(), most.clone());
                    tokio::spawn(async move {
                        let mut buf = [0u8; 4096];
                        let _ = socket.read(&mut buf).await;
                        let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(n, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        now.fetch_sub(1, Ordering::SeqCst);
                        let _ = socket.write_all(ok("<a> <b> <c> .").as_bytes()).await;
                        let _ = socket.shutdown().await;
                    });
                }
            });
        }
        // Two fetchers, as two jobs would have: still one request at a time on the host.
        let a = Fetcher::new(local()).unwrap();
        let b = Fetcher::new(local()).unwrap();
        let (r1, r2, r3) = tokio::join!(
            a.get(&url, "text/turtle"),
            b.get(&url, "text/turtle"),
            a.get(&url, "text/turtle")
        );
        assert!(r1.is_ok() && r2.is_ok() && r3.is_ok());
        assert_eq!(most.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_gzip_dump_is_read_and_a_gzip_bomb_is_refused_at_the_cap() {
        use std::io::Write;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder
            .write_all(b"<https://x.example/a> <https://x.example/b> \"c\" .\n")
            .unwrap();
        let small = encoder.finish().unwrap();
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(&vec![b'#'; 1 << 20]).unwrap();
        let bomb = encoder.finish().unwrap();
        assert!(bomb.len() < 1024 * 8);
        for (body, ok) in [(small, true), (bomb, false)] {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let url = Url::parse(&format!(
                "http://{}/dump.nt.gz",
                listener.local_addr().unwrap()
            ))
            .unwrap();
            tokio::spawn(async move {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                let (mut socket, _) = listener.accept().await.unwrap();
                let mut buf = [0u8; 4096];
                let _ = socket.read(&mut buf).await;
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/gzip\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = socket.write_all(head.as_bytes()).await;
                let _ = socket.write_all(&body).await;
            });
            let fetcher = Fetcher::new(FetchPolicy {
                max_bytes: 64 * 1024,
                ..local()
            })
            .unwrap();
            let page = fetcher.get(&url, "*/*").await;
            if ok {
                let page = page.unwrap();
                assert!(page.body.starts_with(b"<https://x.example/a>"));
                assert_eq!(
                    page.content_type, None,
                    "the gzip type says nothing of the content"
                );
                assert_eq!(
                    super::super::dcat::page_format(&page),
                    Some(oxigraph::io::RdfFormat::NTriples)
                );
            } else {
                assert!(matches!(page, Err(FetchError::TooLarge { .. })), "{page:?}");
            }
        }
    }

    #[test]
    fn private_and_loopback_addresses_are_recognised() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(is_private(private.parse().unwrap()), "{private}");
        }
        for public in ["1.1.1.1", "141.30.1.1", "2a00:1450:4001::1"] {
            assert!(!is_private(public.parse().unwrap()), "{public}");
        }
    }

    #[tokio::test]
    async fn loopback_is_refused_unless_the_source_is_marked_private() {
        let (url, count) = serve(|_| Some(ok("<a> <b> <c> ."))).await;
        let guarded = Fetcher::new(FetchPolicy {
            allow_private: false,
            ..local()
        })
        .unwrap();
        assert!(matches!(
            guarded.get(&url, "*/*").await,
            Err(FetchError::Refused { .. })
        ));
        // A name that resolves to loopback is refused too.
        let by_name = Url::parse(&url.as_str().replace("127.0.0.1", "localhost")).unwrap();
        let refused = guarded.get(&by_name, "*/*").await;
        assert!(refused.is_err(), "{refused:?}");
        assert_eq!(
            count.load(Ordering::SeqCst),
            0,
            "nothing reached the server"
        );
        let allowed = Fetcher::new(local()).unwrap();
        let page = allowed.get(&url, "text/turtle").await.unwrap();
        assert_eq!(page.body, b"<a> <b> <c> .");
        assert_eq!(page.content_type.as_deref(), Some("text/turtle"));
        let ftp = Url::parse("ftp://example.org/x").unwrap();
        assert!(matches!(
            allowed.get(&ftp, "*/*").await,
            Err(FetchError::Refused { .. })
        ));
    }

    #[tokio::test]
    async fn a_503_with_retry_after_and_a_429_are_retried_and_a_404_is_not() {
        let (url, count) = serve(|n| {
            Some(match n {
                0 => "HTTP/1.1 503 Service Unavailable\r\nretry-after: 0\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".to_owned(),
                1 => "HTTP/1.1 429 Too Many Requests\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".to_owned(),
                _ => ok("fine"),
            })
        })
        .await;
        let fetcher = Fetcher::new(local()).unwrap();
        assert_eq!(fetcher.get(&url, "*/*").await.unwrap().body, b"fine");
        assert_eq!(count.load(Ordering::SeqCst), 3);
        let (missing, count) = serve(|_| {
            Some(
                "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                    .to_owned(),
            )
        })
        .await;
        assert!(matches!(
            fetcher.get(&missing, "*/*").await,
            Err(FetchError::Status { status: 404, .. })
        ));
        assert_eq!(count.load(Ordering::SeqCst), 1);
        // A source that keeps failing fails after the retries.
        let (broken, count) = serve(|_| {
            Some("HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".to_owned())
        })
        .await;
        assert!(matches!(
            fetcher.get(&broken, "*/*").await,
            Err(FetchError::Status { status: 500, .. })
        ));
        assert_eq!(count.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_body_over_the_cap_and_a_stalled_source_fail_without_waiting_for_ever() {
        let big = "x".repeat(4096);
        let (declared, _) = serve(move |_| Some(ok(&big))).await;
        let fetcher = Fetcher::new(FetchPolicy {
            retries: 0,
            ..local()
        })
        .unwrap();
        assert!(matches!(
            fetcher.get(&declared, "*/*").await,
            Err(FetchError::TooLarge { limit: 1024, .. })
        ));
        // Without a Content-Length the cap holds as the body streams in.
        let (streamed, _) = serve(|_| {
            Some(format!(
                "HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n{}",
                "y".repeat(4096)
            ))
        })
        .await;
        assert!(matches!(
            fetcher.get(&streamed, "*/*").await,
            Err(FetchError::TooLarge { .. })
        ));
        let (stalled, _) = serve(|_| None).await;
        let started = std::time::Instant::now();
        assert!(matches!(
            fetcher.get(&stalled, "*/*").await,
            Err(FetchError::Timeout { .. })
        ));
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn redirect_and_url_targets_on_private_addresses_are_refused_unless_allowed() {
        // What the redirect policy checks for every hop (names are checked by the resolver).
        for target in [
            "http://127.0.0.1:8080/catalog",
            "http://[::1]/",
            "http://169.254.169.254/latest/meta-data/",
            "http://10.0.0.1/",
            "http://[::ffff:192.168.0.1]/",
        ] {
            let url = Url::parse(target).unwrap();
            assert!(refusal(&url, false).is_some(), "{target}");
            assert!(refusal(&url, true).is_none(), "{target}");
        }
        assert!(refusal(&Url::parse("https://www.wuppertal.de/").unwrap(), false).is_none());
        assert!(refusal(&Url::parse("gopher://x.example/").unwrap(), true).is_some());
    }

    #[tokio::test]
    async fn a_name_that_resolves_to_loopback_is_refused_unless_allowed() {
        let (url, count) = serve(|_| Some(ok("<a> <b> <c> ."))).await;
        let by_name = Url::parse(&url.as_str().replace("127.0.0.1", "localhost")).unwrap();
        let guarded = Fetcher::new(FetchPolicy {
            allow_private: false,
            ..local()
        })
        .unwrap();
        let refused = guarded.get(&by_name, "*/*").await;
        assert!(refused.is_err(), "{refused:?}");
        assert_eq!(
            count.load(Ordering::SeqCst),
            0,
            "no request reached the server"
        );
        assert!(
            Fetcher::new(local())
                .unwrap()
                .get(&by_name, "*/*")
                .await
                .is_ok()
        );
    }

    #[tokio::test]
    async fn redirects_to_other_schemes_are_refused() {
        let (url, _) = serve(|_| {
            Some("HTTP/1.1 302 Found\r\nlocation: file:///etc/passwd\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".to_owned())
        })
        .await;
        let fetcher = Fetcher::new(local()).unwrap();
        let refused = fetcher.get(&url, "*/*").await;
        assert!(
            matches!(refused, Err(FetchError::Refused { .. })),
            "{refused:?}"
        );
    }
}
