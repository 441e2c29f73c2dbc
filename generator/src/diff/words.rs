//! Shared vocabulary of the comparisons: Rust spellings, widening, and how names are shown.

use crate::ir::{Api, Field, Presence, Response, TypeKind, TypeRef};

/// The Rust spelling of a type, as the emitter writes it.
pub(super) fn rust_ty(api: &Api, t: &TypeRef) -> String {
    match t {
        TypeRef::String => "String".into(),
        TypeRef::Date => "Date".into(),
        TypeRef::DateTime => "Timestamp".into(),
        TypeRef::Integer => "i64".into(),
        TypeRef::Number => "f64".into(),
        TypeRef::Boolean => "bool".into(),
        TypeRef::Json => "serde_json::Value".into(),
        TypeRef::File => "Upload".into(),
        TypeRef::List(inner) => format!("Vec<{}>", rust_ty(api, inner)),
        TypeRef::Map(inner) => format!("BTreeMap<String, {}>", rust_ty(api, inner)),
        TypeRef::Named(n) => api.type_def(n).map_or_else(|| n.clone(), |d| d.rust.clone()),
    }
}

/// The type as it is on the wire: a newtype is its string.
pub(super) fn wire_ty(api: &Api, t: &TypeRef) -> TypeRef {
    match t {
        TypeRef::Named(n) if matches!(api.type_def(n).map(|d| &d.kind), Some(TypeKind::Newtype)) => TypeRef::String,
        TypeRef::List(inner) => TypeRef::List(Box::new(wire_ty(api, inner))),
        TypeRef::Map(inner) => TypeRef::Map(Box::new(wire_ty(api, inner))),
        other => other.clone(),
    }
}

/// True when every value valid for `from` is valid for `to` on the wire.
pub(super) fn widens(from: &TypeRef, to: &TypeRef) -> bool {
    match (from, to) {
        _ if from == to => true,
        (_, TypeRef::Json) => true,
        (TypeRef::Integer, TypeRef::Number) => true,
        (TypeRef::Date | TypeRef::DateTime, TypeRef::String) => true,
        (TypeRef::List(a), TypeRef::List(b)) | (TypeRef::Map(a), TypeRef::Map(b)) => widens(a, b),
        _ => false,
    }
}

pub(super) fn code(s: &str) -> String {
    format!("`{s}`")
}

pub(super) fn presence_str(p: Presence) -> &'static str {
    match p {
        Presence::Required => "required",
        Presence::Optional => "optional",
        Presence::Nullable => "nullable",
        Presence::OptionalNullable => "optional, nullable",
    }
}

pub(super) fn nullable(p: Presence) -> bool {
    matches!(p, Presence::Nullable | Presence::OptionalNullable)
}

/// The field is an argument of its type's `new`.
pub(super) fn in_new(p: Presence) -> bool {
    matches!(p, Presence::Required | Presence::Nullable)
}

/// The wrapper the presence puts around the Rust type: `T`, `Option<T>`, `Patch<T>`.
pub(super) fn wrapper(p: Presence) -> u8 {
    match p {
        Presence::Required => 0,
        Presence::Optional | Presence::Nullable => 1,
        Presence::OptionalNullable => 2,
    }
}

pub(super) fn describe_field(f: &Field) -> String {
    format!("{}, {}", code(&f.ty.spec()), presence_str(f.presence))
}

/// `/orders/{}/items` for `/orders/{id}/items`: placeholders are positional on the wire.
pub(super) fn route(path: &str) -> String {
    path.split('/').map(|s| if s.starts_with('{') && s.ends_with('}') { "{}" } else { s }).collect::<Vec<_>>().join("/")
}

pub(super) fn base_url<'a>(api: &'a Api, name: &str) -> &'a str {
    api.base_urls.iter().find(|b| b.name == name).map_or("", |b| b.url.as_str())
}

pub(super) fn response_str(r: &Response) -> String {
    match r {
        Response::Empty => "empty".into(),
        Response::Json(t) => code(&t.spec()),
        Response::Binary { media_type: Some(m) } => format!("binary ({})", code(m)),
        Response::Binary { media_type: None } => "binary".into(),
    }
}

/// Relative order of the names present in both lists, when it differs.
pub(super) fn reordered<'a>(base: &[&'a str], head: &[&'a str]) -> Option<(Vec<&'a str>, Vec<&'a str>)> {
    let common_base: Vec<&str> = base.iter().copied().filter(|n| head.contains(n)).collect();
    let common_head: Vec<&str> = head.iter().copied().filter(|n| base.contains(n)).collect();
    (common_base != common_head).then_some((common_base, common_head))
}

pub(super) fn list(names: &[&str]) -> String {
    names.iter().map(|n| code(n)).collect::<Vec<_>>().join(", ")
}

pub(super) fn kind_name(k: &TypeKind) -> &'static str {
    match k {
        TypeKind::Object(_) => "object",
        TypeKind::Enum(_) => "enum",
        TypeKind::Union(_) => "union",
        TypeKind::Tagged(_) => "tagged union",
        TypeKind::OneOf(_) => "one_of",
        TypeKind::Newtype => "newtype",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_ignore_placeholder_names() {
        assert_eq!(route("/a/{id}/b"), route("/a/{call_id}/b"));
        assert_ne!(route("/a/{id}/b"), route("/a/{id}/c"));
    }

    #[test]
    fn widening() {
        assert!(widens(&TypeRef::Integer, &TypeRef::Number));
        assert!(!widens(&TypeRef::Number, &TypeRef::Integer));
        assert!(widens(&TypeRef::List(Box::new(TypeRef::Date)), &TypeRef::List(Box::new(TypeRef::String))));
        assert!(widens(&TypeRef::Named("X".into()), &TypeRef::Json));
    }
}
