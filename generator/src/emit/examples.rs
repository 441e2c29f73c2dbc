//! The spec's JSON examples as tests of the generated crate: each decodes into its type and
//! encodes back to exactly the example's known fields.

use std::collections::HashMap;

use proc_macro2::TokenStream;
use quote::quote;

use super::rust::{Imports, format_file, krate, raw_lit, ty};
use super::{GeneratedFile, header};
use crate::ident::{ident, snake};
use crate::ir::{Api, Encoding, Response, TypeRef};
use crate::load::conform;

/// `generated/tests/examples.rs`.
pub(crate) fn examples(api: &Api) -> GeneratedFile {
    let types: HashMap<&str, _> = api.types.iter().map(|t| (t.name.as_str(), t)).collect();
    let mut tests = Vec::new();
    let mut imports = Imports::default();
    let mut case = |name: String, t: &TypeRef, value: &serde_json::Value, imports: &mut Imports| {
        let expected = conform(&types, t, value, "example").expect("validated example");
        let rust_ty = ty(api, t, imports);
        let input = raw_lit(&serde_json::to_string_pretty(value).expect("JSON serializes"));
        let expected = raw_lit(&serde_json::to_string_pretty(&expected).expect("JSON serializes"));
        let name = ident(&name);
        tests.push(quote! {
            #[test]
            fn #name() {
                let example = #input;
                let expected = #expected;
                round_trip::<#rust_ty>(example, expected);
            }
        });
    };
    for t in &api.types {
        for (i, ex) in t.examples.iter().enumerate() {
            case(format!("type_{}_{}", snake(&t.name).trim_start_matches("r#"), i + 1), &TypeRef::Named(t.name.clone()), ex, &mut imports);
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
    let krate = krate(api);
    let uses: TokenStream = imports.tokens(quote! { #krate::types }, &Default::default());
    // Without examples the helper would be dead code, a warning in the generated crate.
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
        #uses

        #helper

        #(#tests)*
    };
    GeneratedFile {
        path: "generated/tests/examples.rs".into(),
        contents: format_file(&header("//", &api.sources.iter().collect::<Vec<_>>()), tokens),
    }
}
