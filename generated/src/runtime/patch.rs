//! `Patch<T>`: a field of an update body that can be left out, cleared or set.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A field of an update (`PATCH`) body, in one of three states.
///
/// - [`Patch::Absent`] (the default): the field is not sent and the server keeps its value;
/// - [`Patch::Null`]: the field is sent as `null`, clearing the value;
/// - [`Patch::Value`]: the field is sent with a new value.
///
/// `Option<T>` converts into it (`None` becomes `Null`), and so does `T`.
/// Generated structs mark such fields `#[serde(default, skip_serializing_if =
/// "Patch::is_absent")]`, so an absent field is left out, not sent as `null`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Patch<T> {
    /// Leave the field out.
    #[default]
    Absent,
    /// Send `null`.
    Null,
    /// Send this value.
    Value(T),
}

impl<T> Patch<T> {
    /// Whether the field is left out.
    pub fn is_absent(&self) -> bool {
        matches!(self, Patch::Absent)
    }

    /// Whether the field is sent as `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Patch::Null)
    }

    /// Whether the field carries a value.
    pub fn is_value(&self) -> bool {
        matches!(self, Patch::Value(_))
    }

    /// The value, if any (`Absent` and `Null` both give `None`).
    pub fn as_option(&self) -> Option<&T> {
        match self {
            Patch::Value(value) => Some(value),
            _ => None,
        }
    }

    /// The value, if any, by value.
    pub fn into_option(self) -> Option<T> {
        match self {
            Patch::Value(value) => Some(value),
            _ => None,
        }
    }

    /// Borrows the value.
    pub fn as_ref(&self) -> Patch<&T> {
        match self {
            Patch::Absent => Patch::Absent,
            Patch::Null => Patch::Null,
            Patch::Value(value) => Patch::Value(value),
        }
    }

    /// Transforms the value, keeping `Absent` and `Null`.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Patch<U> {
        match self {
            Patch::Absent => Patch::Absent,
            Patch::Null => Patch::Null,
            Patch::Value(value) => Patch::Value(f(value)),
        }
    }
}

/// Lets a text field be set from a string literal, like the other setters.
impl From<&str> for Patch<String> {
    fn from(value: &str) -> Patch<String> {
        Patch::Value(value.to_owned())
    }
}

impl<T> From<T> for Patch<T> {
    fn from(value: T) -> Self {
        Patch::Value(value)
    }
}

impl<T> From<Option<T>> for Patch<T> {
    /// `None` becomes [`Patch::Null`] (clear the field), `Some(v)` becomes [`Patch::Value`].
    fn from(value: Option<T>) -> Self {
        match value {
            Some(value) => Patch::Value(value),
            None => Patch::Null,
        }
    }
}

impl<T: Serialize> Serialize for Patch<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            // Only reached when the field was not marked `skip_serializing_if`.
            Patch::Absent | Patch::Null => serializer.serialize_none(),
            Patch::Value(value) => serializer.serialize_some(value),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Patch<T> {
    /// `null` gives `Null`, a value gives `Value`; a missing field gives `Absent` through
    /// `#[serde(default)]`.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Option::<T>::deserialize(deserializer)?.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
    struct Update {
        #[serde(default, skip_serializing_if = "Patch::is_absent")]
        name: Patch<String>,
        #[serde(default, skip_serializing_if = "Patch::is_absent")]
        webhook: Patch<String>,
        #[serde(default, skip_serializing_if = "Patch::is_absent")]
        retries: Patch<u32>,
    }

    #[test]
    fn three_states_on_the_wire() {
        let update = Update { name: "Ada".to_owned().into(), webhook: None.into(), retries: Patch::Absent };
        let json = serde_json::to_string(&update).unwrap();
        assert_eq!(json, r#"{"name":"Ada","webhook":null}"#);
        let back: Update = serde_json::from_str(&json).unwrap();
        assert_eq!(back, update);
        let empty: Update = serde_json::from_str("{}").unwrap();
        assert_eq!(empty, Update::default());
        assert_eq!(serde_json::to_string(&empty).unwrap(), "{}");
    }

    #[test]
    fn accessors() {
        let p: Patch<u32> = 3.into();
        assert!(p.is_value() && !p.is_absent() && !p.is_null());
        assert_eq!(p.as_option(), Some(&3));
        assert_eq!(p.map(|v| v * 2).into_option(), Some(6));
        assert_eq!(p.as_ref(), Patch::Value(&3));
        let n: Patch<u32> = None.into();
        assert!(n.is_null());
        assert_eq!(n.as_option(), None);
        assert_eq!(Patch::<u32>::default(), Patch::Absent);
        assert_eq!(serde_json::to_string(&Patch::<u32>::Absent).unwrap(), "null");
    }
}
