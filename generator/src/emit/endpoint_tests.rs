//! Endpoint tests: every endpoint of the spec, called through the public generated API against
//! the runtime's scripted loopback server (`generated/src/endpoint_tests.rs`).
//!
//! Each endpoint gets a request helper (the handle method with sample required arguments, every
//! optional query setter set, the body decoded from the spec's request example or built from
//! sample values) and a test that checks what reached the server (method, percent-encoded path,
//! query pairs, key header, content type, JSON body or multipart part names) and what came back.
//! Expected values are computed here, from the IR and [`conform`], never by the code under test.
//! Paginated endpoints also get a two-page `.stream()` test, and those whose total may be a word
//! a test with `"total": "many"`, an unknown enum value and unknown keys. Webhook examples
//! decode through `webhooks::Event::from_slice`. One test sends every endpoint into error
//! replies that echo the API key and checks that the key never shows in any `Debug` or
//! `Display` text.

use std::collections::HashMap;

use proc_macro2::{Ident, Literal, TokenStream};
use quote::quote;
use serde_json::{Map, Value};

use super::rust::{Imports, construct, format_file, krate, lit, raw_lit, sample, sample_text, ty};
use super::{GeneratedFile, header};
use crate::ident::ident;
use crate::ir::{Api, Encoding, Endpoint, Field, Param, Presence, Resource, Response, TypeDef, TypeKind, TypeRef};
use crate::load::conform;

/// An unknown enum value, for the test that reads `Unknown`.
const UNKNOWN_ENUM: &str = "on_hold";

/// `generated/src/endpoint_tests.rs`.
pub(crate) fn endpoint_tests(api: &Api) -> GeneratedFile {
    let cx = Cx { api, types: api.types.iter().map(|t| (t.name.as_str(), t)).collect() };
    let mut items = Vec::new();
    let mut leaks = Vec::new();
    let mut blocking = Vec::new();
    let mut json_fn = false;
    for r in &api.resources {
        for e in &r.endpoints {
            let call = cx.call(r, e);
            items.push(call.helper_fn());
            items.push(cx.endpoint_test(r, e, &call));
            blocking.push(cx.blocking_endpoint_test(r, e, &call));
            let stream = cx.stream_test(r, e, &call);
            let unknown = cx.unknown_values_test(r, e, &call);
            // The multipart check compares JSON parts with `json` too.
            json_fn |= !matches!(call.sent, Sent::Nothing)
                || matches!(e.response, Response::Json(_))
                || stream.is_some()
                || unknown.is_some();
            items.extend(stream);
            items.extend(unknown);
            items.extend(cx.page_defaults_test(r, e, &call));
            if e.places_calls {
                items.push(never_twice_test(r, e, &call));
            }
            let helper = &call.helper;
            let decodes_json = matches!(e.response, Response::Json(_));
            leaks.push(quote! { provoke(#helper, #decodes_json, &mut texts).await; });
        }
    }
    let any_endpoint = !leaks.is_empty();
    let webhook_tests = cx.webhook_tests();
    json_fn |= !webhook_tests.is_empty();
    items.extend(webhook_tests);

    let support = support(any_endpoint || json_fn);
    let leak_test = if any_endpoint {
        quote! {
            /// Every endpoint meets error replies that echo the key: the key must not appear in
            /// the client, the requests or any error, whichever way they are printed.
            #[tokio::test]
            async fn api_key_never_leaks_from_any_endpoint() {
                let mut texts = vec![format!("{:?}", Client::builder().api_key(KEY))];
                #(#leaks)*
                for text in &texts {
                    assert_no_key(text);
                }
            }
        }
    } else {
        quote! {}
    };
    let blocking = if blocking.is_empty() {
        quote! {}
    } else {
        quote! {
            /// Every endpoint again, through the blocking client.
            #[cfg(feature = "blocking")]
            mod blocking {
                use super::*;

                fn blocking_for(server: &TestServer) -> crate::blocking::Client {
                    crate::blocking::Client::from_async(client_for(server)).expect("blocking client")
                }

                #(#blocking)*
            }
        }
    };
    let body = quote! {
        #support
        #(#items)*
        #leak_test
        #blocking
    };
    // `rust::sample` writes paths from the crate's name, as doc examples see it.
    let krate = krate(api);
    let alias = if body.to_string().contains(&format!("{krate} ::")) {
        quote! { use crate as #krate; }
    } else {
        quote! {}
    };
    let tokens = quote! {
        //! Every endpoint of the spec, called through the public API against the scripted loopback
        //! server: what reaches the server (method, encoded path, query, key, content type, body)
        //! and what comes back. Expected values were computed by the generator from the spec.
        #alias
        #body
    };
    GeneratedFile {
        path: "generated/src/endpoint_tests.rs".into(),
        contents: format_file(&header("//", &api.sources.iter().collect::<Vec<_>>()), tokens),
    }
}

/// For an endpoint that places calls: with retries enabled, a 500, a connection dropped after
/// the request was read, and a timeout each reach the server exactly once; a 429 is re-sent,
/// because Ringg refused it before doing anything.
fn never_twice_test(r: &Resource, e: &Endpoint, call: &Call) -> TokenStream {
    let name = ident(&format!("{}_{}_never_rings_twice", r.name, e.name));
    let helper = &call.helper;
    let doc = lit(&format!(
        " `{} {}` places calls: no fault makes the client send it twice; only a 429 is re-sent.",
        e.method.as_str(),
        e.path
    ));
    quote! {
        #[doc = #doc]
        #[tokio::test]
        async fn #name() {
            let eager = RetryPolicy::default()
                .max_retries(3)
                .initial_backoff(Duration::from_millis(1))
                .max_backoff(Duration::from_millis(5));
            let faults = [
                ("500", Reply::status(500)),
                ("dropped connection", Reply::close()),
                ("timeout", Reply::status(200).delay(Duration::from_millis(800))),
            ];
            for (fault, reply) in faults {
                let spare = || Reply::json(200, "{}");
                let server = TestServer::start(vec![reply, spare(), spare(), spare()]).await;
                let client = client_for(&server);
                let request = #helper(&client)
                    .retry_policy(eager.clone())
                    .timeout(Duration::from_millis(200));
                let result = request.await;
                assert!(result.is_err(), "{fault}: the call must fail, not be retried into success");
                assert_eq!(server.request_count(), 1, "{fault}: sent more than once");
            }
            let server = TestServer::start(vec![Reply::status(429).header("retry-after", "0"), Reply::status(500)]).await;
            let client = client_for(&server);
            let result = #helper(&client).retry_policy(eager).await;
            assert!(result.is_err());
            assert_eq!(server.request_count(), 2, "a 429 was refused before any effect: re-sent once");
        }
    }
}

/// Shared helpers of the test module; only those the emitted tests use.
/// The shared helpers (`runtime::endpoint_support`, hand-written): a client for the test
/// server, `check_request`, the key-leak probes and `json`.
fn support(needed: bool) -> TokenStream {
    if needed {
        quote! { use crate::runtime::endpoint_support::*; }
    } else {
        quote! {}
    }
}

/// Whether a date-time text ends in an offset (`Z` or `+05:30`), as request inputs must.
fn has_offset(text: &str) -> bool {
    let b = text.as_bytes();
    text.len() > 10
        && (b.ends_with(b"Z") || (b.len() >= 6 && matches!(b[b.len() - 6], b'+' | b'-') && b[b.len() - 3] == b':'))
}

/// Whether a JSON value holds a date-time text without an offset anywhere.
fn has_local_datetime(value: &Value) -> bool {
    match value {
        Value::String(s) => {
            let b = s.as_bytes();
            b.len() > 10 && b[4] == b'-' && b[7] == b'-' && b[10] == b'T' && !has_offset(s)
        }
        Value::Array(items) => items.iter().any(has_local_datetime),
        Value::Object(map) => map.values().any(has_local_datetime),
        _ => false,
    }
}

/// The type table [`conform`] reads.
struct Cx<'a> {
    api: &'a Api,
    types: HashMap<&'a str, &'a TypeDef>,
}

/// The body one request carries, as the server must see it.
enum Sent {
    Nothing,
    Json(Value),
    /// Part names in order, the contents of the uploaded files, and the value of every other
    /// part (`true` when it is JSON text, compared as JSON).
    Multipart(Vec<String>, Vec<String>, Vec<(String, String, bool)>),
}

/// How one endpoint is called by its tests.
struct Call {
    /// `request_calling_history`.
    helper: Ident,
    /// `crate::calling::History`.
    op: TokenStream,
    /// `#[allow(deprecated)]` when the handle method is deprecated.
    allow: TokenStream,
    /// Statements building `body`, if the endpoint takes one.
    body: TokenStream,
    /// `client.calling().history(args)`, without setters.
    call: TokenStream,
    /// `.limit(10).status(...)`: every optional query parameter.
    setters: TokenStream,
    method: String,
    path: String,
    query: Vec<(String, String)>,
    sent: Sent,
    accept: &'static str,
}

impl Call {
    fn helper_fn(&self) -> TokenStream {
        let Call { helper, op, allow, body, call, setters, .. } = self;
        quote! {
            #allow
            fn #helper(client: &Client) -> crate::Request<#op> {
                #body
                #call #setters
            }
        }
    }

    /// The constants the request check names, and the `check_request` call on `requests[0]`.
    fn check_tokens(&self) -> (TokenStream, TokenStream) {
        let method = lit(&self.method);
        let path = lit(&self.path);
        let query = self.query.iter().map(|(n, v)| {
            let (n, v) = (lit(n), lit(v));
            quote! { (#n, #v) }
        });
        let accept = lit(self.accept);
        let (sent_consts, sent) = self.sent_tokens();
        (sent_consts, quote! { check_request(&requests[0], #method, #path, &[#(#query),*], #accept, #sent); })
    }

    /// The `Sent` the test expects, and the constant it names.
    fn sent_tokens(&self) -> (TokenStream, TokenStream) {
        match &self.sent {
            Sent::Nothing => (quote! {}, quote! { Sent::Nothing }),
            Sent::Json(v) => (json_const("BODY", v), quote! { Sent::Json(BODY) }),
            Sent::Multipart(names, files, values) => {
                let names = names.iter().map(|n| lit(n));
                let files = files.iter().map(|f| lit(f));
                let values = values.iter().map(|(n, v, j)| {
                    let (n, v) = (lit(n), lit(v));
                    quote! { (#n, #v, #j) }
                });
                (
                    quote! {
                        const PARTS: &[&str] = &[#(#names),*];
                        const FILES: &[&str] = &[#(#files),*];
                        const VALUES: &[(&str, &str, bool)] = &[#(#values),*];
                    },
                    quote! { Sent::Multipart(PARTS, FILES, VALUES) },
                )
            }
        }
    }
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).expect("JSON serializes")
}

/// `const NAME: &str = r#"<pretty JSON>"#;`
fn json_const(name: &str, v: &Value) -> TokenStream {
    let name = ident(name);
    let raw = raw_lit(&pretty(v));
    quote! { const #name: &str = #raw; }
}

/// Percent-encodes a path segment exactly like the runtime's `encode_segment`.
fn encode_segment(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl Cx<'_> {
    fn conform(&self, t: &TypeRef, v: &Value, what: &str) -> Value {
        conform(&self.types, t, v, what)
            .unwrap_or_else(|e| panic!("endpoint tests: {what} does not fit its type ({e}); this is a generator bug"))
    }

    fn object_fields(&self, t: &TypeRef) -> Option<&[Field]> {
        let TypeRef::Named(n) = t else { return None };
        match &self.api.type_def(n)?.kind {
            TypeKind::Object(fields) => Some(fields),
            TypeKind::Enum(_) | TypeKind::Union(_) | TypeKind::Tagged(_) | TypeKind::OneOf(_) | TypeKind::Newtype => {
                None
            }
        }
    }

    fn enum_values(&self, t: &TypeRef) -> Option<&TypeDef> {
        let TypeRef::Named(n) = t else { return None };
        let def = self.api.type_def(n)?;
        matches!(def.kind, TypeKind::Enum(_)).then_some(def)
    }

    /// Sample JSON of a type. Not `full`: exactly what `rust::sample` encodes to (required
    /// fields only, empty lists). `full`, for what a server sends: optional fields too and one
    /// item per list, down to a bounded depth.
    fn sample_json(&self, t: &TypeRef, hint: &str, depth: usize, fill: bool) -> Value {
        match t {
            TypeRef::String => Value::String(sample_text(hint)),
            TypeRef::Date => Value::String("2026-03-01".into()),
            TypeRef::DateTime => Value::String("2026-03-01T09:00:00+05:30".into()),
            TypeRef::Integer => Value::from(10),
            TypeRef::Number => Value::from(if fill { 1.5 } else { 1.0 }),
            TypeRef::Boolean => Value::Bool(true),
            TypeRef::Json | TypeRef::Map(_) => Value::Object(Map::new()),
            TypeRef::File => Value::Null,
            TypeRef::List(inner) => {
                if fill && depth < 4 && **inner != TypeRef::File {
                    Value::Array(vec![self.sample_json(inner, hint, depth + 1, fill)])
                } else {
                    Value::Array(Vec::new())
                }
            }
            TypeRef::Named(n) => {
                let def = self.api.type_def(n).expect("validated");
                match &def.kind {
                    TypeKind::Enum(values) => Value::String(values[0].wire.clone()),
                    TypeKind::Object(fields) => {
                        let mut out = Map::new();
                        self.sample_fields(fields, depth, fill, &mut out);
                        Value::Object(out)
                    }
                    TypeKind::Union(members) => self.sample_json(&members[0].ty, "value", depth + 1, fill),
                    TypeKind::Newtype => Value::String(sample_text(hint)),
                    TypeKind::OneOf(members) => {
                        let m = &members[0];
                        Value::Object(Map::from_iter([(
                            m.wire.clone(),
                            self.sample_json(&m.ty, &m.wire, depth + 1, fill),
                        )]))
                    }
                    TypeKind::Tagged(tagged) => {
                        let v = &tagged.variants[0];
                        let mut out = Map::new();
                        if let Some(pty) = &v.ty
                            && let Value::Object(m) =
                                self.sample_json(&TypeRef::Named(pty.clone()), "value", depth + 1, fill)
                        {
                            out.extend(m);
                        }
                        out.insert(tagged.tag.clone(), Value::String(v.tag_value.clone()));
                        Value::Object(out)
                    }
                }
            }
        }
    }

    fn sample_fields(&self, fields: &[Field], depth: usize, fill: bool, out: &mut Map<String, Value>) {
        let wanted = |f: &&Field| !f.presence.may_be_absent() || (fill && depth < 3 && !f.flatten);
        for f in fields.iter().filter(wanted) {
            let value = match f.presence {
                Presence::Nullable => Value::Null,
                Presence::Required | Presence::Optional | Presence::OptionalNullable => {
                    self.sample_json(&f.ty, &f.wire, depth + 1, fill)
                }
            };
            if f.flatten {
                if let Value::Object(m) = value {
                    out.extend(m);
                }
            } else {
                out.insert(f.wire.clone(), value);
            }
        }
    }

    /// A Rust argument for one query value and its text on the wire.
    fn query_scalar(&self, t: &TypeRef, v: &Value) -> Option<(TokenStream, String)> {
        match t {
            TypeRef::String => {
                let s = v.as_str()?;
                let l = lit(s);
                Some((quote! { #l }, s.to_owned()))
            }
            // Inputs must be absolute: an example without an offset gives way to a sample.
            TypeRef::DateTime => {
                let s = v.as_str().filter(|s| has_offset(s))?;
                let l = lit(s);
                Some((quote! { crate::Timestamp::from_static(#l) }, s.to_owned()))
            }
            TypeRef::Date => {
                let s = v.as_str()?;
                let l = lit(s);
                Some((quote! { crate::Date::from_static(#l) }, s.to_owned()))
            }
            TypeRef::Integer => {
                let n = v.as_i64()?;
                let l = Literal::i64_unsuffixed(n);
                Some((quote! { #l }, n.to_string()))
            }
            TypeRef::Number => {
                let f = v.as_f64()?;
                let l = Literal::f64_unsuffixed(f);
                Some((quote! { #l }, format!("{f}")))
            }
            TypeRef::Boolean => {
                let b = v.as_bool()?;
                Some((quote! { #b }, b.to_string()))
            }
            TypeRef::Named(n) if self.is_newtype(n) => {
                let s = v.as_str()?;
                Some((self.newtype_value(n, s), s.to_owned()))
            }
            TypeRef::Named(_) => {
                let def = self.enum_values(t)?;
                let s = v.as_str()?;
                Some((enum_value(def, s), s.to_owned()))
            }
            TypeRef::Json | TypeRef::File | TypeRef::List(_) | TypeRef::Map(_) => None,
        }
    }

    fn is_newtype(&self, name: &str) -> bool {
        matches!(self.api.type_def(name).map(|d| &d.kind), Some(TypeKind::Newtype))
    }

    /// `crate::types::AgentId::new("...")`.
    fn newtype_value(&self, name: &str, text: &str) -> TokenStream {
        let id = ident(&self.api.type_def(name).expect("validated").rust);
        let l = lit(text);
        quote! { crate::types::#id::new(#l) }
    }

    /// The argument for a query parameter (the spec example's value, else a sample) and the
    /// pairs it puts on the wire. `None` for types a query cannot carry as text.
    fn query_arg(&self, e: &Endpoint, p: &Param) -> Option<(TokenStream, Vec<String>)> {
        let example = e.examples.iter().find_map(|x| x.query.as_ref().and_then(|q| q.get(&p.wire)).cloned());
        match &p.ty {
            TypeRef::List(inner) => {
                let values = match example {
                    Some(Value::Array(items)) if !items.is_empty() => items,
                    _ => self.two_samples(inner, &p.rust),
                };
                let mut args = Vec::new();
                let mut texts = Vec::new();
                for v in &values {
                    let (a, t) = self.query_scalar(inner, v)?;
                    args.push(a);
                    texts.push(t);
                }
                Some((quote! { [#(#args),*] }, texts))
            }
            t => {
                let v = example
                    .filter(|v| self.query_scalar(t, v).is_some())
                    .unwrap_or_else(|| self.sample_json(t, &p.rust, 0, false));
                let (a, text) = self.query_scalar(t, &v)?;
                Some((a, vec![text]))
            }
        }
    }

    fn two_samples(&self, t: &TypeRef, hint: &str) -> Vec<Value> {
        match t {
            TypeRef::String => {
                vec![format!("{}-1", sample_text(hint)).into(), format!("{}-2", sample_text(hint)).into()]
            }
            TypeRef::Integer => vec![10.into(), 11.into()],
            TypeRef::Named(_) => match self.enum_values(t).map(|d| &d.kind) {
                Some(TypeKind::Enum(values)) => values.iter().take(2).map(|v| Value::String(v.wire.clone())).collect(),
                Some(
                    TypeKind::Object(_)
                    | TypeKind::Union(_)
                    | TypeKind::Tagged(_)
                    | TypeKind::OneOf(_)
                    | TypeKind::Newtype,
                )
                | None => vec![self.sample_json(t, hint, 0, false)],
            },
            TypeRef::Date
            | TypeRef::DateTime
            | TypeRef::Number
            | TypeRef::Boolean
            | TypeRef::Json
            | TypeRef::File
            | TypeRef::List(_)
            | TypeRef::Map(_) => vec![self.sample_json(t, hint, 0, false)],
        }
    }

    /// The value a path parameter gets, with a `/`, a space and a non-ASCII letter in strings
    /// so the encoded path proves each stays inside its segment.
    fn path_arg(&self, p: &Param) -> (TokenStream, String) {
        match &p.ty {
            TypeRef::String => {
                let value = format!("{}/é 1", sample_text(&p.wire));
                let l = lit(&value);
                (quote! { #l }, encode_segment(&value))
            }
            TypeRef::Integer => (quote! { 10 }, "10".into()),
            TypeRef::Named(n) if self.is_newtype(n) => {
                let value = format!("{}/é 1", sample_text(&p.wire));
                (self.newtype_value(n, &value), encode_segment(&value))
            }
            t => {
                let v = self.sample_json(t, &p.wire, 0, false);
                match self.query_scalar(t, &v) {
                    Some((a, text)) => (a, encode_segment(&text)),
                    None => panic!("endpoint tests: path parameter `{}` has a type without a text form", p.wire),
                }
            }
        }
    }

    fn call(&self, r: &Resource, e: &Endpoint) -> Call {
        let api = self.api;
        let res = ident(&r.name);
        let method = ident(&e.rust_method);
        let op_ident = ident(&e.rust_op);
        let mut args = Vec::new();
        let mut query = Vec::new();
        let mut values: HashMap<&str, Vec<String>> = HashMap::new();
        // Path parameters, then required query parameters: the handle method's argument order.
        let mut path = String::new();
        let mut encoded: HashMap<&str, String> = HashMap::new();
        for p in &e.path_params {
            let (a, text) = self.path_arg(p);
            args.push(a);
            encoded.insert(p.wire.as_str(), text);
        }
        for (i, seg) in e.path.split('/').enumerate() {
            if i > 0 {
                path.push('/');
            }
            match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => path.push_str(&encoded[name]),
                None => path.push_str(seg),
            }
        }
        // `client_for` gives every base URL but the default one its name as a path prefix.
        let path = if e.base_url == "default" { path } else { format!("/{}{path}", e.base_url) };

        let mut setters = Vec::new();
        for p in &e.query {
            let name = ident(&p.rust);
            match (self.query_arg(e, p), p.optional) {
                (Some((a, texts)), false) => {
                    args.push(a);
                    values.insert(p.wire.as_str(), texts);
                }
                (Some((a, texts)), true) => {
                    setters.push(quote! { .#name(#a) });
                    values.insert(p.wire.as_str(), texts);
                }
                (None, false) => {
                    // No text form to compare: pass a sample and leave its pairs unchecked.
                    args.push(sample(api, &p.ty, &p.wire, 0));
                }
                (None, true) => {}
            }
        }
        // The runtime pushes query parameters in spec order.
        for p in &e.query {
            for v in values.get(p.wire.as_str()).into_iter().flatten() {
                query.push((p.wire.clone(), v.clone()));
            }
        }

        let (body, sent) = match &e.body {
            None => (quote! {}, Sent::Nothing),
            Some(b) => {
                let bt = TypeRef::Named(b.ty.clone());
                let mut imports = Imports::with_prefix(quote! { crate::types });
                let bty = ty(api, &bt, &mut imports);
                args.push(quote! { body });
                match b.encoding {
                    // An example with an offset-less date-time would be refused as an input.
                    Encoding::Json => {
                        match e.examples.iter().filter_map(|x| x.request.as_ref()).find(|x| !has_local_datetime(x)) {
                            Some(example) => {
                                let expected = self.conform(&bt, example, "the request example");
                                let example = json_const("EXAMPLE", example);
                                (
                                    quote! {
                                        #example
                                        let body: #bty = serde_json::from_str(EXAMPLE).expect("the request example decodes");
                                    },
                                    Sent::Json(expected),
                                )
                            }
                            None => {
                                let expr = sample(api, &bt, "body", 0);
                                let expected = self.sample_json(&bt, "body", 0, false);
                                let conformed = self.conform(&bt, &expected, "the sample body");
                                assert_eq!(
                                    conformed, expected,
                                    "endpoint tests: the sample body of `{}` does not round-trip",
                                    e.name
                                );
                                (quote! { let body = #expr; }, Sent::Json(expected))
                            }
                        }
                    }
                    Encoding::Multipart => {
                        let (stmt, names, files, values) =
                            self.multipart_body(&bty, &bt, &format!("{}.{}", r.name, e.name));
                        (stmt, Sent::Multipart(names, files, values))
                    }
                }
            }
        };
        let allow = if e.deprecated.is_some() {
            quote! { #[allow(deprecated)] }
        } else {
            quote! {}
        };
        Call {
            helper: ident(&format!("request_{}_{}", r.name, e.name)),
            op: quote! { crate::#res::#op_ident },
            allow,
            body,
            call: quote! { client.#res().#method(#(#args),*) },
            setters: quote! { #(#setters)* },
            method: e.method.as_str().to_owned(),
            path,
            query,
            sent,
            accept: match e.response {
                Response::Binary { .. } => "*/*",
                Response::Empty | Response::Json(_) => "application/json",
            },
        }
    }

    /// A multipart body: required fields through `new`, optional ones through their setters,
    /// files from memory. Returns the statement, the expected part names and file contents.
    #[allow(clippy::type_complexity, reason = "the statement and the three expectations it implies")]
    fn multipart_body(
        &self,
        bty: &TokenStream,
        bt: &TypeRef,
        endpoint: &str,
    ) -> (TokenStream, Vec<String>, Vec<String>, Vec<(String, String, bool)>) {
        let fields = self.object_fields(bt).expect("validated: multipart bodies are objects");
        let mut args = Vec::new();
        let mut setters = Vec::new();
        let mut names = Vec::new();
        let mut files = Vec::new();
        let mut values = Vec::new();
        for f in fields {
            if f.presence == Presence::Nullable {
                args.push((f, quote! { None }));
                continue;
            }
            if f.presence == Presence::OptionalNullable {
                continue;
            }
            let mut upload = |names: &mut Vec<String>| {
                let n = files.len() + 1;
                let content = format!("{endpoint} upload {n}\n");
                let file_name = lit(&format!("{}-{n}.bin", f.wire));
                let bytes = Literal::byte_string(content.as_bytes());
                files.push(content);
                names.push(f.wire.clone());
                quote! { crate::Upload::from_bytes(#bytes.to_vec(), #file_name) }
            };
            let value = match &f.ty {
                TypeRef::File => upload(&mut names),
                TypeRef::List(inner) if **inner == TypeRef::File => {
                    let a = upload(&mut names);
                    let b = upload(&mut names);
                    quote! { Vec::from([#a, #b]) }
                }
                t => {
                    names.push(f.wire.clone());
                    values.push(self.part_text(t, &f.wire));
                    sample(self.api, t, &f.wire, 1)
                }
            };
            if f.presence == Presence::Required {
                args.push((f, value));
            } else {
                let setter = ident(&f.rust);
                setters.push(quote! { .#setter(#value) });
            }
        }
        let TypeRef::Named(n) = bt else { unreachable!("validated: multipart bodies are named objects") };
        let def = self.api.type_def(n).expect("validated");
        let new = construct(self.api, def, &args, &quote! { crate::types });
        let _ = bty;
        (quote! { let body = #new #(#setters)*; }, names, files, values)
    }

    /// What a non-file multipart part carries for the sample value of `t`: scalars and enums as
    /// their text, everything else as JSON text (flagged, so it is compared as JSON).
    fn part_text(&self, t: &TypeRef, wire: &str) -> (String, String, bool) {
        // The same split as the body's `to_form`: scalars, enums and typed ids are text, the
        // rest JSON.
        let is_enum =
            |n: &str| matches!(self.api.type_def(n).map(|d| &d.kind), Some(TypeKind::Enum(_) | TypeKind::Newtype));
        let text_part = match t {
            TypeRef::String
            | TypeRef::Date
            | TypeRef::DateTime
            | TypeRef::Integer
            | TypeRef::Number
            | TypeRef::Boolean => true,
            TypeRef::Named(n) => is_enum(n),
            TypeRef::Json | TypeRef::File | TypeRef::List(_) | TypeRef::Map(_) => false,
        };
        let value = self.sample_json(t, wire, 1, false);
        let text = match (&value, text_part) {
            (Value::String(s), true) => s.clone(),
            (Value::Number(n), true) => {
                n.as_i64().map(|i| i.to_string()).or_else(|| n.as_f64().map(|f| f.to_string())).unwrap_or_default()
            }
            (v, _) => v.to_string(),
        };
        (wire.to_owned(), text, !text_part)
    }

    /// The server's answer (constants and the reply) and the checks of the decoded output.
    fn response(&self, e: &Endpoint) -> (TokenStream, TokenStream, TokenStream) {
        match &e.response {
            Response::Empty => (quote! {}, quote! { Reply::status(204) }, quote! {}),
            Response::Binary { media_type } => {
                let media = lit(media_type.as_deref().unwrap_or("application/octet-stream"));
                let bytes = Literal::byte_string(b"id,status\r\n1,completed\r\n\xff\x00\x01");
                (
                    quote! { const DOWNLOAD: &[u8] = #bytes; },
                    quote! { Reply::status(200).header("content-type", #media).body(DOWNLOAD.to_vec()) },
                    quote! {
                        assert_eq!(output.content_type(), Some(#media));
                        let mut bytes = Vec::new();
                        output.write_to(&mut bytes).await.expect("the download is read");
                        assert_eq!(bytes, DOWNLOAD);
                    },
                )
            }
            Response::Json(t) => {
                let value = e
                    .examples
                    .iter()
                    .find_map(|x| x.response.clone())
                    .unwrap_or_else(|| self.sample_json(t, "value", 0, true));
                let expected = self.conform(t, &value, "the response");
                let (consts, expected_name) = reply_consts("REPLY", &value, &expected);
                (
                    consts,
                    quote! { Reply::json(200, REPLY) },
                    quote! {
                        let encoded = serde_json::to_value(&output).expect("the output encodes");
                        assert_eq!(encoded, json(#expected_name));
                    },
                )
            }
        }
    }

    fn endpoint_test(&self, r: &Resource, e: &Endpoint, call: &Call) -> TokenStream {
        let name = ident(&format!("{}_{}", r.name, e.name));
        let helper = &call.helper;
        let (reply_consts, reply, checks) = self.response(e);
        let (sent_consts, check) = call.check_tokens();
        let doc = lit(&format!(" `{} {}`: request and response through the public API.", e.method.as_str(), e.path));
        let outcome = if e.response == Response::Empty {
            quote! { request.await.expect("the request succeeds"); }
        } else {
            quote! { let output = request.await.expect("the request succeeds"); }
        };
        quote! {
            #[doc = #doc]
            #[tokio::test]
            async fn #name() {
                #sent_consts
                #reply_consts
                let reply = #reply;
                let server = TestServer::start(vec![reply]).await;
                let client = client_for(&server);
                let request = #helper(&client);
                assert_no_key(&format!("{request:?}"));
                #outcome
                let requests = server.requests();
                assert_eq!(requests.len(), 1, "one request, no retry");
                #check
                #checks
            }
        }
    }

    /// The endpoint test again through the blocking client: `send()` instead of `.await`, and
    /// a download read through `std::io::Read`.
    fn blocking_endpoint_test(&self, r: &Resource, e: &Endpoint, call: &Call) -> TokenStream {
        let name = ident(&format!("{}_{}", r.name, e.name));
        let Call { op, allow, body, call: request, setters, .. } = call;
        let (reply_consts, reply, checks) = self.response(e);
        let (request_ty, outcome, checks) = match &e.response {
            Response::Binary { media_type } => {
                let media = lit(media_type.as_deref().unwrap_or("application/octet-stream"));
                (
                    quote! { crate::blocking::DownloadRequest<#op> },
                    quote! { let mut output = request.send().expect("the request succeeds"); },
                    quote! {
                        assert_eq!(output.content_type(), Some(#media));
                        let mut bytes = Vec::new();
                        std::io::Read::read_to_end(&mut output, &mut bytes).expect("the download is read");
                        assert_eq!(bytes, DOWNLOAD);
                    },
                )
            }
            Response::Empty => (
                quote! { crate::blocking::Request<#op> },
                quote! { request.send().expect("the request succeeds"); },
                checks,
            ),
            Response::Json(_) => (
                quote! { crate::blocking::Request<#op> },
                quote! { let output = request.send().expect("the request succeeds"); },
                checks,
            ),
        };
        let (sent_consts, check) = call.check_tokens();
        let doc = lit(&format!(" `{} {}` through the blocking client.", e.method.as_str(), e.path));
        quote! {
            #[doc = #doc]
            #[test]
            fn #name() {
                #sent_consts
                #reply_consts
                let (_runtime, server) = TestServer::start_on_own_runtime(vec![#reply]);
                let client = blocking_for(&server);
                #allow
                let request: #request_ty = {
                    #body
                    #request #setters
                };
                assert_no_key(&format!("{request:?}"));
                #outcome
                let requests = server.requests();
                assert_eq!(requests.len(), 1, "one request, no retry");
                #check
                #checks
            }
        }
    }

    /// The wire names and fields from the response type to the item list.
    fn page_path(&self, e: &Endpoint) -> Option<(TypeRef, Vec<&Field>)> {
        let paging = e.paging.as_ref()?;
        let Response::Json(t) = &e.response else { return None };
        let mut current = t.clone();
        let mut fields = Vec::new();
        for step in &paging.items {
            let f = self.object_fields(&current)?.iter().find(|f| f.rust == step.rust && !f.flatten)?;
            current = f.ty.clone();
            fields.push(f);
        }
        Some((t.clone(), fields))
    }

    /// A base page (the response example, or a sample) and one item (the example's first, or
    /// a sample).
    fn page_parts(&self, e: &Endpoint) -> Option<(TypeRef, Vec<&Field>, Value, Value)> {
        let (t, fields) = self.page_path(e)?;
        let item_ty = e.paging.as_ref()?.item.clone();
        let base = e
            .examples
            .iter()
            .find_map(|x| x.response.clone())
            .unwrap_or_else(|| self.sample_json(&t, "value", 0, true));
        let mut at = &base;
        for f in &fields {
            at = at.get(&f.wire).unwrap_or(&Value::Null);
        }
        let item = at
            .as_array()
            .and_then(|a| a.first())
            .cloned()
            .unwrap_or_else(|| self.sample_json(&item_ty, "value", 0, true));
        Some((t, fields, base, item))
    }

    /// Sets the item list (creating missing or null objects on the way) and the total.
    fn build_page(&self, base: &Value, fields: &[&Field], items: Vec<Value>, total: Option<(&str, Value)>) -> Value {
        let mut page = base.clone();
        let mut at = &mut page;
        for (i, f) in fields.iter().enumerate() {
            let Value::Object(map) = at else { break };
            if i + 1 == fields.len() {
                map.insert(f.wire.clone(), Value::Array(items));
                break;
            }
            let entry = map.entry(f.wire.clone()).or_insert(Value::Null);
            if !entry.is_object() {
                *entry = self.sample_json(&f.ty, "value", 0, true);
            }
            at = entry;
        }
        if let (Some((wire, value)), Value::Object(map)) = (total, &mut page) {
            map.insert(wire.to_owned(), value);
        }
        page
    }

    /// The total field's wire name, its presence and its type.
    fn total_field(&self, e: &Endpoint, t: &TypeRef) -> Option<&Field> {
        let (step, _) = e.paging.as_ref()?.total.as_ref()?;
        self.object_fields(t)?.iter().find(|f| f.rust == step.rust)
    }

    /// `.stream()` over a full page then a short one, checking `limit` and `offset` of each.
    /// `.send()` without paging setters asks for the documented default page; a page size out
    /// of range is refused before anything is sent.
    fn page_defaults_test(&self, r: &Resource, e: &Endpoint, call: &Call) -> Option<TokenStream> {
        let (_, fields, base, _) = self.page_parts(e)?;
        let limit = e.query.iter().find(|q| q.wire == self.api.pagination.limit)?;
        let offset = e.query.iter().find(|q| q.wire == self.api.pagination.offset)?;
        let page = self.build_page(&base, &fields, Vec::new(), None);
        let page = json_const("PAGE", &page);
        let name = ident(&format!("{}_{}_send_asks_for_the_default_page", r.name, e.name));
        let limit_setter = ident(&limit.rust);
        let (limit_wire, offset_wire) = (lit(&limit.wire), lit(&offset.wire));
        let default = lit(&super::resources::default_limit(self.api, e).to_string());
        let too_big = Literal::u32_unsuffixed(self.api.pagination.max_limit.saturating_add(1));
        let Call { body, call: request, allow, .. } = call;
        Some(quote! {
            /// `.send()` without paging setters sends the endpoint's default `limit` and offset
            /// 0, as its docs promise; a page size out of range is never sent.
            #[tokio::test]
            #allow
            async fn #name() {
                #page
                let server = TestServer::start(vec![Reply::json(200, PAGE)]).await;
                let client = client_for(&server);
                #body
                #request.send().await.expect("the page decodes");
                let requests = server.requests();
                assert_eq!(requests[0].query_one(#limit_wire), Some(#default));
                assert_eq!(requests[0].query_one(#offset_wire), Some("0"));
                for limit in [0, #too_big] {
                    #body
                    let err = #request.#limit_setter(limit).send().await.expect_err("an out-of-range page size");
                    assert_eq!(err.outcome(), crate::Outcome::NotSent, "{err}");
                }
                assert_eq!(server.requests().len(), 1, "nothing else was sent");
            }
        })
    }

    fn stream_test(&self, r: &Resource, e: &Endpoint, call: &Call) -> Option<TokenStream> {
        let (t, fields, base, item) = self.page_parts(e)?;
        let item_ty = e.paging.as_ref()?.item.clone();
        let limit = e.query.iter().find(|q| q.wire == self.api.pagination.limit)?;
        let offset = e.query.iter().find(|q| q.wire == self.api.pagination.offset)?;
        let items: Vec<Value> = (1..=3).map(|n| distinct(&item, n)).collect();
        // With a total, the paginator stops once it is reached; without one, on the short page.
        let total = self.total_field(e, &t).map(|f| (f.wire.as_str(), Value::from(3)));
        let page1 = self.build_page(&base, &fields, items[..2].to_vec(), total.clone());
        let page2 = self.build_page(&base, &fields, items[2..].to_vec(), total);
        let expected: Vec<Value> = items.iter().map(|i| self.conform(&item_ty, i, "a page item")).collect();
        let consts =
            [json_const("PAGE_1", &page1), json_const("PAGE_2", &page2), json_const("ITEMS", &Value::Array(expected))];
        let name = ident(&format!("{}_{}_stream_two_pages", r.name, e.name));
        let limit_setter = ident(&limit.rust);
        let (limit_wire, offset_wire) = (lit(&limit.wire), lit(&offset.wire));
        let (method, path) = (lit(&call.method), lit(&call.path));
        let auth = lit(&self.api.auth_header.to_ascii_lowercase());
        let Call { body, call: request, allow, .. } = call;
        Some(quote! {
            /// `.stream()` reads a full page, then a short one, and stops.
            #[tokio::test]
            #allow
            async fn #name() {
                #(#consts)*
                let server = TestServer::start(vec![Reply::json(200, PAGE_1), Reply::json(200, PAGE_2)]).await;
                let client = client_for(&server);
                #body
                let mut items = #request.#limit_setter(2).stream();
                let mut seen = Vec::new();
                for _ in 0..10 {
                    let Some(item) = items.try_next().await.expect("every page decodes") else { break };
                    seen.push(serde_json::to_value(&item).expect("an item encodes"));
                }
                assert_eq!(serde_json::Value::Array(seen), json(ITEMS));
                assert_eq!(items.pages_fetched(), 2);
                let requests = server.requests();
                assert_eq!(requests.len(), 2);
                for (request, offset) in requests.iter().zip(["0", "2"]) {
                    assert_eq!(request.method, #method);
                    assert_eq!(request.path, #path);
                    assert_eq!(request.query_one(#limit_wire), Some("2"));
                    assert_eq!(request.query_one(#offset_wire), Some(offset));
                    assert_eq!(request.header(#auth), Some(KEY));
                }
            }
        })
    }

    /// A page whose total is a word, with an unknown enum value and unknown keys: it decodes,
    /// the enum keeps the value as `Unknown`, and `.stream()` stops after the short page.
    fn unknown_values_test(&self, r: &Resource, e: &Endpoint, call: &Call) -> Option<TokenStream> {
        let (t, fields, base, item) = self.page_parts(e)?;
        let total = self.total_field(e, &t)?;
        let TypeDef { kind: TypeKind::Union(members), .. } = self.api.type_def(total.ty.named()?)? else {
            return None;
        };
        let text_member = members.iter().find(|m| m.ty == TypeRef::String)?;
        let item_ty = e.paging.as_ref()?.item.clone();
        let item_fields = self.object_fields(&item_ty).unwrap_or(&[]);
        let enum_field = item_fields
            .iter()
            .filter(|f| !f.flatten && f.presence != Presence::OptionalNullable && self.enum_values(&f.ty).is_some())
            .min_by_key(|f| f.wire != "status");
        let mut item = item;
        if let Value::Object(m) = &mut item {
            if let Some(f) = enum_field {
                m.insert(f.wire.clone(), Value::String(UNKNOWN_ENUM.into()));
            }
            m.insert("zz_unknown_key".into(), serde_json::json!({ "nested": [1, "two", null] }));
        }
        let mut page = self.build_page(&base, &fields, vec![item], Some((&total.wire, Value::String("many".into()))));
        if let Value::Object(m) = &mut page {
            m.insert("zz_unknown_top".into(), Value::Bool(true));
        }
        let expected = self.conform(&t, &page, "the page with unknown values");
        let (consts, expected_name) = reply_consts("REPLY", &page, &expected);

        // Rust access to the total, the items and the enum field.
        let mut imports = Imports::with_prefix(quote! { crate::types });
        let total_ty = ty(self.api, &total.ty, &mut imports);
        let member = ident(&text_member.rust);
        let total_name = ident(&total.rust);
        let total_check = match total.presence {
            Presence::Required => quote! {
                let #total_ty::#member(total) = &output.#total_name else {
                    panic!("total: {:?}", output.#total_name);
                };
                assert_eq!(total, "many");
            },
            Presence::Optional | Presence::Nullable => quote! {
                let Some(#total_ty::#member(total)) = output.#total_name.as_ref() else {
                    panic!("total: {:?}", output.#total_name);
                };
                assert_eq!(total, "many");
            },
            Presence::OptionalNullable => quote! {},
        };
        let mut items_expr = quote! { output };
        let mut reachable = true;
        for f in &fields {
            let fname = ident(&f.rust);
            items_expr = match f.presence {
                Presence::Required => quote! { #items_expr.#fname },
                Presence::Optional | Presence::Nullable => {
                    quote! { #items_expr.#fname.as_ref().expect("the page has items") }
                }
                Presence::OptionalNullable => {
                    reachable = false;
                    items_expr
                }
            };
        }
        let enum_check = match enum_field {
            Some(f) if reachable => {
                let fname = ident(&f.rust);
                let ety = ty(self.api, &f.ty, &mut imports);
                let unknown = lit(UNKNOWN_ENUM);
                let binding = match f.presence {
                    Presence::Required => quote! { let #ety::Unknown(value) = &item.#fname },
                    Presence::Optional | Presence::Nullable | Presence::OptionalNullable => {
                        quote! { let Some(#ety::Unknown(value)) = item.#fname.as_ref() }
                    }
                };
                let label = lit(&format!("{}: {{:?}}", f.wire));
                quote! {
                    let item = &#items_expr[0];
                    #binding else {
                        panic!(#label, item.#fname);
                    };
                    assert_eq!(value, #unknown);
                }
            }
            _ => quote! {},
        };
        let name = ident(&format!("{}_{}_unknown_values", r.name, e.name));
        let Call { body, call: request, allow, .. } = call;
        let (send, stream) = if body.is_empty() {
            (quote! { #request.send() }, quote! { #request.stream() })
        } else {
            (quote! { { #body #request.send() } }, quote! { { #body #request.stream() } })
        };
        Some(quote! {
            /// A total sent as a word, an unknown enum value and unknown keys all decode; the enum
            /// keeps the value as `Unknown`, and `.stream()` stops after the short page.
            #[tokio::test]
            #allow
            async fn #name() {
                #consts
                let server = TestServer::start(vec![Reply::json(200, REPLY), Reply::json(200, REPLY)]).await;
                let client = client_for(&server);
                let output = #send.await.expect("the page decodes");
                let encoded = serde_json::to_value(&output).expect("the page encodes");
                assert_eq!(encoded, json(#expected_name));
                #total_check
                #enum_check
                let mut items = #stream;
                let mut count = 0;
                for _ in 0..10 {
                    if items.try_next().await.expect("the page decodes").is_none() {
                        break;
                    }
                    count += 1;
                }
                assert_eq!(count, 1);
                assert_eq!(items.total(), None, "a word is no count");
                assert_eq!(server.request_count(), 2);
            }
        })
    }

    /// One test per webhook example, one decoding a sample payload of every event type, and
    /// one with an unknown event type.
    fn webhook_tests(&self) -> Vec<TokenStream> {
        let Some(w) = &self.api.webhooks else { return Vec::new() };
        let Some(def) = self.api.type_def(&w.event) else { return Vec::new() };
        let TypeKind::Tagged(tagged) = &def.kind else { return Vec::new() };
        let t = TypeRef::Named(def.name.clone());
        let mut tests = Vec::new();
        for (i, example) in def.examples.iter().enumerate() {
            let tag = example.get(&tagged.tag).and_then(Value::as_str).unwrap_or_default().to_owned();
            let expected = self.conform(&t, example, "the webhook example");
            let (consts, expected_name) = reply_consts("EVENT", example, &expected);
            let pattern = match tagged.variants.iter().find(|v| v.tag_value == tag) {
                Some(v) => {
                    let id = ident(&v.rust);
                    if v.ty.is_some() {
                        quote! { Event::#id(_) }
                    } else {
                        quote! { Event::#id }
                    }
                }
                None => quote! { Event::Unknown(_) },
            };
            let message = lit(&format!("not `{tag}`: {{event:?}}"));
            let tag = lit(&tag);
            let name = ident(&format!("webhook_example_{}", i + 1));
            tests.push(quote! {
                #[test]
                fn #name() {
                    use crate::webhooks::Event;
                    #consts
                    let event = Event::from_slice(EVENT.as_bytes()).expect("the example decodes");
                    let #pattern = &event else {
                        panic!(#message);
                    };
                    assert_eq!(event.tag(), #tag);
                    let encoded = serde_json::to_value(&event).expect("the event encodes");
                    assert_eq!(encoded, json(#expected_name));
                }
            });
        }
        let cases = tagged.variants.iter().map(|v| {
            let mut body = Map::new();
            if let Some(pty) = &v.ty
                && let Value::Object(m) = self.sample_json(&TypeRef::Named(pty.clone()), "value", 0, true)
            {
                body.extend(m);
            }
            body.insert(tagged.tag.clone(), Value::String(v.tag_value.clone()));
            let body = Value::Object(body);
            let expected = self.conform(&t, &body, "the sample webhook payload");
            let tag = lit(&v.tag_value);
            let body = raw_lit(&serde_json::to_string(&body).expect("JSON"));
            let expected = raw_lit(&serde_json::to_string(&expected).expect("JSON"));
            quote! { (#tag, #body, #expected) }
        });
        let count = tagged.variants.len();
        tests.push(quote! {
            /// Every event type decodes from its tag and a sample payload, to its own variant
            /// (`tag()` of a known variant is fixed, so a match proves which one), and encodes back.
            #[test]
            fn webhook_every_event_type() {
                use crate::webhooks::Event;
                const EVENTS: [(&str, &str, &str); #count] = [#(#cases),*];
                for (tag, body, expected) in EVENTS {
                    let event = Event::from_slice(body.as_bytes()).unwrap_or_else(|e| panic!("{tag}: {e}"));
                    if let Event::Unknown(_) = event {
                        panic!("{tag} decoded as Unknown");
                    }
                    assert_eq!(event.tag(), tag);
                    let encoded = serde_json::to_value(&event).expect("the event encodes");
                    assert_eq!(encoded, json(expected), "{tag}");
                }
            }
        });
        if tagged.open {
            let mut unknown_tag = String::from("zz_event_from_the_future");
            while tagged.variants.iter().any(|v| v.tag_value == unknown_tag) {
                unknown_tag.push('_');
            }
            let body =
                serde_json::json!({ tagged.tag.clone(): unknown_tag, "call_id": "abc", "extra": { "nested": [1, 2] } });
            let body = json_const("EVENT", &body);
            let tag = lit(&unknown_tag);
            tests.push(quote! {
                /// An event type this crate does not know is kept, JSON and all.
                #[test]
                fn webhook_unknown_event_type_is_kept() {
                    use crate::webhooks::Event;
                    #body
                    let event = Event::from_slice(EVENT.as_bytes()).expect("an unknown event decodes");
                    let Event::Unknown(value) = &event else {
                        panic!("expected Unknown, got {event:?}");
                    };
                    assert_eq!(value, &json(EVENT));
                    assert_eq!(event.tag(), #tag);
                    let encoded = serde_json::to_value(&event).expect("the event encodes");
                    assert_eq!(encoded, json(EVENT));
                }
            });
        }
        tests
    }
}

/// `const <name>` (what the server sends) and, when re-encoding drops something, `const
/// EXPECTED`; returns the constants and the name of the expected one.
fn reply_consts(name: &str, reply: &Value, expected: &Value) -> (TokenStream, TokenStream) {
    let reply_const = json_const(name, reply);
    if reply == expected {
        let name = ident(name);
        (reply_const, quote! { #name })
    } else {
        let expected_const = json_const("EXPECTED", expected);
        (quote! { #reply_const #expected_const }, quote! { EXPECTED })
    }
}

/// `types::CallStatus::Completed`, or `types::CallStatus::from("...")` for an unknown value.
fn enum_value(def: &TypeDef, wire: &str) -> TokenStream {
    let name = ident(&def.rust);
    match &def.kind {
        TypeKind::Enum(values) => match values.iter().find(|v| v.wire == wire) {
            Some(v) => {
                let v = ident(&v.rust);
                quote! { crate::types::#name::#v }
            }
            None => {
                let l = lit(wire);
                quote! { crate::types::#name::from(#l) }
            }
        },
        TypeKind::Object(_) | TypeKind::Union(_) | TypeKind::Tagged(_) | TypeKind::OneOf(_) | TypeKind::Newtype => {
            unreachable!("enum_value is only called for enums")
        }
    }
}

/// The item with its first string id made unique (`...-2`), so the items of a page differ.
fn distinct(item: &Value, n: usize) -> Value {
    let mut item = item.clone();
    if let Value::Object(m) = &mut item {
        let key =
            m.iter().find(|(k, v)| v.is_string() && (k.as_str() == "id" || k.ends_with("_id"))).map(|(k, _)| k.clone());
        if let Some(key) = key
            && let Some(Value::String(s)) = m.get_mut(&key)
        {
            s.push_str(&format!("-{n}"));
        }
    }
    item
}

/// The source of a crate outside `ringg` that calls every endpoint once, as an application
/// would: each request is built like the endpoint tests build it and awaited, so the caller's
/// share of the compile cost (the `Request` futures and decoders instantiated in the caller)
/// can be measured by `cargo xtask bench build`. It is not part of the generated crate.
pub fn consumer(api: &Api) -> String {
    let cx = Cx { api, types: api.types.iter().map(|t| (t.name.as_str(), t)).collect() };
    let mut helpers = Vec::new();
    let mut awaits = Vec::new();
    for r in &api.resources {
        for e in &r.endpoints {
            let call = cx.call(r, e);
            helpers.push(call.helper_fn());
            let helper = &call.helper;
            awaits.push(quote! { outcomes.push(#helper(client).await.is_ok()); });
        }
    }
    let krate = krate(api);
    let tokens = quote! {
        //! Calls every endpoint of the API once.
        use #krate::Client;

        #(#helpers)*

        /// Sends every request in turn and says which succeeded.
        pub async fn call_every_endpoint(client: &Client) -> Vec<bool> {
            let mut outcomes = Vec::new();
            #(#awaits)*
            outcomes
        }
    };
    // The helpers name items from inside the crate (`crate::types::...`); outside it they are
    // reached through the crate's name.
    let text = tokens.to_string().replace("crate ::", &format!("{krate} ::"));
    let tokens: TokenStream = text.parse().expect("the consumer source is valid Rust tokens");
    format_file(&header("//", &api.sources.iter().collect::<Vec<_>>()), tokens)
}
