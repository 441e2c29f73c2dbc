//! The spec's JSON examples as tests of the generated crate: each decodes into its type and
//! encodes back to exactly the example's known fields.

use std::collections::HashMap;

use proc_macro2::TokenStream;
use quote::quote;

use super::rust::{Imports, format_file, krate, raw_lit, ty};
use super::{GeneratedFile, header};
use crate::ident::{ident, snake};
use crate::ir::{Api, Encoding, Presence, Response, TypeDef, TypeKind, TypeRef};
use crate::load::conform;

/// `generated/tests/examples.rs`.
pub(crate) fn examples(api: &Api) -> GeneratedFile {
    let types: HashMap<&str, _> = api.types.iter().map(|t| (t.name.as_str(), t)).collect();
    let read = super::reading::read_types(api);
    let write = super::writing::write_types(api);
    let krate = krate(api);
    let mut tests = Vec::new();
    let mut imports = Imports::default();
    let mut case = |name: String, t: &TypeRef, value: &serde_json::Value, imports: &mut Imports| {
        let expected = conform(&types, t, value, "example").expect("validated example");
        let rust_ty = ty(api, t, imports);
        let input = raw_lit(&serde_json::to_string_pretty(value).expect("JSON serializes"));
        let expected = raw_lit(&serde_json::to_string_pretty(&expected).expect("JSON serializes"));
        let name = ident(&name);
        let rules = wire_rules(&types, t, value, &rust_ty);
        let reading = reading_rules(&types, &read, t, value, &rust_ty);
        let writing = match t {
            TypeRef::Named(name) if write.contains(name) => quote! { write_matches::<#rust_ty>(example); },
            _ => quote! {},
        };
        tests.push(quote! {
            #[test]
            fn #name() {
                let example = #input;
                let expected = #expected;
                round_trip::<#rust_ty>(example, expected);
                #rules
                #reading
                #writing
            }
        });
    };
    for t in &api.types {
        for (i, ex) in t.examples.iter().enumerate() {
            case(
                format!("type_{}_{}", snake(&t.name).trim_start_matches("r#"), i + 1),
                &TypeRef::Named(t.name.clone()),
                ex,
                &mut imports,
            );
        }
    }
    for r in &api.resources {
        for e in &r.endpoints {
            for (i, ex) in e.examples.iter().enumerate() {
                // Named examples give their name to the test; unnamed (or repeated) ones a number.
                let label = ex
                    .name
                    .as_deref()
                    .map(|n| snake(n).trim_start_matches("r#").to_string())
                    .filter(|n| !n.is_empty() && e.examples.iter().filter(|x| x.name == ex.name).count() == 1)
                    .unwrap_or_else(|| (i + 1).to_string());
                let base = format!("{}_{}_{label}", r.name, e.name);
                if let (Some(req), Some(b)) = (&ex.request, &e.body)
                    && b.encoding == Encoding::Json
                {
                    case(format!("{base}_request"), &TypeRef::Named(b.ty.clone()), req, &mut imports);
                }
                if let (Some(resp), Response::Json(t)) = (&ex.response, &e.response) {
                    case(format!("{base}_response"), t, resp, &mut imports);
                }
            }
        }
    }
    let uses: TokenStream = imports.tokens(quote! { #krate::types }, &Default::default());
    // Without examples the helper would be dead code, a warning in the generated crate.
    let rules_helper = if tests.iter().any(|t| t.to_string().contains("object_rules")) {
        quote! {
            /// What the written `Deserialize` of an object accepts: unknown keys are skipped, a
            /// missing required key or a key given twice is an error naming it, and an optional
            /// key may be absent or `null`.
            fn object_rules<T: serde::de::DeserializeOwned + PartialEq + std::fmt::Debug>(
                example: &str,
                required: &[&str],
                optional: &[&str],
            ) {
                let object: serde_json::Map<String, serde_json::Value> =
                    serde_json::from_str(example).expect("the example is an object");
                let decode = |object: &serde_json::Map<String, serde_json::Value>| {
                    serde_json::from_value::<T>(serde_json::Value::Object(object.clone()))
                };
                let plain = decode(&object).expect("the example decodes");
                let mut unknown = object.clone();
                unknown.insert("zz_not_a_field".into(), serde_json::json!({ "nested": [1, null, "x"] }));
                assert_eq!(decode(&unknown).expect("unknown keys are skipped"), plain);
                for key in required {
                    let mut missing = object.clone();
                    missing.remove(*key);
                    let err = decode(&missing).expect_err("a required key is missing");
                    assert_eq!(err.to_string(), format!("missing field `{key}`"));
                }
                for key in optional {
                    let mut absent = object.clone();
                    absent.remove(*key);
                    decode(&absent).unwrap_or_else(|e| panic!("`{key}` may be absent: {e}"));
                    let mut null = object.clone();
                    null.insert((*key).into(), serde_json::Value::Null);
                    decode(&null).unwrap_or_else(|e| panic!("`{key}` may be null: {e}"));
                }
                if let Some((key, value)) = object.iter().next() {
                    let text = serde_json::to_string(&object).expect("JSON serializes");
                    let twice = format!("{},{}:{}}}", &text[..text.len() - 1], serde_json::json!(key), value);
                    let err = serde_json::from_str::<T>(&twice).expect_err("a key is given twice");
                    assert!(err.to_string().starts_with(&format!("duplicate field `{key}`")), "{err}");
                }
            }
        }
    } else {
        quote! {}
    };
    let read_helpers = if tests.iter().any(|t| t.to_string().contains("read_matches")) {
        quote! {
            /// The crate's own reader, which decodes responses and webhooks, reads the example
            /// exactly as the type's `Deserialize` does, and the drift check finds nothing in it.
            fn read_matches<T: serde::de::DeserializeOwned + PartialEq + std::fmt::Debug + #krate::runtime::read::FromJson>(example: &str) {
                let read: T = #krate::runtime::read_slice(example.as_bytes()).unwrap_or_else(|e| panic!("the reader refuses the example: {e}"));
                let decoded: T = serde_json::from_str(example).expect("the example decodes");
                assert_eq!(read, decoded);
                let value: serde_json::Value = serde_json::from_str(example).expect("the example parses");
                // An open tagged union's example may carry a tag it does not list, on purpose.
                let drift: Vec<_> = #krate::runtime::drift::walk("example", &T::SHAPE, &value)
                    .into_iter()
                    .filter(|d| d.kind != #krate::DriftKind::UnknownTag)
                    .collect();
                assert!(drift.is_empty(), "the example differs from its type's shape: {drift:?}");
            }
        }
    } else {
        quote! {}
    };
    let read_rules_helper = if tests.iter().any(|t| t.to_string().contains("read_object_rules")) {
        quote! {
            /// `object_rules` for the crate's own reader.
            fn read_object_rules<T: PartialEq + std::fmt::Debug + #krate::runtime::read::FromJson>(
                example: &str,
                required: &[&str],
                optional: &[&str],
            ) {
                let object: serde_json::Map<String, serde_json::Value> =
                    serde_json::from_str(example).expect("the example is an object");
                let read = |object: &serde_json::Map<String, serde_json::Value>| {
                    let text = serde_json::to_string(object).expect("JSON serializes");
                    #krate::runtime::read_slice::<T>(text.as_bytes())
                };
                let plain = read(&object).expect("the example reads");
                let mut unknown = object.clone();
                unknown.insert("zz_not_a_field".into(), serde_json::json!({ "nested": [1, -2.5e3, null, true, "x\"y\\z", { "deep": [[]] }] }));
                assert_eq!(read(&unknown).expect("unknown keys are skipped"), plain);
                // The drift check reports the unknown key, and each missing key, at its path.
                let drift = |object: &serde_json::Map<String, serde_json::Value>| {
                    let value = serde_json::Value::Object(object.clone());
                    #krate::runtime::drift::walk("example", &T::SHAPE, &value)
                        .into_iter()
                        .map(|d| (d.path, d.kind, d.json_type))
                        .collect::<Vec<_>>()
                };
                assert_eq!(
                    drift(&unknown),
                    [("zz_not_a_field".to_owned(), #krate::DriftKind::UnknownField, Some(#krate::JsonType::Object))]
                );
                for key in required {
                    let mut missing = object.clone();
                    missing.remove(*key);
                    let err = read(&missing).expect_err("a required key is missing");
                    assert!(err.to_string().contains(&format!("missing field `{key}`")), "{err}");
                    assert_eq!(drift(&missing), [((*key).to_owned(), #krate::DriftKind::MissingField, None)]);
                }
                for key in optional {
                    let mut absent = object.clone();
                    absent.remove(*key);
                    read(&absent).unwrap_or_else(|e| panic!("`{key}` may be absent: {e}"));
                    let mut null = object.clone();
                    null.insert((*key).into(), serde_json::Value::Null);
                    read(&null).unwrap_or_else(|e| panic!("`{key}` may be null: {e}"));
                }
                if let Some((key, value)) = object.iter().next() {
                    let text = serde_json::to_string(&object).expect("JSON serializes");
                    let twice = format!("{},{}:{}}}", &text[..text.len() - 1], serde_json::json!(key), value);
                    let err = #krate::runtime::read_slice::<T>(twice.as_bytes()).expect_err("a key is given twice");
                    assert!(err.to_string().contains(&format!("duplicate field `{key}`")), "{err}");
                }
            }
        }
    } else {
        quote! {}
    };
    let write_helper = if tests.iter().any(|t| t.to_string().contains("write_matches")) {
        quote! {
            /// The crate's own writer, which writes request bodies, writes what the type's
            /// `Serialize` writes: the same members with the same values, and (by the length)
            /// no member twice. Only the order of members may differ, in tagged unions.
            fn write_matches<T: serde::de::DeserializeOwned + serde::Serialize + #krate::runtime::write::ToJson>(example: &str) {
                let decoded: T = serde_json::from_str(example).expect("the example decodes");
                let written = #krate::runtime::write::Writer::to_vec(&decoded).unwrap_or_else(|e| panic!("the writer fails: {e}"));
                let serialized = serde_json::to_vec(&decoded).expect("a decoded value encodes");
                let value: serde_json::Value = serde_json::from_slice(&written).unwrap_or_else(|e| panic!("the writer wrote invalid JSON: {e}"));
                assert_eq!(value, serde_json::from_slice::<serde_json::Value>(&serialized).unwrap());
                assert_eq!(written.len(), serialized.len(), "{}", String::from_utf8_lossy(&written));
            }
        }
    } else {
        quote! {}
    };
    let helper = if tests.is_empty() {
        quote! {}
    } else {
        quote! {
            fn round_trip<T: serde::de::DeserializeOwned + serde::Serialize>(example: &str, expected: &str) {
                let decoded: T = serde_json::from_str(example).unwrap_or_else(|e| panic!("the example does not decode: {e}"));
                let encoded = serde_json::to_value(&decoded).expect("a decoded value encodes");
                let expected: serde_json::Value = serde_json::from_str(expected).expect("expected JSON parses");
                assert_eq!(encoded, expected);
            }
        }
    };
    let tokens = quote! {
        //! Every JSON example in the spec decodes into its type and encodes back to the example
        //! without the keys the type does not know (numbers typed `number` come back as floats).
        #![cfg_attr(rustfmt, rustfmt::skip)]
        #uses

        #helper

        #rules_helper

        #read_helpers

        #read_rules_helper

        #write_helper

        #(#tests)*
    };
    GeneratedFile {
        path: "generated/tests/examples.rs".into(),
        contents: format_file(&header("//", &api.sources.iter().collect::<Vec<_>>()), tokens),
    }
}

/// The call of `object_rules` for an example of an object whose `Deserialize` is written out, or
/// nothing for other types.
fn wire_rules(
    types: &HashMap<&str, &TypeDef>,
    t: &TypeRef,
    value: &serde_json::Value,
    rust_ty: &TokenStream,
) -> TokenStream {
    let TypeRef::Named(name) = t else { return quote! {} };
    let Some(def) = types.get(name.as_str()) else { return quote! {} };
    let TypeKind::Object(fields) = &def.kind else { return quote! {} };
    if !super::models::writes_deserialize(def, fields) || !value.is_object() {
        return quote! {};
    }
    let (required, optional): (Vec<_>, Vec<_>) =
        fields.iter().partition(|f| def.rust_presence(f) == Presence::Required);
    let required = required.iter().map(|f| f.wire.as_str());
    let optional = optional.iter().map(|f| f.wire.as_str());
    quote! {
        object_rules::<#rust_ty>(example, &[#(#required),*], &[#(#optional),*]);
    }
}

/// The reader's checks for an example of a type a response or a webhook can hold: it reads the
/// example as `Deserialize` does and, for an object, keeps the same wire rules.
fn reading_rules(
    types: &HashMap<&str, &TypeDef>,
    read: &std::collections::BTreeSet<String>,
    t: &TypeRef,
    value: &serde_json::Value,
    rust_ty: &TokenStream,
) -> TokenStream {
    let TypeRef::Named(name) = t else { return quote! {} };
    if !read.contains(name) {
        return quote! {};
    }
    let Some(def) = types.get(name.as_str()) else { return quote! {} };
    let matches = quote! { read_matches::<#rust_ty>(example); };
    let TypeKind::Object(fields) = &def.kind else { return matches };
    if !super::models::writes_deserialize(def, fields) || !value.is_object() {
        return matches;
    }
    let (required, optional): (Vec<_>, Vec<_>) =
        fields.iter().partition(|f| def.rust_presence(f) == Presence::Required);
    let required = required.iter().map(|f| f.wire.as_str());
    let optional = optional.iter().map(|f| f.wire.as_str());
    quote! {
        #matches
        read_object_rules::<#rust_ty>(example, &[#(#required),*], &[#(#optional),*]);
    }
}
