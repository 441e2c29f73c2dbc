//! The HTTP side: a hyper 1 HTTP/1.1 server on 127.0.0.1 whose every request goes through
//! routing, fault injection, authentication, size limits, validation against the spec and
//! then the handler, in that order. Nothing a client sends can make it panic or answer 5xx
//! (5xx only comes from an injected fault).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::{Map, Value, json};
use tokio::net::TcpListener;

use crate::fallback::BEHAVIOUR_HEADER;
use crate::http::{error_response, guarded, json_response, problems, read_body, unauthorized};
use crate::multipart::Part;
use crate::reply::{ApiError, Reply, Req, document, err, resolve};
use crate::routes::{BodyKind, Lookup, lookup, query_pairs};
use crate::shared::Shared;
use crate::spec::Operation;
use crate::staging::Fault;
use crate::validate::{Problem, check};

/// Serves until `stop` resolves.
pub(crate) async fn serve(listener: TcpListener, shared: Arc<Shared>, mut stop: tokio::sync::oneshot::Receiver<()>) {
    loop {
        tokio::select! {
            _ = &mut stop => return,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                let shared = shared.clone();
                let header_read_timeout = shared.limits.header_read_timeout;
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| respond(shared.clone(), req));
                    // A client that does not finish a request head in time is disconnected.
                    let _ = hyper::server::conn::http1::Builder::new()
                        .timer(TokioTimer::new())
                        .header_read_timeout(header_read_timeout)
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        }
    }
}

/// An injected connection drop: returning an error makes hyper close the connection without
/// answering.
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by an injected fault")
    }
}

impl std::error::Error for Dropped {}

async fn respond(shared: Arc<Shared>, req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Dropped> {
    // The control API (`/__emulator/`) is not the API: no faults, not counted.
    if req
        .uri()
        .path()
        .strip_prefix(crate::control::PREFIX)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    {
        return Ok(crate::control::respond(shared, req).await);
    }
    shared.served.fetch_add(1, Ordering::Relaxed);
    let method = req.method().as_str().to_string();
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let m = match lookup(crate::spec::BASE_PATHS, crate::spec::ROUTES, &method, &path) {
        Lookup::Found(m) => m,
        Lookup::WrongMethod(allowed) => {
            let mut r = error_response(err(405, "Method Not Allowed"));
            if let Ok(v) = hyper::header::HeaderValue::from_str(&allowed.join(", ")) {
                r.headers_mut().insert(hyper::header::ALLOW, v);
            }
            return Ok(r);
        }
        Lookup::NotFound => return Ok(error_response(err(404, "Not Found"))),
    };
    let op = m.route.op;
    let fault = {
        let mut st = shared.lock();
        st.take_fault(op)
    };
    match fault {
        Some(Fault::RateLimited { retry_after }) => {
            let mut r = error_response(err(429, "Too many requests (injected fault)"));
            r.headers_mut().insert("retry-after", retry_after.into());
            return Ok(r);
        }
        Some(Fault::Status(code)) => {
            return Ok(error_response(err(code, format!("injected fault: status {code}"))));
        }
        Some(Fault::Stall(d)) => tokio::time::sleep(d).await,
        Some(Fault::Drop) => return Err(Dropped),
        _ => {}
    }
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let key = header(crate::spec::AUTH_HEADER);
    let content_type = header("content-type").unwrap_or_default();
    let length = header("content-length").and_then(|v| v.trim().parse::<u64>().ok());
    if let Some(r) = unauthorized(&shared, key.as_deref()) {
        return Ok(r);
    }
    let body = match read_body(&shared.limits, req.into_body(), length).await {
        Ok(b) => b,
        Err(e) => return Ok(error_response(e)),
    };
    let response = guarded(op, || answer(&shared, &m, &query, &content_type, &body.bytes));
    drop(body);
    // The request took effect; now its answer is lost as the fault says.
    match fault {
        Some(Fault::ReplyLost) => Err(Dropped),
        Some(Fault::ReplyStatus(code)) => {
            Ok(error_response(err(code, format!("injected fault: status {code} after the request was handled"))))
        }
        Some(Fault::ReplyStall(d)) => {
            tokio::time::sleep(d).await;
            Ok(response)
        }
        _ => Ok(response),
    }
}

/// Validates the request and runs its handler: everything after the body is read, with no
/// await, so that [`guarded`] covers it.
fn answer(
    shared: &Shared,
    m: &crate::routes::Matched,
    query: &str,
    content_type: &str,
    body: &Bytes,
) -> Response<Full<Bytes>> {
    let op = m.route.op;
    let behaviour = shared.behaviour(op);
    let mut response = respond_to(shared, m, behaviour, query, content_type, body);
    if behaviour.is_none() {
        response.headers_mut().insert(BEHAVIOUR_HEADER, hyper::header::HeaderValue::from_static("example"));
    }
    response
}

/// The answer of a handler, or of the spec's example where the operation has none.
fn respond_to(
    shared: &Shared,
    m: &crate::routes::Matched,
    behaviour: Option<crate::handlers::Handler>,
    query: &str,
    content_type: &str,
    body: &Bytes,
) -> Response<Full<Bytes>> {
    let op = m.route.op;
    let prepared = match prepare(op, m.route.body, query, content_type, body) {
        Ok(p) => p,
        Err(e) => return error_response(e),
    };
    let (q, json_body, files) = prepared;
    let r = Req { op, params: &m.params, query: &q, body: &json_body, files: &files };
    let result = {
        let mut st = shared.lock();
        let result = match behaviour {
            Some(handler) => handler(&mut st, &r),
            None => crate::fallback::answer(&r, m.route.response),
        };
        if m.route.method != "GET" {
            st.rev += 1;
        }
        result
    };
    match result {
        Ok(Reply::Json(v)) => {
            observe(shared, op, &v);
            json_response(200, &v)
        }
        Ok(Reply::Text(text)) => {
            if shared.check_responses || shared.record_to.is_some() {
                observe(shared, op, &serde_json::from_str(&text).unwrap_or(Value::Null));
            }
            let mut r = Response::new(Full::new(Bytes::from(text)));
            r.headers_mut().insert("content-type", hyper::header::HeaderValue::from_static("application/json"));
            r
        }
        Ok(Reply::Bytes(name, bytes)) => {
            // The spec's media type for the file.
            let ct = match m.route.response {
                crate::routes::ResponseKind::Binary(spec_type) => spec_type,
                crate::routes::ResponseKind::Json => "application/octet-stream",
            };
            let mut r = Response::new(Full::new(Bytes::from(bytes)));
            r.headers_mut().insert("content-type", hyper::header::HeaderValue::from_static(ct));
            if let Ok(v) = hyper::header::HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
                r.headers_mut().insert(hyper::header::CONTENT_DISPOSITION, v);
            }
            r
        }
        Err(e) => error_response(e),
    }
}

/// What is done with every JSON success besides sending it: checked, recorded, when asked.
fn observe(shared: &Shared, op: Operation, body: &Value) {
    if shared.check_responses {
        conform(shared, op, body);
    }
    if let Some(path) = &shared.record_to {
        record(path, op, body);
    }
}

/// Checks a success body against the operation's response schema and records any problem.
fn conform(shared: &Shared, op: Operation, body: &Value) {
    let doc = document();
    let Some(schema) = doc.operations.get(op.name()).and_then(|o| o.get("response")) else { return };
    let mut out = Vec::new();
    check(&doc.schemas, schema, body, &mut vec![json!("response")], &mut out);
    if !out.is_empty() {
        let mut c = shared.conformance.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        c.extend(out.iter().map(|p| format!("{op}: {} at {}", p.msg, json!(p.loc))));
    }
}

/// Appends one response to the record file in a single write, so concurrent tests do not
/// interleave lines. A failure to record is reported, not fatal.
fn record(path: &str, op: Operation, body: &Value) {
    use std::io::Write as _;
    let line = format!("{}\n", json!({ "operation": op.name(), "body": body }));
    let written =
        std::fs::OpenOptions::new().create(true).append(true).open(path).and_then(|mut f| f.write_all(line.as_bytes()));
    if let Err(e) = written {
        eprintln!("ringg-emulator: cannot record a response to {path}: {e}");
    }
}

type Prepared = (Map<String, Value>, Value, HashMap<String, Vec<Part>>);

/// Types and validates the query and the body against the spec.
fn prepare(op: Operation, kind: BodyKind, query: &str, content_type: &str, body: &Bytes) -> Result<Prepared, ApiError> {
    let doc = document();
    let spec = doc.operations.get(op.name()).unwrap_or(&Value::Null);
    let mut out = Vec::new();
    let q = typed_query(&doc.schemas, spec, query, &mut out);
    let mut files = HashMap::new();
    let mime = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let value = match kind {
        BodyKind::None => Value::Null,
        BodyKind::Json(_) => {
            if mime != "application/json" {
                let got = if mime.is_empty() { "no content type".to_string() } else { format!("`{mime}`") };
                out.push(Problem::new(
                    vec![json!("body")],
                    "content_type",
                    format!("expected application/json, got {got}"),
                ));
                return Err(problems(422, out));
            }
            match serde_json::from_slice::<Value>(body) {
                Ok(v) => v,
                Err(e) => {
                    out.push(Problem::new(
                        vec![json!("body"), json!(e.column())],
                        "json_invalid",
                        format!("JSON decode error: {e}"),
                    ));
                    return Err(problems(422, out));
                }
            }
        }
        BodyKind::Multipart(schema) => {
            let Some(boundary) = crate::multipart::boundary(content_type) else {
                let got = if mime.is_empty() { "no content type".to_string() } else { format!("`{mime}`") };
                out.push(Problem::new(
                    vec![json!("body")],
                    "content_type",
                    format!("expected multipart/form-data with a boundary, got {got}"),
                ));
                return Err(problems(422, out));
            };
            let parts = crate::multipart::parse(body, &boundary)
                .map_err(|e| problems(422, vec![Problem::new(vec![json!("body")], "multipart_invalid", e)]))?;
            let v = form_json(&doc.schemas, schema, &parts, &mut out);
            for p in parts.into_iter().filter(|p| p.file_name.is_some()) {
                files.entry(p.name.clone()).or_insert_with(Vec::new).push(p);
            }
            v
        }
    };
    if let Some(schema) = spec.get("body") {
        check(&doc.schemas, schema, &value, &mut vec![json!("body")], &mut out);
    }
    crate::validate::limits(&value, &mut vec![json!("body")], &mut out);
    if out.is_empty()
        && matches!(kind, BodyKind::Json(_))
        && let Err(p) = crate::spec::decode(op, &value)
    {
        out.push(p);
    }
    if out.is_empty() { Ok((q, value, files)) } else { Err(problems(422, out)) }
}

/// Reads a text value as the JSON its schema asks for; `None` when it cannot be read so.
fn typed_text(schemas: &Map<String, Value>, schema: &Value, text: &str) -> Option<Value> {
    let s = resolve(schemas, schema);
    match s.get("type").and_then(Value::as_str) {
        Some("integer") => text.trim().parse::<i64>().ok().map(Value::from),
        Some("number") => text.trim().parse::<f64>().ok().map(Value::from),
        Some("boolean") => match text.trim() {
            "true" | "True" | "1" => Some(json!(true)),
            "false" | "False" | "0" => Some(json!(false)),
            _ => None,
        },
        Some("array") | Some("object") => serde_json::from_str(text).ok(),
        _ if s.get("oneOf").is_some() || s.as_object().is_some_and(Map::is_empty) => {
            Some(serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string())))
        }
        _ => Some(Value::String(text.to_string())),
    }
}

/// The query as typed JSON, with a problem for each value that does not fit its parameter.
/// Parameters the spec does not list are ignored, as FastAPI does.
fn typed_query(schemas: &Map<String, Value>, spec: &Value, query: &str, out: &mut Vec<Problem>) -> Map<String, Value> {
    let pairs = query_pairs(query);
    let mut q = Map::new();
    for p in spec["query"].as_array().into_iter().flatten() {
        let name = p["name"].as_str().unwrap_or("");
        let schema = &p["schema"];
        let values: Vec<&str> = pairs.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect();
        let loc = vec![json!("query"), json!(name)];
        if values.is_empty() {
            if p["required"] == true {
                out.push(Problem::new(loc, "missing", "field required"));
            }
            continue;
        }
        let is_list = resolve(schemas, schema)["type"] == "array";
        let value = if is_list {
            let item = &resolve(schemas, schema)["items"];
            Value::Array(values.iter().map(|v| typed_text(schemas, item, v).unwrap_or_else(|| json!(v))).collect())
        } else {
            let text = values[values.len() - 1];
            match typed_text(schemas, schema, text) {
                Some(v) => v,
                None => {
                    let ty = resolve(schemas, schema)["type"].as_str().unwrap_or("value").to_string();
                    out.push(Problem::new(loc, "parsing", format!("`{text}` is not a valid {ty}")));
                    continue;
                }
            }
        };
        let mut at = loc;
        check(schemas, schema, &value, &mut at, out);
        q.insert(name.to_string(), value);
    }
    q
}

/// A form as the JSON object its schema describes: file parts become their file names, text
/// parts are read as their field's type (JSON text for objects and lists).
fn form_json(schemas: &Map<String, Value>, schema: &str, parts: &[Part], out: &mut Vec<Problem>) -> Value {
    let props = schemas.get(schema).and_then(|s| s["properties"].as_object()).cloned().unwrap_or_default();
    let mut obj = Map::new();
    for p in parts {
        let Some(field) = props.get(&p.name) else { continue };
        let is_list = resolve(schemas, field)["type"] == "array";
        let v = match &p.file_name {
            Some(name) => json!(name),
            None => {
                let text = String::from_utf8_lossy(&p.data);
                match typed_text(schemas, field, &text) {
                    Some(v) => v,
                    None => {
                        out.push(Problem::new(
                            vec![json!("body"), json!(p.name)],
                            "parsing",
                            format!("`{text}` does not fit this field"),
                        ));
                        continue;
                    }
                }
            }
        };
        if is_list && p.file_name.is_some() {
            match obj.entry(p.name.clone()).or_insert_with(|| json!([])) {
                Value::Array(a) => a.push(v),
                other => *other = json!([v]),
            }
        } else {
            obj.insert(p.name.clone(), v);
        }
    }
    Value::Object(obj)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panicking_handler_answers_500_naming_the_operation() {
        let r = guarded(Operation::CallingHistory, || panic!("index out of bounds"));
        assert_eq!(r.status(), 500);
        let ok = guarded(Operation::WorkspaceGet, || json_response(200, &json!({})));
        assert_eq!(ok.status(), 200);
    }

    #[test]
    fn out_of_range_call_config_numbers_are_named() {
        let mut out = Vec::new();
        let body = json!({ "call_config": { "call_retry_config": { "retry_not_picked": i64::MAX, "retry_busy": 30 },
            "max_call_length": -1 } });
        crate::validate::limits(&body, &mut vec![json!("body")], &mut out);
        let locs: Vec<Value> = out.iter().map(|p| json!(p.loc)).collect();
        assert_eq!(
            locs,
            vec![
                json!(["body", "call_config", "call_retry_config", "retry_not_picked"]),
                json!(["body", "call_config", "max_call_length"])
            ]
        );
    }
}
