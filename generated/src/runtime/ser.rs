//! Helpers for the `Serialize` impls the generator writes for objects.
//!
//! Like [`de`](super::de), the impl is written out rather than derived so that each field costs
//! one call of a function generic only over the field's type: an absent optional field is
//! skipped, and a present one is written as its value, without going through `Option`'s own
//! `Serialize`. The output is the derived impl's, key for key.

use serde::Serialize;
use serde::ser::SerializeStruct;

use super::Patch;

/// Writes a field that is always sent.
pub fn field<S: SerializeStruct, T: Serialize + ?Sized>(
    object: &mut S,
    name: &'static str,
    value: &T,
) -> Result<(), S::Error> {
    object.serialize_field(name, value)
}

/// Writes an optional field, or nothing when it is `None`.
pub fn optional<S: SerializeStruct, T: Serialize>(
    object: &mut S,
    name: &'static str,
    value: &Option<T>,
) -> Result<(), S::Error> {
    match value {
        Some(value) => object.serialize_field(name, value),
        None => object.skip_field(name),
    }
}

/// Writes a [`Patch`] field: nothing when absent, `null` when cleared, else the value.
pub fn patch<S: SerializeStruct, T: Serialize>(
    object: &mut S,
    name: &'static str,
    value: &Patch<T>,
) -> Result<(), S::Error> {
    if value.is_absent() { object.skip_field(name) } else { object.serialize_field(name, value) }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Sample {
        id: String,
        name: Option<String>,
        note: Patch<u32>,
    }

    impl Serialize for Sample {
        fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let mut object = serializer.serialize_struct("Sample", 3)?;
            field(&mut object, "id", &self.id)?;
            optional(&mut object, "name", &self.name)?;
            patch(&mut object, "note", &self.note)?;
            object.end()
        }
    }

    #[test]
    fn absent_fields_are_skipped_and_cleared_ones_are_null() {
        let json = |name: Option<&str>, note: Patch<u32>| {
            let sample = Sample { id: "a".into(), name: name.map(str::to_owned), note };
            serde_json::to_string(&sample).unwrap()
        };
        assert_eq!(json(None, Patch::Absent), r#"{"id":"a"}"#);
        assert_eq!(json(Some("n"), Patch::Null), r#"{"id":"a","name":"n","note":null}"#);
        assert_eq!(json(None, Patch::Value(3)), r#"{"id":"a","note":3}"#);
    }
}
