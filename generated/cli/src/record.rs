//! `--record FILE`: every exchange appended to FILE as one NDJSON line, in the shape `cargo
//! xtask drift` reads (`generator::drift::Record`): `kind` (for deliveries), `operation`,
//! `method`, `path`, `status`, selected `headers` and the `body` (its JSON as received, or a
//! string when it is not JSON). The API key is scrubbed wherever it appears, and the value of
//! every member named like a credential (`api_key`, `new_api_key`, `token`, `secret`,
//! `password`) is replaced by [`MARKER`], so a recording can be shared. Each line is one
//! write to a file opened for appending (mode 0600), so lines from concurrent deliveries never
//! interleave.

use std::io::Write as _;
use std::sync::Mutex;

use reqwest::header::HeaderMap;

use crate::failure::Failure;
use crate::json::{self, Node};

/// What replaces a credential in a recording.
pub(crate) const MARKER: &str = "[redacted]";

/// Response headers kept in a recording (never a credential).
const HEADERS: &[&str] =
    &["content-type", "x-request-id", "request-id", "x-correlation-id", "x-trace-id", "retry-after", "location"];

/// An open recording.
pub(crate) struct Recorder {
    path: String,
    file: Mutex<std::fs::File>,
}

/// One exchange to record.
pub(crate) struct Exchange<'a> {
    /// `webhook` or `callback` for a delivery; `None` for a response.
    pub kind: Option<&'a str>,
    /// The operation id (`calling.history`), when known.
    pub operation: Option<&'a str>,
    /// HTTP method.
    pub method: &'a str,
    /// Path as sent or received, with its query.
    pub path: &'a str,
    /// The response status (for a delivery, the status answered).
    pub status: u16,
    /// The response (or delivery) headers.
    pub headers: &'a HeaderMap,
    /// The body; `None` when it is not kept (a download).
    pub body: Option<&'a [u8]>,
}

impl Recorder {
    /// Opens `path` for appending, creating it (mode 0600) when needed.
    pub(crate) fn open(path: &str) -> Result<Recorder, Failure> {
        let mut options = std::fs::OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.mode(0o600);
        }
        let file = options.open(path).map_err(|e| Failure::local(format!("--record: cannot open `{path}`: {e}")))?;
        Ok(Recorder { path: path.to_string(), file: Mutex::new(file) })
    }

    /// Appends one line; `secret` (the API key) is scrubbed from it.
    pub(crate) fn write(&self, exchange: &Exchange<'_>, secret: &str) -> Result<(), Failure> {
        let mut line = line(exchange, secret);
        line.push('\n');
        let mut file = self.file.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        file.write_all(line.as_bytes())
            .map_err(|e| Failure::local(format!("--record: cannot write `{}`: {e}", self.path)))
    }
}

/// The NDJSON line of `exchange`, without its newline.
pub(crate) fn line(exchange: &Exchange<'_>, secret: &str) -> String {
    let text = |s: &str| json::quote(&scrub(s, secret));
    let mut out = String::from("{");
    if let Some(kind) = exchange.kind {
        out.push_str(&format!("\"kind\":{},", json::quote(kind)));
    }
    if let Some(operation) = exchange.operation {
        out.push_str(&format!("\"operation\":{},", json::quote(operation)));
    }
    out.push_str(&format!(
        "\"method\":{},\"path\":{},\"status\":{}",
        json::quote(exchange.method),
        text(exchange.path),
        exchange.status
    ));
    let headers: Vec<String> = HEADERS
        .iter()
        .filter_map(|name| {
            let value = exchange.headers.get(*name)?.to_str().ok()?;
            Some(format!("{}:{}", json::quote(name), text(value)))
        })
        .collect();
    if !headers.is_empty() {
        out.push_str(&format!(",\"headers\":{{{}}}", headers.join(",")));
    }
    if let Some(body) = exchange.body.filter(|b| !b.iter().all(u8::is_ascii_whitespace)) {
        let body = match json::parse(body) {
            Ok(mut node) => {
                node.scrub(secret);
                redact_credentials(&mut node);
                node.compact()
            }
            Err(_) => text(&String::from_utf8_lossy(body)),
        };
        out.push_str(",\"body\":");
        out.push_str(&body);
    }
    out.push('}');
    out
}

fn scrub(text: &str, secret: &str) -> String {
    if secret.is_empty() { text.to_string() } else { text.replace(secret, MARKER) }
}

/// Whether a member's name says it holds a credential: one of its words (split at `_`, `-`
/// and case changes) is `key`, `apikey`, `token`, `secret` or `password`.
fn is_credential(name: &str) -> bool {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if c == '_' || c == '-' || c == '.' || (c.is_uppercase() && previous_lower) {
            words.push(std::mem::take(&mut word));
        }
        if c != '_' && c != '-' && c != '.' {
            word.extend(c.to_lowercase());
        }
        previous_lower = c.is_lowercase();
    }
    words.push(word);
    words.iter().any(|w| matches!(w.as_str(), "key" | "apikey" | "token" | "secret" | "password"))
}

/// Replaces the text of every credential member (at any depth) by [`MARKER`]; the member stays,
/// with a string, so drift still sees its JSON type.
fn redact_credentials(node: &mut Node) {
    match node {
        Node::Arr(items) => items.iter_mut().for_each(redact_credentials),
        Node::Obj(members) => {
            for (name, value) in members {
                if let (true, Node::Str(s)) = (is_credential(name), &mut *value) {
                    *s = MARKER.to_string();
                } else {
                    redact_credentials(value);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_recognised_by_their_words() {
        for name in ["api_key", "new_api_key", "apiKey", "X-API-KEY", "access_token", "webhook_secret", "password"] {
            assert!(is_credential(name), "{name}");
        }
        for name in ["keywords", "monkey", "tokens_used", "kb_id", "status"] {
            assert!(!is_credential(name), "{name}");
        }
    }

    #[test]
    fn a_line_keeps_the_body_as_received_without_credentials_or_the_key() {
        let mut headers = HeaderMap::new();
        headers.insert("content-type", "application/json".parse().unwrap());
        headers.insert("x-api-key", "k-123".parse().unwrap());
        headers.insert("x-request-id", "r-1".parse().unwrap());
        let body = br#"{"workspace_info":{"id":"w","credits":3025.50,"api_key":"k-123","note":"uses k-123","n":null},"new_api_key":"fresh"}"#;
        let exchange = Exchange {
            kind: None,
            operation: Some("workspace.get"),
            method: "GET",
            path: "/ca/api/v0/workspace?k=k-123",
            status: 200,
            headers: &headers,
            body: Some(body),
        };
        let line = line(&exchange, "k-123");
        assert_eq!(
            line,
            r#"{"operation":"workspace.get","method":"GET","path":"/ca/api/v0/workspace?k=[redacted]","status":200,"headers":{"content-type":"application/json","x-request-id":"r-1"},"body":{"workspace_info":{"id":"w","credits":3025.50,"api_key":"[redacted]","note":"uses [redacted]","n":null},"new_api_key":"[redacted]"}}"#
        );
        let text = Exchange { kind: Some("webhook"), body: Some(b"not json k-123"), operation: None, ..exchange };
        assert_eq!(
            line_of(&text),
            r#"{"kind":"webhook","method":"GET","path":"/ca/api/v0/workspace?k=[redacted]","status":200,"headers":{"content-type":"application/json","x-request-id":"r-1"},"body":"not json [redacted]"}"#
        );
    }

    fn line_of(exchange: &Exchange<'_>) -> String {
        line(exchange, "k-123")
    }
}
