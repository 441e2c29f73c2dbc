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

/// A tagged-union payload as a JSON value.
///
/// Encoded to JSON text and read back rather than with `serde_json::to_value`: request bodies
/// are written as text, so the payload's `Serialize` (and those of its fields) is compiled for
/// one serializer only, not also for `serde_json`'s value serializer. Payloads are small and
/// sent once, so the extra pass costs nothing that matters.
pub fn payload_value<T: serde::Serialize>(payload: &T) -> Result<serde_json::Value, serde_json::Error> {
    let mut text = Vec::new();
    payload.serialize(&mut serde_json::Serializer::new(&mut text))?;
    value_of(text)
}

/// The value of JSON text that serde_json wrote, read with `Value`'s `FromStr`, which serde_json
/// compiles once for every crate.
#[inline(never)]
fn value_of(text: Vec<u8>) -> Result<serde_json::Value, serde_json::Error> {
    let text =
        String::from_utf8(text).map_err(|_| serde_json::Error::custom("serde_json wrote text that is not UTF-8"))?;
    text.parse()
}

/// A tagged-union payload read from the JSON value it was received as.
///
/// Read from the value's JSON text, for the reason [`payload_value`] gives: the payload's
/// `Deserialize` is compiled for `serde_json`'s text deserializer only. An error keeps its
/// message but not its position, which would point into that text rather than the input.
pub fn payload_from_value<T: DeserializeOwned>(value: &serde_json::Value) -> Result<T, serde_json::Error> {
    let text = serde_json::to_vec(value)?;
    serde_json::from_slice(&text).map_err(|err| without_position(&err))
}

/// `err` with the same message and no position.
#[inline(never)]
fn without_position(err: &serde_json::Error) -> serde_json::Error {
    serde_json::Error::custom(super::read::message_of(err))
}

/// Reads a JSON body received outside a request (a webhook) with the crate's own reader,
/// reporting the JSON path and a short snippet on failure like a response decode does.
pub fn read_slice<T: super::read::FromJson>(body: &[u8]) -> Result<T, Error> {
    super::response::read_json_slice(body).map_err(|err| super::response::read_failure(body, 0, None, "", err))
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
    fn payloads_go_through_json_text() {
        #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
        struct Payload {
            kb_id: String,
        }
        let value = payload_value(&Payload { kb_id: "kb".into() }).unwrap();
        assert_eq!(value, serde_json::json!({ "kb_id": "kb" }));
        let back: Payload = payload_from_value(&value).unwrap();
        assert_eq!(back, Payload { kb_id: "kb".into() });
        let err = payload_from_value::<Payload>(&serde_json::json!({ "kb_id": 5 })).unwrap_err();
        assert_eq!(err.to_string(), "invalid type: integer `5`, expected a string");
        assert_eq!(err.line(), 0);
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
