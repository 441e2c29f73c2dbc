//! Resources to Rust: one module per resource with its handle, operations and request setters.
//!
//! Each endpoint becomes three things: a method on the resource handle taking the required
//! inputs (`client.calling().details(id)`), an operation struct holding every input, and setters
//! on `Request<Operation>` for the optional inputs. The runtime's `Operation` trait is the only
//! contract between this code and the hand-written HTTP plumbing.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::quote;

use super::docs;
use super::rust::{Imports, arg, format_file, krate, lit, named, sample, ty};
use super::{GeneratedFile, header};
use crate::ident::{ident, plain};
use crate::ir::{Api, Encoding, Endpoint, Param, Resource, Response, Retry, TypeKind, TypeRef};

/// `generated/src/<resource>.rs`.
pub(crate) fn resource_file(api: &Api, r: &Resource) -> GeneratedFile {
    GeneratedFile {
        path: format!("generated/src/{}.rs", r.name),
        contents: format_file(&header("//", &[api.source(&r.module)]), resource(api, r)),
    }
}

fn resource(api: &Api, r: &Resource) -> TokenStream {
    let handle = ident(&r.rust);
    let mut imports = Imports::with_prefix(quote! { types });
    let module_doc = docs::inner_attrs(&docs::sanitize(&r.doc));
    let handle_doc = docs::attrs(&format!(
        "{}\n\nGet it with [`Client::{}`](crate::Client::{}).",
        docs::sanitize(&docs::summary(&r.doc)),
        r.name,
        r.name
    ));
    let methods: Vec<TokenStream> = r.endpoints.iter().map(|e| method(api, r, e, &mut imports)).collect();
    let ops: Vec<TokenStream> = r.endpoints.iter().map(|e| operation(api, r, e, &mut imports)).collect();
    let uses = imports.tokens(quote! { crate::types }, &BTreeSet::new());
    // The runtime items this module names, in the order rustfmt would sort them.
    let mut runtime_items = vec!["DecodeFuture", "Endpoint", "Operation", "Response", "RetrySafety"];
    let any = |f: &dyn Fn(&Endpoint) -> bool| r.endpoints.iter().any(f);
    if any(&|e| e.body.is_some()) {
        runtime_items.push("Body");
    }
    if any(&|e| !e.query.is_empty()) {
        runtime_items.push("Query");
    }
    if any(&|e| e.paging.is_some()) {
        runtime_items.extend(["Page", "Paginated"]);
    }
    if any(&|e| !e.path_params.is_empty()) {
        runtime_items.push("encode_segment");
    }
    runtime_items.sort_by_key(|s| (s.starts_with(|c: char| c.is_lowercase()), *s));
    let runtime_items = runtime_items.iter().map(|s| ident(s));
    quote! {
        #module_doc
        use crate::runtime::{ #(#runtime_items),* };
        #uses
        use crate::{Client, Request};

        #handle_doc
        #[derive(Debug, Clone, Copy)]
        pub struct #handle<'a> {
            client: &'a Client,
        }

        impl<'a> #handle<'a> {
            pub(crate) fn new(client: &'a Client) -> Self {
                Self { client }
            }

            #(#methods)*
        }

        #(#ops)*
    }
}

/// Inputs that the handle method takes as arguments: path parameters, required query
/// parameters, and the body.
struct Inputs {
    params: Vec<TokenStream>,
    inits: Vec<TokenStream>,
    samples: Vec<TokenStream>,
}

fn inputs(api: &Api, e: &Endpoint, imports: &mut Imports) -> Inputs {
    let mut out = Inputs { params: Vec::new(), inits: Vec::new(), samples: Vec::new() };
    for p in e.path_params.iter().chain(e.query.iter().filter(|q| !q.optional)) {
        let name = ident(&p.rust);
        match &p.ty {
            TypeRef::List(inner) => {
                let (item, into) = arg(api, inner, imports);
                out.params.push(quote! { #name: impl IntoIterator<Item = #item> });
                out.inits.push(if into {
                    quote! { #name: #name.into_iter().map(Into::into).collect() }
                } else {
                    quote! { #name: #name.into_iter().collect() }
                });
                out.samples.push(quote! { [] });
            }
            t => {
                let (pty, into) = arg(api, t, imports);
                out.params.push(quote! { #name: #pty });
                out.inits.push(if into { quote! { #name: #name.into() } } else { quote! { #name } });
                out.samples.push(sample(api, t, &p.wire, 0));
            }
        }
    }
    for p in e.query.iter().filter(|q| q.optional) {
        let name = ident(&p.rust);
        out.inits.push(match p.ty {
            TypeRef::List(_) => quote! { #name: Vec::new() },
            _ => quote! { #name: None },
        });
    }
    if let Some(b) = &e.body {
        let bty = ty(api, &TypeRef::Named(b.ty.clone()), imports);
        out.params.push(quote! { body: #bty });
        out.inits.push(quote! { body });
        out.samples.push(sample(api, &TypeRef::Named(b.ty.clone()), "body", 0));
    }
    out
}

fn method(api: &Api, r: &Resource, e: &Endpoint, imports: &mut Imports) -> TokenStream {
    let name = ident(&e.rust_method);
    let op = ident(&e.rust_op);
    let Inputs { params, inits, samples } = inputs(api, e, imports);
    let op_value = quote! { #op { #(#inits),* } };
    let doc = docs::attrs(&method_doc(api, r, e, &samples));
    let deprecated = match &e.deprecated {
        Some(d) => {
            let note = match &d.replacement {
                Some((res, ep)) => format!("use `client.{res}().{ep}()` instead: {}", d.doc.trim()),
                None => d.doc.trim().to_string(),
            };
            let note = lit(&note);
            quote! { #[deprecated(note = #note)] }
        }
        None => quote! {},
    };
    quote! {
        #doc
        #deprecated
        pub fn #name(&self, #(#params),*) -> Request<#op> {
            Request::new(self.client.clone(), #op_value)
        }
    }
}

fn method_doc(api: &Api, r: &Resource, e: &Endpoint, samples: &[TokenStream]) -> String {
    let mut text = docs::sanitize(&e.doc);
    let base = if e.base_url == "default" {
        String::new()
    } else {
        format!(" (on the `{}` base URL)", e.base_url)
    };
    text.push_str(&format!("\n\n`{} {}`{base}", e.method.as_str(), e.path));
    if let Some(d) = &e.deprecated {
        text.push_str("\n\n**Deprecated.** ");
        text.push_str(&docs::sanitize(&d.doc));
        if let Some((res, ep)) = &d.replacement {
            let handle = api.resources.iter().find(|x| &x.name == res).map(|x| x.rust.clone()).unwrap_or_default();
            text.push_str(&format!(" Use [`{handle}::{ep}`](crate::{res}::{handle}::{ep}) instead."));
        }
    }
    text.push_str("\n\n");
    text.push_str(&match (e.retry, e.places_calls) {
        (_, true) => "**Places calls.** This request is never re-sent once it may have reached Ringg: it is retried only when the connection could not be made or Ringg answered 429, so a retry never rings anyone twice.".to_string(),
        (Retry::Unsafe, false) => "Not repeatable: retried only when the connection could not be made or Ringg answered 429.".to_string(),
        (Retry::Safe, false) => "Safe to repeat: retried on connection failures, timeouts, 408, 429 and 5xx, following the client's retry policy.".to_string(),
    });
    if e.paging.is_some() {
        text.push_str("\n\nPaginated: `.send()` returns one page; [`stream`](crate::Request::stream) walks every item, one page in memory at a time.");
    }
    if !e.errors.is_empty() {
        text.push_str("\n\n# Errors\n");
        for (status, meaning) in &e.errors {
            let kind = api.errors.iter().find(|x| &x.status == status).map(|x| x.name.clone()).unwrap_or_default();
            text.push_str(&format!(
                "\n- `{status}` ([`ErrorKind::{kind}`](crate::ErrorKind::{kind})): {}",
                docs::sanitize(meaning).replace('\n', " ")
            ));
        }
    }
    text.push_str("\n\n# Example\n\n");
    text.push_str(&example(api, r, e, samples));
    text
}

/// A compiling `no_run` doc example for the endpoint.
fn example(api: &Api, r: &Resource, e: &Endpoint, samples: &[TokenStream]) -> String {
    let krate = krate(api);
    let res = ident(&r.name);
    let m = ident(&e.rust_method);
    let call = quote! { client.#res().#m(#(#samples),*) };
    let body = if e.paging.is_some() {
        quote! {
            let mut items = #call.stream();
            while let Some(item) = items.try_next().await? {
                println!("{item:?}");
            }
        }
    } else {
        match &e.response {
            Response::Binary { .. } => quote! {
                let download = #call.await?;
                let bytes = download.save("download.bin").await?;
                println!("saved {bytes} bytes");
            },
            Response::Empty => quote! { #call.await?; },
            Response::Json(_) => quote! {
                let response = #call.await?;
                println!("{response:?}");
            },
        }
    };
    let deprecated = if e.deprecated.is_some() { quote! { #[allow(deprecated)] } } else { quote! {} };
    let f = quote! {
        #deprecated
        async fn example(client: #krate::Client) -> Result<(), #krate::Error> {
            #body
            Ok(())
        }
    };
    let file: syn::File = syn::parse2(f).expect("example parses");
    let text = prettyplease::unparse(&file);
    let lines: Vec<&str> = text.trim_end().lines().collect();
    let mut out = String::from("```no_run\n");
    let n = lines.len();
    for (i, line) in lines.iter().enumerate() {
        let hidden = i == 0 || (e.deprecated.is_some() && i == 1) || i + 2 >= n;
        let line = line.strip_prefix("    ").unwrap_or(line);
        if hidden {
            out.push_str("# ");
        }
        out.push_str(line);
        out.push('\n');
    }
    out.push_str("```");
    out
}

fn operation(api: &Api, r: &Resource, e: &Endpoint, imports: &mut Imports) -> TokenStream {
    let op = ident(&e.rust_op);
    let handle = &r.rust;
    let optional = if e.query.iter().any(|q| q.optional) { "set optional inputs on the [`Request`] and " } else { "" };
    let op_doc = docs::attrs(&format!(
        "Inputs of [`{handle}::{m}`]: `{} {}`.\n\nMade by that method; {optional}send it with `.send()` or `.await`.",
        e.method.as_str(),
        e.path,
        m = plain(&e.rust_method)
    ));
    let mut fields = Vec::new();
    for p in e.path_params.iter().chain(&e.query) {
        let name = ident(&p.rust);
        let pty = ty(api, &p.ty, imports);
        let pty = if p.optional && !matches!(p.ty, TypeRef::List(_)) { quote! { Option<#pty> } } else { pty };
        fields.push(quote! { #name: #pty, });
    }
    if let Some(b) = &e.body {
        let bty = ty(api, &TypeRef::Named(b.ty.clone()), imports);
        fields.push(quote! { body: #bty, });
    }
    // Never a unit struct, and never constructible outside the crate: inputs are private fields
    // and an operation without inputs is `#[non_exhaustive]`. Adding an optional input later is
    // then a minor change, as spec-diff says (a public unit struct could be named as a value).
    let op_struct = if fields.is_empty() {
        quote! { #[non_exhaustive] pub struct #op {} }
    } else {
        quote! { pub struct #op { #(#fields)* } }
    };
    let setters: Vec<TokenStream> = e.query.iter().filter(|q| q.optional).map(|q| setter(api, q, imports)).collect();
    let setters_impl = if setters.is_empty() {
        quote! {}
    } else {
        quote! {
            impl Request<#op> {
                #(#setters)*
            }
        }
    };

    let output = match &e.response {
        Response::Empty => quote! { () },
        Response::Json(t) => ty(api, t, imports),
        Response::Binary { .. } => quote! { crate::ByteStream },
    };
    let decode = match &e.response {
        Response::Empty => quote! { crate::runtime::decode_empty(response) },
        Response::Json(_) => quote! { crate::runtime::decode_json(response) },
        Response::Binary { .. } => quote! { crate::runtime::decode_bytes(response) },
    };
    let endpoint_name = lit(&format!("{}.{}", r.name, e.name));
    let method = ident(e.method.as_str());
    let template = lit(&e.path);
    let base = lit(&e.base_url);
    let retry = match e.retry {
        Retry::Safe => quote! { RetrySafety::Safe },
        Retry::Unsafe => quote! { RetrySafety::Unsafe },
    };
    let path_fn = path_fn(e);
    let query_fn = query_fn(e);
    let accept = match &e.response {
        // Ringg's download format varies (CSV or zip), so accept whatever it sends.
        Response::Binary { .. } => quote! { const ACCEPT: &'static str = "*/*"; },
        _ => quote! {},
    };
    let body_fn = match &e.body {
        None => quote! {},
        Some(b) if b.encoding == Encoding::Json => quote! {
            fn body(&self) -> Result<Body, crate::Error> {
                Body::json(&self.body)
            }
        },
        Some(_) => quote! {
            fn body(&self) -> Result<Body, crate::Error> {
                Ok(Body::Multipart(self.body.to_form()?))
            }
        },
    };
    let paginated = paginated(api, e, imports);
    quote! {
        #op_doc
        #[derive(Debug, Clone)]
        #op_struct

        #setters_impl

        impl Operation for #op {
            type Output = #output;

            const ENDPOINT: Endpoint = Endpoint {
                name: #endpoint_name,
                method: reqwest::Method::#method,
                path: #template,
                base_url: #base,
                retry: #retry,
            };
            #accept

            #path_fn
            #query_fn
            #body_fn

            fn decode(response: Response) -> DecodeFuture<Self::Output> {
                #decode
            }
        }

        #paginated
    }
}

fn setter(api: &Api, q: &Param, imports: &mut Imports) -> TokenStream {
    let name = ident(&q.rust);
    let mut text = docs::sanitize(&q.doc);
    if let Some(d) = &q.default {
        text.push_str(&format!("\n\nServer default: `{d}`."));
    }
    let doc = docs::attrs(&text);
    match &q.ty {
        TypeRef::List(inner) => {
            let (item, into) = arg(api, inner, imports);
            let collect = if into {
                quote! { values.into_iter().map(Into::into).collect() }
            } else {
                quote! { values.into_iter().collect() }
            };
            quote! {
                #doc
                pub fn #name(mut self, values: impl IntoIterator<Item = #item>) -> Self {
                    self.op_mut().#name = #collect;
                    self
                }
            }
        }
        t => {
            let (pty, into) = arg(api, t, imports);
            let value = if into { quote! { value.into() } } else { quote! { value } };
            quote! {
                #doc
                pub fn #name(mut self, value: #pty) -> Self {
                    self.op_mut().#name = Some(#value);
                    self
                }
            }
        }
    }
}

fn path_fn(e: &Endpoint) -> TokenStream {
    if e.path_params.is_empty() {
        let p = lit(&e.path);
        return quote! {
            fn path(&self) -> String {
                String::from(#p)
            }
        };
    }
    // Each parameter is encoded into a local first, so the `format!` stays on one line.
    let mut fmt = String::new();
    let mut lets = Vec::new();
    for (i, seg) in e.path.split('/').enumerate() {
        if i > 0 {
            fmt.push('/');
        }
        match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) => {
                let p = e.path_params.iter().find(|p| p.wire == name).expect("validated path parameter");
                let f = ident(&p.rust);
                // A plain local name, so it can appear inline in the format string.
                let plain = crate::ident::plain(&p.rust);
                let local_name =
                    if crate::ident::is_keyword(plain) { format!("{plain}_") } else { plain.to_string() };
                let local = ident(&local_name);
                fmt.push('{');
                fmt.push_str(&local_name);
                fmt.push('}');
                lets.push(match p.ty {
                    TypeRef::String | TypeRef::Date | TypeRef::DateTime => quote! { let #local = encode_segment(&self.#f); },
                    _ => quote! { let #local = encode_segment(&self.#f.to_string()); },
                });
            }
            None => fmt.push_str(seg),
        }
    }
    let fmt = lit(&fmt);
    quote! {
        fn path(&self) -> String {
            #(#lets)*
            format!(#fmt)
        }
    }
}

fn query_fn(e: &Endpoint) -> TokenStream {
    if e.query.is_empty() {
        return quote! {};
    }
    let pushes = e.query.iter().map(|q| {
        let name = ident(&q.rust);
        let wire = lit(&q.wire);
        match (&q.ty, q.optional) {
            (TypeRef::List(_), _) => quote! {
                for value in &self.#name {
                    query.push(#wire, value);
                }
            },
            (_, true) => quote! { query.push_opt(#wire, self.#name.as_ref()); },
            (_, false) => quote! { query.push(#wire, &self.#name); },
        }
    });
    quote! {
        fn query(&self, query: &mut Query) {
            #(#pushes)*
        }
    }
}

fn paginated(api: &Api, e: &Endpoint, imports: &mut Imports) -> TokenStream {
    let Some(p) = &e.paging else { return quote! {} };
    let op = ident(&e.rust_op);
    let item = ty(api, &p.item, imports);
    let output = match &e.response {
        Response::Json(t) => ty(api, t, imports),
        _ => unreachable!("validated: paginated endpoints answer JSON"),
    };
    let limit = ident(&e.query.iter().find(|q| q.wire == api.pagination.limit).expect("validated").rust);
    let offset = ident(&e.query.iter().find(|q| q.wire == api.pagination.offset).expect("validated").rust);

    // The total, read before the items are moved out.
    let total = match &p.total {
        None => quote! { None },
        Some((step, t)) => {
            let f = ident(&step.rust);
            let count_member = match t {
                TypeRef::Named(n) => match &api.type_def(n).expect("validated").kind {
                    TypeKind::Union(members) => members
                        .iter()
                        .find(|m| m.ty == TypeRef::Integer)
                        .map(|m| (named(api, n, imports), ident(&m.rust))),
                    _ => None,
                },
                _ => None,
            };
            match (count_member, step.optional) {
                (None, false) => quote! { u64::try_from(output.#f).ok() },
                (None, true) => quote! { output.#f.and_then(|n| u64::try_from(n).ok()) },
                (Some((u, m)), false) => quote! {
                    match &output.#f {
                        #u::#m(n) => u64::try_from(*n).ok(),
                        _ => None,
                    }
                },
                (Some((u, m)), true) => quote! {
                    match &output.#f {
                        Some(#u::#m(n)) => u64::try_from(*n).ok(),
                        _ => None,
                    }
                },
            }
        }
    };
    // The items: follow the path, treating a missing optional step as an empty page.
    let mut expr = quote! { output };
    let mut is_opt = false;
    for step in &p.items {
        let f = ident(&step.rust);
        expr = match (is_opt, step.optional) {
            (false, _) => quote! { #expr.#f },
            (true, true) => quote! { #expr.and_then(|v| v.#f) },
            (true, false) => quote! { #expr.map(|v| v.#f) },
        };
        is_opt = is_opt || step.optional;
    }
    let items = if is_opt { quote! { #expr.unwrap_or_default() } } else { expr };
    quote! {
        impl Paginated for #op {
            type Item = #item;

            fn set_page(&mut self, limit: u32, offset: u64) {
                self.#limit = Some(i64::from(limit));
                self.#offset = Some(i64::try_from(offset).unwrap_or(i64::MAX));
            }

            fn page_limit(&self) -> Option<u32> {
                self.#limit.and_then(|n| u32::try_from(n).ok())
            }

            fn page_offset(&self) -> Option<u64> {
                self.#offset.and_then(|n| u64::try_from(n).ok())
            }

            fn into_page(output: #output) -> Page<#item> {
                let total = #total;
                Page { items: #items, total }
            }
        }
    }
}
