//! The shapes every answer is built from, and the helpers that build them: the validated
//! request, the reply, Ringg's error shape, paging, and the spec's validation document and
//! examples. A leaf: it depends only on the spec's tables.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::{Map, Value, json};

use crate::multipart::Part;
use crate::spec::Operation;

/// A validated request.
pub(crate) struct Req<'a> {
    /// The operation the route names.
    pub op: Operation,
    pub params: &'a HashMap<&'static str, String>,
    pub query: &'a Map<String, Value>,
    pub body: &'a Value,
    pub files: &'a HashMap<String, Vec<Part>>,
}

impl Req<'_> {
    /// A path parameter; routing guarantees every parameter of the route's path is there.
    pub(crate) fn path(&self, name: &str) -> &str {
        self.params.get(name).map_or("", String::as_str)
    }
}

/// A success.
pub(crate) enum Reply {
    Json(Value),
    /// JSON already serialised.
    Text(String),
    /// A file: its name (for `Content-Disposition`) and bytes; the media type is the spec's.
    Bytes(&'static str, Vec<u8>),
}

/// A failure in Ringg's error shape: `{"detail": ...}`.
#[derive(Debug)]
pub(crate) struct ApiError {
    pub status: u16,
    pub detail: Value,
}

pub(crate) fn err(status: u16, msg: impl Into<String>) -> ApiError {
    ApiError { status, detail: Value::String(msg.into()) }
}

pub(crate) fn not_found(what: &str, id: &str) -> ApiError {
    err(404, format!("{what} `{id}` not found"))
}

/// An id in a request body that names nothing: 400, as the spec documents for bodies (404 is
/// for ids in the path), with the field named.
pub(crate) fn unknown(field: &str, id: &str) -> ApiError {
    ApiError {
        status: 400,
        detail: json!([{ "loc": ["body", field], "msg": format!("`{id}` does not exist"), "type": "not_found" }]),
    }
}

pub(crate) type Out = Result<Reply, ApiError>;

/// A string field of a JSON object, or `""`.
pub(crate) fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

/// The members of a JSON object as name and text pairs (a string's text, or other values as
/// JSON): how subscription and callback headers and callback params are sent. Not an object:
/// none.
pub(crate) fn text_pairs(object: &Value) -> Vec<(String, String)> {
    object
        .as_object()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().map_or_else(|| v.to_string(), str::to_string))).collect())
        .unwrap_or_default()
}

/// Whether a text is a phone number in E.164 form (`+` and 8 to 15 digits).
pub(crate) fn valid_number(n: &str) -> bool {
    n.strip_prefix('+').is_some_and(|d| (8..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()))
}

/// The page of `items` a request asks for: `(page, limit, offset)`.
pub(crate) fn page<T: Clone>(items: &[T], q: &Map<String, Value>) -> (Vec<T>, i64, i64) {
    let limit = q.get(crate::spec::LIMIT).and_then(Value::as_i64).unwrap_or(crate::spec::DEFAULT_LIMIT);
    let offset = q.get(crate::spec::OFFSET).and_then(Value::as_i64).unwrap_or(0).max(0);
    let page = items.iter().skip(offset as usize).take(limit.max(0) as usize).cloned().collect();
    (page, limit, offset)
}

/// Marks where a page's items go in an envelope serialised before them.
pub(crate) const ITEMS_SLOT: &str = "__items__";

/// Nests a list of items at the endpoint's pagination path (`data.agents`): the envelope the
/// spec documents for it.
pub(crate) fn envelope(op: Operation, items: Vec<Value>) -> Value {
    let path = document().operations.get(op.name()).and_then(|o| o["paging"]["items"].as_str()).unwrap_or("items");
    let mut v = Value::Array(items);
    for key in path.rsplit('.') {
        v = json!({ key: v });
    }
    v
}

/// The spec's validation document, parsed once.
pub(crate) struct Document {
    pub schemas: Map<String, Value>,
    pub operations: Map<String, Value>,
}

/// The validation document of `spec.rs`, parsed on first use.
pub(crate) fn document() -> &'static Document {
    static DOC: OnceLock<Document> = OnceLock::new();
    DOC.get_or_init(|| {
        let v: Value = serde_json::from_str(crate::spec::DOCUMENT).expect("the generated document is JSON");
        let part = |k: &str| v[k].as_object().cloned().unwrap_or_default();
        Document { schemas: part("schemas"), operations: part("operations") }
    })
}

/// The spec's first example of a type, or `null`.
pub(crate) fn example(name: &str) -> Value {
    crate::spec::TYPE_EXAMPLES
        .iter()
        .find(|(n, _)| *n == name)
        .and_then(|(_, text)| serde_json::from_str(text).ok())
        .unwrap_or(Value::Null)
}

/// The spec's first response example of an operation, or `null`.
pub(crate) fn response_example(op: Operation) -> Value {
    crate::spec::EXAMPLES
        .iter()
        .find(|(o, _)| *o == op)
        .and_then(|(_, text)| serde_json::from_str(text).ok())
        .unwrap_or(Value::Null)
}

/// Resolves `$ref` and single-member `allOf` to the schema that says the type.
pub(crate) fn resolve<'a>(schemas: &'a Map<String, Value>, mut s: &'a Value) -> &'a Value {
    for _ in 0..8 {
        if let Some(r) = s.get("$ref").and_then(Value::as_str) {
            match r.rsplit('/').next().and_then(|n| schemas.get(n)) {
                Some(t) => s = t,
                None => return s,
            }
        } else if let Some([one]) = s.get("allOf").and_then(Value::as_array).map(Vec::as_slice) {
            s = one;
        } else {
            return s;
        }
    }
    s
}
