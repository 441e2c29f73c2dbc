//! End-to-end tests of the runtime against the scripted loopback server, with operations
//! written the way the generator writes them.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde::Deserialize;

use super::test_server::{Reply, TestServer, form_decode};
use super::*;

const KEY: &str = "rk_test_4f9a8b7c6d5e4f3a2b1c0d9e";

// ---------------------------------------------------------------------------------------
// Operations, as generated code would write them.

#[derive(Debug, Clone, Default)]
struct GetAgent {
    agent_id: String,
    include_versions: Option<bool>,
    tags: Vec<String>,
}

impl Operation for GetAgent {
    type Output = serde_json::Value;
    const ENDPOINT: Endpoint = Endpoint {
        name: "agent.get",
        method: Method::GET,
        path: "/agent/{agent_id}",
        base_url: "default",
        retry: RetrySafety::Safe,
    };
    fn path(&self) -> String {
        format!("/agent/{}", encode_segment(&self.agent_id))
    }
    fn query(&self, query: &mut Query) {
        query.push_opt("include_versions", self.include_versions);
        for tag in &self.tags {
            query.push("tags", tag);
        }
    }
    fn decode(response: Response) -> DecodeFuture<Self::Output> {
        decode_json(response)
    }
}

fn get_agent(client: &Client, id: &str) -> Request<GetAgent> {
    Request::new(client.clone(), GetAgent { agent_id: id.to_owned(), ..GetAgent::default() })
}

#[derive(Debug, Clone)]
struct InitiateCallBody {
    name: String,
    mobile_number: String,
    agent_id: String,
}

impl super::write::ToJson for InitiateCallBody {
    fn write(&self, writer: &mut super::write::Writer) {
        let mut object = writer.object();
        object.field("name", &self.name);
        object.field("mobile_number", &self.mobile_number);
        object.field("agent_id", &self.agent_id);
        object.end();
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
struct Initiated {
    call_id: String,
}

#[derive(Debug, Clone)]
struct InitiateCall {
    body: InitiateCallBody,
}

impl Operation for InitiateCall {
    type Output = Initiated;
    const ENDPOINT: Endpoint = Endpoint {
        name: "calling.initiate",
        method: Method::POST,
        path: "/calling/outbound/individual",
        base_url: "default",
        retry: RetrySafety::Unsafe,
    };
    fn path(&self) -> String {
        "/calling/outbound/individual".to_owned()
    }
    fn body(&self) -> Result<Body, Error> {
        Body::json(&self.body)
    }
    fn decode(response: Response) -> DecodeFuture<Self::Output> {
        decode_json(response)
    }
}

fn initiate(client: &Client) -> Request<InitiateCall> {
    Request::new(
        client.clone(),
        InitiateCall {
            body: InitiateCallBody {
                name: "Ada".into(),
                mobile_number: "+15550100".into(),
                agent_id: "agent-1".into(),
            },
        },
    )
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum Total {
    Count(u64),
    Other(#[allow(dead_code)] String),
}

#[derive(Debug, Clone, Deserialize)]
struct CallPage {
    calls: Vec<serde_json::Value>,
    total: Option<Total>,
}

#[derive(Debug, Clone, Default)]
struct History {
    limit: Option<u32>,
    offset: Option<u64>,
    status: Option<String>,
}

impl Operation for History {
    type Output = CallPage;
    const ENDPOINT: Endpoint = Endpoint {
        name: "calling.history",
        method: Method::GET,
        path: "/calling/history",
        base_url: "default",
        retry: RetrySafety::Safe,
    };
    fn path(&self) -> String {
        "/calling/history".to_owned()
    }
    fn query(&self, query: &mut Query) {
        query.push_opt("status", self.status.as_deref());
        query.push_opt("limit", self.limit);
        query.push_opt("offset", self.offset);
    }
    fn decode(response: Response) -> DecodeFuture<Self::Output> {
        decode_json(response)
    }
}

impl Paginated for History {
    type Item = serde_json::Value;
    fn set_page(&mut self, limit: u32, offset: u64) {
        self.limit = Some(limit);
        self.offset = Some(offset);
    }
    fn page_limit(&self) -> u32 {
        self.limit.unwrap_or(crate::API.default_page_size)
    }
    fn page_offset(&self) -> Option<u64> {
        self.offset
    }
    fn into_page(output: CallPage) -> Page<Self::Item> {
        Page {
            items: output.calls,
            total: match output.total {
                Some(Total::Count(n)) => Some(n),
                _ => None,
            },
        }
    }
}

fn history(client: &Client, limit: Option<u32>, offset: Option<u64>) -> Request<History> {
    let mut request = Request::new(client.clone(), History::default());
    request.op_mut().limit = limit;
    request.op_mut().offset = offset;
    request.op_mut().status = Some("completed".into());
    request
}

#[derive(Debug, Clone)]
struct SaveCampaign {
    name: String,
    variables: serde_json::Value,
    csv_file: Upload,
    extra: Option<Upload>,
}

impl Operation for SaveCampaign {
    type Output = serde_json::Value;
    const ENDPOINT: Endpoint = Endpoint {
        name: "campaigns.save",
        method: Method::POST,
        path: "/campaign/save",
        base_url: "default",
        retry: RetrySafety::Safe,
    };
    fn path(&self) -> String {
        "/campaign/save".to_owned()
    }
    fn body(&self) -> Result<Body, Error> {
        let mut form = Form::new()
            .text("name", self.name.clone())
            .json("variables_map", &self.variables)?
            .file("csv_file", &self.csv_file)?;
        if let Some(extra) = &self.extra {
            form = form.file("extra", extra)?;
        }
        Ok(Body::Multipart(form))
    }
    fn decode(response: Response) -> DecodeFuture<Self::Output> {
        decode_json(response)
    }
}

#[derive(Debug, Clone)]
struct DownloadHistory {
    agent_ids: Vec<String>,
}

impl Operation for DownloadHistory {
    type Output = ByteStream;
    const ENDPOINT: Endpoint = Endpoint {
        name: "calling.download_history",
        method: Method::POST,
        path: "/calling/history/download",
        base_url: "default",
        retry: RetrySafety::Safe,
    };
    const ACCEPT: &'static str = "*/*";
    fn path(&self) -> String {
        "/calling/history/download".to_owned()
    }
    fn query(&self, query: &mut Query) {
        for id in &self.agent_ids {
            query.push("agent_id[]", id);
        }
    }
    fn decode(response: Response) -> DecodeFuture<Self::Output> {
        decode_bytes(response)
    }
}

#[derive(Debug, Clone)]
struct DeleteAgent {
    agent_id: String,
}

impl Operation for DeleteAgent {
    type Output = ();
    const ENDPOINT: Endpoint = Endpoint {
        name: "agent.delete",
        method: Method::DELETE,
        path: "/agent/{agent_id}",
        base_url: "default",
        retry: RetrySafety::Safe,
    };
    fn path(&self) -> String {
        format!("/agent/{}", encode_segment(&self.agent_id))
    }
    fn decode(response: Response) -> DecodeFuture<Self::Output> {
        decode_empty(response)
    }
}

#[derive(Debug, Clone)]
struct Transcribe {
    audio: Upload,
}

impl Operation for Transcribe {
    type Output = serde_json::Value;
    const ENDPOINT: Endpoint = Endpoint {
        name: "files.transcribe",
        method: Method::POST,
        path: "/transcriptions",
        base_url: "files",
        retry: RetrySafety::Unsafe,
    };
    fn path(&self) -> String {
        "/transcriptions".to_owned()
    }
    fn body(&self) -> Result<Body, Error> {
        Ok(Body::Multipart(Form::new().file("file", &self.audio)?.text("language", "en")))
    }
    fn decode(response: Response) -> DecodeFuture<Self::Output> {
        decode_json(response)
    }
}

// ---------------------------------------------------------------------------------------
// Helpers.

fn fast_retries(max: u32) -> RetryPolicy {
    RetryPolicy::default()
        .max_retries(max)
        .initial_backoff(Duration::from_millis(1))
        .max_backoff(Duration::from_millis(5))
}

/// The API the runtime's tests are written for: the crate's own facts, with two base URLs
/// whatever the spec names, so the tests hold for every generated crate.
static TEST_API: crate::runtime::ApiConfig = crate::runtime::ApiConfig {
    auth_header: "X-API-KEY",
    base_urls: &[("default", "https://api.example.com"), ("files", "https://files.example.com/v1")],
    ..crate::API
};

fn client_for(server: &TestServer) -> Client {
    Client::builder()
        .api_config(&TEST_API)
        .api_key(KEY)
        .base_url(server.url())
        .base_url_for("files", format!("{}/files/v1", server.url()))
        .retry_policy(fast_retries(3))
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client")
}

/// A client whose base URL is a loopback port with nothing listening (connecting is refused,
/// so nothing is ever sent), without retries.
fn closed_port_client() -> Client {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    Client::builder()
        .api_key(KEY)
        .base_url(format!("http://127.0.0.1:{port}"))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
}

fn assert_no_key(text: &str) {
    assert!(!text.contains(KEY), "the API key leaked into: {text}");
    assert!(!text.contains(&KEY[8..]), "part of the API key leaked into: {text}");
}

fn temp_path(name: &str) -> std::path::PathBuf {
    let unique = format!(
        "sdk-runtime-{}-{}-{name}",
        std::process::id(),
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
    );
    std::env::temp_dir().join(unique)
}

// ---------------------------------------------------------------------------------------
// Requests, headers, paths.

#[tokio::test]
async fn get_json_sends_headers_path_and_query() {
    let server = TestServer::start(vec![
        Reply::json(200, r#"{"id": "a/b", "agent_name": "Ada"}"#).header("x-request-id", "req-1"),
    ])
    .await;
    let client = client_for(&server);
    let mut request = get_agent(&client, "a/b");
    request.op_mut().include_versions = Some(true);
    request.op_mut().tags = vec!["x y".into(), "z&w".into()];
    // `IntoFuture`: the request is awaited directly.
    let agent = request.await.unwrap();
    assert_eq!(agent["agent_name"], "Ada");

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r.method, "GET");
    assert_eq!(r.path, "/agent/a%2Fb");
    assert_eq!(r.query_one("include_versions"), Some("true"));
    assert_eq!(r.query_all("tags"), ["x y", "z&w"]);
    assert_eq!(r.header("x-api-key"), Some(KEY));
    assert_eq!(r.header("user-agent"), Some(crate::API.user_agent));
    assert_eq!(r.header("accept"), Some("application/json"));
    assert_eq!(r.body, b"");
}

#[test]
fn encode_segment_keeps_only_unreserved() {
    assert_eq!(encode_segment("abc-._~XYZ019"), "abc-._~XYZ019");
    assert_eq!(encode_segment("../x?y"), "..%2Fx%3Fy");
    assert_eq!(encode_segment("a b#c%d&e=f+g"), "a%20b%23c%25d%26e%3Df%2Bg");
    assert_eq!(encode_segment("é"), "%C3%A9");
    assert_eq!(encode_segment(""), "");
}

#[tokio::test]
async fn path_parameters_cannot_reach_another_endpoint() {
    let server = TestServer::start(vec![Reply::json(200, "{}")]).await;
    let client = client_for(&server);
    get_agent(&client, "../workspace/api-key?x=1#f").await.unwrap();
    let r = &server.requests()[0];
    assert_eq!(r.path, "/agent/..%2Fworkspace%2Fapi-key%3Fx%3D1%23f");
    assert_eq!(r.raw_query, None);

    for bad in ["", ".", ".."] {
        let err = get_agent(&client, bad).await.unwrap_err();
        assert!(err.is_config() && err.is_not_sent(), "{bad:?}: {err}");
        assert!(err.to_string().contains("{agent_id}"), "{err}");
    }
    assert_eq!(server.request_count(), 1, "refused paths must not be sent");
}

#[test]
fn path_shape_checks() {
    use super::request::check_path;
    assert!(check_path("/agent/{agent_id}", "/agent/abc").is_ok());
    assert!(check_path("/a/{x}/b/{y}", "/a/1/b/2").is_ok());
    assert!(check_path("/agent/{agent_id}", "/agent/abc/extra").is_err());
    assert!(check_path("/agent/{agent_id}", "/agents/abc").is_err());
    assert!(check_path("/agent/{agent_id}", "/agent").is_err());
    assert!(check_path("/agent/{agent_id}", "agent/abc").is_err());
    assert!(check_path("/agent/{agent_id}", "/agent/..").is_err());
    assert!(check_path("/calling/history", "/calling/history").is_ok());
}

#[tokio::test]
async fn second_base_url_is_used() {
    let server = TestServer::start(vec![Reply::json(200, r#"{"transcription": "hi"}"#)]).await;
    let client = client_for(&server);
    let op = Transcribe { audio: Upload::from_bytes(&b"RIFF...."[..], "hello.wav") };
    let out = Request::new(client, op).await.unwrap();
    assert_eq!(out["transcription"], "hi");
    let r = &server.requests()[0];
    assert_eq!(r.path, "/files/v1/transcriptions");
    assert!(String::from_utf8_lossy(&r.body).contains("Content-Type: audio/wav"));
}

// ---------------------------------------------------------------------------------------
// Retries.

#[tokio::test]
async fn rate_limited_then_ok_honours_retry_after() {
    let server = TestServer::start(vec![
        Reply::json(429, r#"{"detail": "Too many requests"}"#).header("retry-after", "1"),
        Reply::json(200, r#"{"id": "x"}"#),
    ])
    .await;
    let client = client_for(&server);
    let started = Instant::now();
    let agent = get_agent(&client, "x").await.unwrap();
    let elapsed = started.elapsed();
    assert_eq!(agent["id"], "x");
    assert_eq!(server.request_count(), 2);
    assert!(elapsed >= Duration::from_secs(1), "Retry-After not honoured: {elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
}

#[tokio::test]
async fn too_long_retry_after_gives_up_at_once() {
    let server =
        TestServer::start(vec![Reply::json(429, "{}").header("retry-after", "120"), Reply::json(200, "{}")]).await;
    let client = client_for(&server);
    let started = Instant::now();
    let err = get_agent(&client, "x").await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(err.kind(), Some(ErrorKind::RateLimited));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(120)));
    assert_eq!(server.request_count(), 1);
}

#[tokio::test]
async fn server_errors_exhaust_the_retries() {
    let server = TestServer::start(vec![
        Reply::json(503, r#"{"detail": "maintenance"}"#),
        Reply::json(503, r#"{"detail": "maintenance"}"#),
        Reply::json(503, r#"{"detail": "maintenance"}"#).header("x-amzn-requestid", "amz-3"),
        Reply::json(200, "{}"),
    ])
    .await;
    let client = client_for(&server);
    let err = get_agent(&client, "x").retry_policy(fast_retries(2)).await.unwrap_err();
    assert_eq!(server.request_count(), 3);
    assert_eq!(err.status(), Some(503));
    assert_eq!(err.kind(), Some(ErrorKind::Server));
    assert_eq!(err.message(), Some("maintenance"));
    assert_eq!(err.request_id(), Some("amz-3"));
    assert!(err.is_retryable());
    assert_eq!(err.endpoint(), Some("agent.get"));
}

#[tokio::test]
async fn per_request_policy_overrides_the_client() {
    let server = TestServer::start(vec![Reply::status(503), Reply::json(200, "{}")]).await;
    let client = client_for(&server);
    let err = get_agent(&client, "x").retry_policy(RetryPolicy::none()).await.unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(server.request_count(), 1);
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let server =
        TestServer::start(vec![Reply::json(404, r#"{"detail": "Agent not found"}"#), Reply::json(200, "{}")]).await;
    let err = get_agent(&client_for(&server), "x").await.unwrap_err();
    assert_eq!(err.kind(), Some(ErrorKind::NotFound));
    assert_eq!(server.request_count(), 1);
}

#[tokio::test]
async fn safe_requests_retry_after_dropped_connections_and_timeouts() {
    let server = TestServer::start(vec![
        Reply::close(),
        Reply::json(200, "{}").delay(Duration::from_secs(3)),
        Reply::json(200, r#"{"ok": true}"#),
    ])
    .await;
    let client = client_for(&server);
    let out = get_agent(&client, "x").timeout(Duration::from_millis(300)).await.unwrap();
    assert_eq!(out["ok"], true);
    assert_eq!(server.request_count(), 3);
}

#[tokio::test]
async fn unsafe_post_is_sent_once_on_server_error() {
    let server = TestServer::start(vec![
        Reply::json(500, r#"{"detail": "upstream telephony error"}"#),
        Reply::json(200, r#"{"call_id": "c1"}"#),
    ])
    .await;
    let client = client_for(&server);
    let err = initiate(&client).await.unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert!(!err.is_retryable());
    assert!(err.to_string().contains("check before sending it again"), "{err}");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(server.request_count(), 1);
    let r = &server.requests()[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.header("content-type"), Some("application/json"));
    let sent: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(sent["mobile_number"], "+15550100");
}

#[tokio::test]
async fn unsafe_post_is_sent_once_when_the_connection_drops() {
    let server = TestServer::start(vec![Reply::close(), Reply::json(200, r#"{"call_id": "c1"}"#)]).await;
    let client = client_for(&server);
    let err = initiate(&client).await.unwrap_err();
    assert!(err.is_connection(), "{err}");
    assert!(!err.is_not_sent(), "{err}");
    assert!(!err.is_retryable());
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(server.request_count(), 1);
}

#[tokio::test]
async fn unsafe_post_is_sent_once_on_timeout() {
    let server = TestServer::start(vec![
        Reply::json(200, r#"{"call_id": "c1"}"#).delay(Duration::from_secs(2)),
        Reply::json(200, r#"{"call_id": "c2"}"#),
    ])
    .await;
    let client = client_for(&server);
    let err = initiate(&client).timeout(Duration::from_millis(200)).await.unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert!(!err.is_retryable());
    assert!(err.to_string().contains("timed out after 200ms"), "{err}");
    assert_eq!(server.wait_for(1, Duration::from_secs(2)).await, 1);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(server.request_count(), 1);
}

#[tokio::test]
async fn unsafe_post_is_retried_on_rate_limit() {
    let server = TestServer::start(vec![
        Reply::json(429, "{}").header("retry-after", "0"),
        Reply::json(200, r#"{"call_id": "c9"}"#),
    ])
    .await;
    let out = initiate(&client_for(&server)).await.unwrap();
    assert_eq!(out.call_id, "c9");
    assert_eq!(server.request_count(), 2);
}

#[tokio::test]
async fn unsafe_post_to_a_closed_port_is_retried() {
    // A port with nothing listening: connecting is refused, so nothing was sent.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let client = Client::builder()
        .api_key(KEY)
        .base_url(format!("http://127.0.0.1:{port}"))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let err = initiate(&client).await.unwrap_err();
    assert!(err.is_connection() && err.is_not_sent(), "{err}");
    assert!(err.is_retryable(), "a refused connection is safe to retry: {err}");
    assert!(err.to_string().contains("the request was not sent"), "{err}");

    // With retries, the request goes through once the server comes up.
    let client = Client::builder()
        .api_key(KEY)
        .base_url(format!("http://127.0.0.1:{port}"))
        .retry_policy(
            RetryPolicy::default()
                .max_retries(20)
                .initial_backoff(Duration::from_millis(200))
                .max_backoff(Duration::from_millis(200)),
        )
        .build()
        .unwrap();
    let call = tokio::spawn(async move { initiate(&client).await });
    tokio::time::sleep(Duration::from_millis(150)).await;
    let server = TestServer::start_on(port, vec![Reply::json(200, r#"{"call_id": "late"}"#)]).await;
    let out = tokio::time::timeout(Duration::from_secs(10), call).await.expect("bounded").unwrap().unwrap();
    assert_eq!(out.call_id, "late");
    assert_eq!(server.request_count(), 1);
}

// ---------------------------------------------------------------------------------------
// Responses and errors.

#[tokio::test]
async fn malformed_json_is_a_decode_error_with_path() {
    let server = TestServer::start(vec![
        Reply::json(200, r#"{"calls": [{"id": "a"}], "total": {"bad": true}}"#),
        Reply::json(200, r#"{"calls": [1, 2"#),
    ])
    .await;
    let client = client_for(&server);
    let err = history(&client, None, None).await.unwrap_err();
    assert!(err.is_decode(), "{err}");
    assert_eq!(err.decode_path(), Some("total"));
    assert!(err.body_snippet().unwrap().contains("\"bad\""), "{err}");
    assert!(err.to_string().contains("calling.history"), "{err}");
    let err = history(&client, None, None).await.unwrap_err();
    assert!(err.is_decode(), "{err}");
    assert_eq!(server.request_count(), 2, "decode errors are not retried");
}

#[tokio::test]
async fn html_error_page_keeps_a_snippet() {
    let page = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1>\
                <hr>nginx</body></html>";
    let server =
        TestServer::start(vec![Reply::status(502).header("content-type", "text/html").body(page.as_bytes().to_vec())])
            .await;
    let err = get_agent(&client_for(&server), "x").retry_policy(RetryPolicy::none()).await.unwrap_err();
    assert_eq!(err.kind(), Some(ErrorKind::Server));
    assert_eq!(err.body_snippet(), Some("502 Bad Gateway"));
    assert_eq!(err.message(), Some("502 Bad Gateway"));
    assert!(err.to_string().starts_with("502 Bad Gateway from agent.get: 502 Bad Gateway"), "{err}");
}

#[tokio::test]
async fn error_body_shapes_through_the_wire() {
    let shapes = [
        (400, r#"{"detail": "Voice does not match language"}"#, "Voice does not match language", None),
        (413, r#"{"detail": {"code": "FILE_TOO_LARGE", "message": "Too big"}}"#, "Too big", Some("FILE_TOO_LARGE")),
        (
            401,
            r#"{"error": {"code": "unauthorized", "message": "Invalid API key"}}"#,
            "Invalid API key",
            Some("unauthorized"),
        ),
        (402, r#"{"message": "Insufficient credits"}"#, "Insufficient credits", None),
        (
            422,
            r#"{"detail": [{"loc": ["body", "from_numbers"], "msg": "Field required"}]}"#,
            "body.from_numbers: Field required",
            None,
        ),
        (403, "Forbidden", "Forbidden", None),
    ];
    let script =
        shapes.iter().map(|(status, body, _, _)| Reply::json(*status, body).header("request-id", "rid")).collect();
    let server = TestServer::start(script).await;
    let client = client_for(&server);
    for (status, _, message, code) in shapes {
        let err = get_agent(&client, "x").await.unwrap_err();
        assert_eq!(err.status(), Some(status));
        assert_eq!(err.kind(), Some(ErrorKind::from_status(status)));
        assert_eq!(err.message(), Some(message));
        assert_eq!(err.code(), code);
        assert_eq!(err.request_id(), Some("rid"));
    }
    assert_eq!(server.request_count(), shapes.len());
}

#[tokio::test]
async fn empty_bodies() {
    let server =
        TestServer::start(vec![Reply::status(204), Reply::json(200, r#"{"message": "deleted"}"#), Reply::status(200)])
            .await;
    let client = client_for(&server);
    let delete = |id: &str| Request::new(client.clone(), DeleteAgent { agent_id: id.to_owned() });
    delete("a").await.unwrap();
    delete("b").await.unwrap();
    // An empty body where JSON is expected decodes as `null`.
    let value = get_agent(&client, "c").await.unwrap();
    assert_eq!(value, serde_json::Value::Null);
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/agent/a", "/agent/b", "/agent/c"]);
}

#[tokio::test]
async fn slow_body_times_out() {
    let server = TestServer::start(vec![
        Reply::json(200, &format!(r#"{{"pad": "{}"}}"#, "x".repeat(400))).trickle(10, Duration::from_millis(50)),
    ])
    .await;
    let err = get_agent(&client_for(&server), "x")
        .timeout(Duration::from_millis(300))
        .retry_policy(RetryPolicy::none())
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err}");
}

// ---------------------------------------------------------------------------------------
// Pagination.

fn page_body(range: std::ops::Range<u32>, total: &str) -> String {
    let calls: Vec<String> = range.map(|i| format!(r#"{{"id": "c{i}"}}"#)).collect();
    format!(r#"{{"calls": [{}], "total": {total}}}"#, calls.join(","))
}

fn ids(items: &[serde_json::Value]) -> Vec<String> {
    items.iter().map(|c| c["id"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn pagination_stops_on_a_short_page() {
    let server =
        TestServer::start(vec![Reply::json(200, &page_body(0..2, "null")), Reply::json(200, &page_body(2..3, "null"))])
            .await;
    let items = history(&client_for(&server), Some(2), None).stream().collect_all().await.unwrap();
    assert_eq!(ids(&items), ["c0", "c1", "c2"]);
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].query_one("limit"), Some("2"));
    assert_eq!(requests[0].query_one("offset"), Some("0"));
    assert_eq!(requests[1].query_one("offset"), Some("2"));
    assert_eq!(requests[1].query_one("status"), Some("completed"));
}

#[tokio::test]
async fn pagination_stops_at_total() {
    let server = TestServer::start(vec![
        Reply::json(200, &page_body(10..12, "14")),
        Reply::json(200, &page_body(12..14, "14")),
        Reply::json(200, &page_body(14..16, "14")),
    ])
    .await;
    let mut pages = history(&client_for(&server), Some(2), Some(10)).stream();
    let mut seen = Vec::new();
    while let Some(call) = pages.try_next().await.unwrap() {
        seen.push(call);
    }
    assert_eq!(ids(&seen), ["c10", "c11", "c12", "c13"]);
    assert_eq!(pages.total(), Some(14));
    assert_eq!(pages.pages_fetched(), 2);
    assert_eq!(server.request_count(), 2);
    assert_eq!(server.requests()[0].query_one("offset"), Some("10"));
}

#[tokio::test]
async fn pagination_with_unknown_total_stops_on_an_empty_page() {
    let server = TestServer::start(vec![
        Reply::json(200, &page_body(0..2, r#""many""#)),
        Reply::json(200, &page_body(2..4, r#""many""#)),
        Reply::json(200, &page_body(0..0, r#""many""#)),
        Reply::json(200, &page_body(0..2, r#""many""#)),
    ])
    .await;
    let mut stream = history(&client_for(&server), Some(2), None).stream();
    // Through the `Stream` implementation.
    let mut seen = Vec::new();
    while let Some(item) =
        std::future::poll_fn(|cx| futures_core::Stream::poll_next(std::pin::Pin::new(&mut stream), cx)).await
    {
        seen.push(item.unwrap());
    }
    assert_eq!(ids(&seen), ["c0", "c1", "c2", "c3"]);
    assert_eq!(stream.total(), None);
    assert_eq!(server.request_count(), 3);
}

#[tokio::test]
async fn pagination_page_size_defaults_and_clamps() {
    let api = &crate::API;
    let server = TestServer::start(vec![
        Reply::json(200, &page_body(0..0, "0")),
        Reply::json(200, &page_body(0..0, "0")),
        Reply::json(200, &page_body(0..0, "0")),
    ])
    .await;
    let client = client_for(&server);
    for limit in [None, Some(u32::MAX), Some(0)] {
        assert!(history(&client, limit, None).stream().collect_all().await.unwrap().is_empty());
    }
    let limits: Vec<String> = server.requests().iter().map(|r| r.query_one("limit").unwrap().to_owned()).collect();
    assert_eq!(
        limits,
        [api.default_page_size.clamp(1, api.max_page_size).to_string(), api.max_page_size.to_string(), "1".to_owned()]
    );
}

#[tokio::test]
async fn pagination_ends_after_an_error() {
    let server = TestServer::start(vec![
        Reply::json(200, &page_body(0..2, "null")),
        Reply::json(400, r#"{"detail": "bad offset"}"#),
        Reply::json(200, &page_body(2..4, "null")),
    ])
    .await;
    let mut stream = history(&client_for(&server), Some(2), None).stream();
    assert!(stream.try_next().await.unwrap().is_some());
    assert!(stream.try_next().await.unwrap().is_some());
    let err = stream.try_next().await.unwrap_err();
    assert_eq!(err.message(), Some("bad offset"));
    assert!(stream.try_next().await.unwrap().is_none());
    assert_eq!(server.request_count(), 2);
}

// ---------------------------------------------------------------------------------------
// Uploads and downloads.

#[tokio::test]
async fn multipart_parts_from_path_and_bytes_reach_the_server() {
    let path = temp_path("contacts.csv");
    std::fs::write(&path, "name,mobile_number\nAda,+15550100\n").unwrap();
    let server = TestServer::start(vec![Reply::status(503), Reply::json(200, r#"{"list_id": "l1"}"#)]).await;
    let op = SaveCampaign {
        name: "March".into(),
        variables: serde_json::json!({"callee_name": "name"}),
        csv_file: Upload::from_path(&path),
        extra: Some(Upload::from_bytes(&b"%PDF-1.4 bytes"[..], "notes.pdf")),
    };
    let out = Request::new(client_for(&server), op).await.unwrap();
    assert_eq!(out["list_id"], "l1");
    let requests = server.requests();
    // Retried after 503: the file is reopened and sent again.
    assert_eq!(requests.len(), 2);
    for r in &requests {
        let content_type = r.header("content-type").unwrap();
        assert!(content_type.starts_with("multipart/form-data; boundary="), "{content_type}");
        let body = String::from_utf8_lossy(&r.body);
        assert!(body.contains("name=\"name\"\r\n\r\nMarch\r\n"), "{body}");
        assert!(body.contains("name=\"variables_map\"\r\n\r\n{\"callee_name\":\"name\"}\r\n"), "{body}");
        let file_name = path.file_name().unwrap().to_string_lossy();
        assert!(body.contains(&format!("name=\"csv_file\"; filename=\"{file_name}\"")), "{body}");
        assert!(body.contains("Content-Type: text/csv\r\n\r\nname,mobile_number\nAda,+15550100\n"), "{body}");
        assert!(
            body.contains("filename=\"notes.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4 bytes"),
            "{body}"
        );
    }
    std::fs::remove_file(&path).unwrap();
}

#[tokio::test]
async fn reader_uploads_are_never_retried() {
    let server = TestServer::start(vec![Reply::status(503), Reply::json(200, "{}")]).await;
    let op = SaveCampaign {
        name: "March".into(),
        variables: serde_json::json!({}),
        csv_file: Upload::from_reader(&b"a,b\n1,2\n"[..], "list.csv"),
        extra: None,
    };
    let err = Request::new(client_for(&server), op).await.unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(server.request_count(), 1);
    assert!(String::from_utf8_lossy(&server.requests()[0].body).contains("a,b\n1,2\n"));
}

#[tokio::test]
async fn missing_upload_file_is_reported_before_sending() {
    let server = TestServer::start(vec![Reply::json(200, "{}")]).await;
    let op = SaveCampaign {
        name: "March".into(),
        variables: serde_json::json!({}),
        csv_file: Upload::from_path("/nonexistent/contacts.csv"),
        extra: None,
    };
    let err = Request::new(client_for(&server), op).await.unwrap_err();
    assert!(err.is_config() && err.is_not_sent(), "{err}");
    assert!(err.to_string().contains("/nonexistent/contacts.csv"), "{err}");
    assert_eq!(server.request_count(), 0);
}

#[tokio::test]
async fn byte_stream_download_of_10_mb() {
    const SIZE: usize = 10 * 1024 * 1024;
    let data: Vec<u8> = (0..SIZE).map(|i| (i % 251) as u8).collect();
    let reply = Reply::status(200).header("content-type", "application/zip").body(data.clone());
    let server = TestServer::start(vec![reply.clone(), reply]).await;
    let client = client_for(&server);
    let download = || Request::new(client.clone(), DownloadHistory { agent_ids: vec!["a1".into(), "a2".into()] });

    let mut stream = download().await.unwrap();
    assert_eq!(stream.content_type(), Some("application/zip"));
    assert_eq!(stream.content_length(), Some(SIZE as u64));
    let (mut chunks, mut total, mut offset) = (0usize, 0usize, 0usize);
    while let Some(chunk) = stream.next_chunk().await.unwrap() {
        assert_eq!(&chunk[..], &data[offset..offset + chunk.len()]);
        offset += chunk.len();
        total += chunk.len();
        chunks += 1;
    }
    assert_eq!(total, SIZE);
    assert!(chunks > 1, "the body must arrive in chunks, not buffered whole");
    assert_eq!(stream.next_chunk().await.unwrap(), None);

    let path = temp_path("history.zip");
    let written = download().await.unwrap().save(&path).await.unwrap();
    assert_eq!(written, SIZE as u64);
    assert!(std::fs::read(&path).unwrap() == data);
    std::fs::remove_file(&path).unwrap();

    let r = &server.requests()[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.header("accept"), Some("*/*"));
    assert_eq!(r.query_all("agent_id[]"), ["a1", "a2"]);
    assert!(r.raw_query.as_deref().unwrap().contains("agent_id%5B%5D=a1"));
}

#[tokio::test]
async fn download_write_to_and_error_status() {
    let server = TestServer::start(vec![
        Reply::status(200).body(b"id,status\n1,completed\n".to_vec()),
        Reply::json(404, r#"{"detail": "no calls"}"#),
    ])
    .await;
    let client = client_for(&server);
    let op = DownloadHistory { agent_ids: vec![] };
    let mut out = Vec::new();
    let n = Request::new(client.clone(), op.clone()).await.unwrap().write_to(&mut out).await.unwrap();
    assert_eq!(n, 22);
    assert_eq!(out, b"id,status\n1,completed\n");
    let err = Request::new(client, op).await.unwrap_err();
    assert_eq!(err.message(), Some("no calls"));
}

// ---------------------------------------------------------------------------------------
// Configuration and secrets.

#[test]
fn insecure_and_invalid_base_urls_are_refused() {
    let build =
        |url: &str, insecure: bool| Client::builder().api_key(KEY).base_url(url).allow_insecure_http(insecure).build();
    for ok in [
        "https://api.example.com/ca/api/v0/",
        "http://127.0.0.1:8080",
        "http://127.1.2.3",
        "http://[::1]:9000/api",
        "http://localhost:3000",
        "http://LOCALHOST",
    ] {
        assert!(build(ok, false).is_ok(), "{ok} should be accepted");
    }
    let err = build("http://api.example.com/ca/api/v0", false).unwrap_err();
    assert!(err.is_config());
    assert!(err.to_string().contains("allow_insecure_http"), "{err}");
    assert!(build("http://api.example.com", true).is_ok());
    assert!(build("http://10.0.0.1", false).is_err());
    assert!(build("http://[::ffff:7f00:1]", false).is_err());
    assert!(build("ftp://example.com", false).is_err());
    assert!(build("not a url", false).is_err());
    assert!(build("https://example.com/api?x=1", false).is_err());
    let err = build("https://user:hunter2@example.com", false).unwrap_err();
    assert!(!err.to_string().contains("hunter2"), "{err}");
    let builder = Client::builder().base_url("https://user:hunter2@example.com");
    assert!(!format!("{builder:?}").contains("hunter2"));
    let err = Client::builder().api_key(KEY).base_url_for("nope", "https://example.com").build().unwrap_err();
    assert!(err.to_string().contains("nope") && err.to_string().contains("default"), "{err}");
    // A URL without a scheme is named, with the fix.
    let err = build("api.example.com", false).unwrap_err().to_string();
    assert!(err.contains("`api.example.com`") && err.contains("missing scheme; use https://api.example.com"), "{err}");
}

#[tokio::test]
async fn a_base_url_without_a_path_gets_the_production_path() {
    let server = TestServer::start(vec![
        Reply::json(200, r#"{"transcription": "hi"}"#),
        Reply::json(200, r#"{"transcription": "hi"}"#),
        Reply::json(200, r#"{"transcription": "hi"}"#),
    ])
    .await;
    let transcribe = || Transcribe { audio: Upload::from_bytes(&b"RIFF...."[..], "hello.wav") };
    // `files` is `https://files.example.com/v1` in production: the address alone means `/v1`.
    let client =
        Client::builder().api_config(&TEST_API).api_key(KEY).base_url_for("files", server.url()).build().unwrap();
    Request::new(client, transcribe()).await.unwrap();
    // A path given is used as given; `/` alone is the root.
    let client = Client::builder()
        .api_config(&TEST_API)
        .api_key(KEY)
        .base_url_for("files", format!("{}/", server.url()))
        .build()
        .unwrap();
    Request::new(client, transcribe()).await.unwrap();
    let client = Client::builder()
        .api_config(&TEST_API)
        .api_key(KEY)
        .base_url_for("files", format!("{}/other", server.url()))
        .build()
        .unwrap();
    Request::new(client, transcribe()).await.unwrap();
    let paths: Vec<String> = server.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(paths, ["/v1/transcriptions", "/transcriptions", "/other/transcriptions"]);
}

#[test]
fn api_key_is_required_and_validated() {
    let err = Client::builder().build().unwrap_err();
    assert!(err.is_config() && err.to_string().contains(crate::API.api_key_env), "{err}");
    assert!(Client::builder().api_key("  ").build().is_err());
    let err = Client::builder().api_key("bad\nkey-0123456789").build().unwrap_err();
    assert_no_key(&err.to_string());
    // Surrounding whitespace (a pasted newline) is ignored.
    let client = Client::builder().api_key(format!(" {KEY}\n")).build().unwrap();
    assert!(client.inner().key.header().is_sensitive());
    assert_eq!(client.inner().key.header().to_str().unwrap(), KEY);
    if std::env::var_os(crate::API.api_key_env).is_none() {
        let err = Client::from_env().unwrap_err();
        assert!(err.to_string().contains(crate::API.api_key_env), "{err}");
    }
}

#[tokio::test]
async fn the_api_key_never_leaks() {
    let echo = format!(r#"{{"detail": "Invalid API key: {KEY}", "headers": {{"x-api-key": "{KEY}"}}}}"#);
    let server = TestServer::start(vec![
        Reply::json(401, &echo),
        Reply::json(200, &format!(r#"{{"calls": "{KEY}", "total": 1}}"#)),
        Reply::status(500).body(format!("<html><title>Error for {KEY}</title></html>").into_bytes()),
        Reply::close(),
        Reply::json(200, "{}").delay(Duration::from_secs(2)),
    ])
    .await;
    let client = client_for(&server);
    let builder = Client::builder().api_key(KEY);
    let mut texts = vec![
        format!("{client:?}"),
        format!("{client:#?}"),
        format!("{builder:?}"),
        format!("{:?}", get_agent(&client, "x")),
        format!("{:?}", client.inner().key),
    ];
    let mut errors = vec![
        get_agent(&client, "x").await.unwrap_err(),
        history(&client, None, None).await.unwrap_err(),
        initiate(&client).await.unwrap_err(),
        initiate(&client).await.unwrap_err(),
        initiate(&client).timeout(Duration::from_millis(100)).await.unwrap_err(),
    ];
    let unreachable = closed_port_client();
    errors.push(get_agent(&unreachable, "x").await.unwrap_err());
    assert!(errors[0].message().unwrap().contains("[REDACTED]"));
    assert!(errors[1].is_decode() && errors[2].status() == Some(500));
    assert!(errors[3].is_connection() && errors[4].is_timeout() && errors[5].is_not_sent());
    for err in &errors {
        texts.push(err.to_string());
        texts.push(format!("{err:?}"));
        texts.push(format!("{err:#?}"));
        let mut source = std::error::Error::source(err);
        while let Some(s) = source {
            texts.push(format!("{s} {s:?}"));
            source = s.source();
        }
    }
    for text in &texts {
        assert_no_key(text);
    }
    // The key was sent, though.
    assert!(server.requests().iter().all(|r| r.header("x-api-key") == Some(KEY)));
}

#[test]
fn query_builder() {
    let mut query = Query::new();
    assert!(query.is_empty());
    query.push("a", 1);
    query.push_opt("b", None::<u32>);
    query.push_opt("c", Some("x"));
    query.push("a", true);
    assert_eq!(query.pairs().collect::<Vec<_>>(), [("a", "1"), ("c", "x"), ("a", "true")]);
    assert_eq!(form_decode("a+b%2Bc"), "a b+c");
}

#[tokio::test]
async fn pagination_with_total_goes_past_a_capped_page() {
    // The server caps pages at 2 although 3 were asked for; its total says there is more.
    let server = TestServer::start(vec![
        Reply::json(200, &page_body(0..2, "5")),
        Reply::json(200, &page_body(2..4, "5")),
        Reply::json(200, &page_body(4..5, "5")),
    ])
    .await;
    let items = history(&client_for(&server), Some(3), None).stream().collect_all().await.unwrap();
    assert_eq!(ids(&items), ["c0", "c1", "c2", "c3", "c4"]);
    let offsets: Vec<String> = server.requests().iter().map(|r| r.query_one("offset").unwrap().to_owned()).collect();
    assert_eq!(offsets, ["0", "2", "4"]);
}

#[test]
fn public_types_are_thread_safe() {
    fn send_sync<T: Send + Sync + 'static>() {}
    fn send<T: Send + 'static>() {}
    send_sync::<Client>();
    send_sync::<Error>();
    send_sync::<RetryPolicy>();
    send_sync::<Upload>();
    send_sync::<Request<GetAgent>>();
    send::<Paginator<serde_json::Value>>();
    send::<ByteStream>();
    send::<<Request<GetAgent> as std::future::IntoFuture>::IntoFuture>();
    assert!(std::mem::size_of::<Error>() <= 16);
}

/// Records every span and event field as `name=value` text.
#[derive(Default, Clone)]
struct CaptureSubscriber {
    lines: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    next_id: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

struct FieldText(String);

impl tracing::field::Visit for FieldText {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.push_str(&format!(" {}={:?}", field.name(), value));
    }
}

impl tracing::Subscriber for CaptureSubscriber {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let mut text = FieldText(format!("span {}:", span.metadata().name()));
        span.record(&mut text);
        self.lines.lock().unwrap().push(text.0);
        let id = self.next_id.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        tracing::span::Id::from_u64(id)
    }
    fn record(&self, _: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        let mut text = FieldText("record:".to_owned());
        values.record(&mut text);
        self.lines.lock().unwrap().push(text.0);
    }
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut text = FieldText(format!("event {}:", event.metadata().level()));
        event.record(&mut text);
        self.lines.lock().unwrap().push(text.0);
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[tokio::test]
async fn tracing_spans_carry_the_template_and_no_secret() {
    let subscriber = CaptureSubscriber::default();
    let lines = subscriber.lines.clone();
    let _guard = tracing::subscriber::set_default(subscriber);
    let server =
        TestServer::start(vec![Reply::json(503, &format!(r#"{{"detail": "down {KEY}"}}"#)), Reply::json(200, "{}")])
            .await;
    get_agent(&client_for(&server), "secret-id-42").await.unwrap();
    let lines = lines.lock().unwrap().clone();
    let text = lines.join("\n");
    assert_no_key(&text);
    assert!(!text.contains("secret-id-42"), "the filled path must not be traced:\n{text}");
    assert!(
        text.contains(r#"span request: endpoint="agent.get" method=GET path="/agent/{agent_id}" attempt=1"#),
        "{text}"
    );
    assert!(text.contains("attempt=2"), "{text}");
    assert!(text.contains("record: status=503") && text.contains("record: status=200"), "{text}");
    assert!(text.contains("latency_ms="), "{text}");
    assert!(text.contains("retrying"), "{text}");
}

#[tokio::test]
async fn tls_handshake_failure_counts_as_not_sent() {
    // A plain-HTTP server behind an https:// URL: the TLS handshake (ring provider,
    // platform verifier) fails, so the request was certainly not sent.
    let server = TestServer::start(vec![]).await;
    let client = Client::builder()
        .api_key(KEY)
        .base_url(server.url().replace("http://", "https://"))
        .retry_policy(RetryPolicy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let err = initiate(&client).await.unwrap_err();
    assert!(err.is_connection() && err.is_not_sent(), "{err}");
    assert!(err.is_retryable(), "{err}");
    assert_eq!(server.request_count(), 0);
}

// ---------------------------------------------------------------------------------------
// Base URLs: a client pointed elsewhere never reaches production by accident.

#[tokio::test]
async fn a_changed_base_url_leaves_the_others_unset_and_nothing_is_sent() {
    let server = TestServer::start(vec![Reply::json(200, r#"{"transcription": "hi"}"#)]).await;
    // Only the default base is pointed at the local server; `files` is not set.
    let client = Client::builder().api_config(&TEST_API).api_key(KEY).base_url(server.url()).build().unwrap();
    let op = Transcribe { audio: Upload::from_bytes(&b"RIFF...."[..], "hello.wav") };
    let err = Request::new(client, op).await.unwrap_err();
    assert_eq!(err.outcome(), Outcome::NotSent);
    assert!(err.is_config(), "{err}");
    let text = err.to_string();
    assert!(text.contains("`files` base URL is not set"), "{text}");
    assert!(!text.contains("  "), "a message has no runs of spaces: {text}");
    assert!(text.contains(&super::client::base_url_env_var("files")), "{text}");
    assert!(server.requests().is_empty(), "nothing was sent anywhere");
    assert_no_key(&text);
}

#[tokio::test]
async fn a_base_url_set_explicitly_is_used_even_when_others_changed() {
    let server = TestServer::start(vec![Reply::json(200, r#"{"transcription": "hi"}"#)]).await;
    let client = Client::builder()
        .api_config(&TEST_API)
        .api_key(KEY)
        .base_url_for("files", format!("{}/files/v1", server.url()))
        .build()
        .unwrap();
    let op = Transcribe { audio: Upload::from_bytes(&b"RIFF...."[..], "hello.wav") };
    Request::new(client.clone(), op).await.unwrap();
    assert_eq!(server.requests()[0].path, "/files/v1/transcriptions");
    // The default base was not set, so it is refused too.
    let err = get_agent(&client, "a").await.unwrap_err();
    assert_eq!(err.outcome(), Outcome::NotSent);
    assert!(err.to_string().contains("`default` base URL is not set"), "{err}");
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn without_overrides_every_base_keeps_its_production_url() {
    let client = Client::builder().api_key(KEY).build().unwrap();
    for (name, url) in crate::API.base_urls {
        let (got, _) = client.inner().base_url(name).unwrap();
        assert_eq!(got, url.trim_end_matches('/'));
    }
}

#[test]
fn the_environment_sets_the_key_and_each_base_url() {
    let vars = |pairs: Vec<(String, &'static str)>| {
        move |name: &str| {
            pairs.iter().find(|(n, _)| n == name).map(|(_, v)| (*v).to_owned()).ok_or(std::env::VarError::NotPresent)
        }
    };
    let key_var = crate::API.api_key_env.to_string();
    let base_var = crate::API.base_url_env.to_string();
    // Another base than `default`, when the API has one.
    let other = crate::API.base_urls.iter().map(|(n, _)| *n).find(|n| *n != "default");

    let client =
        Client::builder_from(vars(vec![(key_var.clone(), KEY), (base_var.clone(), "http://127.0.0.1:9/ca/api/v0")]))
            .unwrap()
            .build()
            .unwrap();
    assert_eq!(client.inner().base_url("default").unwrap().0, "http://127.0.0.1:9/ca/api/v0");
    if let Some(other) = other {
        assert!(client.inner().base_url(other).is_err(), "{other} is unset once default changed");

        let client = Client::builder_from(vars(vec![
            (key_var.clone(), KEY),
            (base_var.clone(), "http://127.0.0.1:9/ca"),
            (super::client::base_url_env_var(other), "http://127.0.0.1:9/other"),
        ]))
        .unwrap()
        .build()
        .unwrap();
        assert_eq!(client.inner().base_url(other).unwrap().0, "http://127.0.0.1:9/other");
    }

    // An empty variable counts as unset.
    let client = Client::builder_from(vars(vec![(key_var.clone(), KEY), (base_var, " ")])).unwrap().build().unwrap();
    assert!(client.inner().base_url("default").unwrap().0.starts_with("https://"));

    let err = Client::builder_from(vars(Vec::new())).unwrap_err();
    assert!(err.to_string().contains(&format!("{key_var} is not set")), "{err}");
}

// ---------------------------------------------------------------------------------------
// Outcome: was the request sent, rejected, accepted, or is it unknown?

#[tokio::test]
async fn outcome_tells_not_sent_rejected_unknown_and_accepted_apart() {
    let server = TestServer::start(vec![
        Reply::json(422, r#"{"detail": "bad number"}"#),
        Reply::json(429, r#"{"detail": "slow down"}"#),
        Reply::json(503, r#"{"detail": "down"}"#),
        Reply::json(200, r#"{"unexpected": true}"#),
    ])
    .await;
    let client =
        Client::builder().api_key(KEY).base_url(server.url()).retry_policy(RetryPolicy::none()).build().unwrap();
    let rejected = initiate(&client).await.unwrap_err();
    assert_eq!(rejected.outcome(), Outcome::Rejected);
    let limited = initiate(&client).await.unwrap_err();
    assert_eq!(limited.outcome(), Outcome::Rejected);
    let failed = initiate(&client).await.unwrap_err();
    assert_eq!(failed.outcome(), Outcome::Unknown);
    let unreadable = initiate(&client).await.unwrap_err();
    assert!(unreadable.is_decode());
    assert_eq!(unreadable.outcome(), Outcome::Accepted);

    let dropped = TestServer::start(vec![Reply::close()]).await;
    let client =
        Client::builder().api_key(KEY).base_url(dropped.url()).retry_policy(RetryPolicy::none()).build().unwrap();
    let err = initiate(&client).await.unwrap_err();
    assert_eq!(err.outcome(), Outcome::Unknown, "{err}");

    let unreachable = closed_port_client();
    let err = initiate(&unreachable).await.unwrap_err();
    assert_eq!(err.outcome(), Outcome::NotSent, "{err}");
}

// The blocking client's tests use the operations and helpers above.
#[cfg(feature = "blocking")]
#[path = "blocking_tests.rs"]
mod blocking;
