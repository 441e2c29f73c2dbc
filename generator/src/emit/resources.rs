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
pub(super) struct Inputs {
    /// `name: type`, one per argument.
    pub params: Vec<TokenStream>,
    /// The argument names, in order.
    pub names: Vec<proc_macro2::Ident>,
    inits: Vec<TokenStream>,
    /// A sample value per argument, for doc examples.
    pub samples: Vec<TokenStream>,
}

pub(super) fn inputs(api: &Api, e: &Endpoint, imports: &mut Imports) -> Inputs {
    let mut out = Inputs { params: Vec::new(), names: Vec::new(), inits: Vec::new(), samples: Vec::new() };
    for p in e.path_params.iter().chain(e.query.iter().filter(|q| !q.optional)) {
        let name = ident(&p.rust);
        out.names.push(name.clone());
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
                out.inits.push(if into {
                    quote! { #name: #name.into() }
                } else {
                    quote! { #name }
                });
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
        out.names.push(ident("body"));
        out.inits.push(quote! { body });
        out.samples.push(sample(api, &TypeRef::Named(b.ty.clone()), "body", 0));
    }
    out
}

/// The name of the request type an endpoint's method returns: `HistoryRequest` for `History`.
fn request_alias(e: &Endpoint) -> String {
    format!("{}Request", e.rust_op)
}

fn method(api: &Api, r: &Resource, e: &Endpoint, imports: &mut Imports) -> TokenStream {
    let name = ident(&e.rust_method);
    let op = ident(&e.rust_op);
    let alias = ident(&request_alias(e));
    let Inputs { params, inits, samples, .. } = inputs(api, e, imports);
    let op_value = quote! { #op { #(#inits),* } };
    let doc = docs::attrs(&method_doc(api, r, e, &samples));
    let deprecated = deprecated_attr(e);
    quote! {
        #doc
        #deprecated
        pub fn #name(&self, #(#params),*) -> #alias {
            Request::new(self.client.clone(), #op_value)
        }
    }
}

/// `#[deprecated(note = ...)]` for a deprecated endpoint's method, naming its replacement.
pub(super) fn deprecated_attr(e: &Endpoint) -> TokenStream {
    match &e.deprecated {
        Some(d) => {
            let note = match &d.replacement {
                Some((res, ep)) => format!("use `client.{res}().{ep}()` instead: {}", d.doc.trim()),
                None => d.doc.trim().to_string(),
            };
            let note = lit(&note);
            quote! { #[deprecated(note = #note)] }
        }
        None => quote! {},
    }
}

fn method_doc(api: &Api, r: &Resource, e: &Endpoint, samples: &[TokenStream]) -> String {
    let mut text = docs::sanitize(&e.doc);
    let base = if e.base_url == "default" { String::new() } else { format!(" (on the `{}` base URL)", e.base_url) };
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
    text.push_str(&match &e.response {
        Response::Json(t) => format!("`.await` (or `.send()`) gives {}.", type_link(api, t)),
        Response::Binary { .. } => {
            "`.await` gives a [`ByteStream`](crate::ByteStream) of the file; `.save(path)` writes it to disk."
                .to_string()
        }
        Response::Empty => "`.await` gives `()`: Ringg documents no response body.".to_string(),
    });
    if let Some(p) = &e.paging {
        text.push_str(&format!(
            "\n\nPaginated: `.send()` returns one page (`limit` {} and offset 0 unless set); [`stream`](crate::Request::stream) yields every {}, one page in memory at a time.",
            default_limit(api, e),
            type_link(api, &p.item)
        ));
    }
    text.push_str("\n\n");
    text.push_str(&match (e.retry, e.places_calls) {
        (_, true) => "**Places calls.** This request is never re-sent once it may have reached Ringg: it is retried only when the connection could not be made or Ringg answered 429, so a retry never rings anyone twice.".to_string(),
        (Retry::Unsafe, false) => "Not repeatable: retried only when the connection could not be made or Ringg answered 429.".to_string(),
        (Retry::Safe, false) => "Safe to repeat: retried on connection failures, timeouts, 408, 429 and 5xx, following the client's retry policy.".to_string(),
    });
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

/// A type as Markdown, named types linked: [`CallRecord`](crate::types::CallRecord),
/// `Vec<`[`Agent`](crate::types::Agent)`>`.
pub(crate) fn type_link(api: &Api, t: &TypeRef) -> String {
    match t {
        TypeRef::Named(n) => {
            let rust = &api.type_def(n).expect("validated").rust;
            format!("[`{rust}`](crate::types::{rust})")
        }
        TypeRef::List(inner) => format!("`Vec<`{}`>`", type_link(api, inner)),
        TypeRef::Map(inner) => format!("`BTreeMap<String, `{}`>`", type_link(api, inner)),
        other => {
            let mut imports = Imports::default();
            format!("`{}`", ty(api, other, &mut imports).to_string().replace(' ', ""))
        }
    }
}

/// The first required field of an object type that prints with `Display`, to show in examples.
fn shown_field<'a>(api: &'a Api, t: &TypeRef) -> Option<&'a crate::ir::Field> {
    let TypeRef::Named(n) = t else { return None };
    let TypeKind::Object(fields) = &api.type_def(n)?.kind else { return None };
    fields.iter().find(|f| {
        f.presence == crate::ir::Presence::Required
            && !f.flatten
            && !f.secret
            && match &f.ty {
                TypeRef::String
                | TypeRef::Integer
                | TypeRef::Number
                | TypeRef::Boolean
                | TypeRef::Date
                | TypeRef::DateTime => true,
                TypeRef::Named(m) => {
                    matches!(api.type_def(m).map(|d| &d.kind), Some(TypeKind::Enum(_) | TypeKind::Newtype))
                }
                _ => false,
            }
    })
}

/// `let name: Type = value;` and a line that uses it, for doc examples.
fn bind_typed(api: &Api, name: &str, t: &TypeRef, value: TokenStream) -> TokenStream {
    let krate = krate(api);
    let mut imports = Imports::with_prefix(quote! { #krate::types });
    let rust_ty = ty(api, t, &mut imports);
    let var = ident(name);
    let shown = match shown_field(api, t) {
        Some(f) => {
            let fname = ident(&f.rust);
            let label = lit(&format!("{}: {{}}", plain(&f.rust)));
            quote! { println!(#label, #var.#fname); }
        }
        None => quote! { println!("{:?}", #var); },
    };
    quote! {
        let #var: #rust_ty = #value;
        #shown
    }
}

/// A compiling `no_run` doc example for the endpoint.
fn example(api: &Api, r: &Resource, e: &Endpoint, samples: &[TokenStream]) -> String {
    let krate = krate(api);
    let res = ident(&r.name);
    let m = ident(&e.rust_method);
    let call = quote! { client.#res().#m(#(#samples),*) };
    let body = if let Some(p) = &e.paging {
        let item = bind_typed(api, "item", &p.item, quote! { item });
        quote! {
            let mut items = #call.stream();
            while let Some(item) = items.try_next().await? {
                #item
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
            Response::Json(t) => bind_typed(api, "response", t, quote! { #call.await? }),
        }
    };
    let f = quote! {
        async fn example(client: #krate::Client) -> Result<(), #krate::Error> {
            #body
            Ok(())
        }
    };
    doc_example(e, f)
}

/// A `no_run` doc example from a function `f`, showing only its body (the signature, and the
/// `#[allow(deprecated)]` a deprecated endpoint needs, are hidden lines).
pub(super) fn doc_example(e: &Endpoint, f: TokenStream) -> String {
    let deprecated = if e.deprecated.is_some() {
        quote! { #[allow(deprecated)] }
    } else {
        quote! {}
    };
    let file: syn::File = syn::parse2(quote! { #deprecated #f }).expect("example parses");
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

/// `type_link`'s text with the crate's own date and time types linked.
fn linked_builtin(text: String) -> String {
    text.replace("`crate::Timestamp`", "[`Timestamp`](crate::Timestamp)")
        .replace("`crate::Date`", "[`Date`](crate::Date)")
        // `Vec<``String``>`: two code spans side by side read as one.
        .replace("``", "")
}

/// One row of an operation's inputs table: a cell, with `|` escaped and on one line.
fn cell(text: &str) -> String {
    text.replace('\n', " ").replace('|', "\\|")
}

/// The "Inputs" section of an operation's docs: every required argument of its method and every
/// optional setter, each with its type and the first sentence of its doc, setters linked to
/// their place on the page of the operation's request type.
fn inputs_table(api: &Api, r: &Resource, e: &Endpoint) -> String {
    let handle = &r.rust;
    let m = plain(&e.rust_method);
    let alias = request_alias(e);
    let mut rows = Vec::new();
    let meaning = |doc: &str| cell(&docs::sanitize(&docs::summary(doc)));
    for p in e.path_params.iter().chain(e.query.iter().filter(|q| !q.optional)) {
        rows.push(format!(
            "| `{}` | {} | argument of [`{handle}::{m}`] | {} |",
            plain(&p.rust),
            cell(&linked_builtin(type_link(api, &p.ty))),
            meaning(&p.doc)
        ));
    }
    if let Some(b) = &e.body {
        let body = TypeRef::Named(b.ty.clone());
        let doc = api.type_def(&b.ty).map(|d| d.doc.as_str()).unwrap_or_default();
        rows.push(format!(
            "| `body` | {} | argument of [`{handle}::{m}`] | {} |",
            cell(&type_link(api, &body)),
            meaning(doc)
        ));
    }
    for q in e.query.iter().filter(|q| q.optional) {
        let name = plain(&q.rust);
        let shown = match page_param(api, e, q) {
            Some(PageParam::Limit) => "`u32`".to_string(),
            Some(PageParam::Offset) => "`u64`".to_string(),
            None => linked_builtin(type_link(api, &q.ty)),
        };
        rows.push(format!(
            "| `{name}` | {} | setter [`.{name}(..)`]({alias}#method.{name}) | {} |",
            cell(&shown),
            meaning(&q.doc)
        ));
    }
    if rows.is_empty() {
        return "# Inputs\n\nNone: the method takes no arguments and the request has no setters.".to_string();
    }
    format!("# Inputs\n\n| Input | Type | Given as | Meaning |\n|---|---|---|---|\n{}", rows.join("\n"))
}

fn operation(api: &Api, r: &Resource, e: &Endpoint, imports: &mut Imports) -> TokenStream {
    let op = ident(&e.rust_op);
    let handle = &r.rust;
    let alias_name = request_alias(e);
    let alias = ident(&alias_name);
    let optional = if e.query.iter().any(|q| q.optional) { "set optional inputs on it and " } else { "" };
    let gives = match &e.response {
        Response::Json(t) => format!(", which gives {}", type_link(api, t)),
        Response::Binary { .. } => ", which gives a [`ByteStream`](crate::ByteStream)".to_string(),
        Response::Empty => String::new(),
    };
    let op_doc = docs::attrs(&format!(
        "Inputs of [`{handle}::{m}`]: `{} {}`.\n\nThat method returns a [`{alias_name}`]; {optional}send it with `.send()` or `.await`{gives}.\n\n{}",
        e.method.as_str(),
        e.path,
        inputs_table(api, r, e),
        m = plain(&e.rust_method)
    ));
    let setters_note = if e.query.iter().any(|q| q.optional) {
        "Its page lists this endpoint's optional inputs, and no other endpoint's, beside the options every request has."
    } else {
        "The endpoint has no optional inputs; its page lists the options every request has."
    };
    let alias_doc = docs::attrs(&format!(
        "The request [`{handle}::{m}`] returns (`{} {}`): a [`Request`] of [`{op}`]. {setters_note}",
        e.method.as_str(),
        e.path,
        op = e.rust_op,
        m = plain(&e.rust_method)
    ));
    let mut fields = Vec::new();
    for p in e.path_params.iter().chain(&e.query) {
        let name = ident(&p.rust);
        let pty = page_param_ty(api, e, p).unwrap_or_else(|| ty(api, &p.ty, imports));
        let pty = if p.optional && !matches!(p.ty, TypeRef::List(_)) {
            quote! { Option<#pty> }
        } else {
            pty
        };
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
    let setters: Vec<TokenStream> = e.query.iter().filter(|q| q.optional).map(|q| setter(api, e, q, imports)).collect();
    let setters_impl = if setters.is_empty() {
        quote! {}
    } else {
        // Several resources may name an operation alike (`List`), so rustdoc titles their
        // blocks alike on the `Request` page; the doc under each title names the endpoint.
        let impl_doc = docs::attrs(&format!(
            "**`{res}.{name}`** (`{} {}`): optional inputs of [`{handle}::{m}`](crate::{res}::{handle}::{m}), set on the [`{alias_name}`](crate::{res}::{alias_name}) it returns.",
            e.method.as_str(),
            e.path,
            m = plain(&e.rust_method),
            res = r.name,
            name = e.name
        ));
        quote! {
            #impl_doc
            impl<M> Request<#op, M> {
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
        Response::Json(_) => quote! { crate::runtime::decode_read(response) },
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
    let path_fn = path_fn(api, e);
    let query_fn = query_fn(api, e);
    let check_fn = check_fn(api, e);
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

        #alias_doc
        pub type #alias<M = crate::runtime::Async> = Request<#op, M>;

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
            #check_fn
            #body_fn

            fn decode(response: Response) -> DecodeFuture<Self::Output> {
                #decode
            }
        }

        #paginated
    }
}

/// The page-size or offset parameter of a paginated endpoint, which get unsigned types, a
/// range check and the API's defaults on the wire.
#[derive(Clone, Copy, PartialEq, Eq)]
enum PageParam {
    Limit,
    Offset,
}

/// The Rust type of a paginated endpoint's page-size (`u32`) or offset (`u64`) parameter; `None`
/// for every other parameter, which takes the type of its spec type.
pub(crate) fn page_param_ty(api: &Api, e: &Endpoint, q: &Param) -> Option<TokenStream> {
    page_param(api, e, q).map(|p| match p {
        PageParam::Limit => quote! { u32 },
        PageParam::Offset => quote! { u64 },
    })
}

/// The page size an endpoint asks for when the caller sets none: the spec's `default` of its
/// limit parameter (Ringg's own default for that endpoint), else the API-wide default.
pub(crate) fn default_limit(api: &Api, e: &Endpoint) -> u32 {
    e.query
        .iter()
        .find(|q| page_param(api, e, q) == Some(PageParam::Limit))
        .and_then(|q| q.default.as_deref()?.parse().ok())
        .unwrap_or(api.pagination.default_limit)
}

fn page_param(api: &Api, e: &Endpoint, q: &Param) -> Option<PageParam> {
    e.paging.as_ref()?;
    if q.wire == api.pagination.limit {
        Some(PageParam::Limit)
    } else if q.wire == api.pagination.offset {
        Some(PageParam::Offset)
    } else {
        None
    }
}

fn setter(api: &Api, e: &Endpoint, q: &Param, imports: &mut Imports) -> TokenStream {
    let name = ident(&q.rust);
    match page_param(api, e, q) {
        Some(PageParam::Limit) => {
            let doc = docs::attrs(&format!(
                "{}\n\nItems per page, from 1 to {max}. Without it, `.send()` and `.stream()` ask for {default}, this endpoint's default; a value outside the range is refused when the request is sent, and nothing is sent.",
                docs::sanitize(&q.doc),
                max = api.pagination.max_limit,
                default = default_limit(api, e)
            ));
            return quote! {
                #doc
                pub fn #name(mut self, value: u32) -> Self {
                    self.op_mut().#name = Some(value);
                    self
                }
            };
        }
        Some(PageParam::Offset) => {
            let doc = docs::attrs(&format!(
                "{}\n\nHow many items to skip. Without it, `.send()` and `.stream()` start at 0.",
                docs::sanitize(&q.doc)
            ));
            return quote! {
                #doc
                pub fn #name(mut self, value: u64) -> Self {
                    self.op_mut().#name = Some(value);
                    self
                }
            };
        }
        None => {}
    }
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
            let value = if into {
                quote! { value.into() }
            } else {
                quote! { value }
            };
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

fn path_fn(api: &Api, e: &Endpoint) -> TokenStream {
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
                let local_name = if crate::ident::is_keyword(plain) { format!("{plain}_") } else { plain.to_string() };
                let local = ident(&local_name);
                fmt.push('{');
                fmt.push_str(&local_name);
                fmt.push('}');
                // Dates print through `Display`, which checks that an input is an absolute moment.
                let text = match &p.ty {
                    TypeRef::String => true,
                    TypeRef::Named(n) => matches!(api.type_def(n).map(|d| &d.kind), Some(TypeKind::Newtype)),
                    _ => false,
                };
                lets.push(match text {
                    true => quote! { let #local = encode_segment(self.#f.as_str()); },
                    false => quote! { let #local = encode_segment(&self.#f.to_string()); },
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

/// A paginated endpoint refuses a page size outside `1..=max_limit` before sending.
fn check_fn(api: &Api, e: &Endpoint) -> TokenStream {
    let Some(limit) = e.query.iter().find(|q| page_param(api, e, q) == Some(PageParam::Limit)) else {
        return quote! {};
    };
    let name = ident(&limit.rust);
    let max = proc_macro2::Literal::u32_unsuffixed(api.pagination.max_limit);
    let message = lit(&format!("`{}` must be from 1 to {}, not {{limit}}", limit.wire, api.pagination.max_limit));
    quote! {
        fn check(&self) -> Result<(), crate::Error> {
            match self.#name {
                Some(limit) if !(1..=#max).contains(&limit) => {
                    Err(crate::Error::invalid_request(format!(#message)))
                }
                _ => Ok(()),
            }
        }
    }
}

fn query_fn(api: &Api, e: &Endpoint) -> TokenStream {
    if e.query.is_empty() {
        return quote! {};
    }
    let pushes = e.query.iter().map(|q| {
        let name = ident(&q.rust);
        let wire = lit(&q.wire);
        // Page parameters are always sent, so a page holds what the docs promise rather than
        // whatever the server's own default is.
        match page_param(api, e, q) {
            Some(PageParam::Limit) => {
                let default = proc_macro2::Literal::u32_unsuffixed(default_limit(api, e));
                return quote! { query.push(#wire, self.#name.unwrap_or(#default)); };
            }
            Some(PageParam::Offset) => return quote! { query.push(#wire, self.#name.unwrap_or(0)); },
            None => {}
        }
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
    let items = if is_opt {
        quote! { #expr.unwrap_or_default() }
    } else {
        expr
    };
    let default_limit = proc_macro2::Literal::u32_unsuffixed(default_limit(api, e));
    quote! {
        impl Paginated for #op {
            type Item = #item;

            fn set_page(&mut self, limit: u32, offset: u64) {
                self.#limit = Some(limit);
                self.#offset = Some(offset);
            }

            fn page_limit(&self) -> u32 {
                self.#limit.unwrap_or(#default_limit)
            }

            fn page_offset(&self) -> Option<u64> {
                self.#offset
            }

            fn into_page(output: #output) -> Page<#item> {
                let total = #total;
                Page { items: #items, total }
            }
        }
    }
}
