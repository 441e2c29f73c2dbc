//! The client: configuration, credentials and the underlying HTTP client.

use std::fmt;
use std::net::IpAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use reqwest::Url;
use reqwest::header::{HeaderName, HeaderValue};

use super::{Error, RetryPolicy};

/// Default whole-request timeout.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// Default connect timeout.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The API client. Cheap to clone: clones share one connection pool and configuration.
///
/// Build one with [`Client::from_env`] (reads the API key from the environment) or
/// [`Client::builder`]. Its `Debug` output never shows the API key.
#[derive(Clone)]
pub struct Client {
    inner: Arc<ClientInner>,
}

pub(crate) struct ClientInner {
    pub(crate) http: reqwest::Client,
    pub(crate) key: ApiKey,
    pub(crate) auth_header: HeaderName,
    pub(crate) user_agent: HeaderValue,
    /// `(name, base URL without trailing slash, its path without trailing slash)`.
    pub(crate) base_urls: Vec<(&'static str, String, String)>,
    /// Base URLs left unset because another one was changed: requests to them are refused
    /// rather than sent to the production host.
    pub(crate) unset_base_urls: Vec<&'static str>,
    pub(crate) timeout: Duration,
    pub(crate) connect_timeout: Duration,
    pub(crate) retry: RetryPolicy,
    /// Where drift goes; `None` (the default) skips the check entirely.
    pub(crate) drift: Option<super::drift::Observer>,
    custom_http_client: bool,
}

impl ClientInner {
    /// The base URL and its path for a key of `API.base_urls`.
    pub(crate) fn base_url(&self, name: &str) -> Result<(&str, &str), Error> {
        if let Some((_, url, path)) = self.base_urls.iter().find(|(n, _, _)| *n == name) {
            return Ok((url.as_str(), path.as_str()));
        }
        if self.unset_base_urls.contains(&name) {
            let changed: Vec<&str> = self.base_urls.iter().map(|(n, _, _)| *n).collect();
            return Err(Error::config(format!(
                "the `{name}` base URL is not set: this client's `{}` base URL was changed, so \
                 requests to `{name}` are not sent to the production host; set it with \
                 ClientBuilder::base_url_for(\"{name}\", ...) (or {}), passing the production URL \
                 if that is really meant",
                changed.join("`, `"),
                base_url_env_var(name)
            )));
        }
        Err(Error::config(format!("unknown base URL `{name}`")))
    }
}

/// The API key: a sensitive header value, and the raw text to scrub from error bodies.
#[derive(Clone)]
pub(crate) struct ApiKey {
    header: HeaderValue,
    raw: Arc<str>,
}

impl ApiKey {
    fn new(raw: &str) -> Result<ApiKey, Error> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(Error::config("the API key is empty"));
        }
        let mut header = HeaderValue::from_str(raw)
            .map_err(|_| Error::config("the API key contains characters that cannot be sent in an HTTP header"))?;
        header.set_sensitive(true);
        Ok(ApiKey { header, raw: raw.into() })
    }

    /// The header value, marked sensitive.
    pub(crate) fn header(&self) -> &HeaderValue {
        &self.header
    }

    /// The key text, only to scrub it from what servers send back.
    pub(crate) fn secret(&self) -> &Arc<str> {
        &self.raw
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl Client {
    /// A builder for a client with explicit settings.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// A client with default settings, its API key read from the environment variable
    /// that the API names (see the crate docs).
    ///
    /// Base URLs come from the environment too, when set: the `default` one from the API's
    /// base-URL variable, and each other base (see [`crate::base_url`]) from that name plus `_`
    /// and the base's name in capitals. The crate docs name both. As with
    /// [`ClientBuilder::base_url_for`], once any base URL is set, the ones not set are not used
    /// at all, so a client pointed at a local server never reaches production.
    pub fn from_env() -> Result<Client, Error> {
        Client::builder_from(|name| std::env::var(name))?.build()
    }

    /// A builder set up from variables read through `var`: the API key and any base URLs.
    pub(crate) fn builder_from(
        var: impl Fn(&str) -> Result<String, std::env::VarError>,
    ) -> Result<ClientBuilder, Error> {
        let name = crate::API.api_key_env;
        let mut builder = match var(name) {
            Ok(key) => Client::builder().api_key(key),
            Err(std::env::VarError::NotPresent) => {
                return Err(Error::config(format!(
                    "{name} is not set: export it with your workspace API key (dashboard → API), \
                     or pass the key to Client::builder().api_key(...)"
                )));
            }
            Err(std::env::VarError::NotUnicode(_)) => {
                return Err(Error::config(format!("{name} is not valid UTF-8")));
            }
        };
        for (base, _) in crate::API.base_urls {
            let env = base_url_env_var(base);
            match var(&env) {
                Ok(url) if !url.trim().is_empty() => builder = builder.base_url_for(base, url.trim()),
                Ok(_) | Err(std::env::VarError::NotPresent) => {}
                Err(std::env::VarError::NotUnicode(_)) => {
                    return Err(Error::config(format!("{env} is not valid UTF-8")));
                }
            }
        }
        Ok(builder)
    }

    pub(crate) fn inner(&self) -> &ClientInner {
        &self.inner
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        f.debug_struct("Client")
            .field("base_urls", &inner.base_urls.iter().map(|(name, url, _)| (*name, url.as_str())).collect::<Vec<_>>())
            .field("api_key", &inner.key)
            .field("timeout", &inner.timeout)
            .field("connect_timeout", &inner.connect_timeout)
            .field("retry_policy", &inner.retry)
            .field("custom_http_client", &inner.custom_http_client)
            .field("drift_observer", &inner.drift.is_some())
            .finish()
    }
}

/// Builds a [`Client`]: the key, base URLs, timeouts, retry policy and HTTP client. The crate
/// docs show it in use.
#[derive(Default)]
#[must_use = "a builder does nothing until `build` is called"]
pub struct ClientBuilder {
    api_key: Option<String>,
    base_urls: Vec<(String, String)>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    retry: Option<RetryPolicy>,
    http: Option<reqwest::Client>,
    allow_insecure_http: bool,
    drift: Option<super::drift::Observer>,
    /// The API's static facts; `crate::API` unless the runtime's own tests set another.
    api: Option<&'static super::ApiConfig>,
}

impl ClientBuilder {
    /// A builder with default settings and no API key.
    pub fn new() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The workspace API key (required). Surrounding whitespace is ignored.
    pub fn api_key(mut self, key: impl Into<String>) -> ClientBuilder {
        self.api_key = Some(key.into());
        self
    }

    /// Overrides the `default` base URL (e.g. a staging server or a local mock).
    ///
    /// A URL without a path gets the production URL's path: `http://127.0.0.1:8080` means
    /// `http://127.0.0.1:8080/ca/api/v0` (see [`crate::base_url`] for each base's path), which
    /// is where the emulator serves the API too. A URL with a path is used as given, so
    /// `http://127.0.0.1:8080/` is the server's root.
    ///
    /// Once any base URL is overridden, every other base URL must be set too before
    /// requests to it are sent: an endpoint on a base left unset fails with a configuration
    /// error (see [`Error::outcome`]) instead of reaching the production host with your key.
    pub fn base_url(self, url: impl AsRef<str>) -> ClientBuilder {
        self.base_url_for("default", url)
    }

    /// Overrides the base URL called `name`: one of the constants in [`crate::base_url`],
    /// which lists each name, its production URL and the endpoints that use it.
    ///
    /// Base URLs not set explicitly keep their production URL only while none is set; once
    /// one is, requests to the others are refused until they are set as well.
    pub fn base_url_for(mut self, name: &str, url: impl AsRef<str>) -> ClientBuilder {
        let url = url.as_ref().to_owned();
        match self.base_urls.iter_mut().find(|(n, _)| n == name) {
            Some(entry) => entry.1 = url,
            None => self.base_urls.push((name.to_owned(), url)),
        }
        self
    }

    /// The time allowed for a whole request, from connecting to the end of the response
    /// body (default 60 s). Applies to each attempt; [`Request::timeout`](super::Request::timeout)
    /// overrides it for one request.
    pub fn timeout(mut self, timeout: Duration) -> ClientBuilder {
        self.timeout = Some(timeout);
        self
    }

    /// The time allowed to establish a connection (default 10 s). Ignored with
    /// [`http_client`](ClientBuilder::http_client): configure that client instead.
    pub fn connect_timeout(mut self, timeout: Duration) -> ClientBuilder {
        self.connect_timeout = Some(timeout);
        self
    }

    /// The retry policy for every request (default [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> ClientBuilder {
        self.retry = Some(policy);
        self
    }

    /// Uses this `reqwest::Client` (proxies, TLS roots, ...) instead of building one.
    ///
    /// The whole-request timeout is then applied per request. Configure it not to follow
    /// redirects (`redirect::Policy::none()`): reqwest does not strip the API key header on
    /// a redirect to another host.
    pub fn http_client(mut self, client: reqwest::Client) -> ClientBuilder {
        self.http = Some(client);
        self
    }

    /// Allows plain `http://` base URLs for hosts that are not loopback (default `false`).
    /// The API key then travels unencrypted: only for trusted networks.
    pub fn allow_insecure_http(mut self, allow: bool) -> ClientBuilder {
        self.allow_insecure_http = allow;
        self
    }

    /// Reports every place where a JSON response differs from the spec to `observer`, and as a
    /// `tracing` event at debug level with target `ringg::drift` (see [`Drift`](super::Drift)).
    ///
    /// Each JSON response body is then walked a second time, strictly, against the shape the
    /// spec gives its type: unknown keys, unknown enum values and tags, `null` in non-null
    /// fields, missing required fields and values of the wrong type are reported, with the
    /// operation, the JSON path and the JSON type, never a value but the unknown enum string.
    /// Decoding is unchanged (unknown keys are still skipped, unknown enum values still decode
    /// to `Unknown`), so nothing fails because of drift. Off by default, and then free: no
    /// second parse happens.
    pub fn drift_observer(mut self, observer: impl super::DriftObserver) -> ClientBuilder {
        self.drift = Some(Arc::new(observer));
        self
    }

    /// Reports drift only as `tracing` events (target `ringg::drift`, level debug), as
    /// [`drift_observer`](ClientBuilder::drift_observer) does with an observer that ignores
    /// every report.
    pub fn drift_tracing(self) -> ClientBuilder {
        self.drift_observer(super::drift::TracingOnly)
    }

    /// Builds against another API description than the crate's, so that the runtime's tests
    /// do not depend on the base URL names of the spec they are generated with.
    #[cfg(test)]
    pub(crate) fn api_config(mut self, api: &'static super::ApiConfig) -> ClientBuilder {
        self.api = Some(api);
        self
    }

    /// Checks the settings and builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let api = self.api.unwrap_or(&crate::API);
        let Some(raw_key) = self.api_key.as_deref() else {
            return Err(Error::config(format!(
                "no API key: pass one to ClientBuilder::api_key, or set {} and use \
                 Client::from_env",
                api.api_key_env
            )));
        };
        let key = ApiKey::new(raw_key)?;
        let auth_header = HeaderName::from_bytes(api.auth_header.as_bytes())
            .map_err(|_| Error::config("invalid authentication header name"))?;
        let user_agent = HeaderValue::from_str(api.user_agent).map_err(|_| Error::config("invalid User-Agent"))?;

        for (name, _) in &self.base_urls {
            if !api.base_urls.iter().any(|(known, _)| known == name) {
                let known: Vec<&str> = api.base_urls.iter().map(|(n, _)| *n).collect();
                return Err(Error::config(format!("unknown base URL name `{name}` (known: {})", known.join(", "))));
            }
        }
        // A client whose base URL was changed (a local fake, a staging server) must not send
        // any request to a production host that the caller did not name: with any override,
        // the bases not overridden are left unset.
        let any_override = !self.base_urls.is_empty();
        let mut base_urls = Vec::with_capacity(api.base_urls.len());
        let mut unset_base_urls = Vec::new();
        for (name, default) in api.base_urls {
            let given = self.base_urls.iter().find(|(n, _)| n == name).map(|(_, url)| url.as_str());
            let raw = match given {
                Some(url) => url,
                None if any_override => {
                    unset_base_urls.push(*name);
                    continue;
                }
                None => default,
            };
            let (url, path) = check_base_url(name, raw, default, self.allow_insecure_http)?;
            base_urls.push((*name, url, path));
        }

        let timeout = self.timeout.unwrap_or(DEFAULT_TIMEOUT);
        let connect_timeout = self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT);
        let custom_http_client = self.http.is_some();
        let needs_tls = base_urls.iter().any(|(_, url, _): &(_, String, _)| url.starts_with("https:"));
        let http = match self.http {
            Some(http) => http,
            None => reqwest::Client::builder()
                .connect_timeout(connect_timeout)
                // Never follow redirects: the key header would follow to another host.
                .redirect(reqwest::redirect::Policy::none())
                .tls_backend_preconfigured(tls_config(needs_tls)?)
                .build()
                .map_err(|e| Error::config(format!("could not build the HTTP client: {e}")))?,
        };
        Ok(Client {
            inner: Arc::new(ClientInner {
                http,
                key,
                auth_header,
                user_agent,
                base_urls,
                unset_base_urls,
                timeout,
                connect_timeout,
                retry: self.retry.unwrap_or_default(),
                drift: self.drift,
                custom_http_client,
            }),
        })
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field(
                "base_urls",
                &self.base_urls.iter().map(|(name, url)| (name.as_str(), without_credentials(url))).collect::<Vec<_>>(),
            )
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("retry_policy", &self.retry)
            .field("custom_http_client", &self.http.is_some())
            .field("allow_insecure_http", &self.allow_insecure_http)
            .field("drift_observer", &self.drift.is_some())
            .finish()
    }
}

/// rustls with the `ring` provider, or the application's process-wide default provider when
/// one is installed (this crate installs none), and the platform's certificate verifier.
/// Built once per process: the system's roots are read from disk, and the provider chosen,
/// the first time a client is built.
///
/// Without usable system roots, a client whose base URLs are all plain-http loopback (a
/// local mock) still builds, with a TLS setup that trusts nothing; one that needs https
/// fails with a clear error.
fn tls_config(needs_tls: bool) -> Result<rustls::ClientConfig, Error> {
    static PLATFORM: OnceLock<Result<rustls::ClientConfig, String>> = OnceLock::new();
    let platform = PLATFORM.get_or_init(|| {
        use rustls_platform_verifier::BuilderVerifierExt;
        rustls::ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .and_then(|builder| builder.with_platform_verifier())
            .map(|builder| with_alpn(builder.with_no_client_auth()))
            .map_err(|e| e.to_string())
    });
    match platform {
        Ok(config) => Ok(config.clone()),
        Err(_) if !needs_tls => rustls::ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map(|builder| {
                with_alpn(builder.with_root_certificates(rustls::RootCertStore::empty()).with_no_client_auth())
            })
            .map_err(|e| Error::config(format!("could not set up TLS: {e}"))),
        Err(e) => Err(Error::config(format!(
            "could not set up TLS: {e} (install the system's CA certificates, e.g. the \
             ca-certificates package, or pass a configured client to \
             ClientBuilder::http_client)"
        ))),
    }
}

/// The process-wide default provider when the application installed one (for example
/// aws-lc-rs, for post-quantum key exchange), otherwise `ring`.
///
/// rustls 0.23.48 deprecates its `ring` provider because *ring* has no post-quantum key
/// exchange, and names no replacement built on *ring*. The alternative, aws-lc-rs, is a C
/// build that roughly doubles a clean build of this crate, so it stays the application's
/// choice: installing it with `CryptoProvider::install_default` is the rustls way for a library
/// to follow the application's provider, and this client does.
fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    if let Some(installed) = rustls::crypto::CryptoProvider::get_default() {
        return Arc::clone(installed);
    }
    // Deprecated only for the missing post-quantum groups (see above); the warning would reach
    // every crate that depends on this one.
    #[allow(deprecated)]
    let ring = rustls::crypto::ring::default_provider();
    Arc::new(ring)
}

fn with_alpn(mut config: rustls::ClientConfig) -> rustls::ClientConfig {
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    config
}

/// The environment variable `Client::from_env` reads for the base URL called `name`.
pub(crate) fn base_url_env_var(name: &str) -> String {
    let prefix = crate::API.base_url_env;
    if name == "default" { prefix.to_owned() } else { format!("{prefix}_{}", name.to_ascii_uppercase()) }
}

/// A base URL as given, unless it carries credentials.
fn without_credentials(url: &str) -> &str {
    match Url::parse(url.trim()) {
        Ok(parsed) if !parsed.username().is_empty() || parsed.password().is_some() => "<URL with credentials>",
        _ => url,
    }
}

/// Validates a base URL; returns it without trailing slash, and its path likewise.
///
/// A URL without a path, not even `/` (`http://127.0.0.1:8080`), gets the path of the
/// production URL `default` (`/ca/api/v0`), so a local server that serves the API below the
/// same path as production is reached with its address alone; `http://127.0.0.1:8080/` is
/// the server's root.
fn check_base_url(name: &str, raw: &str, default: &str, allow_insecure_http: bool) -> Result<(String, String), Error> {
    let given = raw.trim();
    let mut url = Url::parse(given).map_err(|e| {
        let shown = without_credentials(given);
        let fix = if given.contains("://") { String::new() } else { format!("; missing scheme; use https://{shown}") };
        Error::config(format!("the `{name}` base URL `{shown}` is not a valid URL: {e}{fix}"))
    })?;
    // No path at all, not even `/`, after `scheme://host[:port]`.
    let no_path = given.split_once("://").is_some_and(|(_, rest)| !rest.contains('/'));
    if no_path {
        if let Ok(production) = Url::parse(default) {
            url.set_path(production.path());
        }
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::config(format!("the base URL `{name}` must not contain credentials")));
    }
    let shown = url.as_str().trim_end_matches('/').to_owned();
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::config(format!("the base URL `{shown}` must not have a query or fragment")));
    }
    let Some(host) = url.host_str() else {
        return Err(Error::config(format!("the base URL `{shown}` has no host")));
    };
    match url.scheme() {
        "https" => {}
        "http" if allow_insecure_http || is_loopback(host) => {}
        "http" => {
            return Err(Error::config(format!(
                "refusing the plain-http base URL `{shown}`: the API key would travel \
                 unencrypted (use https://, or ClientBuilder::allow_insecure_http(true) \
                 on a trusted network)"
            )));
        }
        other => {
            return Err(Error::config(format!(
                "the base URL `{shown}` has unsupported scheme `{other}` (use https://)"
            )));
        }
    }
    let path = url.path().trim_end_matches('/').to_owned();
    Ok((shown, path))
}

/// Whether a host (as `Url::host_str` gives it: IPv4 normalized, IPv6 in brackets) is
/// loopback: `127.0.0.0/8`, `::1` or `localhost`.
fn is_loopback(host: &str) -> bool {
    if let Some(v6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return v6.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
    }
    match host.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => host.eq_ignore_ascii_case("localhost"),
    }
}
