//! The crate root (`lib.rs`: overview, modules, `Client` accessors, API constants) and the two
//! modules that give a spec type a role: `webhooks` and `webcall`.

use quote::quote;

use super::docs;
use super::rust::{construct, format_file, krate, lit, raw_lit, required_struct, sample, statement_text};
use super::{GeneratedFile, header};
use crate::ident::ident;
use crate::ir::{Api, Field, Resource, TypeKind, TypeRef};

/// `generated/src/lib.rs`.
pub(crate) fn lib_rs(api: &Api) -> GeneratedFile {
    let overview = docs::inner_attrs(&overview(api));
    let mods = api.resources.iter().map(|r| ident(&r.name));
    let webhooks = api.webhooks.as_ref().map(|_| quote! { #[rustfmt::skip] pub mod webhooks; });
    let webcall = api.webcall.as_ref().map(|_| quote! { #[rustfmt::skip] pub mod webcall; });
    let accessors = api.resources.iter().map(|r| {
        let name = ident(&r.name);
        let handle = ident(&r.rust);
        let doc = accessor_doc(r);
        quote! {
            #doc
            pub fn #name(&self) -> #name::#handle<'_> {
                #name::#handle::new(self)
            }
        }
    });
    let client_impl = if api.resources.is_empty() {
        quote! {}
    } else {
        quote! {
            impl Client {
                #(#accessors)*
            }
        }
    };
    let auth_header = lit(&api.auth_header);
    let auth_env = lit(&api.auth_env);
    let base_urls = api.base_urls.iter().map(|b| {
        let n = lit(&b.name);
        let u = lit(&b.url);
        quote! { (#n, #u) }
    });
    let base_url_env = base_url_env(api);
    let base_url_env_lit = lit(&base_url_env);
    let base_consts = api.base_urls.iter().map(|b| {
        let id = ident(&b.name.to_ascii_uppercase());
        let n = lit(&b.name);
        let var = if b.name == "default" { base_url_env.clone() } else { format!("{base_url_env}_{}", b.name.to_ascii_uppercase()) };
        let users: Vec<String> = api
            .resources
            .iter()
            .flat_map(|r| r.endpoints.iter().map(move |e| (r, e)))
            .filter(|(_, e)| e.base_url == b.name)
            .map(|(r, e)| format!("[`{}::{}`](crate::{}::{}::{})", r.rust, crate::ident::plain(&e.rust_method), r.name, r.rust, crate::ident::plain(&e.rust_method)))
            .collect();
        let used_by = if b.name == "default" {
            "every endpoint not listed under another base".to_string()
        } else if users.is_empty() {
            "no endpoint".to_string()
        } else {
            users.join(", ")
        };
        let doc = docs::attrs(&format!(
            "`{}`: production URL `{}`, used by {used_by}. [`Client::from_env`](crate::Client::from_env) reads an override from `{var}`.",
            b.name, b.url
        ));
        quote! { #doc pub const #id: &str = #n; }
    });
    let krate_ident = krate(api);
    let setters: String = api
        .base_urls
        .iter()
        .enumerate()
        .map(|(i, b)| {
            format!(
                "\n    .base_url_for({krate_ident}::base_url::{}, \"http://127.0.0.1:{}\")",
                b.name.to_ascii_uppercase(),
                8080 + i
            )
        })
        .collect();
    let base_url_doc = docs::attrs(&format!(
        "Names of the API's base URLs, for [`ClientBuilder::base_url_for`].\n\nOnce any base URL is overridden, requests to a base that was not set are refused instead of being sent to production; set every base an application uses. Pointing every base at a local server:\n\n```\nlet client = {krate_ident}::Client::builder()\n    .api_key(\"test-key\"){setters}\n    .build()?;\n# Ok::<(), {krate_ident}::Error>(())\n```"
    ));
    let user_agent = lit(&format!("{}-rust/", api.name));
    let default_limit = proc_macro2::Literal::u32_unsuffixed(api.pagination.default_limit);
    let max_limit = proc_macro2::Literal::u32_unsuffixed(api.pagination.max_limit);
    let tokens = quote! {
        #overview
        #![deny(missing_docs)]
        #![forbid(unsafe_code)]
        #![cfg_attr(docsrs, feature(doc_cfg))]
        // rustfmt formats the hand-written runtime only: every other module is generated.
        #![cfg_attr(rustfmt, rustfmt::skip)]

        #[doc(hidden)]
        pub mod runtime;
        #[rustfmt::skip]
        pub mod types;
        #(#[rustfmt::skip] pub mod #mods;)*
        #webhooks
        #webcall
        #[cfg(feature = "blocking")]
        #[rustfmt::skip]
        pub mod blocking;

        #[cfg(test)]
        #[rustfmt::skip]
        mod endpoint_tests;

        /// The README's examples, compiled as doctests (they use the blocking client).
        #[cfg(all(doctest, feature = "blocking"))]
        #[doc = include_str!("../README.md")]
        struct ReadmeDoctests;

        pub use runtime::{
            ByteStream, Client, ClientBuilder, Date, DateParts, Drift, DriftKind, DriftObserver,
            Error, ErrorKind, JsonType, Offset, Outcome, Page, Paginator, Patch, Request,
            RetryPolicy, TimeParts, Timestamp, TimestampError, TimestampParts, Upload,
        };

        /// The JSON value of free-form (`json`) fields, and the `serde_json` crate it comes
        /// from, so an application needs no direct dependency on a matching version.
        pub use serde_json::{self, Value};

        #base_url_doc
        pub mod base_url {
            #(#base_consts)*
        }

        /// What the runtime needs to know about this API, from the spec.
        pub(crate) const API: runtime::ApiConfig = runtime::ApiConfig {
            auth_header: #auth_header,
            api_key_env: #auth_env,
            base_urls: &[#(#base_urls),*],
            base_url_env: #base_url_env_lit,
            user_agent: concat!(#user_agent, env!("CARGO_PKG_VERSION")),
            default_page_size: #default_limit,
            max_page_size: #max_limit,
        };

        #client_impl
    };
    GeneratedFile {
        path: "generated/src/lib.rs".into(),
        contents: format_file(&header("//", &api.sources.iter().collect::<Vec<_>>()), tokens),
    }
}

/// A "Typed ids" section: a constructor taking two values of different typed-string types,
/// called right and, as a `compile_fail` doc test, with the two swapped.
fn typed_ids_section(api: &Api) -> Option<String> {
    let is_newtype =
        |t: &TypeRef| t.named().is_some_and(|n| matches!(api.type_def(n).map(|d| &d.kind), Some(TypeKind::Newtype)));
    let (def, fields) = api.types.iter().find_map(|t| {
        let TypeKind::Object(fields) = &t.kind else { return None };
        let required: Vec<&Field> = fields.iter().filter(|f| !f.presence.may_be_absent()).collect();
        let newtypes: Vec<&TypeRef> = required.iter().filter(|f| is_newtype(&f.ty)).map(|f| &f.ty).collect();
        let distinct = newtypes.len() >= 2 && newtypes[0] != newtypes[1];
        (t.input && distinct && required_struct(api, t).is_none()).then_some((t, required))
    })?;
    let values: Vec<(&Field, proc_macro2::TokenStream)> = fields
        .iter()
        .map(|f| match f.presence {
            crate::ir::Presence::Nullable => (*f, quote! { None }),
            _ => (*f, sample(api, &f.ty, &f.wire, 1)),
        })
        .collect();
    let krate = krate(api);
    let at = quote! { #krate::types };
    let right = construct(api, def, &values, &at);
    let slots: Vec<usize> =
        values.iter().enumerate().filter(|(_, (f, _))| is_newtype(&f.ty)).map(|(i, _)| i).take(2).collect();
    let mut swapped = values.clone();
    let (a, b) = (swapped[slots[0]].1.clone(), swapped[slots[1]].1.clone());
    swapped[slots[0]].1 = b;
    swapped[slots[1]].1 = a;
    let wrong = construct(api, def, &swapped, &at);
    Some(format!(
        "\n\n# Typed ids\n\nIds and phone numbers have types of their own in [`types`], made with `new` and read with `as_str`, so a value of one kind cannot be passed where another is expected:\n\n```\n{}\n```\n\nThe same call with two of them swapped does not compile:\n\n```compile_fail\n{}\n```",
        statement_text(quote! { let value = #right; }),
        statement_text(quote! { let value = #wrong; })
    ))
}

/// The environment variable for the `default` base URL: `RINGG_BASE_URL` for `ringg`.
fn base_url_env(api: &Api) -> String {
    format!("{}_BASE_URL", crate::ident::snake(&api.name).to_ascii_uppercase())
}

/// The doc of a client's accessor for a resource: its summary and where its endpoints are.
pub(super) fn accessor_doc(r: &Resource) -> proc_macro2::TokenStream {
    docs::attrs(&format!(
        "{}\n\nSee [`{}`]({}::{}) for its endpoints.",
        docs::sanitize(&docs::summary(&r.doc)),
        r.rust,
        r.name,
        r.rust
    ))
}

/// The crate overview: what it is, where to start, the resources, and the cross-cutting rules.
fn overview(api: &Api) -> String {
    let mut text = format!("# {} client for Rust\n\n{}", api.title, docs::sanitize(&api.doc));
    // The first endpoint that needs no input makes the smallest possible first call.
    let first = api.first_simple_endpoint();
    text.push_str("\n\n# Where to start\n\nCreate a [`Client`] (from the environment variable `");
    text.push_str(&api.auth_env);
    text.push_str("`, or with [`Client::builder`]), pick a resource, call an endpoint and `.await` it:\n\n```no_run\n# async fn example() -> Result<(), ");
    text.push_str(&api.name);
    text.push_str("::Error> {\n");
    text.push_str(&format!("let client = {}::Client::from_env()?;\n", api.name));
    if let Some((r, e)) = first {
        let output = match &e.response {
            crate::ir::Response::Json(TypeRef::Named(n)) => {
                format!(": {}::types::{}", api.name, api.type_def(n).expect("validated").rust)
            }
            _ => String::new(),
        };
        text.push_str(&format!(
            "let response{output} = client.{}().{}().await?;\nprintln!(\"{{response:?}}\");\n",
            r.name, e.rust_method
        ));
    }
    text.push_str("# Ok(())\n# }\n```\n\n");
    text.push_str(&format!(
        "With [`Client::builder`], the key, timeouts and retry policy are explicit:\n\n```no_run\n\
         # fn example() -> Result<(), Box<dyn std::error::Error>> {{\n\
         use std::time::Duration;\n\n\
         let client = {name}::Client::builder()\n    \
         .api_key(std::env::var(\"{env}\")?)\n    \
         .timeout(Duration::from_secs(30))\n    \
         .retry_policy({name}::RetryPolicy::default().max_retries(5))\n    \
         .build()?;\n\
         # Ok(())\n# }}\n```\n\n",
        name = api.name,
        env = api.auth_env
    ));
    text.push_str("Required inputs are arguments; optional ones are setters on the returned [`Request`], which also takes a per-request `timeout` and `retry_policy`. Each endpoint's docs name the type that `.await` gives (and, for lists, the item type of `.stream()`); request and response types live in [`types`].\n\n# Resources\n\n| Resource | Endpoints | What it covers |\n|---|---|---|\n");
    for r in &api.resources {
        text.push_str(&format!(
            "| [`client.{}()`](Client::{}) | {} | {} |\n",
            r.name,
            r.name,
            r.endpoints.len(),
            docs::sanitize(&docs::summary(&r.doc)).replace('|', "\\|")
        ));
    }
    text.push_str(
        "\n# Errors, retries and secrets\n\nEvery call returns [`Error`] on failure: an API error with its status, [`ErrorKind`], the server's message and request id; a timeout; a connection failure; or a decode failure with the JSON path. [`Error::outcome`] tells whether the request was never sent, rejected, accepted, or may have been processed; [`Outcome`] says what to do before sending again. The API key is sent as a sensitive header and never appears in `Debug`, `Display`, errors or logs. Path parameters are percent-encoded, so no id can reach another endpoint.\n\n# Base URLs\n\n[`base_url`] names each base URL. [`ClientBuilder::base_url`] and [`ClientBuilder::base_url_for`] point the client elsewhere (a local fake, a staging server); once one is changed, requests to a base that was not set are refused rather than sent to production.",
    );
    text.push_str(
        "\n\n# Dates and times\n\n`date` and `datetime` values are [`Date`] and [`Timestamp`]: the text exactly as sent, parsed on demand, so a value without a UTC offset never fails a response. Request inputs must be absolute moments ([`Timestamp::parse`] requires an offset). The features `jiff`, `chrono` and `time` add conversions.\n\n# Blocking client\n\nWith the `blocking` feature, `blocking::Client` has the same resources and methods; `send()` returns the result, lists give an `Iterator` and downloads a `std::io::Read`.",
    );
    if let Some(swap) = typed_ids_section(api) {
        text.push_str(&swap);
    }
    if api.webhooks.is_some() {
        text.push_str("\n\n# Webhooks\n\n[`webhooks::Event::from_slice`] decodes what the API posts to your endpoint; unknown event types are kept, not rejected.");
    }
    if api.webcall.is_some() {
        text.push_str(
            "\n\n# The web widget\n\n[`webcall`] renders the embed snippet of the web-call widget from typed options.",
        );
    }
    text
}

/// `generated/src/webhooks.rs`.
pub(crate) fn webhooks(api: &Api) -> Option<GeneratedFile> {
    let w = api.webhooks.as_ref()?;
    let def = api.type_def(&w.event).expect("validated");
    let TypeKind::Tagged(tagged) = &def.kind else { return None };
    let event = ident(&def.rust);
    let krate = krate(api);
    let mut text = docs::sanitize(&w.doc);
    text.push_str("\n\n# Example\n\n```\n");
    let sample = def
        .examples
        .first()
        .cloned()
        .unwrap_or_else(|| serde_json::json!({ tagged.tag.clone(): tagged.variants[0].tag_value.clone() }));
    let tag_value = sample.get(&tagged.tag).and_then(|v| v.as_str()).unwrap_or_default().to_string();
    let variant = tagged.variants.iter().find(|v| v.tag_value == tag_value).unwrap_or(&tagged.variants[0]);
    let body = serde_json::to_string_pretty(&sample).expect("JSON always serializes");
    let body_lit = raw_lit(&body).to_string();
    let matched = if variant.ty.is_some() {
        format!("{krate}::webhooks::Event::{}(payload) => println!(\"{{payload:?}}\"),", variant.rust)
    } else {
        format!("{krate}::webhooks::Event::{} => println!(\"{}\"),", variant.rust, variant.tag_value)
    };
    text.push_str(&format!(
        "# fn main() -> Result<(), {krate}::Error> {{\nlet body = {body_lit};\nlet event = {krate}::webhooks::Event::from_slice(body.as_bytes())?;\nmatch event {{\n    {matched}\n    other => println!(\"not handled: {{}}\", other.tag()),\n}}\n# Ok(())\n# }}\n```"
    ));
    let module_doc = docs::inner_attrs(&text);
    let event_doc = docs::attrs(&format!(
        "A webhook event: the payload type is chosen by `{}`. Alias of [`{}`](crate::types::{}).",
        tagged.tag, def.rust, def.rust
    ));
    let callback = w.callback.as_deref().and_then(|name| api.type_def(name)).map(|def| {
        let rust = ident(&def.rust);
        let mut text = format!(
            "What Ringg POSTs to a per-call callback URL. Alias of [`{}`](crate::types::{}).",
            def.rust, def.rust
        );
        if let Some(example) = def.examples.first() {
            let body = raw_lit(&serde_json::to_string_pretty(example).expect("JSON always serializes")).to_string();
            text.push_str(&format!(
                "\n\n```\n# fn main() -> Result<(), {krate}::Error> {{\nlet body = {body};\nlet callback = {krate}::webhooks::Callback::from_slice(body.as_bytes())?;\nprintln!(\"{{callback:?}}\");\n# Ok(())\n# }}\n```"
            ));
        }
        let alias_doc = docs::attrs(&text);
        quote! {
            #alias_doc
            pub type Callback = crate::types::#rust;

            impl crate::types::#rust {
                /// Decodes a per-call callback's request body; a body that does not fit is an
                /// [`Error`](crate::Error) naming the field.
                pub fn from_slice(body: &[u8]) -> Result<Self, crate::Error> {
                    crate::runtime::read_slice(body)
                }
            }
        }
    });
    let tokens = quote! {
        #module_doc

        #event_doc
        pub type Event = crate::types::#event;

        #callback

        impl crate::types::#event {
            /// Decodes a webhook request body. Unknown event types decode to `Unknown`, keeping
            /// the JSON; a known event type whose payload does not fit is an [`Error`](crate::Error)
            /// naming the field.
            pub fn from_slice(body: &[u8]) -> Result<Self, crate::Error> {
                crate::runtime::read_slice(body)
            }
        }
    };
    let source = api.source(&def.module);
    Some(GeneratedFile {
        path: "generated/src/webhooks.rs".into(),
        contents: format_file(&header("//", &[source]), tokens),
    })
}

/// `generated/src/webcall.rs`.
pub(crate) fn webcall(api: &Api) -> Option<GeneratedFile> {
    let w = api.webcall.as_ref()?;
    let def = api.type_def(&w.options).expect("validated");
    let TypeKind::Object(_) = &def.kind else { return None };
    let options = ident(&def.rust);
    let sample = sample(api, &TypeRef::Named(def.name.clone()), "options", 0);
    let mut text = docs::sanitize(&w.doc);
    text.push_str(&format!(
        "\n\n# Example\n\n```\n{}\nlet html = options.embed_snippet();\nassert!(html.contains(\"loadAgent\"));\n```",
        statement_text(quote! { let options = #sample; })
    ));
    let module_doc = docs::inner_attrs(&text);
    let default_version = lit(&w.default_version);
    let script = lit(&w.script_url);
    let style = lit(&w.style_url);
    let version_doc =
        docs::attrs(&format!("The widget version used by [`embed_snippet`]({}::embed_snippet).", def.rust));
    let tokens = quote! {
        #module_doc

        pub use crate::types::#options;

        #version_doc
        pub const DEFAULT_VERSION: &str = #default_version;

        /// Loader script URL; `{version}` is replaced.
        const SCRIPT_URL: &str = #script;

        /// Stylesheet URL; `{version}` is replaced.
        const STYLE_URL: &str = #style;

        impl #options {
            /// HTML that loads the widget with these options, for the [`DEFAULT_VERSION`].
            pub fn embed_snippet(&self) -> String {
                self.embed_snippet_for_version(DEFAULT_VERSION)
            }

            /// HTML that loads the widget with these options, pinned to `version`.
            ///
            /// A version with characters other than ASCII letters, digits, `.` and `-` is
            /// replaced by [`DEFAULT_VERSION`]. The options are embedded as JSON with `<`
            /// escaped, so no value can close the `<script>` element.
            pub fn embed_snippet_for_version(&self, version: &str) -> String {
                let version = if !version.is_empty()
                    && version.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
                {
                    version
                } else {
                    DEFAULT_VERSION
                };
                let options = serde_json::to_string(self)
                    .expect("widget options are plain JSON values")
                    .replace('<', "\\u003c");
                let style = STYLE_URL.replace("{version}", version);
                let script = SCRIPT_URL.replace("{version}", version);
                format!(
                    "<link rel=\"stylesheet\" href=\"{style}\">\n<script type=\"module\">\n  import(\"{script}\").then(function (module) {{\n    (module.loadAgent || window.loadAgent)({options});\n  }});\n</script>\n"
                )
            }
        }
    };
    let source = api.source(&def.module);
    Some(GeneratedFile {
        path: "generated/src/webcall.rs".into(),
        contents: format_file(&header("//", &[source]), tokens),
    })
}
