//! Helpers for the `Deserialize` impls the generator writes for objects.
//!
//! An object's impl is written out rather than derived, because it is compiled once per response
//! type in this crate and the derived shape is about three times larger: a `visit_seq` that JSON
//! never reaches, a field-name enum and its visitor per type, and serde_json's
//! `deserialize_struct`, which handles arrays too, per type.
//! The written impl has one `visit_map` that looks each key up in the type's table of wire names
//! ([`FieldName::index_in`], shared by every type) and reads the value with one of the small
//! functions below, which are generic only over the field's type, so two types with a
//! `String` field share one copy.
//!
//! What it accepts is what the derived impl accepted from JSON: unknown keys are skipped, a key
//! given twice is an error (`duplicate field`), a missing required field is an error
//! (`missing field`), and an `Option` field may be absent or `null`.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};

use super::Patch;

/// An object key (or any JSON string, see [`text`]) as read from JSON: borrowed from the input
/// unless it had escapes.
pub struct FieldName<'de>(Cow<'de, str>);

impl FieldName<'_> {
    /// The key's position in `names`, a type's wire names in declaration order, or `None` for a
    /// key the type does not know.
    ///
    /// The search starts at `next`, just after the previous key found, and wraps around: a
    /// server writes an object's keys in the same order every time, usually the documented one,
    /// so the first name compared is the key. Comparing for equality checks the length first,
    /// so the names passed over cost little; a binary search would order-compare every probe
    /// and made decoding half as slow again.
    pub fn index_in(&self, names: &[&str], next: &mut usize) -> Option<usize> {
        index_of(&self.0, names, next)
    }
}

/// [`FieldName::index_in`] for a key read by the crate's own reader.
#[inline(never)]
pub fn index_of(key: &str, names: &[&str], next: &mut usize) -> Option<usize> {
    let start = (*next).min(names.len());
    let (before, after) = names.split_at(start);
    let found = match after.iter().position(|name| *name == key) {
        Some(offset) => Some(start + offset),
        None => before.iter().position(|name| *name == key),
    };
    if let Some(index) = found {
        *next = index + 1;
    }
    found
}

impl<'de> Deserialize<'de> for FieldName<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NameVisitor;

        impl<'de> Visitor<'de> for NameVisitor {
            type Value = FieldName<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }

            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(FieldName(Cow::Borrowed(v)))
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(FieldName(Cow::Owned(v.to_owned())))
            }

            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(FieldName(Cow::Owned(v)))
            }
        }

        deserializer.deserialize_str(NameVisitor)
    }
}

/// A JSON string, borrowed from the input unless it had escapes: how open enums read their
/// value, so that a known value costs no allocation.
pub fn text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Cow<'de, str>, D::Error> {
    FieldName::deserialize(deserializer).map(|name| name.0)
}

/// Reads the value of a required field into `slot`; `null` is refused like any other value
/// of the wrong type.
pub fn required<'de, A: MapAccess<'de>, T: Deserialize<'de>>(
    map: &mut A,
    slot: &mut Option<T>,
    name: &'static str,
) -> Result<(), A::Error> {
    if slot.is_some() {
        return Err(de::Error::duplicate_field(name));
    }
    *slot = Some(map.next_value()?);
    Ok(())
}

/// Reads the value of an optional field, where `null` reads as `None`.
pub fn optional<'de, A: MapAccess<'de>, T: Deserialize<'de>>(
    map: &mut A,
    slot: &mut Option<T>,
    seen: &mut bool,
    name: &'static str,
) -> Result<(), A::Error> {
    if std::mem::replace(seen, true) {
        return Err(de::Error::duplicate_field(name));
    }
    *slot = map.next_value()?;
    Ok(())
}

/// Reads the value of a field that may be absent, `null` or a value ([`Patch`]).
pub fn patch<'de, A: MapAccess<'de>, T: Deserialize<'de>>(
    map: &mut A,
    slot: &mut Patch<T>,
    name: &'static str,
) -> Result<(), A::Error> {
    if !slot.is_absent() {
        return Err(de::Error::duplicate_field(name));
    }
    *slot = map.next_value()?;
    Ok(())
}

/// Reads and drops the value of a key the type does not know.
pub fn skip<'de, A: MapAccess<'de>>(map: &mut A) -> Result<(), A::Error> {
    map.next_value::<IgnoredAny>().map(|IgnoredAny| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_found_in_any_order() {
        let names = ["id", "status", "agent", "name"];
        let mut next = 0;
        let mut find = |key: &str| FieldName(Cow::Borrowed(key)).index_in(&names, &mut next);
        assert_eq!(find("id"), Some(0));
        assert_eq!(find("status"), Some(1));
        assert_eq!(find("name"), Some(3));
        assert_eq!(find("agent"), Some(2));
        assert_eq!(find("nam"), None);
        assert_eq!(find(""), None);
        assert_eq!(find("name"), Some(3));
        assert_eq!(find("id"), Some(0));
        assert_eq!(next, 1);
    }

    #[test]
    fn text_is_borrowed_unless_escaped() {
        let mut json = serde_json::Deserializer::from_str(r#""completed""#);
        assert!(matches!(text(&mut json).unwrap(), Cow::Borrowed("completed")));
        let mut json = serde_json::Deserializer::from_str(r#""compl\u0065ted""#);
        let owned = text(&mut json).unwrap();
        assert!(matches!(&owned, Cow::Owned(s) if s == "completed"));
        let mut json = serde_json::Deserializer::from_str("5");
        let err = text(&mut json).unwrap_err();
        assert!(err.to_string().starts_with("invalid type: integer `5`"), "{err}");
    }

    #[test]
    fn escaped_keys_are_read_owned() {
        let name: FieldName<'_> = serde_json::from_str(r#""na\u006de""#).unwrap();
        assert!(matches!(name.0, Cow::Owned(_)));
        assert_eq!(name.index_in(&["id", "name"], &mut 0), Some(1));
        let name: FieldName<'_> = serde_json::from_str(r#""name""#).unwrap();
        assert!(matches!(name.0, Cow::Borrowed(_)));
    }
}
