//! Checks a JSON example against a type, and computes what the generated code will encode back.
//!
//! The same walk serves two purposes: validation (does the example fit its type?) and the
//! round-trip tests emitted into the crate (decoding then encoding the example must give exactly
//! the example without the keys the type does not know, with `number` values as floats and
//! absent-able nulls dropped, which is what serde does).

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::ir::{Presence, TypeDef, TypeKind, TypeRef};

/// Types by spec name.
pub(crate) type Types<'a> = HashMap<&'a str, &'a TypeDef>;

/// Checks `value` against `ty`. On success returns the value the generated code encodes back.
pub(crate) fn conform(types: &Types<'_>, ty: &TypeRef, value: &Value, at: &str) -> Result<Value, String> {
    match ty {
        TypeRef::String => expect(value.is_string(), value, "a string", at),
        TypeRef::Date => match value.as_str() {
            Some(s) if is_date(s) => Ok(value.clone()),
            _ => Err(format!("{at}: expected a date like \"2026-03-01\", found {}", show(value))),
        },
        TypeRef::DateTime => match value.as_str() {
            Some(s) if is_datetime(s) => Ok(value.clone()),
            _ => Err(format!(
                "{at}: expected an ISO 8601 date-time like \"2026-03-01T09:00:00Z\", found {}",
                show(value)
            )),
        },
        TypeRef::Integer => match value.as_i64() {
            Some(_) => Ok(value.clone()),
            None => Err(format!("{at}: expected an integer, found {}", show(value))),
        },
        TypeRef::Number => match value.as_f64() {
            Some(f) => Ok(serde_json::Number::from_f64(f).map(Value::Number).unwrap_or(Value::Null)),
            None => Err(format!("{at}: expected a number, found {}", show(value))),
        },
        TypeRef::Boolean => expect(value.is_boolean(), value, "true or false", at),
        TypeRef::Json => Ok(value.clone()),
        TypeRef::File => Err(format!("{at}: a file cannot appear in a JSON example")),
        TypeRef::List(item) => {
            let Some(items) = value.as_array() else {
                return Err(format!("{at}: expected a list, found {}", show(value)));
            };
            items
                .iter()
                .enumerate()
                .map(|(i, v)| conform(types, item, v, &format!("{at}[{i}]")))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array)
        }
        TypeRef::Map(item) => {
            let Some(entries) = value.as_object() else {
                return Err(format!("{at}: expected a mapping, found {}", show(value)));
            };
            let mut out = Map::new();
            for (k, v) in entries {
                out.insert(k.clone(), conform(types, item, v, &format!("{at}.{k}"))?);
            }
            Ok(Value::Object(out))
        }
        TypeRef::Named(name) => {
            let def = types[name.as_str()];
            conform_named(types, def, value, at)
        }
    }
}

fn conform_named(types: &Types<'_>, def: &TypeDef, value: &Value, at: &str) -> Result<Value, String> {
    match &def.kind {
        TypeKind::Enum(_) => expect(value.is_string(), value, &format!("a `{}` string", def.name), at),
        TypeKind::Object(_) => {
            let Some(object) = value.as_object() else {
                return Err(format!("{at}: expected a `{}` object, found {}", def.name, show(value)));
            };
            let mut out = Map::new();
            conform_fields(types, def, object, at, &mut out)?;
            Ok(Value::Object(out))
        }
        TypeKind::Union(members) => {
            let mut reasons = Vec::new();
            for m in members {
                match conform(types, &m.ty, value, at) {
                    Ok(v) => return Ok(v),
                    Err(e) => reasons.push(format!("as {}: {e}", m.rust)),
                }
            }
            Err(format!(
                "{at}: fits no member of `{}` ({})",
                def.name,
                reasons.join("; ")
            ))
        }
        TypeKind::Tagged(tagged) => {
            let Some(object) = value.as_object() else {
                return Err(format!("{at}: expected a `{}` object, found {}", def.name, show(value)));
            };
            let Some(tag) = object.get(&tagged.tag).and_then(Value::as_str) else {
                return Err(format!("{at}: missing the `{}` tag of `{}`", tagged.tag, def.name));
            };
            let Some(variant) = tagged.variants.iter().find(|v| v.tag_value == tag) else {
                if tagged.open {
                    return Ok(value.clone());
                }
                let known: Vec<&str> = tagged.variants.iter().map(|v| v.tag_value.as_str()).collect();
                return Err(format!(
                    "{at}: `{tag}` is not a known `{}` of `{}` (known: {})",
                    tagged.tag,
                    def.name,
                    known.join(", ")
                ));
            };
            let mut out = Map::new();
            out.insert(tagged.tag.clone(), Value::String(tag.to_string()));
            if let Some(ty) = &variant.ty {
                let inner = types[ty.as_str()];
                let mut rest = object.clone();
                rest.remove(&tagged.tag);
                conform_fields(types, inner, &rest, at, &mut out)?;
            }
            Ok(Value::Object(out))
        }
    }
}

/// Conforms the fields of an object type, flattening where the spec says so.
fn conform_fields(
    types: &Types<'_>,
    def: &TypeDef,
    object: &Map<String, Value>,
    at: &str,
    out: &mut Map<String, Value>,
) -> Result<(), String> {
    let TypeKind::Object(fields) = &def.kind else {
        return Err(format!("{at}: `{}` is not an object", def.name));
    };
    for field in fields {
        let here = format!("{at}.{}", field.wire);
        if field.flatten {
            let v = conform(types, &field.ty, &Value::Object(object.clone()), at)?;
            if let Value::Object(m) = v {
                out.extend(m);
            }
            continue;
        }
        match (object.get(&field.wire), field.presence) {
            (None, Presence::Required | Presence::Nullable) => {
                return Err(format!("{here}: missing required field of `{}`", def.name));
            }
            (None, _) => {}
            (Some(Value::Null), Presence::Nullable | Presence::OptionalNullable) => {
                out.insert(field.wire.clone(), Value::Null);
            }
            (Some(Value::Null), Presence::Optional) => {}
            (Some(Value::Null), Presence::Required) => {
                return Err(format!("{here}: null is not allowed (mark the field `nullable: true`)"));
            }
            (Some(v), _) => {
                out.insert(field.wire.clone(), conform(types, &field.ty, v, &here)?);
            }
        }
    }
    Ok(())
}

fn expect(ok: bool, value: &Value, what: &str, at: &str) -> Result<Value, String> {
    if ok {
        Ok(value.clone())
    } else {
        Err(format!("{at}: expected {what}, found {}", show(value)))
    }
}

fn show(value: &Value) -> String {
    let s = value.to_string();
    if s.chars().count() > 40 {
        format!("{}...", s.chars().take(40).collect::<String>())
    } else {
        s
    }
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

#[cfg(test)]
mod tests {
    use super::is_datetime;

    #[test]
    fn datetimes_in_examples_are_the_forms_the_crate_reads() {
        for ok in ["2025-11-24", "2025-11-24T07:33", "2025-11-24T07:33:49.629642", "2025-11-24T07:33:49Z",
            "2025-11-24 07:33:49+05:30", "2025-11-24T07:33:49.5-08:00"]
        {
            assert!(is_datetime(ok), "{ok}");
        }
        for bad in ["", "2025-11-24T", "2025-11-24T7:33", "2025-11-24T07:33:4", "2025-11-24T07:33:49.",
            "2025-11-24T07:33:49+0530", "2025-11-24T07:33:49 UTC", "2025-11-24X07:33", "yesterday",
            "2025-11-24T07:33:49.1234567890Z"]
        {
            assert!(!is_datetime(bad), "{bad}");
        }
    }
}
