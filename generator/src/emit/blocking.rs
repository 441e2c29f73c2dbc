//! The blocking client's resources (`generated/src/blocking.rs`, feature `blocking`).
//!
//! Every resource of the spec gets a blocking handle with the same methods as the async one,
//! taking the same arguments. Each method asks the async handle for its request and hands it
//! to the blocking client (`runtime/blocking.rs`), so what is sent, and how it is retried,
//! is decided in one place. Only the documentation differs: the blocking summary and a
//! blocking example; errors and retry rules are on the async method it links to.

use proc_macro2::TokenStream;
use quote::quote;

use super::crate_root::accessor_doc;
use super::resources::{deprecated_attr, doc_example, inputs};
use super::rust::{Imports, format_file, krate};
use super::{GeneratedFile, docs, header};
use crate::ident::{ident, plain};
use crate::ir::{Api, Endpoint, Resource, Response};

/// `generated/src/blocking.rs`.
pub(crate) fn blocking(api: &Api) -> GeneratedFile {
    let accessors = api.resources.iter().map(|r| {
        let name = ident(&r.name);
        let handle = ident(&r.rust);
        let doc = accessor_doc(r);
        quote! {
            #doc
            pub fn #name(&self) -> #name::#handle<'_> {
                #name::#handle { client: self }
            }
        }
    });
    let modules = api.resources.iter().map(|r| resource(api, r));
    let example = first_call(api);
    let module_doc = docs::inner_attrs(&format!(
        "The blocking client (feature `blocking`): the same resources and methods as the async \
         [`Client`](crate::Client), each request returning its result directly.\n\n\
         Requests are the same [`Request`](crate::Request) values, in the [`Blocking`] mode: set \
         optional inputs, a `timeout` or a `retry_policy` as usual, then call `send()`. Paginated \
         endpoints give an [`Iter`] through `.iter()`; downloads give a [`Download`], which \
         implements [`std::io::Read`]. Retries, timeouts, the handling of the API key and the rule \
         that a call is never placed twice are the async client's own: a runtime thread owned by \
         the client drives it.\n\n\
         The client does not panic inside an async runtime, but blocks that runtime's thread \
         while it waits; use the async client there.\n\n{example}"
    ));
    let tokens = quote! {
        #module_doc

        pub use crate::runtime::blocking::{Blocking, BlockingDownload, Client, ClientBuilder, Download, Iter};

        /// A request made by the blocking [`Client`]; `send()` returns the result.
        pub type Request<O> = crate::Request<O, Blocking>;

        /// A download request made by the blocking [`Client`]; `send()` returns a [`Download`].
        pub type DownloadRequest<O> = crate::Request<O, BlockingDownload>;

        impl Client {
            #(#accessors)*
        }

        #(#modules)*
    };
    GeneratedFile {
        path: "generated/src/blocking.rs".into(),
        contents: format_file(&header("//", &api.sources.iter().collect::<Vec<_>>()), tokens),
    }
}

/// The module's example: the API's first call, made with the blocking client.
fn first_call(api: &Api) -> String {
    let krate = krate(api);
    let call = match api.first_simple_endpoint() {
        Some((r, e)) => {
            let (res, m) = (ident(&r.name), ident(&e.rust_method));
            quote! {
                let response = client.#res().#m().send()?;
                println!("{response:?}");
            }
        }
        None => quote! {},
    };
    let f = quote! {
        fn main() -> Result<(), #krate::Error> {
            let client = #krate::blocking::Client::from_env()?;
            #call
            Ok(())
        }
    };
    let file: syn::File = syn::parse2(f).expect("example parses");
    format!("```no_run\n{}```", prettyplease::unparse(&file))
}

/// `pub mod <resource>` with its blocking handle.
fn resource(api: &Api, r: &Resource) -> TokenStream {
    let name = ident(&r.name);
    let handle = ident(&r.rust);
    let doc = docs::attrs(&format!(
        "{}\n\nThe blocking form of [`{}`](crate::{}::{}); get it with [`Client::{}`](super::Client::{}).",
        docs::sanitize(&docs::summary(&r.doc)),
        r.rust,
        r.name,
        r.rust,
        r.name,
        r.name
    ));
    let module_doc = docs::inner_attrs(&format!("The blocking `{}` resource: [`{}`].", r.name, r.rust));
    let methods = r.endpoints.iter().map(|e| method(api, r, e));
    quote! {
        pub mod #name {
            #module_doc

            #doc
            #[derive(Debug, Clone, Copy)]
            pub struct #handle<'a> {
                pub(super) client: &'a super::Client,
            }

            impl #handle<'_> {
                #(#methods)*
            }
        }
    }
}

/// One blocking method: the async handle's request, adopted by the blocking client.
fn method(api: &Api, r: &Resource, e: &Endpoint) -> TokenStream {
    let mut imports = Imports::with_prefix(quote! { crate::types });
    let inputs = inputs(api, e, &mut imports);
    let (params, names) = (&inputs.params, &inputs.names);
    let res = ident(&r.name);
    let m = ident(&e.rust_method);
    let op = ident(&e.rust_op);
    let (output, adopt) = match e.response {
        Response::Binary { .. } => (quote! { super::DownloadRequest<crate::#res::#op> }, quote! { adopt_download }),
        _ => (quote! { super::Request<crate::#res::#op> }, quote! { adopt }),
    };
    let deprecated = deprecated_attr(e);
    let allow = if e.deprecated.is_some() {
        quote! { #[allow(deprecated)] }
    } else {
        quote! {}
    };
    let doc = docs::attrs(&method_doc(api, r, e, &inputs.samples));
    quote! {
        #doc
        #deprecated
        pub fn #m(&self, #(#params),*) -> #output {
            #allow
            let request = self.client.async_client().#res().#m(#(#names),*);
            self.client.#adopt(request)
        }
    }
}

fn method_doc(api: &Api, r: &Resource, e: &Endpoint, samples: &[TokenStream]) -> String {
    let mut text = docs::sanitize(&docs::summary(&e.doc));
    text.push_str(&format!("\n\n`{} {}`", e.method.as_str(), e.path));
    let m = plain(&e.rust_method);
    text.push_str(&format!(
        "\n\nThe blocking form of [`{}::{m}`](crate::{}::{}::{m}), which documents its inputs, errors and retries.",
        r.rust, r.name, r.rust
    ));
    if e.deprecated.is_some() {
        text.push_str(" **Deprecated**: see there for the replacement.");
    }
    if e.places_calls {
        text.push_str(
            "\n\n**Places calls.** Never re-sent once it may have reached Ringg: a retry never rings anyone twice.",
        );
    }
    text.push_str("\n\n# Example\n\n");
    let krate = krate(api);
    let res = ident(&r.name);
    let method = ident(&e.rust_method);
    let call = quote! { client.#res().#method(#(#samples),*) };
    let body = if e.paging.is_some() {
        quote! {
            for item in #call.iter() {
                println!("{:?}", item?);
            }
        }
    } else {
        match &e.response {
            Response::Binary { .. } => quote! {
                let download = #call.send()?;
                let bytes = download.save("download.bin")?;
                println!("saved {bytes} bytes");
            },
            Response::Empty => quote! { #call.send()?; },
            Response::Json(_) => quote! {
                let response = #call.send()?;
                println!("{response:?}");
            },
        }
    };
    text.push_str(&doc_example(
        e,
        quote! {
            fn example(client: #krate::blocking::Client) -> Result<(), #krate::Error> {
                #body
                Ok(())
            }
        },
    ));
    text
}
