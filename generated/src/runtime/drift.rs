//! Drift: where a response the server sent and the spec disagree.
//!
//! A client built with [`ClientBuilder::drift_observer`](super::ClientBuilder::drift_observer)
//! (or [`drift_tracing`](super::ClientBuilder::drift_tracing)) walks every JSON response body a
//! second time, strictly, against the shape the generator wrote for the response type
//! ([`FromJson::SHAPE`](super::read::FromJson::SHAPE)), and reports each [`Drift`]: a key no
//! field takes, an enum value or tag the spec does not list, `null` in a non-null field, a
//! required field that is absent, a value of the wrong JSON type. Each is a `tracing` event at
//! debug level (target `<crate>::drift`) and a call of the observer. Decoding itself is
//! unchanged: the typed reader stays lenient (unknown keys skipped, unknown enum values kept
//! as `Unknown`), so drift is reported without failing a request.
//!
//! Without an observer nothing of this runs: the client holds `None` and each JSON response
//! checks it once. With one, the body is parsed again into a `serde_json::Value`, so the cost
//! is about that of a second decode.
//!
//! A report holds keys, JSON paths (indexes of lists; keys of free-form maps, which are data,
//! are written `*`), JSON types and spec names, and of values only the unknown enum or tag
//! string; it never holds any other value of the body.

use std::fmt;
use std::sync::Arc;

use serde_json::Value;

/// What kind of difference a [`Drift`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DriftKind {
    /// An object held a key that no field of its type takes ([`Drift::path`] ends with it).
    UnknownField,
    /// A string that the enum ([`Drift::type_name`]) does not list ([`Drift::value`]).
    UnknownEnumValue,
    /// A tag that the tagged union ([`Drift::type_name`]) does not list ([`Drift::value`]).
    UnknownTag,
    /// `null` in a field the spec says is never `null`.
    UnexpectedNull,
    /// A required field (or a tagged union's tag) was absent.
    MissingField,
    /// A value of another JSON type than the spec's ([`Drift::expected`]).
    WrongType,
}

impl DriftKind {
    /// A short name: `unknown_field`, `unknown_enum_value`, `unknown_tag`, `unexpected_null`,
    /// `missing_field`, `wrong_type`.
    pub fn as_str(self) -> &'static str {
        match self {
            DriftKind::UnknownField => "unknown_field",
            DriftKind::UnknownEnumValue => "unknown_enum_value",
            DriftKind::UnknownTag => "unknown_tag",
            DriftKind::UnexpectedNull => "unexpected_null",
            DriftKind::MissingField => "missing_field",
            DriftKind::WrongType => "wrong_type",
        }
    }
}

impl fmt::Display for DriftKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The JSON type of a value, as a report names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JsonType {
    /// `null`.
    Null,
    /// `true` or `false`.
    Boolean,
    /// A number without fraction or exponent that fits 64 bits.
    Integer,
    /// Any other number.
    Number,
    /// A string.
    String,
    /// An array.
    Array,
    /// An object.
    Object,
}

impl JsonType {
    /// The type of `value`.
    pub fn of(value: &Value) -> JsonType {
        match value {
            Value::Null => JsonType::Null,
            Value::Bool(_) => JsonType::Boolean,
            Value::Number(n) if n.is_i64() || n.is_u64() => JsonType::Integer,
            Value::Number(_) => JsonType::Number,
            Value::String(_) => JsonType::String,
            Value::Array(_) => JsonType::Array,
            Value::Object(_) => JsonType::Object,
        }
    }

    /// `null`, `boolean`, `integer`, `number`, `string`, `array` or `object`.
    pub fn as_str(self) -> &'static str {
        match self {
            JsonType::Null => "null",
            JsonType::Boolean => "boolean",
            JsonType::Integer => "integer",
            JsonType::Number => "number",
            JsonType::String => "string",
            JsonType::Array => "array",
            JsonType::Object => "object",
        }
    }
}

impl fmt::Display for JsonType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One place where a response and the spec disagree.
///
/// It names where and what, never a value of the body, except [`value`](Drift::value) for
/// an unknown enum value or tag.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Drift {
    /// The operation that received the response, `resource.endpoint` (`calling.history`).
    pub operation: &'static str,
    /// The JSON path of the value, or of the absent field: `calls[3].status`; empty for the
    /// body itself. Keys of free-form maps are written `*`.
    pub path: String,
    /// What differs.
    pub kind: DriftKind,
    /// The spec type concerned: the object that holds the field (unknown, missing or `null`
    /// field), the enum or tagged union (unknown value or tag), or the expected type when it
    /// is a named one (wrong type). `None` for a wrong type where a list, map or scalar was
    /// expected.
    pub type_name: Option<&'static str>,
    /// The JSON type of the value found; `None` for a missing field.
    pub json_type: Option<JsonType>,
    /// For [`DriftKind::WrongType`], what the spec expects: `string`, `integer`, `number`,
    /// `boolean`, `array`, `object`, `null` or a spec type's name.
    pub expected: Option<&'static str>,
    /// The unknown enum value or tag ([`DriftKind::UnknownEnumValue`], [`DriftKind::UnknownTag`]);
    /// `None` for every other kind.
    pub value: Option<String>,
}

impl fmt::Display for Drift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.path.is_empty() { "(body)" } else { self.path.as_str() };
        write!(f, "{}: {} at {path}", self.operation, self.kind)?;
        if let Some(name) = self.type_name {
            write!(f, " ({name})")?;
        }
        if let Some(found) = self.json_type {
            write!(f, ", found {found}")?;
        }
        if let Some(expected) = self.expected {
            write!(f, ", expected {expected}")?;
        }
        if let Some(value) = &self.value {
            write!(f, ", value {value:?}")?;
        }
        Ok(())
    }
}

/// Receives the drift a client finds in responses; set with
/// [`ClientBuilder::drift_observer`](super::ClientBuilder::drift_observer).
///
/// Called on the task that awaits the request, once per finding, after the response body is
/// read and before it is decoded; keep it quick (count, or push to a channel). A closure
/// `Fn(&Drift) + Send + Sync` is an observer.
///
/// ```
/// use std::sync::{Arc, Mutex};
///
/// let seen: Arc<Mutex<Vec<ringg::Drift>>> = Arc::default();
/// let sink = Arc::clone(&seen);
/// let client = ringg::Client::builder()
///     .api_key("test-key")
///     .drift_observer(move |drift: &ringg::Drift| sink.lock().unwrap().push(drift.clone()))
///     .build()?;
/// # drop(client);
/// # Ok::<(), ringg::Error>(())
/// ```
pub trait DriftObserver: Send + Sync + 'static {
    /// Called once per finding.
    fn observe(&self, drift: &Drift);
}

impl<F: Fn(&Drift) + Send + Sync + 'static> DriftObserver for F {
    fn observe(&self, drift: &Drift) {
        self(drift)
    }
}

/// The observer of [`ClientBuilder::drift_tracing`](super::ClientBuilder::drift_tracing): the
/// `tracing` events alone.
pub(crate) struct TracingOnly;

impl DriftObserver for TracingOnly {
    fn observe(&self, _: &Drift) {}
}

/// A client's observer, shared by its clones.
pub(crate) type Observer = Arc<dyn DriftObserver>;

// ---------------------------------------------------------------------------------------------
// Shapes: what the generator writes for every type a response can hold.

/// The shape of a JSON value as the spec describes it; the generator writes one per type
/// ([`FromJson::SHAPE`](super::read::FromJson::SHAPE)).
#[derive(Debug)]
pub enum Shape {
    /// Free-form JSON: not checked.
    Any,
    /// A string (also ids, dates and date-times).
    String,
    /// An integer.
    Integer,
    /// Any number.
    Number,
    /// A boolean.
    Boolean,
    /// `null` only.
    Null,
    /// The inner shape, or `null`.
    Nullable(&'static Shape),
    /// An array of the inner shape.
    List(&'static Shape),
    /// An object whose values all have the inner shape, with any keys.
    Map(&'static Shape),
    /// A named spec type; a function, so that types may refer to each other (and to
    /// themselves) without a cycle among constants.
    Type(fn() -> &'static TypeShape),
}

/// A named spec type.
#[derive(Debug)]
pub struct TypeShape {
    /// The spec's name.
    pub name: &'static str,
    /// Its form.
    pub form: Form,
}

/// The form of a named spec type.
#[derive(Debug)]
pub enum Form {
    /// An object with these fields (an exactly-one-of choice is an object of optional fields).
    Object(&'static [FieldShape]),
    /// A string from this list.
    Enum(&'static [&'static str]),
    /// The first of these that fits (the walk reports the member that fits best).
    Union(&'static [&'static Shape]),
    /// An object whose `tag` names the variant; a variant's payload object is read from the
    /// same object.
    Tagged {
        /// The tag's key.
        tag: &'static str,
        /// Tag values, with their payload's shape when they have one.
        variants: &'static [(&'static str, Option<&'static Shape>)],
    },
}

/// One field of an object.
#[derive(Debug)]
pub struct FieldShape {
    /// The key.
    pub wire: &'static str,
    /// The value's shape (without the field's own `null`).
    pub shape: &'static Shape,
    /// The key may be absent.
    pub may_be_absent: bool,
    /// The value may be `null`.
    pub nullable: bool,
    /// The field's type is merged into this object (`shape` is its named type).
    pub flatten: bool,
}

impl FieldShape {
    /// A field with the spec's two flags.
    pub const fn new(wire: &'static str, shape: &'static Shape, may_be_absent: bool, nullable: bool) -> FieldShape {
        FieldShape { wire, shape, may_be_absent, nullable, flatten: false }
    }

    /// A member of type `shape` merged into the object.
    pub const fn flatten(shape: &'static Shape) -> FieldShape {
        FieldShape { wire: "", shape, may_be_absent: false, nullable: false, flatten: true }
    }
}

impl Shape {
    /// What a report says was expected.
    fn expected(&self) -> (&'static str, Option<&'static str>) {
        match self {
            Shape::Any => ("any", None),
            Shape::String => ("string", None),
            Shape::Integer => ("integer", None),
            Shape::Number => ("number", None),
            Shape::Boolean => ("boolean", None),
            Shape::Null => ("null", None),
            Shape::Nullable(inner) => inner.expected(),
            Shape::List(_) => ("array", None),
            Shape::Map(_) => ("object", None),
            Shape::Type(shape) => {
                let shape = shape();
                (shape.name, Some(shape.name))
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The walk.

/// Parses `body` and reports every difference from `shape` to `observer`, as `tracing` events
/// too. A body that is not JSON is not walked (the decode reports it).
#[inline(never)]
pub(crate) fn check(observer: &dyn DriftObserver, operation: &'static str, shape: &'static Shape, body: &[u8]) {
    let text = if body.iter().all(u8::is_ascii_whitespace) { &b"null"[..] } else { body };
    let Ok(value) = serde_json::from_slice::<Value>(text) else { return };
    for drift in walk(operation, shape, &value) {
        emit(observer, &drift);
    }
}

/// Every difference between `value` and `shape`, as a client with an observer finds them; the generated tests
/// walk the spec's examples with it.
pub fn walk(operation: &'static str, shape: &'static Shape, value: &Value) -> Vec<Drift> {
    let mut walk = Walk { operation, out: Vec::new(), path: String::new() };
    walk.value(shape, value);
    walk.out
}

fn emit(observer: &dyn DriftObserver, drift: &Drift) {
    tracing::debug!(
        target: concat!(env!("CARGO_CRATE_NAME"), "::drift"),
        operation = drift.operation,
        path = drift.path.as_str(),
        kind = drift.kind.as_str(),
        type_name = drift.type_name,
        json_type = drift.json_type.map(JsonType::as_str),
        expected = drift.expected,
        value = drift.value.as_deref(),
        "the response differs from the spec"
    );
    observer.observe(drift);
}

struct Walk {
    operation: &'static str,
    out: Vec<Drift>,
    /// The path of the value being walked.
    path: String,
}

impl Walk {
    fn push(
        &mut self,
        kind: DriftKind,
        type_name: Option<&'static str>,
        json_type: Option<JsonType>,
        expected: Option<&'static str>,
        value: Option<String>,
    ) {
        let path = self.path.clone();
        self.out.push(Drift { operation: self.operation, path, kind, type_name, json_type, expected, value });
    }

    fn wrong(&mut self, shape: &Shape, v: &Value) {
        let (expected, name) = shape.expected();
        self.push(DriftKind::WrongType, name, Some(JsonType::of(v)), Some(expected), None);
    }

    /// Walks `v` under the path segment `segment` (`.key`, `[3]`).
    fn at(&mut self, segment: impl fmt::Display, f: impl FnOnce(&mut Walk)) {
        use fmt::Write;
        let len = self.path.len();
        let _ = write!(self.path, "{segment}");
        f(self);
        self.path.truncate(len);
    }

    fn key(&mut self, key: &str, f: impl FnOnce(&mut Walk)) {
        let len = self.path.len();
        if !self.path.is_empty() {
            self.path.push('.');
        }
        self.path.push_str(key);
        f(self);
        self.path.truncate(len);
    }

    fn value(&mut self, shape: &'static Shape, v: &Value) {
        let fits = match shape {
            Shape::Any => true,
            Shape::String => v.is_string(),
            Shape::Integer => v.is_i64() || v.is_u64(),
            Shape::Number => v.is_number(),
            Shape::Boolean => v.is_boolean(),
            Shape::Null => v.is_null(),
            Shape::Nullable(inner) => {
                if !v.is_null() {
                    self.value(inner, v);
                }
                true
            }
            Shape::List(item) => match v.as_array() {
                Some(items) => {
                    for (i, x) in items.iter().enumerate() {
                        self.at(format_args!("[{i}]"), |w| w.value(item, x));
                    }
                    true
                }
                None => false,
            },
            Shape::Map(item) => match v.as_object() {
                Some(entries) => {
                    // Keys of a map are data: none is kept.
                    for x in entries.values() {
                        self.key("*", |w| w.value(item, x));
                    }
                    true
                }
                None => false,
            },
            Shape::Type(def) => return self.named(def(), shape, v),
        };
        if !fits {
            self.wrong(shape, v);
        }
    }

    fn named(&mut self, def: &'static TypeShape, shape: &'static Shape, v: &Value) {
        match &def.form {
            Form::Enum(values) => match v.as_str() {
                Some(s) if values.contains(&s) => {}
                Some(s) => self.push(
                    DriftKind::UnknownEnumValue,
                    Some(def.name),
                    Some(JsonType::String),
                    None,
                    Some(s.to_owned()),
                ),
                None => self.wrong(shape, v),
            },
            Form::Object(_) | Form::Tagged { .. } => match v.as_object() {
                Some(object) => {
                    let mut known = Vec::new();
                    if let Some(holder) = self.fields(def, object, &mut known, true) {
                        self.unknown_keys(holder, object, &known);
                    }
                }
                None => self.wrong(shape, v),
            },
            Form::Union(members) => {
                // Each member on its own; the one with the fewest mismatches, then the fewest
                // unknown keys and values, is reported.
                let saved = std::mem::take(&mut self.out);
                let mut best: Option<((usize, usize), Vec<Drift>)> = None;
                for member in *members {
                    self.value(member, v);
                    let trial = std::mem::take(&mut self.out);
                    let score = score(&trial);
                    if best.as_ref().is_none_or(|(s, _)| score < *s) {
                        best = Some((score, trial));
                    }
                }
                self.out = saved;
                if let Some((_, trial)) = best {
                    self.out.extend(trial);
                }
            }
        }
    }

    /// Reads the fields of `def` (an object or tagged union) from `object`, collecting the keys
    /// taken in `known`. Returns the type that unknown keys are reported on, or `None` when
    /// there is nothing more to report: the object's own keys were reported here (`direct`, an
    /// object not merged into another), or a tag was absent or unknown (the object is opaque).
    fn fields(
        &mut self,
        def: &'static TypeShape,
        object: &serde_json::Map<String, Value>,
        known: &mut Vec<&'static str>,
        direct: bool,
    ) -> Option<&'static TypeShape> {
        match &def.form {
            Form::Object(fields) if direct && fields.len() <= 128 && !fields.iter().any(|f| f.flatten) => {
                // One pass over the keys, each looked for from just after the previous match
                // (servers keep the declared order), then the fields never seen.
                let mut present = 0u128;
                let mut next = 0;
                for (key, v) in object {
                    let found = (next..fields.len()).chain(0..next).find(|&i| fields[i].wire == key);
                    match found {
                        Some(i) => {
                            present |= 1 << i;
                            next = i + 1;
                            self.field(def, &fields[i], v);
                        }
                        None if known.contains(&key.as_str()) => {}
                        None => self.key(key, |w| {
                            w.push(DriftKind::UnknownField, Some(def.name), Some(JsonType::of(v)), None, None);
                        }),
                    }
                }
                for (i, field) in fields.iter().enumerate() {
                    if present & (1 << i) == 0 && !field.may_be_absent {
                        self.key(field.wire, |w| w.push(DriftKind::MissingField, Some(def.name), None, None, None));
                    }
                }
                None
            }
            Form::Object(fields) => {
                for field in *fields {
                    if field.flatten {
                        if let Shape::Type(inner) = field.shape {
                            self.fields(inner(), object, known, false)?;
                        }
                        continue;
                    }
                    known.push(field.wire);
                    match object.get(field.wire) {
                        None if !field.may_be_absent => self.key(field.wire, |w| {
                            w.push(DriftKind::MissingField, Some(def.name), None, None, None);
                        }),
                        None => {}
                        Some(v) => self.field(def, field, v),
                    }
                }
                Some(def)
            }
            Form::Tagged { tag, variants } => {
                known.push(tag);
                let Some(found) = object.get(*tag) else {
                    self.key(tag, |w| w.push(DriftKind::MissingField, Some(def.name), None, None, None));
                    return None;
                };
                let Some(text) = found.as_str() else {
                    self.key(tag, |w| {
                        w.push(DriftKind::WrongType, None, Some(JsonType::of(found)), Some("string"), None);
                    });
                    return None;
                };
                let Some((_, payload)) = variants.iter().find(|(value, _)| *value == text) else {
                    self.key(tag, |w| {
                        w.push(
                            DriftKind::UnknownTag,
                            Some(def.name),
                            Some(JsonType::String),
                            None,
                            Some(text.to_owned()),
                        );
                    });
                    return None;
                };
                match payload {
                    Some(Shape::Type(inner)) => self.fields(inner(), object, known, direct),
                    _ => Some(def),
                }
            }
            Form::Enum(_) | Form::Union(_) => Some(def),
        }
    }

    /// The value of `field` of object `def`, present.
    fn field(&mut self, def: &'static TypeShape, field: &'static FieldShape, v: &Value) {
        match v {
            Value::Null if !field.nullable => self.key(field.wire, |w| {
                w.push(DriftKind::UnexpectedNull, Some(def.name), Some(JsonType::Null), None, None);
            }),
            Value::Null => {}
            v => self.key(field.wire, |w| w.value(field.shape, v)),
        }
    }

    /// Keys of `object` that no field took, reported on `def`.
    fn unknown_keys(&mut self, def: &'static TypeShape, object: &serde_json::Map<String, Value>, known: &[&str]) {
        for (key, v) in object {
            if !known.contains(&key.as_str()) {
                self.key(key, |w| w.push(DriftKind::UnknownField, Some(def.name), Some(JsonType::of(v)), None, None));
            }
        }
    }
}

/// How badly a union member fits: (mismatches, unknown keys and values).
fn score(found: &[Drift]) -> (usize, usize) {
    let unknown =
        found.iter().filter(|d| matches!(d.kind, DriftKind::UnknownField | DriftKind::UnknownEnumValue)).count();
    (found.len() - unknown, unknown)
}
