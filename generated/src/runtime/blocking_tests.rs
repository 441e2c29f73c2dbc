//! The blocking client against the scripted loopback server: the async runtime's fault
//! matrix again, through `send()`, `iter()` and `std::io::Read`, and use from inside an async
//! runtime. The server runs on a runtime owned by each test, so the test thread can block.

use std::io::Read;

use super::*;
use crate::runtime::blocking::{Blocking, BlockingDownload, Client as BlockingClient};

fn serve(script: Vec<Reply>) -> (tokio::runtime::Runtime, TestServer) {
    TestServer::start_on_own_runtime(script)
}

fn blocking_for(server: &TestServer) -> BlockingClient {
    BlockingClient::from_async(client_for(server)).expect("blocking client")
}

fn get_agent_blocking(client: &BlockingClient, id: &str) -> Request<GetAgent, Blocking> {
    client.adopt(get_agent(client.async_client(), id))
}

fn initiate_blocking(client: &BlockingClient) -> Request<InitiateCall, Blocking> {
    client.adopt(initiate(client.async_client()))
}

#[test]
fn send_returns_the_decoded_result() {
    let (_rt, server) = serve(vec![Reply::json(200, r#"{"id": "a/1"}"#)]);
    let client = blocking_for(&server);
    let agent = get_agent_blocking(&client, "a/1").send().unwrap();
    assert_eq!(agent["id"], "a/1");
    let r = &server.requests()[0];
    assert_eq!(r.path, "/agent/a%2F1");
    assert_eq!(r.header("x-api-key"), Some(KEY));
    assert_no_key(&format!("{client:?}"));
}

#[test]
fn rate_limited_then_ok_honours_retry_after() {
    let (_rt, server) = serve(vec![
        Reply::json(429, r#"{"detail": "Too many requests"}"#).header("retry-after", "1"),
        Reply::json(200, r#"{"id": "x"}"#),
    ]);
    let client = blocking_for(&server);
    let started = Instant::now();
    let agent = get_agent_blocking(&client, "x").send().unwrap();
    assert_eq!(agent["id"], "x");
    assert_eq!(server.request_count(), 2);
    assert!(started.elapsed() >= Duration::from_secs(1), "Retry-After not honoured");
}

#[test]
fn server_errors_are_retried_for_safe_requests_only() {
    let (_rt, server) = serve(vec![Reply::status(503), Reply::status(503), Reply::json(200, r#"{"id": "x"}"#)]);
    let agent = get_agent_blocking(&blocking_for(&server), "x").send().unwrap();
    assert_eq!(agent["id"], "x");
    assert_eq!(server.request_count(), 3);

    let (_rt, server) = serve(vec![Reply::status(503), Reply::json(200, r#"{"call_id": "c1"}"#)]);
    let err = initiate_blocking(&blocking_for(&server)).send().unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert!(!err.is_retryable());
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(server.request_count(), 1, "a call-placing POST was sent twice");
}

#[test]
fn a_drop_after_send_is_retried_only_when_safe() {
    let (_rt, server) = serve(vec![Reply::close(), Reply::json(200, r#"{"id": "x"}"#)]);
    let agent = get_agent_blocking(&blocking_for(&server), "x").send().unwrap();
    assert_eq!(agent["id"], "x");
    assert_eq!(server.request_count(), 2);

    let (_rt, server) = serve(vec![Reply::close(), Reply::json(200, r#"{"call_id": "c1"}"#)]);
    let err = initiate_blocking(&blocking_for(&server)).send().unwrap_err();
    assert!(err.is_connection(), "{err}");
    assert!(!err.is_not_sent(), "{err}");
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(server.request_count(), 1, "a call-placing POST was sent twice");
}

#[test]
fn a_call_placing_post_that_times_out_is_sent_exactly_once() {
    let (rt, server) = serve(vec![
        Reply::json(200, r#"{"call_id": "c1"}"#).delay(Duration::from_secs(2)),
        Reply::json(200, r#"{"call_id": "c2"}"#),
    ]);
    let err = initiate_blocking(&blocking_for(&server))
        .timeout(Duration::from_millis(200))
        .retry_policy(fast_retries(3))
        .send()
        .unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert!(!err.is_retryable());
    assert_eq!(rt.block_on(server.wait_for(1, Duration::from_secs(2))), 1);
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(server.request_count(), 1);
}

#[test]
fn a_call_placing_post_is_retried_on_rate_limit() {
    let (_rt, server) =
        serve(vec![Reply::json(429, "{}").header("retry-after", "0"), Reply::json(200, r#"{"call_id": "c9"}"#)]);
    let out = initiate_blocking(&blocking_for(&server)).send().unwrap();
    assert_eq!(out.call_id, "c9");
    assert_eq!(server.request_count(), 2);
}

#[test]
fn pages_iterate_lazily() {
    let (_rt, server) = serve(vec![Reply::json(200, &page_body(0..2, "3")), Reply::json(200, &page_body(2..3, "3"))]);
    let client = blocking_for(&server);
    let mut items = client.adopt(history(client.async_client(), Some(2), None)).iter();
    let first = items.next().unwrap().unwrap();
    assert_eq!(first["id"], "c0");
    assert_eq!(items.pages_fetched(), 1);
    let rest: Vec<serde_json::Value> = items.by_ref().take(10).map(Result::unwrap).collect();
    assert_eq!(ids(&rest), ["c1", "c2"]);
    assert_eq!(items.total(), Some(3));
    assert!(items.next().is_none());
    let offsets: Vec<String> =
        server.requests().iter().map(|r| r.query_one("offset").unwrap_or_default().to_owned()).collect();
    assert_eq!(offsets, ["0", "2"]);
}

#[test]
fn an_error_ends_the_iterator() {
    let (_rt, server) =
        serve(vec![Reply::json(200, &page_body(0..2, "5")), Reply::json(400, r#"{"detail": "bad offset"}"#)]);
    let client = blocking_for(&server);
    let items = client.adopt(history(client.async_client(), Some(2), None)).iter();
    let results: Vec<Result<serde_json::Value, Error>> = items.take(10).collect();
    assert_eq!(results.len(), 3);
    assert_eq!(results[2].as_ref().unwrap_err().status(), Some(400));
}

#[test]
fn downloads_read_through_std_io() {
    let data: Vec<u8> = (0..300_000).map(|i| (i % 251) as u8).collect();
    let reply = Reply::status(200).header("content-type", "application/zip").body(data.clone());
    let (_rt, server) = serve(vec![reply.clone(), reply, Reply::json(404, "{}")]);
    let client = blocking_for(&server);
    let download = || -> Request<DownloadHistory, BlockingDownload> {
        let request = Request::new(client.async_client().clone(), DownloadHistory { agent_ids: vec![] });
        client.adopt_download(request)
    };
    let mut body = download().send().unwrap();
    assert_eq!(body.content_type(), Some("application/zip"));
    assert_eq!(body.content_length(), Some(data.len() as u64));
    let mut small = [0u8; 7];
    body.read_exact(&mut small).unwrap();
    assert_eq!(small[..], data[..7]);
    let mut rest = Vec::new();
    body.read_to_end(&mut rest).unwrap();
    assert_eq!(rest[..], data[7..]);

    let path = temp_path("blocking.zip");
    assert_eq!(download().send().unwrap().save(&path).unwrap(), data.len() as u64);
    assert!(std::fs::read(&path).unwrap() == data);
    std::fs::remove_file(&path).unwrap();
    assert_eq!(download().send().unwrap_err().status(), Some(404));
}

/// Called from inside an async runtime, the blocking client neither panics nor deadlocks:
/// the request runs on the client's own thread while this one waits. Dropping the client
/// there is fine too.
#[tokio::test]
async fn works_inside_an_async_runtime() {
    // The server's runtime is started and dropped on other threads: a runtime may not be
    // entered or dropped inside another.
    let script = vec![Reply::json(200, r#"{"id": "x"}"#)];
    let (server_rt, server) = std::thread::spawn(move || serve(script)).join().unwrap();
    let client = blocking_for(&server);
    let agent = get_agent_blocking(&client, "x").send().unwrap();
    assert_eq!(agent["id"], "x");
    drop(client);
    let built = BlockingClient::builder().api_key(KEY).base_url(server.url()).build();
    drop(built.expect("builds inside a runtime"));
    std::thread::spawn(move || drop(server_rt)).join().unwrap();
}

#[test]
fn the_blocking_builder_builds_a_blocking_client() {
    let (_rt, server) = serve(vec![Reply::json(200, r#"{"id": "x"}"#)]);
    // `build` on the blocking client's builder gives the blocking client, as in reqwest.
    let client: BlockingClient = BlockingClient::builder().api_key(KEY).base_url(server.url()).build().unwrap();
    let agent = get_agent_blocking(&client, "x").send().unwrap();
    assert_eq!(agent["id"], "x");
    assert!(!format!("{:?}", BlockingClient::builder().api_key(KEY)).contains(KEY));
}

#[test]
fn inputs_are_checked_the_same_way() {
    let (_rt, server) = serve(vec![]);
    let client = blocking_for(&server);
    let err = get_agent_blocking(&client, "..").send().unwrap_err();
    assert!(err.is_not_sent(), "{err}");
    assert_eq!(server.request_count(), 0);
}
