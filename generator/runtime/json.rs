//! JSON helpers for generated code: tagged unions, and decoding bodies that did not come from
//! a request of ours (webhooks).

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde::ser::{Error as _, Serializer};

use super::Error;

/// Serializes a tagged-union variant: the payload's fields plus the tag field.
///
/// The payload must serialize to a JSON object (the generator only emits object payloads).
pub fn serialize_tagged<S: Serializer, T: Serialize>(
    serializer: S,
    tag: &str,
    value: &str,
    payload: Option<&T>,
) -> Result<S::Ok, S::Error> {
    let mut map = match payload.map(serde_json::to_value).transpose().map_err(S::Error::custom)? {
        Some(serde_json::Value::Object(map)) => map,
        Some(_) => return Err(S::Error::custom("a tagged union payload must be a JSON object")),
        None => serde_json::Map::new(),
    };
    map.insert(tag.to_owned(), serde_json::Value::String(value.to_owned()));
    map.serialize(serializer)
}

/// Decodes a JSON body received outside a request (a webhook), reporting the JSON path and a
/// short snippet on failure like a response decode does.
pub fn decode_slice<T: DeserializeOwned>(body: &[u8]) -> Result<T, Error> {
    super::response::decode_json_slice(body, 0, None, "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Payload {
        kb_id: String,
    }

    struct Tagged(Option<Payload>);

    impl Serialize for Tagged {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serialize_tagged(serializer, "operation", "attach_kb", self.0.as_ref())
        }
    }

    #[test]
    fn tag_is_added_to_the_payload() {
        let json = serde_json::to_value(Tagged(Some(Payload { kb_id: "kb".into() }))).unwrap();
        assert_eq!(json, serde_json::json!({ "operation": "attach_kb", "kb_id": "kb" }));
        let json = serde_json::to_value(Tagged(None)).unwrap();
        assert_eq!(json, serde_json::json!({ "operation": "attach_kb" }));
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
