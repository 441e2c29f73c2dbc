//! The JSON Schema of the spec format, from the raw spec structs, for editors' completion.
//!
//! schemars writes an optional key as "a value or null" (`anyOf: [{$ref}, {type: null}]`). A
//! validator then reports a typo deep inside the value as "not valid under any of the given
//! schemas" at the enclosing key (`/types`). The spec never writes `null` for an absent key, so
//! the null alternative is dropped: errors land on the object that holds the bad key, naming it.

use serde_json::Value;

use super::{GeneratedFile, header_from};
use crate::raw::RawFile;

/// `spec/schema.json`.
pub(crate) fn schema() -> GeneratedFile {
    let mut schema = schemars::schema_for!(RawFile);
    schema.insert("$comment".into(), header_from("generator/src/raw.rs").into());
    let mut value = schema.to_value();
    drop_null_alternatives(&mut value);
    let mut contents = serde_json::to_string_pretty(&value).expect("a schema always serializes");
    contents.push('\n');
    GeneratedFile { path: "spec/schema.json".into(), contents }
}

/// Replaces `anyOf: [S, {type: null}]` by `S` and `type: [T, "null"]` by `T`, everywhere.
fn drop_null_alternatives(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Array(options)) = map.get("anyOf")
                && options.len() == 2
                && let Some(i) = options.iter().position(|o| *o == serde_json::json!({ "type": "null" }))
            {
                let kept = options[1 - i].clone();
                map.remove("anyOf");
                if let Value::Object(kept) = kept {
                    for (k, v) in kept {
                        map.entry(k).or_insert(v);
                    }
                }
            }
            if let Some(Value::Array(types)) = map.get("type") {
                let rest: Vec<Value> = types.iter().filter(|t| t.as_str() != Some("null")).cloned().collect();
                if rest.len() < types.len() {
                    let single = if rest.len() == 1 { rest[0].clone() } else { Value::Array(rest) };
                    map.insert("type".into(), single);
                }
            }
            if map.get("default") == Some(&Value::Null) {
                map.remove("default");
            }
            map.values_mut().for_each(drop_null_alternatives);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_null_alternatives),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::schema;

    #[test]
    fn no_optional_key_is_a_value_or_null() {
        let text = schema().contents;
        assert!(!text.contains("\"null\""), "a null alternative is left in spec/schema.json");
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["properties"]["types"]["$ref"], "#/$defs/Map_of_RawType");
    }
}
