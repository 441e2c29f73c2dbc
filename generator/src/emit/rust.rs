//! Shared pieces for Rust emitters: type spelling, imports, literals, formatting, sample values.

use std::collections::BTreeSet;

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use crate::ident::ident;
use crate::ir::{Api, Field, Presence, TypeDef, TypeKind, TypeRef};

/// What a generated module has to import, collected while its items are built.
#[derive(Default)]
pub(crate) struct Imports {
    /// Named types (Rust names) from `crate::types`.
    pub types: BTreeSet<String>,
    /// `std::collections::BTreeMap`.
    pub btree_map: bool,
    /// When set, named types are written as `prefix::Name` instead of being imported. Resource
    /// modules use `types::Name`, because an operation may share its name with its body type.
    pub prefix: Option<TokenStream>,
    /// A named type was written with the prefix.
    pub prefixed: bool,
}

impl Imports {
    /// Imports that write named types as `prefix::Name`.
    pub fn with_prefix(prefix: TokenStream) -> Self {
        Self { prefix: Some(prefix), ..Self::default() }
    }
}

impl Imports {
    /// `use` items; `from_types` is the path types are imported from (`super` or `crate::types`).
    pub fn tokens(&self, from_types: TokenStream, local: &BTreeSet<String>) -> TokenStream {
        let names: Vec<_> = self.types.iter().filter(|n| !local.contains(*n)).map(|n| ident(n)).collect();
        let types = if self.prefixed {
            quote! { use crate::types; }
        } else if names.is_empty() || self.prefix.is_some() {
            quote! {}
        } else {
            quote! { use #from_types::{ #(#names),* }; }
        };
        let map = if self.btree_map {
            quote! { use std::collections::BTreeMap; }
        } else {
            quote! {}
        };
        quote! { #map #types }
    }
}

/// The Rust spelling of a type reference, recording what it needs imported.
pub(crate) fn ty(api: &Api, t: &TypeRef, imports: &mut Imports) -> TokenStream {
    match t {
        TypeRef::String => quote! { String },
        TypeRef::Date => quote! { crate::Date },
        TypeRef::DateTime => quote! { crate::Timestamp },
        TypeRef::Integer => quote! { i64 },
        TypeRef::Number => quote! { f64 },
        TypeRef::Boolean => quote! { bool },
        TypeRef::Json => quote! { serde_json::Value },
        TypeRef::File => quote! { crate::Upload },
        TypeRef::List(inner) => {
            let inner = ty(api, inner, imports);
            quote! { Vec<#inner> }
        }
        TypeRef::Map(inner) => {
            imports.btree_map = true;
            let inner = ty(api, inner, imports);
            quote! { BTreeMap<String, #inner> }
        }
        TypeRef::Named(n) => named(api, n, imports),
    }
}

/// The path of a named type as this module writes it.
pub(crate) fn named(api: &Api, name: &str, imports: &mut Imports) -> TokenStream {
    let def = api.type_def(name).expect("validated reference");
    let id = ident(&def.rust);
    match &imports.prefix {
        Some(prefix) => {
            imports.prefixed = true;
            quote! { #prefix::#id }
        }
        None => {
            imports.types.insert(def.rust.clone());
            quote! { #id }
        }
    }
}

/// The Rust type of a field with its presence applied.
pub(crate) fn field_ty(api: &Api, t: &TypeRef, presence: Presence, imports: &mut Imports) -> TokenStream {
    let inner = ty(api, t, imports);
    match presence {
        Presence::Required => inner,
        Presence::Optional | Presence::Nullable => quote! { Option<#inner> },
        Presence::OptionalNullable => quote! { crate::Patch<#inner> },
    }
}

/// The generated crate's name as a path root (`ringg`), for doc examples and tests. Cargo spells
/// `-` as `_` in crate names; `snake` does too, and always gives an identifier `ident` accepts.
pub(crate) fn krate(api: &Api) -> proc_macro2::Ident {
    let name = crate::ident::snake(&api.name);
    ident(if name.is_empty() { "_" } else { &name })
}

/// A string literal.
pub(crate) fn lit(s: &str) -> Literal {
    Literal::string(s)
}

/// A raw string literal with enough `#`s, for embedded JSON.
pub(crate) fn raw_lit(s: &str) -> TokenStream {
    let mut hashes = String::from("#");
    while s.contains(&format!("\"{hashes}")) {
        hashes.push('#');
    }
    format!("r{hashes}\"{s}\"{hashes}").parse().expect("a raw string literal always parses")
}

/// Formats a whole file with prettyplease and puts the generated-file header on top.
pub(crate) fn format_file(header: &str, tokens: TokenStream) -> String {
    let file: syn::File = match syn::parse2(tokens.clone()) {
        Ok(f) => f,
        Err(e) => panic!("emitted Rust does not parse ({e}); this is a generator bug:\n{tokens}"),
    };
    let body = space_items(&prettyplease::unparse(&file));
    format!("{header}\n{}", body.trim_end()) + "\n"
}

/// The kind of item a line starts (`pub mod`, `use`, `fn`, ...), if it starts one.
fn item_kind(line: &str) -> Option<&'static str> {
    const KINDS: &[&str] = &[
        "pub use ",
        "pub mod ",
        "pub type ",
        "pub const ",
        "pub fn ",
        "pub async fn ",
        "pub struct ",
        "pub enum ",
        "pub(crate) fn ",
        "pub(crate) async fn ",
        "pub(crate) const ",
        "pub(crate) struct ",
        "use ",
        "mod ",
        "type ",
        "const ",
        "fn ",
        "async fn ",
        "impl",
        "struct ",
        "enum ",
        "static ",
        "pub static ",
    ];
    KINDS.iter().copied().find(|k| line.starts_with(k))
}

/// Puts a blank line between items, the way a person lays out a file.
///
/// prettyplease prints items back to back. A blank line goes before an item, field or variant
/// that opens with a doc comment or attribute (unless it is the first in its block), before an
/// item that follows a closing brace, and between the `use` block and what follows it.
pub(crate) fn space_items(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    let mut prev = "";
    for line in text.lines() {
        let cur = line.trim_start();
        let p = prev.trim();
        let starts_item = item_kind(cur).is_some();
        let starts_doc = (cur.starts_with("///") || cur.starts_with("#[")) && !cur.starts_with("#![");
        // `)]` closes an attribute that prettyplease spread over several lines.
        let prev_is_doc =
            p.starts_with("///") || p.starts_with("#[") || p.starts_with("//!") || p.starts_with("#![") || p == ")]";
        // One-line items (`mod a;`, `type Item = T;`, `const X: u32 = 1;`) group with their
        // own kind and are set apart from the next kind of item.
        let after_one_line_item = p.ends_with(';')
            && item_kind(p).is_some_and(|k| Some(k) != item_kind(cur))
            && line.len() - cur.len() == prev.len() - prev.trim_start().len();
        let blank = !p.is_empty()
            && !p.ends_with('{')
            && !p.ends_with('(')
            && ((starts_doc && !prev_is_doc)
                || (!p.ends_with(',')
                    && ((starts_item
                        && !cur.starts_with("use ")
                        && (p == "}" || p == "};" || (item_kind(p).is_some() && p.ends_with('}'))))
                        || (starts_item && after_one_line_item)
                        || (p.starts_with("#![") && !cur.starts_with("#!["))
                        || (p.starts_with("//!") && !cur.starts_with("//!") && !cur.starts_with("#![")))));
        if blank {
            out.push('\n');
        }
        out.push_str(line);
        out.push('\n');
        prev = line;
    }
    out
}

/// True when the type is a plain string.
pub(crate) fn is_stringy(t: &TypeRef) -> bool {
    matches!(t, TypeRef::String)
}

/// Parameter type and conversion for a constructor or setter argument: strings take
/// `impl Into<String>`, dates and date-times anything convertible into `Date` or `Timestamp`
/// (a `SystemTime`, and jiff, chrono or time values under those features), everything else its
/// own type.
pub(crate) fn arg(api: &Api, t: &TypeRef, imports: &mut Imports) -> (TokenStream, bool) {
    match t {
        TypeRef::String => (quote! { impl Into<String> }, true),
        TypeRef::Date => (quote! { impl Into<crate::Date> }, true),
        TypeRef::DateTime => (quote! { impl Into<crate::Timestamp> }, true),
        _ => (ty(api, t, imports), false),
    }
}

/// A Rust expression building a plausible value of a type, for doc examples.
///
/// `depth` bounds the recursion; validation guarantees that required fields never cycle.
pub(crate) fn sample(api: &Api, t: &TypeRef, hint: &str, depth: usize) -> TokenStream {
    let krate = krate(api);
    match t {
        TypeRef::String => {
            let s = lit(&sample_text(hint));
            quote! { #s }
        }
        TypeRef::Date => quote! { #krate::Date::from_static("2026-03-01") },
        TypeRef::DateTime => quote! { #krate::Timestamp::from_static("2026-03-01T09:00:00+05:30") },
        TypeRef::Integer => quote! { 10 },
        TypeRef::Number => quote! { 1.0 },
        TypeRef::Boolean => quote! { true },
        TypeRef::Json => quote! { serde_json::json!({}) },
        TypeRef::File => quote! { #krate::Upload::from_path("contacts.csv") },
        TypeRef::List(inner) if **inner == TypeRef::File => {
            quote! { vec![#krate::Upload::from_path("faq.pdf")] }
        }
        TypeRef::List(_) => quote! { Vec::new() },
        TypeRef::Map(_) => quote! { std::collections::BTreeMap::new() },
        TypeRef::Named(n) => sample_named(api, api.type_def(n).expect("validated"), hint, depth),
    }
}

fn sample_named(api: &Api, def: &TypeDef, hint: &str, depth: usize) -> TokenStream {
    let name = ident(&def.rust);
    let krate = krate(api);
    match &def.kind {
        TypeKind::Enum(values) => {
            let v = ident(&values[0].rust);
            quote! { #krate::types::#name::#v }
        }
        TypeKind::Newtype => {
            let s = lit(&sample_text(hint));
            quote! { #krate::types::#name::new(#s) }
        }
        TypeKind::Object(fields) => {
            let values: Vec<(&Field, TokenStream)> = fields
                .iter()
                .filter(|f| !f.presence.may_be_absent())
                .map(|f| {
                    let v = match f.presence {
                        Presence::Nullable => quote! { None },
                        _ => sample(api, &f.ty, &f.wire, depth + 1),
                    };
                    (f, v)
                })
                .collect();
            construct(api, def, &values, &quote! { #krate::types })
        }
        TypeKind::Union(members) => {
            let m = &members[0];
            let v = ident(&m.rust);
            let inner = sample(api, &m.ty, "value", depth + 1);
            let inner = if is_stringy(&m.ty) {
                quote! { #inner.to_owned() }
            } else {
                inner
            };
            quote! { #krate::types::#name::#v(#inner) }
        }
        TypeKind::OneOf(members) => {
            let m = &members[0];
            let v = ident(&m.rust);
            let inner = sample(api, &m.ty, &m.wire, depth + 1);
            let inner = if is_stringy(&m.ty) {
                quote! { #inner.to_owned() }
            } else {
                inner
            };
            quote! { #krate::types::#name::#v(#inner) }
        }
        TypeKind::Tagged(tagged) => {
            let v = &tagged.variants[0];
            let variant = ident(&v.rust);
            match &v.ty {
                Some(t) => {
                    let inner = sample(api, &TypeRef::Named(t.clone()), "value", depth + 1);
                    quote! { #krate::types::#name::#variant(#inner) }
                }
                None => quote! { #krate::types::#name::#variant },
            }
        }
    }
}

/// Most positional arguments a generated `new` takes; with more, or with two arguments of the
/// same type (which could be swapped unnoticed), `new` takes a struct with named fields.
pub(crate) const MAX_POSITIONAL: usize = 4;

/// The Rust type of each required field as a constructor argument.
pub(crate) fn required_args(api: &Api, fields: &[Field], imports: &mut Imports) -> Vec<(TokenStream, bool)> {
    fields
        .iter()
        .filter(|f| !f.presence.may_be_absent())
        .map(|f| match f.presence {
            Presence::Nullable => {
                let inner = ty(api, &f.ty, imports);
                (quote! { Option<#inner> }, false)
            }
            _ => arg(api, &f.ty, imports),
        })
        .collect()
}

/// The name of the struct of required fields that `new` takes, when the positional arguments
/// would be too many or could be swapped: `SaveCampaignRequired` for `SaveCampaign`.
pub(crate) fn required_struct(api: &Api, def: &TypeDef) -> Option<String> {
    let TypeKind::Object(fields) = &def.kind else { return None };
    let args = required_args(api, fields, &mut Imports::default());
    let kinds: BTreeSet<String> = args.iter().map(|(t, _)| t.to_string()).collect();
    (args.len() > MAX_POSITIONAL || kinds.len() < args.len()).then(|| format!("{}Required", def.rust))
}

/// `new(...)` for an input object, given its required fields' values in field order. `at` is
/// the path the type is written under (`ringg::types`, `crate::types`).
pub(crate) fn construct(api: &Api, def: &TypeDef, values: &[(&Field, TokenStream)], at: &TokenStream) -> TokenStream {
    let name = ident(&def.rust);
    match required_struct(api, def) {
        None => {
            let args = values.iter().map(|(_, v)| v);
            quote! { #at::#name::new(#(#args),*) }
        }
        Some(req) => {
            let req = ident(&req);
            let inits = values.iter().map(|(f, v)| {
                let fname = ident(&f.rust);
                if is_stringy(&f.ty) && f.presence == Presence::Required {
                    quote! { #fname: #v.to_owned() }
                } else {
                    quote! { #fname: #v }
                }
            });
            quote! { #at::#name::new(#at::#req { #(#inits),* }) }
        }
    }
}

/// Statements as a person would write them in a doc example: formatted, without indentation.
pub(crate) fn statement_text(statements: TokenStream) -> String {
    let file: syn::File = syn::parse2(quote! { fn f() { #statements } }).expect("statements parse");
    let text = prettyplease::unparse(&file);
    let lines: Vec<&str> = text.trim_end().lines().collect();
    lines[1..lines.len() - 1].iter().map(|l| l.strip_prefix("    ").unwrap_or(l)).collect::<Vec<_>>().join("\n")
}

/// A readable placeholder for a string named `hint` (`agent_id` gives `"your-agent-id"`).
pub(crate) fn sample_text(hint: &str) -> String {
    let h = crate::ident::snake(hint);
    if h.contains("number") && !h.ends_with("_id") {
        "+919876543210".into()
    } else if h.contains("url") {
        "https://example.com/ringg".into()
    } else if h.ends_with("id") || h.ends_with("ids") {
        format!("your-{}", h.replace('_', "-"))
    } else {
        h.replace('_', " ")
    }
}

#[cfg(test)]
mod tests {
    use super::space_items;

    #[test]
    fn spaces_items_fields_and_variants_but_not_use_blocks() {
        let input = "use a::{\n    B, C,\n};\nuse d;\npub struct S {\n    /// One.\n    pub one: u8,\n    /// Two.\n    pub two: u8,\n}\nimpl S {}\nmod x;\nmod y;\npub use x::*;\n";
        let expected = "use a::{\n    B, C,\n};\nuse d;\n\npub struct S {\n    /// One.\n    pub one: u8,\n\n    /// Two.\n    pub two: u8,\n}\n\nimpl S {}\n\nmod x;\nmod y;\n\npub use x::*;\n";
        assert_eq!(space_items(input), expected);
    }

    #[test]
    fn async_fns_are_items_too() {
        let input = "use a;\nasync fn f() {}\nasync fn g() {}\npub async fn h() {}\npub(crate) async fn i() {}\n";
        let expected =
            "use a;\n\nasync fn f() {}\n\nasync fn g() {}\n\npub async fn h() {}\n\npub(crate) async fn i() {}\n";
        assert_eq!(space_items(input), expected);
    }
}
