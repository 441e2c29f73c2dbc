//! JSON helpers for generated code: tagged unions, and decoding bodies that did not come from
//! a request of ours (webhooks).

use serde::de::DeserializeOwned;
use serde::ser::Error as _;

use super::Error;

/// A tagged-union variant as JSON: the payload's fields plus the tag field.
///
/// The payload must be a JSON object (the generator only emits object payloads). Not generic:
/// every tagged union shares this one copy.
pub fn tagged_object(
    tag: &str,
    value: &str,
    payload: Option<serde_json::Value>,
) -> Result<serde_json::Value, serde_json::Error> {
    let mut map = match payload {
        Some(serde_json::Value::Object(map)) => map,
        Some(_) => return Err(serde_json::Error::custom("a tagged union payload must be a JSON object")),
        None => serde_json::Map::new(),
    };
    map.insert(tag.to_owned(), serde_json::Value::String(value.to_owned()));
    Ok(serde_json::Value::Object(map))
}

/// Decodes a JSON body received outside a request (a webhook), reporting the JSON path and a
/// short snippet on failure like a response decode does.
pub fn decode_slice<T: DeserializeOwned>(body: &[u8]) -> Result<T, Error> {
    super::response::decode_json_slice(body, 0, None, "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_is_added_to_the_payload() {
        let payload = serde_json::json!({ "kb_id": "kb" });
        let json = tagged_object("operation", "attach_kb", Some(payload)).unwrap();
        assert_eq!(json, serde_json::json!({ "operation": "attach_kb", "kb_id": "kb" }));
        let json = tagged_object("operation", "attach_kb", None).unwrap();
        assert_eq!(json, serde_json::json!({ "operation": "attach_kb" }));
        assert!(tagged_object("operation", "x", Some(serde_json::json!(1))).is_err());
    }

    #[test]
    fn webhook_decode_errors_name_the_path() {
        #[derive(Debug, serde::Deserialize)]
        struct Event {
            #[allow(dead_code)]
            call_id: String,
        }
        let err = decode_slice::<Event>(br#"{"call_id": 5}"#).unwrap_err();
        assert!(err.is_decode());
        assert_eq!(err.decode_path(), Some("call_id"));
    }
}
