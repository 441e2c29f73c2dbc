//! Checks a JSON example against a type, and computes what the generated code will encode back.
//!
//! The same walk serves two purposes: validation (does the example fit its type?) and the
//! round-trip tests emitted into the crate (decoding then encoding the example must give exactly
//! the example without the keys the type does not know, with `number` values as floats and
//! absent-able nulls dropped, which is what serde does). A response type reads an
//! optional-and-nullable field as `Option`, so its `null` is dropped too; a request type keeps
//! it (`Patch::Null`).
//!
//! The walk does not stop at the first mismatch: every one is collected with the path of keys
//! that leads to it, so a diagnostic can point at the field at fault.

use std::collections::HashMap;
use std::fmt;

use serde_json::{Map, Value};

use crate::diag::did_you_mean;
use crate::ir::{Presence, TypeDef, TypeKind, TypeRef};

/// Types by spec name.
pub(crate) type Types<'a> = HashMap<&'a str, &'a TypeDef>;

/// One step from an example's root to a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    /// An object key.
    Key(String),
    /// A list index.
    Index(usize),
}

/// One way an example does not fit its type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mismatch {
    /// Where, from the example's root.
    pub steps: Vec<Step>,
    /// What is wrong, without the place.
    pub message: String,
    /// What to do, when there is something better to say than "fix the example".
    pub hint: Option<String>,
}

impl Mismatch {
    /// `calls[0].status`, or the empty string at the root.
    pub(crate) fn path(&self) -> String {
        let mut out = String::new();
        for s in &self.steps {
            match s {
                Step::Key(k) if out.is_empty() => out.push_str(k),
                Step::Key(k) => {
                    out.push('.');
                    out.push_str(k);
                }
                Step::Index(i) => out.push_str(&format!("[{i}]")),
            }
        }
        out
    }
}

/// Every mismatch of one example.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mismatches {
    /// What the example is (`example`, `request`, `response`).
    pub what: String,
    /// The mismatches, in the order the walk met them.
    pub list: Vec<Mismatch>,
}

impl fmt::Display for Mismatches {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, m) in self.list.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            let path = m.path();
            if path.is_empty() {
                write!(f, "{}: {}", self.what, m.message)?;
            } else {
                write!(f, "{}.{path}: {}", self.what, m.message)?;
            }
        }
        Ok(())
    }
}

/// Checks `value` against `ty`. On success returns the value the generated code encodes back;
/// otherwise every mismatch. `what` names the example in messages.
pub(crate) fn conform(types: &Types<'_>, ty: &TypeRef, value: &Value, what: &str) -> Result<Value, Mismatches> {
    walk(types, ty, value, what, false)
}

/// [`conform`] for a spec example: every key no field takes is a mismatch too, not only a key
/// that looks like a misspelt field. (Values built on purpose with unknown keys, such as the
/// endpoint tests' pages of unknown values, go through [`conform`].)
pub(crate) fn conform_example(types: &Types<'_>, ty: &TypeRef, value: &Value, what: &str) -> Result<Value, Mismatches> {
    walk(types, ty, value, what, true)
}

fn walk(types: &Types<'_>, ty: &TypeRef, value: &Value, what: &str, strict: bool) -> Result<Value, Mismatches> {
    let mut walk = Walk { types, steps: Vec::new(), found: Vec::new(), strict };
    let out = walk.value(ty, value);
    if walk.found.is_empty() { Ok(out) } else { Err(Mismatches { what: what.to_string(), list: walk.found }) }
}

struct Walk<'t, 'a> {
    types: &'t Types<'a>,
    steps: Vec<Step>,
    found: Vec<Mismatch>,
    /// Every unknown key is a mismatch, not only a likely typo.
    strict: bool,
}

impl Walk<'_, '_> {
    fn fail(&mut self, message: String, hint: Option<String>) -> Value {
        self.found.push(Mismatch { steps: self.steps.clone(), message, hint });
        Value::Null
    }

    fn expect(&mut self, ok: bool, value: &Value, what: &str) -> Value {
        if ok { value.clone() } else { self.fail(format!("expected {what}, found {}", show(value)), None) }
    }

    fn at<T>(&mut self, step: Step, f: impl FnOnce(&mut Self) -> T) -> T {
        self.steps.push(step);
        let out = f(self);
        self.steps.pop();
        out
    }

    fn value(&mut self, ty: &TypeRef, value: &Value) -> Value {
        match ty {
            TypeRef::String => self.expect(value.is_string(), value, "a string"),
            TypeRef::Date => match value.as_str() {
                Some(s) if is_date(s) => value.clone(),
                _ => self.fail(format!("expected a date like \"2026-03-01\", found {}", show(value)), None),
            },
            TypeRef::DateTime => match value.as_str() {
                Some(s) if is_datetime(s) => value.clone(),
                _ => self.fail(
                    format!("expected an ISO 8601 date-time like \"2026-03-01T09:00:00Z\", found {}", show(value)),
                    None,
                ),
            },
            TypeRef::Integer => {
                let ok = value.as_i64().is_some();
                self.expect(ok, value, "an integer")
            }
            TypeRef::Number => match value.as_f64() {
                Some(f) => serde_json::Number::from_f64(f).map(Value::Number).unwrap_or(Value::Null),
                None => self.fail(format!("expected a number, found {}", show(value)), None),
            },
            TypeRef::Boolean => self.expect(value.is_boolean(), value, "true or false"),
            TypeRef::Json => value.clone(),
            TypeRef::File => self.fail("a file cannot appear in a JSON example".into(), None),
            TypeRef::List(item) => {
                let Some(items) = value.as_array() else {
                    return self.fail(format!("expected a list, found {}", show(value)), None);
                };
                Value::Array(
                    items.iter().enumerate().map(|(i, v)| self.at(Step::Index(i), |w| w.value(item, v))).collect(),
                )
            }
            TypeRef::Map(item) => {
                let Some(entries) = value.as_object() else {
                    return self.fail(format!("expected a mapping, found {}", show(value)), None);
                };
                let mut out = Map::new();
                for (k, v) in entries {
                    let conformed = self.at(Step::Key(k.clone()), |w| w.value(item, v));
                    out.insert(k.clone(), conformed);
                }
                Value::Object(out)
            }
            TypeRef::Named(name) => {
                let def = self.types[name.as_str()];
                self.named(def, value)
            }
        }
    }

    fn named(&mut self, def: &TypeDef, value: &Value) -> Value {
        match &def.kind {
            TypeKind::Enum(_) | TypeKind::Newtype => {
                self.expect(value.is_string(), value, &format!("a `{}` string", def.name))
            }
            TypeKind::OneOf(_) => {
                let Some(object) = value.as_object() else {
                    return self.fail(format!("expected a `{}` object, found {}", def.name, show(value)), None);
                };
                let mut out = Map::new();
                let used = self.one_of(def, object, &mut out);
                for extra in object.keys().filter(|k| !used.contains(k)) {
                    let message =
                        format!("`{}` holds exactly one field, and `{extra}` is not one of its fields", def.name);
                    self.at(Step::Key(extra.clone()), |w| w.fail(message, None));
                }
                Value::Object(out)
            }
            TypeKind::Object(_) => {
                let Some(object) = value.as_object() else {
                    return self.fail(format!("expected a `{}` object, found {}", def.name, show(value)), None);
                };
                let mut out = Map::new();
                self.fields(def, object, &mut out, &mut Vec::new(), true);
                Value::Object(out)
            }
            TypeKind::Union(members) => {
                let mut reasons = Vec::new();
                for m in members {
                    let mut trial =
                        Walk { types: self.types, steps: Vec::new(), found: Vec::new(), strict: self.strict };
                    let v = trial.value(&m.ty, value);
                    if trial.found.is_empty() {
                        return v;
                    }
                    let why = Mismatches { what: "value".into(), list: trial.found };
                    reasons.push(format!("as {}: {why}", m.rust));
                }
                self.fail(format!("fits no member of `{}` ({})", def.name, reasons.join("; ")), None)
            }
            TypeKind::Tagged(_) => {
                let Some(object) = value.as_object() else {
                    return self.fail(format!("expected a `{}` object, found {}", def.name, show(value)), None);
                };
                let mut out = Map::new();
                if let Some(v) = self.tagged(def, object, &mut out, &mut Vec::new(), true) {
                    return v;
                }
                Value::Object(out)
            }
        }
    }

    /// A tagged union read from `object` into `out`; `Some` for an unknown tag of an open
    /// union, which is kept as it is.
    fn tagged(
        &mut self,
        def: &TypeDef,
        object: &Map<String, Value>,
        out: &mut Map<String, Value>,
        known: &mut Vec<String>,
        top: bool,
    ) -> Option<Value> {
        let TypeKind::Tagged(tagged) = &def.kind else { return None };
        let Some(tag) = object.get(&tagged.tag).and_then(Value::as_str) else {
            self.fail(format!("missing the `{}` tag of `{}`", tagged.tag, def.name), None);
            return None;
        };
        known.push(tagged.tag.clone());
        let Some(variant) = tagged.variants.iter().find(|v| v.tag_value == tag) else {
            if tagged.open {
                return Some(Value::Object(object.clone()));
            }
            let known_tags: Vec<&str> = tagged.variants.iter().map(|v| v.tag_value.as_str()).collect();
            let hint = did_you_mean(tag, known_tags.iter().copied());
            let message =
                format!("`{tag}` is not a known `{}` of `{}` (known: {})", tagged.tag, def.name, known_tags.join(", "));
            self.at(Step::Key(tagged.tag.clone()), |w| w.fail(message, hint));
            return None;
        };
        out.insert(tagged.tag.clone(), Value::String(tag.to_string()));
        if let Some(ty) = &variant.ty {
            let inner = self.types[ty.as_str()];
            self.fields(inner, object, out, known, top);
        }
        None
    }

    /// Conforms the fields of an object type, flattening where the spec says so. `known`
    /// collects the keys some field takes; at the top of the walk over one object, a key that
    /// no field takes and that looks like a misspelt field is a mismatch.
    fn fields(
        &mut self,
        def: &TypeDef,
        object: &Map<String, Value>,
        out: &mut Map<String, Value>,
        known: &mut Vec<String>,
        top: bool,
    ) {
        let TypeKind::Object(fields) = &def.kind else {
            self.fail(format!("`{}` is not an object", def.name), None);
            return;
        };
        let mut missing = Vec::new();
        for field in fields {
            if field.flatten {
                let Some(inner) = field.ty.named().map(|n| self.types[n]) else { continue };
                match &inner.kind {
                    TypeKind::OneOf(_) => known.extend(self.one_of(inner, object, out)),
                    TypeKind::Object(_) => self.fields(inner, object, out, known, false),
                    TypeKind::Tagged(_) => {
                        // An unknown tag of an open union keeps the whole object.
                        if let Some(Value::Object(m)) = self.tagged(inner, object, out, known, false) {
                            known.extend(m.keys().cloned());
                            out.extend(m);
                        }
                    }
                    // Not flattenable (reported by the loader): its key is not unknown too.
                    _ => known.push(field.wire.clone()),
                }
                continue;
            }
            known.push(field.wire.clone());
            let step = Step::Key(field.wire.clone());
            match (object.get(&field.wire), def.rust_presence(field)) {
                (None, Presence::Required | Presence::Nullable) => missing.push(field.wire.clone()),
                (None, _) => {}
                (Some(Value::Null), Presence::Nullable | Presence::OptionalNullable) => {
                    out.insert(field.wire.clone(), Value::Null);
                }
                (Some(Value::Null), Presence::Optional) => {}
                (Some(Value::Null), Presence::Required) => {
                    self.at(step, |w| {
                        w.fail(
                            "null is not allowed".into(),
                            Some("mark the field `nullable: true`, or give a value".into()),
                        )
                    });
                }
                (Some(v), _) => {
                    let conformed = self.at(step, |w| w.value(&field.ty, v));
                    out.insert(field.wire.clone(), conformed);
                }
            }
        }
        if !top {
            for wire in missing {
                self.missing(def, &wire, object, &[]);
            }
            return;
        }
        // Keys no field takes: dropped on decode, so an example holding one shows data the crate
        // never reads (a key left behind by a rename, a made-up one). Every one is reported; a
        // key close to a field's name as a typo, with a did-you-mean hint.
        let unknown: Vec<&String> = object.keys().filter(|k| !known.contains(k)).collect();
        let field_names: Vec<&str> = fields.iter().filter(|f| !f.flatten).map(|f| f.wire.as_str()).collect();
        let mut explained = Vec::new();
        for key in &unknown {
            let message = format!("`{key}` is not a field of `{}`", def.name);
            match did_you_mean(key, field_names.iter().copied()) {
                Some(hint) => {
                    self.at(Step::Key((*key).clone()), |w| w.fail(message, Some(hint)));
                    explained.push((*key).clone());
                }
                None if self.strict => {
                    let hint = format!(
                        "remove it from the example, or declare it under `fields:` of `{}` (its fields: {})",
                        def.name,
                        field_list(&field_names)
                    );
                    self.at(Step::Key((*key).clone()), |w| w.fail(message, Some(hint)));
                }
                None => {}
            }
        }
        for wire in missing {
            self.missing(def, &wire, object, &explained);
        }
    }

    /// A required field is absent, unless a misspelling of it was already reported.
    fn missing(&mut self, def: &TypeDef, wire: &str, object: &Map<String, Value>, explained: &[String]) {
        let misspelt = explained.iter().any(|k| did_you_mean(k, [wire]).is_some());
        if misspelt {
            return;
        }
        let hint = did_you_mean(wire, object.keys().map(String::as_str))
            .map(|_| "a key of the example is close to this name: check its spelling".to_string());
        self.fail(format!("missing required field `{wire}` of `{}`", def.name), hint);
    }

    /// Exactly one field of a `one_of` type is present in `object`; it is conformed into `out`.
    /// Returns the keys it took.
    fn one_of(&mut self, def: &TypeDef, object: &Map<String, Value>, out: &mut Map<String, Value>) -> Vec<String> {
        let TypeKind::OneOf(members) = &def.kind else {
            self.fail(format!("`{}` is not a `one_of` type", def.name), None);
            return Vec::new();
        };
        let present: Vec<_> = members.iter().filter(|m| object.contains_key(&m.wire)).collect();
        let names = members.iter().map(|m| format!("`{}`", m.wire)).collect::<Vec<_>>().join(", ");
        match present.as_slice() {
            [m] => {
                let conformed = self.at(Step::Key(m.wire.clone()), |w| w.value(&m.ty, &object[&m.wire]));
                out.insert(m.wire.clone(), conformed);
            }
            [] => {
                self.fail(
                    format!("needs exactly one of {names} (`{}`), found none", def.name),
                    Some("add one of them: Ringg rejects a request with none".into()),
                );
            }
            [_, rest @ ..] => {
                let all = present.iter().map(|m| format!("`{}`", m.wire)).collect::<Vec<_>>().join(" and ");
                for m in rest {
                    let message = format!("needs exactly one of {names} (`{}`), found {all}", def.name);
                    self.at(Step::Key(m.wire.clone()), |w| {
                        w.fail(message, Some("keep one of them: Ringg rejects a request with several".into()))
                    });
                }
            }
        }
        present.iter().map(|m| m.wire.clone()).collect()
    }
}

fn show(value: &Value) -> String {
    let s = value.to_string();
    if s.chars().count() > 40 { format!("{}...", s.chars().take(40).collect::<String>()) } else { s }
}

/// The forms `ringg::Timestamp::parts` reads: a date, or a date, `T`, `HH:MM`, optional
/// `:SS` with an optional fraction of 1 to 9 digits, and an optional `Z` or `+HH:MM` offset.
fn is_datetime(s: &str) -> bool {
    let (Some(date), rest) = (s.get(..10), s.get(10..).unwrap_or("")) else { return false };
    if !is_date(date) {
        return false;
    }
    let Some(time) = rest.strip_prefix(['T', 't', ' ']) else { return rest.is_empty() };
    let digits = |t: &str, n: usize| t.len() >= n && t[..n].bytes().all(|c| c.is_ascii_digit());
    let hh_mm = |t: &str| digits(t, 2) && t.as_bytes().get(2) == Some(&b':') && digits(&t[3..], 2);
    if !(time.len() >= 5 && hh_mm(time)) {
        return false;
    }
    let mut rest = &time[5..];
    if let Some(seconds) = rest.strip_prefix(':') {
        if !digits(seconds, 2) {
            return false;
        }
        rest = &seconds[2..];
        if let Some(fraction) = rest.strip_prefix('.') {
            let n = fraction.bytes().take_while(u8::is_ascii_digit).count();
            if !(1..=9).contains(&n) {
                return false;
            }
            rest = &fraction[n..];
        }
    }
    match rest.as_bytes() {
        [] | [b'Z' | b'z'] => true,
        [b'+' | b'-', ..] => rest.len() == 6 && hh_mm(&rest[1..]),
        _ => false,
    }
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

/// `a`, `b`, `c`: a type's field names for a hint, the first eight and a count of the rest.
fn field_list(names: &[&str]) -> String {
    let mut out: Vec<String> = names.iter().take(8).map(|n| format!("`{n}`")).collect();
    if names.len() > 8 {
        out.push(format!("{} more", names.len() - 8));
    }
    if out.is_empty() { "none".to_string() } else { out.join(", ") }
}

#[cfg(test)]
mod tests {
    use super::is_datetime;

    #[test]
    fn datetimes_in_examples_are_the_forms_the_crate_reads() {
        for ok in [
            "2025-11-24",
            "2025-11-24T07:33",
            "2025-11-24T07:33:49.629642",
            "2025-11-24T07:33:49Z",
            "2025-11-24 07:33:49+05:30",
            "2025-11-24T07:33:49.5-08:00",
        ] {
            assert!(is_datetime(ok), "{ok}");
        }
        for bad in [
            "",
            "2025-11-24T",
            "2025-11-24T7:33",
            "2025-11-24T07:33:4",
            "2025-11-24T07:33:49.",
            "2025-11-24T07:33:49+0530",
            "2025-11-24T07:33:49 UTC",
            "2025-11-24X07:33",
            "yesterday",
            "2025-11-24T07:33:49.1234567890Z",
        ] {
            assert!(!is_datetime(bad), "{bad}");
        }
    }
}
