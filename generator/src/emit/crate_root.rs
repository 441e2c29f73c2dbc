//! The crate root (`lib.rs`: overview, modules, `Client` accessors, API constants) and the two
//! modules that give a spec type a role: `webhooks` and `webcall`.

use quote::quote;

use super::docs;
use super::rust::{format_file, krate, lit, raw_lit};
use super::{GeneratedFile, header};
use crate::ident::ident;
use crate::ir::{Api, TypeKind, TypeRef};

/// `generated/src/lib.rs`.
pub(crate) fn lib_rs(api: &Api) -> GeneratedFile {
    let overview = docs::inner_attrs(&overview(api));
    let mods = api.resources.iter().map(|r| ident(&r.name));
    let webhooks = api.webhooks.as_ref().map(|_| quote! { pub mod webhooks; });
    let webcall = api.webcall.as_ref().map(|_| quote! { pub mod webcall; });
    let accessors = api.resources.iter().map(|r| {
        let name = ident(&r.name);
        let handle = ident(&r.rust);
        let doc = docs::attrs(&format!(
            "{}\n\nSee [`{}`]({}::{}) for its endpoints.",
            docs::sanitize(&docs::summary(&r.doc)),
            r.rust,
            r.name,
            r.rust
        ));
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
    let user_agent = lit(&format!("{}-rust/", api.name));
    let default_limit = proc_macro2::Literal::u32_unsuffixed(api.pagination.default_limit);
    let max_limit = proc_macro2::Literal::u32_unsuffixed(api.pagination.max_limit);
    let tokens = quote! {
        #overview
        #![deny(missing_docs)]
        #![forbid(unsafe_code)]

        #[doc(hidden)]
        pub mod runtime;
        pub mod types;
        #(pub mod #mods;)*
        #webhooks
        #webcall

        #[cfg(test)]
        mod endpoint_tests;

        pub use runtime::{
            ByteStream, Client, ClientBuilder, Error, ErrorKind, Page, Paginator, Patch, Request,
            RetryPolicy, Upload,
        };

        /// What the runtime needs to know about this API, from the spec.
        pub(crate) const API: runtime::ApiConfig = runtime::ApiConfig {
            auth_header: #auth_header,
            api_key_env: #auth_env,
            base_urls: &[#(#base_urls),*],
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
        text.push_str(&format!("let response = client.{}().{}().await?;\nprintln!(\"{{response:?}}\");\n", r.name, e.rust_method));
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
    text.push_str("Required inputs are arguments; optional ones are setters on the returned [`Request`], which also takes a per-request `timeout` and `retry_policy`. Request and response types live in [`types`].\n\n# Resources\n\n| Resource | Endpoints | What it covers |\n|---|---|---|\n");
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
        "\n# Errors, retries and secrets\n\nEvery call returns [`Error`] on failure: an API error with its status, [`ErrorKind`], the server's message and request id; a timeout; a connection failure; or a decode failure with the JSON path. The API key is sent as a sensitive header and never appears in `Debug`, `Display`, errors or logs. Path parameters are percent-encoded, so no id can reach another endpoint.",
    );
    if api.webhooks.is_some() {
        text.push_str("\n\n# Webhooks\n\n[`webhooks::Event::from_slice`] decodes what the API posts to your endpoint; unknown event types are kept, not rejected.");
    }
    if api.webcall.is_some() {
        text.push_str("\n\n# The web widget\n\n[`webcall`] renders the embed snippet of the web-call widget from typed options.");
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
    let sample = def.examples.first().cloned().unwrap_or_else(|| {
        serde_json::json!({ tagged.tag.clone(): tagged.variants[0].tag_value.clone() })
    });
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
    let tokens = quote! {
        #module_doc

        #event_doc
        pub type Event = crate::types::#event;

        impl crate::types::#event {
            /// Decodes a webhook request body. Unknown event types decode to `Unknown`, keeping
            /// the JSON; a known event type whose payload does not fit is an [`Error`](crate::Error)
            /// naming the field.
            pub fn from_slice(body: &[u8]) -> Result<Self, crate::Error> {
                crate::runtime::decode_slice(body)
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
    let TypeKind::Object(fields) = &def.kind else { return None };
    let options = ident(&def.rust);
    let required: Vec<String> = fields
        .iter()
        .filter(|f| !f.presence.may_be_absent())
        .map(|f| match f.ty {
            TypeRef::String => format!("\"your-{}\"", f.rust.replace('_', "-")),
            _ => "Default::default()".into(),
        })
        .collect();
    let mut text = docs::sanitize(&w.doc);
    text.push_str(&format!(
        "\n\n# Example\n\n```\nlet options = {}::types::{}::new({});\nlet html = options.embed_snippet();\nassert!(html.contains(\"loadAgent\"));\n```",
        krate(api),
        def.rust,
        required.join(", ")
    ));
    let module_doc = docs::inner_attrs(&text);
    let default_version = lit(&w.default_version);
    let script = lit(&w.script_url);
    let style = lit(&w.style_url);
    let version_doc = docs::attrs(&format!("The widget version used by [`embed_snippet`]({}::embed_snippet).", def.rust));
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
