//! What every crate's generated endpoint tests (`src/endpoint_tests.rs`) share: a client for
//! the scripted loopback server, the check of what reached it, and the key-leak probes. The
//! API's facts (its key header, user agent and base URL names) come from `crate::API`, so
//! nothing here depends on the spec.

// A spec without multipart bodies, say, never builds `Sent::Multipart` or reads its parts.
#![allow(dead_code, unused_imports, reason = "each spec's endpoint tests use the helpers its endpoints need")]

pub(crate) use std::time::Duration;

pub(crate) use super::Operation;
pub(crate) use super::test_server::{Recorded, Reply, TestServer};
pub(crate) use crate::{Client, Error, Request, RetryPolicy};

/// The API key the endpoint tests use; it must never appear in any text the crate produces.
pub(crate) const KEY: &str = "rk_test_9c8b7a6f5e4d3c2b1a0f9e8d";

/// A client for the test server: the default base URL is the server's root, every other base
/// URL gets its name as a path prefix, so the path proves which base URL was used. No
/// retries: one request each.
pub(crate) fn client_for(server: &TestServer) -> Client {
    let mut builder = Client::builder().api_key(KEY);
    for (name, _) in crate::API.base_urls {
        builder = if *name == "default" {
            builder.base_url(format!("{}/", server.url()))
        } else {
            builder.base_url_for(name, format!("{}/{name}", server.url()))
        };
    }
    builder.retry_policy(RetryPolicy::none()).timeout(Duration::from_secs(2)).build().expect("client")
}

/// Expected JSON, from the generator's text.
pub(crate) fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).expect("expected JSON parses")
}

/// Fails when `text` holds the key, or its tail.
pub(crate) fn assert_no_key(text: &str) {
    let tail = &KEY[8..];
    if text.contains(KEY) || text.contains(tail) {
        panic!("the API key leaked into: {text}");
    }
}

/// Every way an error can be printed, its sources included.
pub(crate) fn error_texts(err: &Error, texts: &mut Vec<String>) {
    texts.push(err.to_string());
    texts.push(format!("{err:?}"));
    texts.push(format!("{err:#?}"));
    let mut source = std::error::Error::source(err);
    for _ in 0..16 {
        let Some(s) = source else { break };
        texts.push(format!("{s} {s:?}"));
        source = s.source();
    }
}

/// Sends a request that must fail; records how it and its error print.
pub(crate) async fn failure<O: Operation>(request: Request<O>, texts: &mut Vec<String>) -> Error {
    texts.push(format!("{request:?}"));
    let Err(err) = request.await else {
        panic!("{} should have failed", O::ENDPOINT.name);
    };
    error_texts(&err, texts);
    err
}

/// Sends `request` into replies that echo the API key (401 with a JSON body, 500 with an HTML
/// page, and where JSON is expected a 200 whose body breaks off) and records how the client,
/// the requests and the errors print.
pub(crate) async fn provoke<O: Operation>(
    request: fn(&Client) -> Request<O>,
    decodes_json: bool,
    texts: &mut Vec<String>,
) {
    let echo = format!(r#"{{"detail": "Invalid API key: {KEY}", "headers": {{"x-api-key": "{KEY}"}}}}"#);
    let page = format!("<html><title>Error for {KEY}</title></html>");
    let broken = format!(r#"{{"detail": "{KEY}", "#);
    let mut script =
        vec![Reply::json(401, &echo), Reply::status(500).header("content-type", "text/html").body(page.into_bytes())];
    if decodes_json {
        script.push(Reply::json(200, &broken));
    }
    let replies = script.len();
    let server = TestServer::start(script).await;
    let client = client_for(&server);
    texts.push(format!("{client:?}"));
    texts.push(format!("{client:#?}"));
    let name = O::ENDPOINT.name;
    let err = failure(request(&client), texts).await;
    assert_eq!(err.status(), Some(401), "{name}: {err}");
    let message = err.message().unwrap_or_default();
    assert!(message.contains("[REDACTED]"), "{name}: {message}");
    let err = failure(request(&client), texts).await;
    assert_eq!(err.status(), Some(500), "{name}: {err}");
    if decodes_json {
        let err = failure(request(&client), texts).await;
        assert!(err.is_decode(), "{name}: {err}");
    }
    let requests = server.requests();
    assert_eq!(requests.len(), replies, "{name}: one request per reply");
    let auth = crate::API.auth_header.to_ascii_lowercase();
    for r in &requests {
        assert_eq!(r.header(&auth), Some(KEY), "{name}: the key was sent");
    }
}

/// What a request must carry as its body.
pub(crate) enum Sent<'a> {
    /// No body and no content type.
    Nothing,
    /// `application/json` equal to this JSON.
    Json(&'a str),
    /// `multipart/form-data` with these part names, in order, these file contents, and these
    /// values of the other parts (`true`: JSON text, compared as JSON).
    Multipart(&'a [&'a str], &'a [&'a str], &'a [(&'a str, &'a str, bool)]),
}

/// Checks one recorded request: method, raw path, query pairs in order, the key, `Accept`, the
/// user agent and the body.
pub(crate) fn check_request(
    r: &Recorded,
    method: &str,
    path: &str,
    query: &[(&str, &str)],
    accept: &str,
    sent: Sent<'_>,
) {
    assert_eq!(r.method, method);
    assert_eq!(r.path, path, "the raw path, percent-encoded");
    let pairs: Vec<(&str, &str)> = r.query.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    assert_eq!(pairs, query, "query pairs, in order");
    assert_eq!(r.header(&crate::API.auth_header.to_ascii_lowercase()), Some(KEY));
    assert_eq!(r.header("accept"), Some(accept));
    let user_agent = r.header("user-agent").unwrap_or_default();
    assert!(user_agent.starts_with(crate::API.user_agent), "user agent: {user_agent}");
    match sent {
        Sent::Nothing => {
            assert_eq!(r.header("content-type"), None);
            assert!(r.body.is_empty(), "unexpected body");
        }
        Sent::Json(expected) => {
            assert_eq!(r.header("content-type"), Some("application/json"));
            let body: serde_json::Value = serde_json::from_slice(&r.body).expect("the body is JSON");
            assert_eq!(body, json(expected));
        }
        Sent::Multipart(names, files, values) => {
            let content_type = r.header("content-type").unwrap_or_default();
            let Some(boundary) = content_type.strip_prefix("multipart/form-data; boundary=") else {
                panic!("not a multipart body: {content_type}");
            };
            let found = part_names(&r.body, boundary);
            assert_eq!(found, names, "part names, in order");
            for file in files {
                let sent = contains(&r.body, file.as_bytes());
                assert!(sent, "the upload {file:?} was not sent");
            }
            for (name, expected, is_json) in values {
                let value = part_value(&r.body, boundary, name).unwrap_or_else(|| panic!("no part {name:?}"));
                if *is_json {
                    assert_eq!(json(&value), json(expected), "part {name:?}");
                } else {
                    assert_eq!(value, *expected, "part {name:?}");
                }
            }
        }
    }
}

/// The `name` of every part of a multipart body, in order.
fn part_names(body: &[u8], boundary: &str) -> Vec<String> {
    let text = String::from_utf8_lossy(body);
    let delimiter = format!("--{boundary}");
    let mut names = Vec::new();
    for part in text.split(delimiter.as_str()).skip(1) {
        if part.starts_with("--") {
            break;
        }
        let head = part.split("\r\n\r\n").next().unwrap_or_default();
        for line in head.lines() {
            if !line.to_ascii_lowercase().starts_with("content-disposition:") {
                continue;
            }
            if let Some((_, rest)) = line.split_once("; name=\"") {
                names.push(rest.split('"').next().unwrap_or_default().to_owned());
            }
        }
    }
    names
}

/// The content of the first part named `name`, as text.
fn part_value(body: &[u8], boundary: &str, name: &str) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let delimiter = format!("--{boundary}");
    let wanted = format!("; name=\"{name}\"");
    for part in text.split(delimiter.as_str()).skip(1) {
        let Some((head, content)) = part.split_once("\r\n\r\n") else { continue };
        if head.lines().any(|l| l.to_ascii_lowercase().starts_with("content-disposition:") && l.contains(&wanted)) {
            return Some(content.strip_suffix("\r\n").unwrap_or(content).to_owned());
        }
    }
    None
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle)
}
