//! The spec's own answer, for operations without hand-written behaviour (a new endpoint before
//! anyone writes its rules): the response example of the spec, or, without one, a sample built
//! from the response schema, with the request's path ids carried into fields of the same name
//! and the items of a paged list cut to the requested page. The request was validated like any
//! other. The server marks these answers `X-Emulator-Behaviour: example`.

use serde_json::{Map, Value, json};

use crate::reply::{Document, Out, Reply, Req, document, resolve, response_example};
use crate::routes::ResponseKind;

/// The header that marks an answer built from the spec rather than by behaviour.
pub(crate) const BEHAVIOUR_HEADER: &str = "x-emulator-behaviour";

/// The file a binary response without behaviour answers with.
const SAMPLE_FILE: &[u8] = b"ringg-emulator: a sample file from the spec; this operation has no behaviour yet\n";

/// Nesting followed when building a sample from a schema; deeper optional parts are left out.
const MAX_DEPTH: usize = 12;

/// The spec's answer to a validated request.
pub(crate) fn answer(r: &Req, response: ResponseKind) -> Out {
    if let ResponseKind::Binary(_) = response {
        return Ok(Reply::Bytes("sample", SAMPLE_FILE.to_vec()));
    }
    let doc = document();
    let spec = doc.operations.get(r.op.name()).unwrap_or(&Value::Null);
    let mut body = response_example(r.op);
    if body.is_null()
        && let Some(schema) = spec.get("response")
    {
        body = sample(doc, schema, 0);
    }
    let params: Vec<PathId> = spec["path"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| {
            let name = p["name"].as_str()?;
            let value = r.params.get(name)?;
            Some(PathId { name, type_name: type_name(&p["schema"]), value })
        })
        .collect();
    if let Some(schema) = spec.get("response") {
        carry(doc, schema, &mut body, &params, 0);
    }
    if let Some(paging) = spec.get("paging") {
        cut_page(&mut body, paging, r.query);
    }
    Ok(Reply::Json(body))
}

/// A path parameter of the request: its name, the named schema it has (`AgentId`), its value.
struct PathId<'a> {
    name: &'a str,
    type_name: Option<&'a str>,
    value: &'a str,
}

/// The named schema a schema refers to, directly or as the single member of `allOf`.
fn type_name(schema: &Value) -> Option<&str> {
    let direct = schema.get("$ref").and_then(Value::as_str);
    let wrapped = || schema.get("allOf")?.as_array()?.first()?.get("$ref")?.as_str();
    direct.or_else(wrapped).and_then(|r| r.rsplit('/').next())
}

/// Sets the string fields of `v` that name what a path parameter names to the path's value:
/// fields of the parameter's named type (`agents.id` of type `AgentId` for `{agent_id}`), and
/// fields of the parameter's name. Walks the value along its schema.
fn carry(doc: &Document, schema: &Value, v: &mut Value, params: &[PathId], depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    let s = resolve(&doc.schemas, schema);
    match v {
        Value::Object(o) => {
            let props = s.get("properties").and_then(Value::as_object);
            for (k, x) in o.iter_mut() {
                let field = props.and_then(|p| p.get(k)).unwrap_or(&Value::Null);
                let ty = type_name(field);
                let hit = params.iter().find(|p| p.name == k || (p.type_name.is_some() && p.type_name == ty));
                match hit {
                    Some(p) if x.is_string() => *x = Value::String(p.value.to_string()),
                    _ => carry(doc, field, x, params, depth + 1),
                }
            }
        }
        Value::Array(items) => {
            for x in items {
                carry(doc, &s["items"], x, params, depth + 1);
            }
        }
        _ => {}
    }
}

/// Cuts the list at the paging's `items` path to the page the query asks for, and sets the
/// `total` field (where the spec names one) to the length of the whole list.
fn cut_page(body: &mut Value, paging: &Value, query: &Map<String, Value>) {
    let limit_name = paging["limit"].as_str().unwrap_or(crate::spec::LIMIT);
    let offset_name = paging["offset"].as_str().unwrap_or(crate::spec::OFFSET);
    let limit = query.get(limit_name).and_then(Value::as_i64).unwrap_or(crate::spec::DEFAULT_LIMIT).max(0);
    let offset = query.get(offset_name).and_then(Value::as_i64).unwrap_or(0).max(0);
    let Some(path) = paging["items"].as_str() else { return };
    let Some(Value::Array(items)) = at_path(body, path) else { return };
    let total = items.len();
    let start = usize::try_from(offset).unwrap_or(usize::MAX).min(total);
    let take = usize::try_from(limit).unwrap_or(usize::MAX);
    let page: Vec<Value> = items.drain(..).skip(start).take(take).collect();
    *items = page;
    if let Some(total_path) = paging["total"].as_str()
        && let Some(slot) = at_path(body, total_path)
        && slot.is_number()
    {
        *slot = json!(total);
    }
}

/// The value at a dotted path of object keys (`data.agents`).
fn at_path<'a>(v: &'a mut Value, path: &str) -> Option<&'a mut Value> {
    path.split('.').try_fold(v, |v, key| v.get_mut(key))
}

/// A value of the schema: required fields of objects, one item of lists, the first value of
/// enums, zero numbers and sample text of formats.
fn sample(doc: &Document, schema: &Value, depth: usize) -> Value {
    let s = resolve(&doc.schemas, schema);
    if depth > MAX_DEPTH {
        return Value::Null;
    }
    if let Some(first) = s.get("enum").and_then(Value::as_array).and_then(|e| e.first()) {
        return first.clone();
    }
    if let Some(first) = s.get("oneOf").or_else(|| s.get("anyOf")).and_then(Value::as_array).and_then(|a| a.first()) {
        return sample(doc, first, depth + 1);
    }
    if let Some(all) = s.get("allOf").and_then(Value::as_array) {
        let mut out = Map::new();
        for part in all {
            if let Value::Object(o) = sample(doc, part, depth + 1) {
                out.extend(o);
            }
        }
        return Value::Object(out);
    }
    match s.get("type").and_then(Value::as_str) {
        Some("object") => {
            let required: Vec<&str> =
                s["required"].as_array().map(|r| r.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
            let mut out = Map::new();
            for (name, field) in s["properties"].as_object().into_iter().flatten() {
                if required.contains(&name.as_str()) {
                    out.insert(name.clone(), sample(doc, field, depth + 1));
                }
            }
            Value::Object(out)
        }
        Some("array") => {
            let min = s["minItems"].as_u64().unwrap_or(0);
            if min == 0 { json!([]) } else { json!([sample(doc, &s["items"], depth + 1)]) }
        }
        Some("string") => match s.get("format").and_then(Value::as_str) {
            Some("date-time") => json!("2026-03-01T09:00:00Z"),
            Some("date") => json!("2026-03-01"),
            Some("uuid") => json!("00000000-0000-4000-8000-000000000000"),
            Some("uri") | Some("url") => json!("https://example.invalid/"),
            _ => json!("sample"),
        },
        Some("integer") => json!(s["minimum"].as_i64().unwrap_or(0).max(0)),
        Some("number") => json!(s["minimum"].as_f64().unwrap_or(0.0).max(0.0)),
        Some("boolean") => json!(false),
        _ => json!({}),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::spec::{Operation, ROUTES};
    use crate::validate::check;

    fn req<'a>(
        op: Operation,
        params: &'a HashMap<&'static str, String>,
        query: &'a Map<String, Value>,
        files: &'a HashMap<String, Vec<crate::multipart::Part>>,
    ) -> Req<'a> {
        Req { op, params, query, body: &Value::Null, files }
    }

    /// Whatever operation the spec gains, its answer from the spec fits its response schema,
    /// with its path ids carried in.
    #[test]
    fn every_operation_has_an_answer_from_the_spec_that_fits_its_schema() {
        let doc = document();
        let files = HashMap::new();
        for route in ROUTES {
            let params: HashMap<&'static str, String> = route
                .path
                .split('/')
                .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
                .map(|p| (p, format!("path-{p}")))
                .collect();
            let query = Map::new();
            let reply = answer(&req(route.op, &params, &query, &files), route.response).unwrap_or_else(|e| {
                panic!("{}: {e:?}", route.op);
            });
            let body = match reply {
                Reply::Json(v) => v,
                Reply::Bytes(_, bytes) => {
                    assert!(!bytes.is_empty(), "{}", route.op);
                    continue;
                }
                Reply::Text(t) => serde_json::from_str(&t).expect("JSON"),
            };
            if let Some(schema) = doc.operations.get(route.op.name()).and_then(|o| o.get("response")) {
                let mut out = Vec::new();
                check(&doc.schemas, schema, &body, &mut vec![json!("response")], &mut out);
                let problems: Vec<String> = out.iter().map(|p| format!("{} at {:?}", p.msg, p.loc)).collect();
                assert!(problems.is_empty(), "{}: {problems:?}", route.op);
            }
        }
    }

    #[test]
    fn path_ids_are_carried_into_fields_of_their_type_or_name() {
        let doc = document();
        let schema = json!({ "type": "object", "properties": {
            "data": { "type": "array", "items": { "type": "object", "properties": {
                "id": { "allOf": [{ "$ref": "#/components/schemas/AgentId" }] }, "other": { "type": "string" } } } },
            "agent_id": { "type": "string" }, "n": { "type": "object" } } });
        let mut v = json!({ "agent_id": "example", "data": [{ "id": "x", "other": "y" }], "n": { "agent_id": 3 } });
        let params = [PathId { name: "agent_id", type_name: Some("AgentId"), value: "a-1" }];
        carry(doc, &schema, &mut v, &params, 0);
        assert_eq!(v, json!({ "agent_id": "a-1", "data": [{ "id": "a-1", "other": "y" }], "n": { "agent_id": 3 } }));
    }

    #[test]
    fn a_paged_list_is_cut_to_the_page_and_keeps_its_total() {
        let paging = json!({ "limit": "limit", "offset": "offset", "items": "data.items", "total": "total" });
        let page = |limit: i64, offset: i64| {
            let mut body = json!({ "data": { "items": [1, 2, 3, 4, 5] }, "total": 0 });
            let query: Map<String, Value> =
                [("limit".to_string(), json!(limit)), ("offset".to_string(), json!(offset))].into_iter().collect();
            cut_page(&mut body, &paging, &query);
            (body["data"]["items"].clone(), body["total"].clone())
        };
        assert_eq!(page(2, 1), (json!([2, 3]), json!(5)));
        assert_eq!(page(10, 4), (json!([5]), json!(5)));
        assert_eq!(page(10, i64::MAX), (json!([]), json!(5)));
        assert_eq!(page(-1, -1), (json!([]), json!(5)));
    }

    #[test]
    fn a_schema_without_an_example_gives_its_required_fields() {
        let doc = document();
        let schema = json!({ "type": "object", "required": ["id", "kind", "tags", "at"], "properties": {
            "id": { "type": "string", "format": "uuid" }, "kind": { "type": "string", "enum": ["a", "b"] },
            "tags": { "type": "array", "minItems": 1, "items": { "type": "integer", "minimum": 3 } },
            "at": { "type": "string", "format": "date-time" }, "note": { "type": "string" } } });
        let v = sample(doc, &schema, 0);
        assert_eq!(
            v,
            json!({ "id": "00000000-0000-4000-8000-000000000000", "kind": "a", "tags": [3], "at": "2026-03-01T09:00:00Z" })
        );
    }
}
