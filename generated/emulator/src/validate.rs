//! Request validation against the spec's schemas, reported the way Ringg's backend (FastAPI)
//! reports it: a `detail` list of problems, each with the `loc` of the field, a `msg` and a
//! `type`.
//!
//! The schemas are the OpenAPI ones without prose (`spec::DOCUMENT`). Enums are closed here:
//! the client keeps unknown values it receives, but the emulator refuses values the spec does
//! not list, which is what a test of an integration wants to hear about.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

/// One validation problem.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Problem {
    /// Where: `["body", "agent_id"]`, `["query", "status"]`.
    pub loc: Vec<Value>,
    /// What is wrong, in words.
    pub msg: String,
    /// FastAPI's error type (`missing`, `string_type`, `enum`, ...).
    pub kind: &'static str,
}

impl Problem {
    /// A problem at `loc`.
    pub fn new(loc: Vec<Value>, kind: &'static str, msg: impl Into<String>) -> Problem {
        Problem { loc, msg: msg.into(), kind }
    }

    /// The problem as one entry of a `detail` list.
    pub fn to_json(&self) -> Value {
        json!({ "loc": self.loc, "msg": self.msg, "type": self.kind })
    }
}

/// Deepest nesting checked; serde_json refuses deeper input anyway.
const MAX_DEPTH: usize = 64;

/// Checks `value` against `schema`, appending every problem found below `loc`.
pub(crate) fn check(
    schemas: &Map<String, Value>,
    schema: &Value,
    value: &Value,
    loc: &mut Vec<Value>,
    out: &mut Vec<Problem>,
) {
    if loc.len() > MAX_DEPTH {
        out.push(Problem::new(loc.clone(), "too_deep", "value is nested too deeply"));
        return;
    }
    let Some(s) = schema.as_object() else { return };
    if let Some(r) = s.get("$ref").and_then(Value::as_str) {
        if let Some(target) = r.rsplit('/').next().and_then(|name| schemas.get(name)) {
            check(schemas, target, value, loc, out);
        }
        return;
    }
    if value.is_null() && s.get("nullable") == Some(&Value::Bool(true)) {
        return;
    }
    if let Some(all) = s.get("allOf").and_then(Value::as_array) {
        for part in all {
            check(schemas, part, value, loc, out);
        }
    }
    if let Some(members) = s.get("oneOf").and_then(Value::as_array) {
        match s.get("discriminator") {
            Some(d) => tagged(schemas, d, value, loc, out),
            None => {
                let fits = members.iter().any(|m| {
                    let mut scratch = Vec::new();
                    check(schemas, m, value, &mut loc.clone(), &mut scratch);
                    scratch.is_empty()
                });
                if !fits {
                    out.push(Problem::new(loc.clone(), "union", "value does not match any of the allowed shapes"));
                }
            }
        }
    }
    if let Some(ty) = s.get("type").and_then(Value::as_str) {
        typed(schemas, s, ty, value, loc, out);
    }
    if let Some(allowed) = s.get("enum").and_then(Value::as_array)
        && !value.is_null()
        && !allowed.contains(value)
    {
        let list: Vec<String> = allowed.iter().map(|v| v.to_string()).collect();
        out.push(Problem::new(loc.clone(), "enum", format!("value {value} is not one of {}", list.join(", "))));
    }
}

fn tagged(schemas: &Map<String, Value>, d: &Value, value: &Value, loc: &mut Vec<Value>, out: &mut Vec<Problem>) {
    let prop = d.get("propertyName").and_then(Value::as_str).unwrap_or("type");
    let mapping = d.get("mapping").and_then(Value::as_object);
    let Some(obj) = value.as_object() else {
        out.push(Problem::new(loc.clone(), "model_type", "value must be an object"));
        return;
    };
    let mut at = loc.clone();
    at.push(json!(prop));
    match obj.get(prop) {
        None => out.push(Problem::new(at, "missing", "field required")),
        Some(tag) => match (tag.as_str(), mapping) {
            (Some(t), Some(m)) if m.contains_key(t) => {
                check(schemas, &json!({ "$ref": m[t] }), value, loc, out);
            }
            _ => {
                let known: Vec<&str> = mapping.map(|m| m.keys().map(String::as_str).collect()).unwrap_or_default();
                out.push(Problem::new(at, "union_tag_invalid", format!("{tag} is not one of: {}", known.join(", "))));
            }
        },
    }
}

fn typed(
    schemas: &Map<String, Value>,
    s: &Map<String, Value>,
    ty: &str,
    value: &Value,
    loc: &mut Vec<Value>,
    out: &mut Vec<Problem>,
) {
    let wrong = |kind: &'static str, what: &str| {
        Problem::new(loc.clone(), kind, format!("value must be {what}, not {}", kind_of(value)))
    };
    match ty {
        "string" if !value.is_string() => out.push(wrong("string_type", "a string")),
        "boolean" if !value.is_boolean() => out.push(wrong("bool_type", "a boolean")),
        "integer" if !(value.is_i64() || value.is_u64()) => out.push(wrong("int_type", "an integer")),
        "number" if !value.is_number() => out.push(wrong("float_type", "a number")),
        "integer" | "number" => {
            let n = value.as_f64().unwrap_or(0.0);
            if let Some(min) = s.get("minimum").and_then(Value::as_f64)
                && n < min
            {
                out.push(Problem::new(loc.clone(), "greater_than_equal", format!("value must be at least {min}")));
            }
            if let Some(max) = s.get("maximum").and_then(Value::as_f64)
                && n > max
            {
                out.push(Problem::new(loc.clone(), "less_than_equal", format!("value must be at most {max}")));
            }
        }
        "array" => match value.as_array() {
            None => out.push(wrong("list_type", "a list")),
            Some(items) => {
                if let Some(item) = s.get("items") {
                    for (i, v) in items.iter().enumerate() {
                        loc.push(json!(i));
                        check(schemas, item, v, loc, out);
                        loc.pop();
                    }
                }
            }
        },
        "object" => match value.as_object() {
            None => out.push(wrong("model_type", "an object")),
            Some(obj) => {
                for name in s.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str)
                {
                    if !obj.contains_key(name) {
                        let mut at = loc.clone();
                        at.push(json!(name));
                        out.push(Problem::new(at, "missing", "field required"));
                    }
                }
                let props = s.get("properties").and_then(Value::as_object);
                for (k, v) in obj {
                    let field = props
                        .and_then(|p| p.get(k))
                        .or_else(|| s.get("additionalProperties").filter(|a| a.is_object()));
                    if let Some(field) = field {
                        loc.push(json!(k));
                        check(schemas, field, v, loc, out);
                        loc.pop();
                    }
                }
            }
        },
        _ => {}
    }
}

/// Numbers that feed the emulator's clock (minutes and seconds of a call configuration), with
/// the range the emulator accepts: path below a `call_config` object, least, most and unit.
/// They are checked when the request is validated, so no later computation meets a value it
/// could overflow on.
const CALL_CONFIG_LIMITS: &[(&[&str], f64, f64, &str)] = &[
    (&["call_retry_config", "retry_not_picked"], 0.0, 10_080.0, "minutes (one week)"),
    (&["call_retry_config", "retry_busy"], 0.0, 10_080.0, "minutes (one week)"),
    (&["call_retry_config", "retry_failed"], 0.0, 10_080.0, "minutes (one week)"),
    (&["call_retry_config", "retry_count"], 0.0, 10.0, "retries"),
    (&["idle_timeout_warning"], 0.0, 3_600.0, "seconds"),
    (&["idle_timeout_end"], 0.0, 3_600.0, "seconds"),
    (&["max_call_length"], 0.0, 86_400.0, "seconds"),
];

/// Checks every `call_config` object in a request (body or form, at any depth) against
/// [`CALL_CONFIG_LIMITS`], appending a problem naming each number out of range.
pub(crate) fn limits(value: &Value, loc: &mut Vec<Value>, out: &mut Vec<Problem>) {
    if loc.len() > MAX_DEPTH {
        return;
    }
    match value {
        Value::Object(obj) => {
            for (k, v) in obj {
                loc.push(json!(k));
                if k == "call_config" {
                    call_config_limits(v, loc, out);
                }
                limits(v, loc, out);
                loc.pop();
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                loc.push(json!(i));
                limits(v, loc, out);
                loc.pop();
            }
        }
        _ => {}
    }
}

fn call_config_limits(config: &Value, loc: &[Value], out: &mut Vec<Problem>) {
    for (path, min, max, unit) in CALL_CONFIG_LIMITS {
        let Some(v) = path.iter().try_fold(config, |v, k| v.get(*k)) else { continue };
        let Some(n) = v.as_f64() else { continue };
        if !(*min..=*max).contains(&n) {
            let mut at = loc.to_vec();
            at.extend(path.iter().map(|k| json!(k)));
            out.push(Problem::new(at, "out_of_range", format!("value {v} is outside {min}..={max} {unit}")));
        }
    }
}

/// The JSON kind of a value, for messages.
pub(crate) fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Decodes a body with the client's request type; a failure names the field by its JSON path.
pub(crate) fn decode_as<T: DeserializeOwned>(body: &Value) -> Result<(), Problem> {
    match serde_path_to_error::deserialize::<_, T>(body) {
        Ok(_) => Ok(()),
        Err(e) => {
            let mut loc = vec![json!("body")];
            for seg in e.path().iter() {
                match seg {
                    serde_path_to_error::Segment::Seq { index } => loc.push(json!(index)),
                    serde_path_to_error::Segment::Map { key } | serde_path_to_error::Segment::Enum { variant: key } => {
                        loc.push(json!(key))
                    }
                    serde_path_to_error::Segment::Unknown => {}
                }
            }
            Err(Problem::new(loc, "value_error", e.into_inner().to_string()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(schema: Value, value: Value) -> Vec<Problem> {
        let schemas = json!({ "E": { "type": "string", "enum": ["a", "b"] } });
        let mut out = Vec::new();
        check(schemas.as_object().unwrap(), &schema, &value, &mut vec![json!("body")], &mut out);
        out
    }

    #[test]
    fn names_missing_wrong_and_unknown_fields() {
        let schema = json!({ "type": "object", "required": ["x", "y"], "properties": {
            "x": { "type": "integer" }, "y": { "type": "string" }, "e": { "$ref": "#/components/schemas/E" } } });
        let out = problems(schema, json!({ "x": "1", "e": "c" }));
        // Missing fields first, then the fields present, in the order the body's map keeps
        // (serde_json's, without `preserve_order`: sorted).
        let found: Vec<(Value, &str)> = out.iter().map(|p| (json!(p.loc), p.kind)).collect();
        assert_eq!(found[0], (json!(["body", "y"]), "missing"));
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(found.contains(&(json!(["body", "x"]), "int_type")), "{found:?}");
        assert!(found.contains(&(json!(["body", "e"]), "enum")), "{found:?}");
    }

    #[test]
    fn accepts_a_fitting_value_and_null_where_nullable() {
        let schema = json!({ "type": "object", "properties": { "n": { "type": "string", "nullable": true } } });
        assert!(problems(schema, json!({ "n": null })).is_empty());
    }
}
