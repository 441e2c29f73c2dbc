//! The local emulator crate `ringg-emulator` (`generated/emulator/`): what the spec knows, as
//! tables, beside the hand-written stateful core in `generated/emulator/`.
//!
//! Generated here: the route table (method, base path, path template, body encoding, response
//! kind, pagination envelope), the validation document (the OpenAPI schemas without prose, and
//! each operation's query parameters), the decode check of every JSON body through the client's
//! own `ringg::types`, the spec's response and type examples (the seed of the workspace and the
//! fixtures), the webhook event table, the crate's `Cargo.toml`, and one test per endpoint that
//! calls it through the generated client against a running emulator.

use proc_macro2::TokenStream;
use quote::quote;
use serde_json::{Map, Value, json};

use super::rust::{format_file, lit, raw_lit, sample};
use super::{GeneratedFile, header, openapi};
use crate::ident::ident;
use crate::ir::{Api, Encoding, Endpoint, Presence, Resource, Response, TypeKind, TypeRef};

const CARGO_TOML: &str = include_str!("../../templates/emulator.Cargo.toml.j2");

/// Where the emulator crate lives, relative to the repository root.
const DIR: &str = "generated/emulator";

/// `[dependencies]` of the emulator crate. None of these enters the client's tree: `ringg`
/// never depends on the emulator. hyper is the server reqwest already builds; csv reads
/// campaign uploads; serde's derive (which `ringg` enables already) saves and loads state.
const DEPENDENCIES: &[&str] = &[
    r#"bytes = "1""#,
    r#"csv = "1""#,
    r#"http-body-util = "0.1""#,
    r#"hyper = { version = "1", features = ["server", "client", "http1"] }"#,
    r#"hyper-util = { version = "0.1", features = ["tokio"] }"#,
    r#"serde = { version = "1", features = ["derive"] }"#,
    r#"serde_json = "1""#,
    r#"serde_path_to_error = "0.1""#,
    r#"tokio = { version = "1", features = ["rt-multi-thread", "macros", "net", "time", "sync", "signal"] }"#,
];

/// `[dev-dependencies]`: the YAML reader the schema test reads `generated/openapi.yaml` with
/// (the generator's own, so nothing new is built).
const DEV_DEPENDENCIES: &[&str] =
    &[r#"serde-saphyr = { version = "2", default-features = false, features = ["deserialize"] }"#];

/// The spec-shaped files of the emulator crate; the rest of it is the hand-written core beside them in `generated/emulator/`.
pub(crate) fn emulator(api: &Api) -> Vec<GeneratedFile> {
    vec![cargo_toml(api), spec_rs(api), endpoint_tests(api)]
}

fn cargo_toml(api: &Api) -> GeneratedFile {
    let api_source: Vec<_> = api.sources.iter().filter(|s| s.module == "api").collect();
    let contents = super::templates::render(
        "emulator.Cargo.toml",
        CARGO_TOML,
        minijinja::context! {
            header => super::header_text(&api_source),
            name => api.name.as_str(),
            version => api.version.as_str(),
            title => api.title.as_str(),
            dependencies => minijinja::Value::from(minijinja::value::Serde(DEPENDENCIES)),
            dev_dependencies => minijinja::Value::from(minijinja::value::Serde(DEV_DEPENDENCIES)),
        },
    );
    GeneratedFile { path: format!("{DIR}/Cargo.toml"), contents }
}

/// JSON text of the validation document with each schema and each operation on a line of its
/// own, so a change to one type shows as a change of its line rather than of the whole table.
fn entry_per_line(document: &Value) -> String {
    let Value::Object(top) = document else { return document.to_string() };
    let mut out = String::from("{");
    for (i, (key, value)) in top.iter().enumerate() {
        out.push_str(if i == 0 { "\n" } else { ",\n" });
        out.push_str(&Value::String(key.clone()).to_string());
        out.push(':');
        match value {
            Value::Object(entries) if !entries.is_empty() => {
                out.push('{');
                for (j, (name, entry)) in entries.iter().enumerate() {
                    out.push_str(if j == 0 { "\n" } else { ",\n" });
                    out.push_str(&Value::String(name.clone()).to_string());
                    out.push(':');
                    out.push_str(&entry.to_string());
                }
                out.push_str("\n}");
            }
            other => out.push_str(&other.to_string()),
        }
    }
    out.push_str("\n}");
    out
}

/// Drops prose and examples from a schema: the emulator validates, it does not document.
fn strip(v: &Value) -> Value {
    const PROSE: &[&str] =
        &["description", "example", "examples", "x-examples", "x-enumDescriptions", "title", "summary", "default"];
    match v {
        Value::Object(m) => Value::Object(
            m.iter().filter(|(k, _)| !PROSE.contains(&k.as_str())).map(|(k, v)| (k.clone(), strip(v))).collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(strip).collect()),
        other => other.clone(),
    }
}

fn op_name(r: &Resource, e: &Endpoint) -> String {
    format!("{}.{}", r.name, e.name)
}

/// The `Operation` variant of an endpoint (`CallingInitiate`).
pub(super) fn operation_variant(r: &Resource, e: &Endpoint) -> proc_macro2::Ident {
    use heck::ToUpperCamelCase as _;
    ident(&format!("{}_{}", r.name, e.name).to_upper_camel_case())
}

/// The validation document: `{ "schemas": {...}, "operations": { "calling.history": { "query":
/// [...], "path": [...], "body": schema, "response": schema, "paging": {...} } } }`.
fn spec_document(api: &Api) -> Value {
    let doc = openapi::document(api);
    let mut operations = Map::new();
    for r in &api.resources {
        for e in &r.endpoints {
            let op = &doc["paths"][&e.path][e.method.as_str().to_ascii_lowercase()];
            let query: Vec<Value> = op["parameters"]
                .as_array()
                .map(|ps| {
                    ps.iter()
                        .filter(|p| p["in"] == "query")
                        .map(|p| json!({ "name": p["name"], "required": p["required"], "schema": strip(&p["schema"]) }))
                        .collect()
                })
                .unwrap_or_default();
            let path: Vec<Value> = op["parameters"]
                .as_array()
                .map(|ps| {
                    ps.iter()
                        .filter(|p| p["in"] == "path")
                        .map(|p| json!({ "name": p["name"], "schema": strip(&p["schema"]) }))
                        .collect()
                })
                .unwrap_or_default();
            let mut o = Map::new();
            o.insert("query".into(), Value::Array(query));
            if !path.is_empty() {
                o.insert("path".into(), Value::Array(path));
            }
            if let Some(body) = &e.body {
                o.insert("body".into(), json!({ "$ref": format!("#/components/schemas/{}", body.ty) }));
            }
            let response = &op["responses"]["200"]["content"]["application/json"]["schema"];
            if !response.is_null() {
                o.insert("response".into(), strip(response));
            }
            if !op["x-pagination"].is_null() {
                o.insert("paging".into(), op["x-pagination"].clone());
            }
            operations.insert(op_name(r, e), Value::Object(o));
        }
    }
    json!({ "schemas": strip(&doc["components"]["schemas"]), "operations": operations })
}

fn spec_rs(api: &Api) -> GeneratedFile {
    let bases = api.base_urls.iter().map(|b| {
        let path = b.url.splitn(4, '/').nth(3).map_or_else(String::new, |p| format!("/{p}"));
        let (name, path) = (lit(&b.name), lit(path.trim_end_matches('/')));
        quote! { (#name, #path) }
    });
    let mut routes = Vec::new();
    let mut decodes = Vec::new();
    let mut examples = Vec::new();
    let mut variants = Vec::new();
    let mut names = Vec::new();
    let mut fields = Vec::new();
    let mut picks = Vec::new();
    for r in &api.resources {
        for e in &r.endpoints {
            let name = op_name(r, e);
            let variant = operation_variant(r, e);
            let field = ident(&format!("{}_{}", r.name, e.name));
            let summary = super::docs::sanitize(&super::docs::summary(&e.doc));
            let op_doc = lit(&format!(" `{} {}`: {summary}", e.method.as_str(), e.path));
            let field_doc = lit(&format!(" `{name}`: `{} {}`.", e.method.as_str(), e.path));
            let name_lit = lit(&name);
            variants.push(quote! { #[doc = #op_doc] #variant, });
            names.push(quote! { Operation::#variant => #name_lit, });
            fields.push(quote! { #[doc = #field_doc] pub #field: Option<H>, });
            picks.push(quote! { Operation::#variant => self.#field.as_ref(), });
            let op = quote! { Operation::#variant };
            let method = lit(e.method.as_str());
            let base = lit(&e.base_url);
            let path = lit(&e.path);
            let body = match &e.body {
                None => quote! { BodyKind::None },
                Some(b) => {
                    let ty = lit(&b.ty);
                    match b.encoding {
                        Encoding::Json => {
                            let rust = ident(&api.type_def(&b.ty).expect("validated").rust);
                            decodes.push(quote! { #op => decode_as::<ringg::types::#rust>(body), });
                            quote! { BodyKind::Json(#ty) }
                        }
                        Encoding::Multipart => quote! { BodyKind::Multipart(#ty) },
                    }
                }
            };
            let response = match &e.response {
                // Where Ringg documents no body the emulator still answers JSON.
                Response::Empty | Response::Json(_) => quote! { ResponseKind::Json },
                Response::Binary { media_type } => {
                    let m = lit(media_type.as_deref().unwrap_or("application/octet-stream"));
                    quote! { ResponseKind::Binary(#m) }
                }
            };
            routes.push(quote! {
                Route { op: #op, method: #method, base: #base, path: #path, body: #body, response: #response },
            });
            if let Some(x) = e.examples.iter().find_map(|x| x.response.as_ref()) {
                let text = raw_lit(&x.to_string());
                examples.push(quote! { (#op, #text), });
            }
        }
    }
    let type_examples = api.types.iter().filter_map(|t| {
        let x = t.examples.first()?;
        let (name, text) = (lit(&t.name), raw_lit(&x.to_string()));
        Some(quote! { (#name, #text), })
    });
    let all: Vec<TokenStream> = api
        .resources
        .iter()
        .flat_map(|r| r.endpoints.iter().map(move |e| operation_variant(r, e)))
        .map(|v| quote! { Operation::#v })
        .collect();
    let field_names: Vec<proc_macro2::Ident> = api
        .resources
        .iter()
        .flat_map(|r| r.endpoints.iter().map(move |e| ident(&format!("{}_{}", r.name, e.name))))
        .collect();
    let (tag, events) = webhook_events(api);
    let auth = lit(&api.auth_header.to_ascii_lowercase());
    let default_limit = i64::from(api.pagination.default_limit);
    let (limit, offset) = (lit(&api.pagination.limit), lit(&api.pagination.offset));
    let document = raw_lit(&entry_per_line(&spec_document(api)));
    let count = proc_macro2::Literal::usize_unsuffixed(variants.len());
    let tokens = quote! {
        //! What the spec knows, as tables for the hand-written core: the operations, the route
        //! table and its types, the behaviour table's shape, the validation document, the decode
        //! check through `ringg::types`, examples and webhook events.

        use crate::validate::{Problem, decode_as};

        /// What a request body must be.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum BodyKind {
            /// No body.
            None,
            /// JSON of the named schema.
            Json(&'static str),
            /// `multipart/form-data` whose parts are the named schema's fields.
            Multipart(&'static str),
        }

        /// What a success carries.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum ResponseKind {
            /// JSON (also where Ringg documents no body).
            Json,
            /// A file of this media type.
            Binary(&'static str),
        }

        /// One endpoint of the spec.
        #[derive(Debug, Clone, Copy)]
        pub(crate) struct Route {
            /// The operation.
            pub op: Operation,
            /// `GET`, `POST`, ...
            pub method: &'static str,
            /// The base URL's name.
            pub base: &'static str,
            /// Path template below the base path (`/agent/{agent_id}`).
            pub path: &'static str,
            /// Request body.
            pub body: BodyKind,
            /// Response.
            pub response: ResponseKind,
        }

        /// An operation of the API, one per endpoint of the spec: what
        /// [`Emulator::inject`](crate::Emulator::inject) stages a fault for, and what the control
        /// API names as `resource.endpoint` (`calling.initiate`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Operation {
            #(#variants)*
        }

        impl Operation {
            /// Every operation, in spec order.
            pub const ALL: [Operation; #count] = [#(#all),*];

            /// The operation's name, `resource.endpoint` (`calling.initiate`).
            pub fn name(self) -> &'static str {
                match self {
                    #(#names)*
                }
            }

            /// The operation named `resource.endpoint`, if the spec has it.
            pub fn from_name(name: &str) -> Option<Operation> {
                Operation::ALL.into_iter().find(|op| op.name() == name)
            }
        }

        impl std::fmt::Display for Operation {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }

        /// One behaviour per operation, `None` where the spec's own answer serves it. The
        /// hand-written table fills it with struct update syntax, so a name that is not an
        /// operation does not compile and an operation the table leaves out is served from the
        /// spec.
        #[derive(Debug, Clone)]
        pub(crate) struct Behaviours<H> {
            #(#fields)*
        }

        impl<H> Default for Behaviours<H> {
            fn default() -> Self {
                Behaviours { #(#field_names: None),* }
            }
        }

        impl<H> Behaviours<H> {
            /// The behaviour of an operation, if it has one.
            pub(crate) fn get(&self, op: Operation) -> Option<&H> {
                match op {
                    #(#picks)*
                }
            }
        }

        /// Each base URL's name and the path it serves below (`/ca/api/v0`).
        pub(crate) const BASE_PATHS: &[(&str, &str)] = &[#(#bases),*];

        /// The header carrying the API key, lower-cased.
        pub(crate) const AUTH_HEADER: &str = #auth;

        /// Pagination: the query parameter names, default page size and largest page size.
        pub(crate) const LIMIT: &str = #limit;
        /// The offset query parameter.
        pub(crate) const OFFSET: &str = #offset;
        /// Page size when a request sets none.
        pub(crate) const DEFAULT_LIMIT: i64 = #default_limit;

        /// Every endpoint, in spec order.
        pub(crate) const ROUTES: &[Route] = &[#(#routes)*];

        /// The first response example of each endpoint that has one.
        pub(crate) const EXAMPLES: &[(Operation, &str)] = &[#(#examples)*];

        /// The first example of each type that has one.
        pub(crate) const TYPE_EXAMPLES: &[(&str, &str)] = &[#(#type_examples)*];

        /// The field of a webhook payload that names its event.
        pub(crate) const WEBHOOK_TAG: &str = #tag;

        /// Every webhook event type and the schema of its payload.
        pub(crate) const WEBHOOK_EVENTS: &[(&str, &str)] = &[#(#events)*];

        /// The schemas (without prose) and each operation's query parameters, body, response and
        /// pagination, as JSON.
        pub(crate) const DOCUMENT: &str = #document;

        /// Decodes a JSON body with the client's own request type, so the emulator accepts
        /// exactly what the client can send.
        pub(crate) fn decode(op: Operation, body: &serde_json::Value) -> Result<(), Problem> {
            match op {
                #(#decodes)*
                _ => Ok(()),
            }
        }
    };
    GeneratedFile {
        path: format!("{DIR}/src/spec.rs"),
        contents: format_file(&header("//", &api.sources.iter().collect::<Vec<_>>()), tokens),
    }
}

fn webhook_events(api: &Api) -> (proc_macro2::Literal, Vec<TokenStream>) {
    let tagged = api.webhooks.as_ref().and_then(|w| api.type_def(&w.event)).and_then(|t| match &t.kind {
        TypeKind::Tagged(tagged) => Some(tagged),
        _ => None,
    });
    let Some(tagged) = tagged else { return (lit("event_type"), Vec::new()) };
    let events = tagged
        .variants
        .iter()
        .map(|v| {
            let (value, ty) = (lit(&v.tag_value), lit(v.ty.as_deref().unwrap_or("")));
            quote! { (#value, #ty), }
        })
        .collect();
    (lit(&tagged.tag), events)
}

/// `generated/emulator/tests/endpoints.rs`: every endpoint through the generated client.
fn endpoint_tests(api: &Api) -> GeneratedFile {
    let krate = super::rust::krate(api);
    let mut tests = Vec::new();
    for r in &api.resources {
        for e in &r.endpoints {
            tests.push(endpoint_test(api, r, e));
        }
    }
    let tokens = quote! {
        //! Every endpoint of the spec, called through the generated client against a running
        //! emulator seeded with fixtures. Request bodies are the spec's request examples (or
        //! samples of the required fields) with ids replaced by the fixtures' ids.
        #![cfg_attr(rustfmt, rustfmt::skip)]

        use ringg_emulator::{Emulator, Fixtures};
        use #krate::Client;

        /// The fixture for an input name; an input the fixtures do not know gets a placeholder,
        /// which an operation served from the spec accepts.
        #[allow(dead_code)]
        fn fixture(fixtures: &Fixtures, name: &str) -> String {
            fixtures.id_for(name).unwrap_or_else(|| format!("fixture-{name}"))
        }

        async fn setup() -> (Emulator, Fixtures, Client) {
            let emulator = Emulator::builder().check_responses(true).start().await.expect("the emulator starts");
            let fixtures = emulator.fixtures().await;
            let client = emulator.client();
            (emulator, fixtures, client)
        }

        #(#tests)*
    };
    GeneratedFile {
        path: format!("{DIR}/tests/endpoints.rs"),
        contents: format_file(&header("//", &api.sources.iter().collect::<Vec<_>>()), tokens),
    }
}

fn endpoint_test(api: &Api, r: &Resource, e: &Endpoint) -> TokenStream {
    let krate = super::rust::krate(api);
    let op = op_name(r, e);
    let name = ident(&format!("{}_{}", r.name, e.name));
    let doc = lit(&format!(" `{} {}` answers through the client.", e.method.as_str(), e.path));
    let res = ident(&r.name);
    let method = ident(&e.rust_method);
    let mut args: Vec<TokenStream> = e.path_params.iter().map(|p| fixture_id(api, &p.ty, &p.wire)).collect();
    for p in e.query.iter().filter(|p| !p.optional) {
        args.push(fixture_id(api, &p.ty, &p.wire));
    }
    let mut setup = TokenStream::new();
    if let Some(b) = &e.body {
        let def = api.type_def(&b.ty).expect("validated");
        let rust = ident(&def.rust);
        let variant = operation_variant(r, e);
        let oplit = quote! { ringg_emulator::Operation::#variant };
        match b.encoding {
            Encoding::Json => {
                let example = e
                    .examples
                    .iter()
                    .find_map(|x| x.request.clone())
                    .unwrap_or_else(|| sample_json(api, &TypeRef::Named(b.ty.clone()), "body"));
                let text = raw_lit(&example.to_string());
                setup = quote! {
                    let example: serde_json::Value = serde_json::from_str(#text).expect("the spec example is JSON");
                    let body: #krate::types::#rust = serde_json::from_value(fixtures.request(#oplit, example))
                        .expect("the filled example decodes");
                };
            }
            Encoding::Multipart => {
                let build = sample(api, &TypeRef::Named(b.ty.clone()), "body", 0);
                let mut assign = Vec::new();
                if let TypeKind::Object(fields) = &def.kind {
                    for f in fields {
                        let field = ident(&f.rust);
                        let wire = lit(&f.wire);
                        let optional = f.presence != Presence::Required;
                        match &f.ty {
                            TypeRef::File if !optional => {
                                assign.push(quote! { body.#field = fixtures.upload(#oplit, #wire); })
                            }
                            TypeRef::List(inner) if **inner == TypeRef::File => assign.push(if optional {
                                quote! { body.#field = Some(vec![fixtures.upload(#oplit, #wire)]); }
                            } else {
                                quote! { body.#field = vec![fixtures.upload(#oplit, #wire)]; }
                            }),
                            TypeRef::String | TypeRef::Named(_) if f.wire.ends_with("_id") && !optional => {
                                let value = fixture_id(api, &f.ty, &f.wire);
                                assign.push(quote! { body.#field = #value; })
                            }
                            // Times the emulator checks (a campaign's window): the fixtures' own.
                            TypeRef::String if f.wire.ends_with("_time") && !optional => {
                                assign.push(quote! { body.#field = fixture(&fixtures, #wire); })
                            }
                            _ => {}
                        }
                    }
                }
                setup = quote! {
                    let mut body = #build;
                    #(#assign)*
                };
            }
        }
        args.push(quote! { body });
    }
    let check = match &e.response {
        Response::Binary { .. } => quote! {
            let mut response = response;
            let mut bytes = Vec::new();
            while let Some(chunk) = response.next_chunk().await.expect("the download reads to the end") {
                bytes.extend_from_slice(&chunk);
            }
            assert!(!bytes.is_empty(), "the download is empty");
        },
        _ => quote! { let _ = response; },
    };
    let uses_fixtures = !args.is_empty();
    let fixtures = if uses_fixtures {
        quote! { fixtures }
    } else {
        quote! { _fixtures }
    };
    let allow = if e.deprecated.is_some() {
        quote! { #[allow(deprecated)] }
    } else {
        quote! {}
    };
    let opl = lit(&op);
    quote! {
        #[doc = #doc]
        #[tokio::test]
        #allow
        async fn #name() {
            let (emulator, #fixtures, client) = setup().await;
            #setup
            let response = match client.#res().#method(#(#args),*).await {
                Ok(response) => response,
                Err(error) => panic!("{}: {error}", #opl),
            };
            #check
            assert!(emulator.requests_served() >= 1);
            let problems: Vec<String> = emulator.conformance_problems();
            assert!(problems.is_empty(), "responses that do not fit the spec: {problems:?}");
        }
    }
}

/// The fixtures' id for an input named `wire`, as a value of the input's type: text as is, a
/// typed id through its `new`, anything else decoded from the id's JSON text.
fn fixture_id(api: &Api, ty: &TypeRef, wire: &str) -> TokenStream {
    let w = lit(wire);
    let id = quote! { fixture(&fixtures, #w) };
    match ty {
        TypeRef::String => id,
        TypeRef::Named(n) if matches!(api.type_def(n).map(|d| &d.kind), Some(TypeKind::Newtype)) => {
            let krate = super::rust::krate(api);
            let rust = ident(&api.type_def(n).expect("checked above").rust);
            quote! { #krate::types::#rust::new(#id) }
        }
        _ => quote! { serde_json::from_value(serde_json::Value::String(#id)).expect("the fixture id decodes") },
    }
}

/// JSON of the required fields of a type, for bodies the spec gives no example of.
pub(super) fn sample_json(api: &Api, t: &TypeRef, hint: &str) -> Value {
    match t {
        TypeRef::String => Value::String(super::rust::sample_text(hint)),
        // Valid values of their types: a sample must pass the checks a real value passes.
        TypeRef::Date => json!("2026-03-01"),
        TypeRef::DateTime => json!("2026-03-01T09:00:00Z"),
        TypeRef::Integer => json!(10),
        TypeRef::Number => json!(1.0),
        TypeRef::Boolean => json!(true),
        TypeRef::Json | TypeRef::Map(_) => json!({}),
        TypeRef::File | TypeRef::List(_) => json!([]),
        TypeRef::Named(n) => match &api.type_def(n).expect("validated").kind {
            TypeKind::Enum(values) => Value::String(values[0].wire.clone()),
            TypeKind::Object(fields) => {
                let mut out = Map::new();
                for f in fields.iter().filter(|f| !f.presence.may_be_absent()) {
                    let v =
                        if f.presence == Presence::Nullable { Value::Null } else { sample_json(api, &f.ty, &f.wire) };
                    match (f.flatten, v) {
                        (true, Value::Object(m)) => out.extend(m),
                        (_, v) => {
                            out.insert(f.wire.clone(), v);
                        }
                    }
                }
                Value::Object(out)
            }
            TypeKind::Union(members) => sample_json(api, &members[0].ty, hint),
            // Text on the wire; the hint is the field's name, so a phone number looks like one.
            TypeKind::Newtype => Value::String(super::rust::sample_text(hint)),
            // The first field of the choice; a `one_of` is always flattened into its object.
            TypeKind::OneOf(members) => {
                let m = &members[0];
                Value::Object(Map::from_iter([(m.wire.clone(), sample_json(api, &m.ty, &m.wire))]))
            }
            TypeKind::Tagged(tagged) => {
                let v = &tagged.variants[0];
                let mut out = match v.ty.as_ref().map(|ty| sample_json(api, &TypeRef::Named(ty.clone()), hint)) {
                    Some(Value::Object(m)) => m,
                    _ => Map::new(),
                };
                out.insert(tagged.tag.clone(), Value::String(v.tag_value.clone()));
                Value::Object(out)
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_of_dates_and_date_times_are_valid_values() {
        let api = crate::load(&[crate::SourceFile {
            path: "spec/api.yaml".into(),
            text: "api:\n  name: x\n  title: X\n  version: 0.1.0\n  api_version: v1\n  doc: X.\n  base_urls: { default: https://x.example }\n  auth: { header: X-KEY, env: X_KEY }\n  pagination: { limit: limit, offset: offset, default_limit: 10, max_limit: 100 }\n".into(),
        }])
        .expect("a minimal spec loads");
        let types = Default::default();
        for t in [TypeRef::Date, TypeRef::DateTime] {
            let sample = sample_json(&api, &t, "at");
            assert!(crate::load::conform(&types, &t, &sample, "sample").is_ok(), "{t:?}: {sample}");
        }
    }

    #[test]
    fn the_document_has_an_entry_per_line_and_reads_back_the_same() {
        let document = json!({
            "schemas": {"A": {"type": "object", "properties": {"x": {"type": "string"}}}, "B": {"enum": ["a\nb"]}},
            "operations": {},
            "limit": 10
        });
        let text = entry_per_line(&document);
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), document);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines.iter().any(|l| l.starts_with("\"A\":")), "{text}");
        assert!(lines.iter().any(|l| l.starts_with("\"B\":")), "{text}");
    }
}
