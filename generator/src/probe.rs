//! Semver probes: a crate that uses every public item of a generated crate the way a user could,
//! emitted from that crate's source, so that compiling it against another version of the crate
//! proves whether that version is compatible.
//!
//! [`probe`] reads the generated Rust files (not the IR: the probe must see what users see) and
//! writes one function per use. It covers every constructor and other associated function, every
//! method with its arguments typed as before and its result bound to the type it had, every
//! setter, every field read (bound to its old type), struct literals where the struct allows one,
//! a `match` over every enum naming each variant (with `_` only where the enum is
//! `#[non_exhaustive]`) and reading each payload, variant construction, unit operation structs
//! built as values, the output of `.send()` for every operation and the items of `.stream()` for
//! every paginated one, constants, re-exports, and the traits each type derives or implements
//! (`Default` included).
//!
//! Values come from `any::<T>()`, which is never called: the probe is only type-checked. Argument
//! types are spelled out, never inferred, so an argument whose type changed fails to compile.
//! The hand-written runtime (`src/runtime/`) is the same on both sides and is left out.

use std::collections::HashMap;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::GeneratedFile;

/// The probe's `src/lib.rs` for the crate made of `files` (as `generate` returns them), which the
/// probe reaches as `krate` (its library name). Fails when a file does not parse.
pub fn probe(files: &[GeneratedFile], krate: &str) -> Result<String, String> {
    let krate = format_ident!("{krate}");
    let mut cx = Cx { krate: krate.clone(), uses: Vec::new(), count: 0 };
    let mut modules: Vec<(&GeneratedFile, Vec<String>)> = Vec::new();
    for f in files {
        let Some(rel) = f.path.strip_prefix("generated/src/") else { continue };
        if !rel.ends_with(".rs") || rel.starts_with("runtime/") || rel == "endpoint_tests.rs" || rel == "types/mod.rs" {
            continue;
        }
        // Where users name the file's items: types are re-exported as `types::Name`.
        let module: Vec<String> = match rel.trim_end_matches(".rs") {
            "lib" => Vec::new(),
            t if t.starts_with("types/") => vec!["types".to_string()],
            other => vec![other.to_string()],
        };
        modules.push((f, module));
    }
    for (f, module) in modules {
        let file = syn::parse_file(&f.contents).map_err(|e| format!("{}: {e}", f.path))?;
        let in_types = f.path.starts_with("generated/src/types/");
        let scope = Scope::new(&krate, &file, &module, in_types);
        cx.file(&scope, &file);
    }
    let uses = &cx.uses;
    let tokens = quote! {
        //! Uses every public item of the crate as it was; compiled, never run.
        #![allow(deprecated, unused, clippy::all)]

        /// A value of any type, for type checking only.
        fn any<T>() -> T {
            unreachable!("the probe is only compiled")
        }

        #(#uses)*
    };
    let file: syn::File = syn::parse2(tokens).map_err(|e| format!("the probe does not parse: {e}"))?;
    Ok(prettyplease::unparse(&file))
}

/// How the names in one generated file resolve from outside the crate.
struct Scope {
    /// `use` imports of the file: last segment to its full path from the probe.
    imports: HashMap<String, syn::Path>,
    /// The module path users name the file's items by (`krate::types`).
    module: syn::Path,
    krate: syn::Ident,
    /// Names the file declares itself (items and modules).
    local: Vec<String>,
}

impl Scope {
    fn new(krate: &syn::Ident, file: &syn::File, module: &[String], in_types: bool) -> Scope {
        let segments = module.iter().map(|m| format_ident!("{m}"));
        let module: syn::Path = syn::parse_quote!(#krate #(:: #segments)*);
        let mut scope = Scope { imports: HashMap::new(), module, krate: krate.clone(), local: local_names(file) };
        for item in &file.items {
            if let syn::Item::Use(u) = item {
                scope.import(&[], &u.tree, in_types);
            }
        }
        scope
    }

    fn import(&mut self, prefix: &[syn::Ident], tree: &syn::UseTree, in_types: bool) {
        match tree {
            syn::UseTree::Path(p) => {
                let mut prefix = prefix.to_vec();
                prefix.push(p.ident.clone());
                self.import(&prefix, &p.tree, in_types);
            }
            syn::UseTree::Name(n) if n.ident == "self" => {
                if let Some((module, parent)) = prefix.split_last() {
                    self.bind(parent, module, module, in_types);
                }
            }
            syn::UseTree::Name(n) => self.bind(prefix, &n.ident, &n.ident, in_types),
            syn::UseTree::Rename(r) => self.bind(prefix, &r.ident, &r.rename, in_types),
            syn::UseTree::Group(g) => g.items.iter().for_each(|t| self.import(prefix, t, in_types)),
            syn::UseTree::Glob(_) => {}
        }
    }

    fn bind(&mut self, prefix: &[syn::Ident], name: &syn::Ident, alias: &syn::Ident, in_types: bool) {
        let mut full: Vec<syn::Ident> = prefix.to_vec();
        full.push(name.clone());
        let path = self.absolute(&full, in_types);
        self.imports.insert(alias.to_string(), path);
    }

    /// A path as written in the crate (`crate::x`, `super::x`, `std::x`) as the probe names it.
    fn absolute(&self, segments: &[syn::Ident], in_types: bool) -> syn::Path {
        let krate = &self.krate;
        match segments.first().map(|s| s.to_string()).as_deref() {
            Some("crate") => {
                let rest = &segments[1..];
                syn::parse_quote!(#krate #(:: #rest)*)
            }
            // `super` in a types file is the `types` module.
            Some("super") if in_types => {
                let rest = &segments[1..];
                syn::parse_quote!(#krate::types #(:: #rest)*)
            }
            // A module or item of the file itself (`runtime::Client` in `lib.rs`).
            Some(first) if self.local.iter().any(|l| l == first) => {
                let module = &self.module;
                syn::parse_quote!(#module #(:: #segments)*)
            }
            _ => syn::parse_quote!(#(#segments)::*),
        }
    }

    /// The type as the probe spells it: imports, `crate::` and the file's own items made
    /// absolute, `Self` replaced, named lifetimes elided.
    fn ty(&self, ty: &syn::Type, self_ty: Option<&syn::Type>, local: &[String]) -> syn::Type {
        match ty {
            syn::Type::Path(p) if p.qself.is_none() => {
                if p.path.is_ident("Self")
                    && let Some(s) = self_ty
                {
                    return s.clone();
                }
                let mut path = self.path(&p.path, local);
                for seg in &mut path.segments {
                    if let syn::PathArguments::AngleBracketed(args) = &mut seg.arguments {
                        for arg in &mut args.args {
                            match arg {
                                syn::GenericArgument::Type(t) => *t = self.ty(t, self_ty, local),
                                syn::GenericArgument::AssocType(a) => a.ty = self.ty(&a.ty, self_ty, local),
                                syn::GenericArgument::Lifetime(l) => *l = syn::Lifetime::new("'_", l.span()),
                                _ => {}
                            }
                        }
                    }
                }
                syn::Type::Path(syn::TypePath { attrs: Vec::new(), qself: None, path })
            }
            syn::Type::Reference(r) => {
                let mut r = r.clone();
                r.lifetime = None;
                r.elem = Box::new(self.ty(&r.elem, self_ty, local));
                syn::Type::Reference(r)
            }
            syn::Type::Slice(s) => {
                let mut s = s.clone();
                s.elem = Box::new(self.ty(&s.elem, self_ty, local));
                syn::Type::Slice(s)
            }
            syn::Type::Tuple(t) => {
                let mut t = t.clone();
                t.elems.iter_mut().for_each(|e| *e = self.ty(e, self_ty, local));
                syn::Type::Tuple(t)
            }
            other => other.clone(),
        }
    }

    fn path(&self, path: &syn::Path, local: &[String]) -> syn::Path {
        let first = path.segments.first().map(|s| s.ident.to_string()).unwrap_or_default();
        let rest: Vec<&syn::PathSegment> = path.segments.iter().skip(1).collect();
        let krate = &self.krate;
        if first == "crate" {
            return syn::parse_quote!(#krate #(:: #rest)*);
        }
        if let Some(base) = self.imports.get(&first) {
            let head = path.segments.first().expect("a first segment");
            let args = &head.arguments;
            let mut full = base.clone();
            if let Some(last) = full.segments.last_mut() {
                last.arguments = args.clone();
            }
            return syn::parse_quote!(#full #(:: #rest)*);
        }
        if local.contains(&first) {
            let module = &self.module;
            let segments = &path.segments;
            return syn::parse_quote!(#module :: #segments);
        }
        path.clone()
    }
}

/// Names declared by the file's own items, which the file uses unqualified.
fn local_names(file: &syn::File) -> Vec<String> {
    file.items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Struct(s) => Some(s.ident.to_string()),
            syn::Item::Enum(e) => Some(e.ident.to_string()),
            syn::Item::Const(c) => Some(c.ident.to_string()),
            syn::Item::Fn(f) => Some(f.sig.ident.to_string()),
            syn::Item::Type(t) => Some(t.ident.to_string()),
            syn::Item::Mod(m) => Some(m.ident.to_string()),
            _ => None,
        })
        .collect()
}

fn is_pub(vis: &syn::Visibility) -> bool {
    matches!(vis, syn::Visibility::Public(_))
}

fn has_attr(attrs: &[syn::Attribute], name: &str) -> bool {
    attrs.iter().any(|a| a.path().is_ident(name))
}

fn is_test_only(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| a.path().is_ident("cfg") && quote!(#a).to_string().contains("test"))
}

/// Trait paths named in the item's `#[derive(..)]`.
fn derives(attrs: &[syn::Attribute]) -> Vec<syn::Path> {
    let mut out = Vec::new();
    for a in attrs.iter().filter(|a| a.path().is_ident("derive")) {
        let _ = a.parse_nested_meta(|m| {
            out.push(m.path.clone());
            Ok(())
        });
    }
    out
}

/// The probe-side bound for a trait the crate names, or `None` for traits the probe cannot name
/// the same way (the crate's own hidden runtime traits).
fn trait_bound(path: &syn::Path) -> Option<TokenStream> {
    let last = path.segments.last()?.ident.to_string();
    Some(match last.as_str() {
        "Debug" => quote!(::std::fmt::Debug),
        "Display" => quote!(::std::fmt::Display),
        "Clone" => quote!(::std::clone::Clone),
        "Copy" => quote!(::std::marker::Copy),
        "PartialEq" => quote!(::std::cmp::PartialEq),
        "Eq" => quote!(::std::cmp::Eq),
        "PartialOrd" => quote!(::std::cmp::PartialOrd),
        "Ord" => quote!(::std::cmp::Ord),
        "Hash" => quote!(::std::hash::Hash),
        "Default" => quote!(::std::default::Default),
        "Serialize" => quote!(::serde::Serialize),
        "Deserialize" => quote!(::serde::de::DeserializeOwned),
        "FromStr" => quote!(::std::str::FromStr),
        _ => return None,
    })
}

struct Cx {
    krate: syn::Ident,
    uses: Vec<TokenStream>,
    count: usize,
}

impl Cx {
    /// Adds one probe function with `body`, named after what it uses.
    fn push(&mut self, what: &str, body: TokenStream) {
        self.count += 1;
        let name = format_ident!("probe_{}", self.count);
        let doc = format!(" {what}");
        self.uses.push(quote! {
            #[doc = #doc]
            async fn #name() {
                #body
            }
        });
    }

    fn file(&mut self, scope: &Scope, file: &syn::File) {
        let local = local_names(file);
        for item in &file.items {
            match item {
                syn::Item::Struct(s) if is_pub(&s.vis) => self.structure(scope, &local, s),
                syn::Item::Enum(e) if is_pub(&e.vis) => self.enumeration(scope, &local, e),
                syn::Item::Impl(i) if !is_test_only(&i.attrs) => self.implementation(scope, &local, i),
                syn::Item::Const(c) if is_pub(&c.vis) => {
                    let module = &scope.module;
                    let name = &c.ident;
                    let ty = scope.ty(&c.ty, None, &local);
                    self.push(&format!("constant {name}"), quote! { let _: #ty = #module::#name; });
                }
                syn::Item::Fn(f) if is_pub(&f.vis) => {
                    let module = &scope.module;
                    let callee = &f.sig.ident;
                    let call = self.call(scope, &local, &f.sig, quote!(#module::#callee), None);
                    self.push(&format!("function {callee}"), call);
                }
                syn::Item::Use(u) if is_pub(&u.vis) => self.reexport(scope, &u.tree, &mut Vec::new()),
                _ => {}
            }
        }
    }

    /// `pub use` items: the name must still resolve where users import it from.
    fn reexport(&mut self, scope: &Scope, tree: &syn::UseTree, prefix: &mut Vec<syn::Ident>) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.clone());
                self.reexport(scope, &p.tree, prefix);
                prefix.pop();
            }
            // `pub use path::{self}` re-exports the module under its own name.
            syn::UseTree::Name(n) if n.ident == "self" => {
                if let Some(module) = prefix.last().cloned() {
                    self.reexported(scope, &module);
                }
            }
            syn::UseTree::Name(n) => self.reexported(scope, &n.ident),
            syn::UseTree::Rename(r) => self.reexported(scope, &r.rename),
            syn::UseTree::Group(g) => g.items.iter().for_each(|t| self.reexport(scope, t, prefix)),
            syn::UseTree::Glob(_) => {}
        }
    }

    fn reexported(&mut self, scope: &Scope, name: &syn::Ident) {
        let module = &scope.module;
        self.push(&format!("re-export {name}"), quote! { use #module::#name as _; });
    }

    fn structure(&mut self, scope: &Scope, local: &[String], s: &syn::ItemStruct) {
        let module = &scope.module;
        let name = &s.ident;
        let ty: syn::Type = syn::parse_quote!(#module::#name);
        let exhaustive = !has_attr(&s.attrs, "non_exhaustive");
        self.push(&format!("type {name}"), quote! { let _: Option<#ty> = None; });
        self.traits(&ty, &derives(&s.attrs), &format!("{name}"));
        match &s.fields {
            syn::Fields::Unit => {
                if exhaustive {
                    self.push(&format!("{name} built as a value"), quote! { let _: #ty = #ty; });
                }
            }
            syn::Fields::Named(fields) => {
                let all_pub = fields.named.iter().all(|f| is_pub(&f.vis));
                let mut inits = Vec::new();
                for f in &fields.named {
                    let fname = f.ident.as_ref().expect("named fields have names");
                    let fty = scope.ty(&f.ty, None, local);
                    inits.push(quote! { #fname: any::<#fty>() });
                    if is_pub(&f.vis) {
                        self.push(
                            &format!("field {name}.{fname}"),
                            quote! {
                                let value = any::<#ty>();
                                let _: &#fty = &value.#fname;
                                let _: #fty = value.#fname;
                            },
                        );
                    }
                }
                if exhaustive && all_pub {
                    self.push(&format!("{name} struct literal"), quote! { let _: #ty = #ty { #(#inits),* }; });
                }
            }
            syn::Fields::Unnamed(fields) => {
                let all_pub = fields.unnamed.iter().all(|f| is_pub(&f.vis));
                let args: Vec<TokenStream> = fields
                    .unnamed
                    .iter()
                    .map(|f| {
                        let fty = scope.ty(&f.ty, None, local);
                        quote! { any::<#fty>() }
                    })
                    .collect();
                if exhaustive && all_pub {
                    self.push(&format!("{name} built"), quote! { let _: #ty = #ty(#(#args),*); });
                }
            }
        }
    }

    fn enumeration(&mut self, scope: &Scope, local: &[String], e: &syn::ItemEnum) {
        let module = &scope.module;
        let name = &e.ident;
        let ty: syn::Type = syn::parse_quote!(#module::#name);
        self.push(&format!("type {name}"), quote! { let _: Option<#ty> = None; });
        self.traits(&ty, &derives(&e.attrs), &format!("{name}"));
        let mut arms = Vec::new();
        for v in &e.variants {
            let vname = &v.ident;
            let buildable = !has_attr(&v.attrs, "non_exhaustive");
            match &v.fields {
                syn::Fields::Unit => {
                    arms.push(quote! { #ty::#vname => {} });
                    self.push(&format!("variant {name}::{vname} built"), quote! { let _: #ty = #ty::#vname; });
                }
                syn::Fields::Unnamed(fields) => {
                    let types: Vec<syn::Type> = fields.unnamed.iter().map(|f| scope.ty(&f.ty, None, local)).collect();
                    let binds: Vec<syn::Ident> = (0..types.len()).map(|i| format_ident!("v{i}")).collect();
                    arms.push(quote! { #ty::#vname(#(#binds),*) => { #(let _: #types = #binds;)* } });
                    if buildable {
                        self.push(
                            &format!("variant {name}::{vname} built"),
                            quote! { let _: #ty = #ty::#vname(#(any::<#types>()),*); },
                        );
                    }
                }
                syn::Fields::Named(fields) => {
                    let names: Vec<&syn::Ident> = fields.named.iter().filter_map(|f| f.ident.as_ref()).collect();
                    let types: Vec<syn::Type> = fields.named.iter().map(|f| scope.ty(&f.ty, None, local)).collect();
                    arms.push(quote! { #ty::#vname { #(#names,)* .. } => { #(let _: #types = #names;)* } });
                    if buildable {
                        self.push(
                            &format!("variant {name}::{vname} built"),
                            quote! { let _: #ty = #ty::#vname { #(#names: any::<#types>()),* }; },
                        );
                    }
                }
            }
        }
        // A `#[non_exhaustive]` enum needs `_` outside its crate; an exhaustive one must not have
        // it, so that a new variant breaks the probe as it would break users' matches.
        let wildcard = if has_attr(&e.attrs, "non_exhaustive") {
            quote! { _ => {} }
        } else {
            quote! {}
        };
        self.push(&format!("match on {name}"), quote! { match any::<#ty>() { #(#arms)* #wildcard } });
    }

    fn traits(&mut self, ty: &syn::Type, traits: &[syn::Path], name: &str) {
        for t in traits {
            if let Some(bound) = trait_bound(t) {
                let label = t.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
                self.push(&format!("{name}: {label}"), quote! { fn check<T: #bound>() {} check::<#ty>(); });
            }
        }
    }

    fn implementation(&mut self, scope: &Scope, local: &[String], i: &syn::ItemImpl) {
        let mut self_ty = scope.ty(&i.self_ty, None, local);
        // `impl<M> Request<Op, M>`: a user names the type with its defaults, `Request<Op>`.
        let params: Vec<String> = i.generics.type_params().map(|p| p.ident.to_string()).collect();
        if !params.is_empty()
            && let syn::Type::Path(p) = &mut self_ty
            && let Some(last) = p.path.segments.last_mut()
            && let syn::PathArguments::AngleBracketed(args) = &mut last.arguments
        {
            let is_param = |a: &syn::GenericArgument| matches!(a, syn::GenericArgument::Type(syn::Type::Path(t)) if t.path.get_ident().is_some_and(|id| params.contains(&id.to_string())));
            args.args = args.args.iter().filter(|a| !is_param(a)).cloned().collect();
            if args.args.is_empty() {
                last.arguments = syn::PathArguments::None;
            }
        }
        let type_name = quote!(#self_ty).to_string().replace(' ', "");
        if let Some((trait_path, _)) = &i.trait_ {
            let tname = trait_path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
            match tname.as_str() {
                // The output of `.send()` (and `.await`) of an operation.
                "Operation" => {
                    for item in &i.items {
                        if let syn::ImplItem::Type(t) = item
                            && t.ident == "Output"
                        {
                            let out = scope.ty(&t.ty, Some(&self_ty), local);
                            let krate = &self.krate;
                            self.push(
                                &format!("{type_name}: send() output"),
                                quote! {
                                    let _: Result<#out, #krate::Error> = any::<#krate::Request<#self_ty>>().send().await;
                                    let _: Result<#out, #krate::Error> = any::<#krate::Request<#self_ty>>().await;
                                },
                            );
                        }
                    }
                }
                // The items of `.stream()` of a paginated operation.
                "Paginated" => {
                    for item in &i.items {
                        if let syn::ImplItem::Type(t) = item
                            && t.ident == "Item"
                        {
                            let item_ty = scope.ty(&t.ty, Some(&self_ty), local);
                            let krate = &self.krate;
                            self.push(
                                &format!("{type_name}: stream() items"),
                                quote! { let _: #krate::Paginator<#item_ty> = any::<#krate::Request<#self_ty>>().stream(); },
                            );
                        }
                    }
                }
                _ => {
                    if let Some(bound) = trait_bound(trait_path) {
                        self.push(
                            &format!("{type_name}: {tname}"),
                            quote! { fn check<T: #bound>() {} check::<#self_ty>(); },
                        );
                    } else if tname == "From"
                        && let Some(syn::PathSegment { arguments: syn::PathArguments::AngleBracketed(args), .. }) =
                            trait_path.segments.last()
                        && let Some(syn::GenericArgument::Type(from)) = args.args.first()
                    {
                        let from = scope.ty(from, Some(&self_ty), local);
                        self.push(
                            &format!("{type_name}: From"),
                            quote! { let _: #self_ty = <#self_ty as ::std::convert::From<#from>>::from(any::<#from>()); },
                        );
                    }
                }
            }
            return;
        }
        for item in &i.items {
            let syn::ImplItem::Fn(f) = item else { continue };
            if !is_pub(&f.vis) || is_test_only(&f.attrs) {
                continue;
            }
            let callee = &f.sig.ident;
            let call = match f.sig.receiver() {
                Some(_) => self.call(scope, local, &f.sig, quote!(any::<#self_ty>().#callee), Some(&self_ty)),
                None => self.call(scope, local, &f.sig, quote!(<#self_ty>::#callee), Some(&self_ty)),
            };
            self.push(&format!("{type_name}::{callee}"), call);
        }
    }

    /// A call of `callee` with a value of each argument's type, its result bound to the return
    /// type (awaited first when the function is `async`).
    fn call(
        &self,
        scope: &Scope,
        local: &[String],
        sig: &syn::Signature,
        callee: TokenStream,
        self_ty: Option<&syn::Type>,
    ) -> TokenStream {
        let args: Vec<TokenStream> = sig
            .inputs
            .iter()
            .filter_map(|input| match input {
                syn::FnArg::Receiver(_) => None,
                syn::FnArg::Typed(t) => Some(argument(scope, local, &t.ty, self_ty)),
            })
            .collect();
        let awaited = if sig.asyncness.is_some() { quote!(.await) } else { quote!() };
        let call = quote! { #callee(#(#args),*) #awaited };
        match &sig.output {
            syn::ReturnType::Default => quote! { let _: () = #call; },
            syn::ReturnType::Type(_, ty) if matches!(**ty, syn::Type::ImplTrait(_)) => quote! { let _ = #call; },
            syn::ReturnType::Type(_, ty) => {
                let ret = scope.ty(ty, self_ty, local);
                quote! { let _: #ret = #call; }
            }
        }
    }
}

/// A value for an argument of type `ty`: `any::<T>()`, with `impl Into<T>` given a `T`, `impl
/// IntoIterator<Item = T>` a `Vec<T>` and `impl AsRef<str>` a `String`.
fn argument(scope: &Scope, local: &[String], ty: &syn::Type, self_ty: Option<&syn::Type>) -> TokenStream {
    if let syn::Type::ImplTrait(it) = ty {
        for bound in &it.bounds {
            let syn::TypeParamBound::Trait(t) = bound else { continue };
            let Some(last) = t.path.segments.last() else { continue };
            let syn::PathArguments::AngleBracketed(args) = &last.arguments else { continue };
            match (last.ident.to_string().as_str(), args.args.first()) {
                ("Into" | "AsRef", Some(syn::GenericArgument::Type(inner))) => {
                    let inner = scope.ty(inner, self_ty, local);
                    let inner = if quote!(#inner).to_string() == "str" { quote!(String) } else { quote!(#inner) };
                    return quote! { any::<#inner>() };
                }
                ("IntoIterator", Some(syn::GenericArgument::AssocType(a))) if a.ident == "Item" => {
                    let inner = scope.ty(&a.ty, self_ty, local);
                    return quote! { any::<Vec<#inner>>() };
                }
                _ => {}
            }
        }
        return quote! { any::<_>() };
    }
    let ty = scope.ty(ty, self_ty, local);
    quote! { any::<#ty>() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, contents: &str) -> GeneratedFile {
        GeneratedFile { path: path.to_string(), contents: contents.to_string() }
    }

    #[test]
    fn uses_every_public_item_with_absolute_paths() {
        let files = [
            file(
                "generated/src/types/orders.rs",
                "use super::Color;\n\
                 #[derive(Debug, Clone, Default)]\n#[non_exhaustive]\npub struct Query { pub text: Option<String>, pub color: Color }\n\
                 impl Query { pub fn new() -> Self { Self::default() } pub fn text(mut self, value: impl Into<String>) -> Self { self } }\n\
                 #[derive(Debug)]\n#[non_exhaustive]\npub enum Kind { A, B(Query), Unknown(String) }\n",
            ),
            file(
                "generated/src/orders.rs",
                "use crate::types;\nuse crate::{Client, Request};\n\
                 #[derive(Debug, Clone)]\n#[non_exhaustive]\npub struct Stats {}\n\
                 pub struct Get;\n\
                 impl Operation for Get { type Output = types::Query; }\n",
            ),
        ];
        let text = probe(&files, "shop").unwrap();
        for expected in [
            "let _: Option<shop::types::Query> = None;",
            "let _: shop::types::Color = value.color;",
            "let _: shop::types::Query = <shop::types::Query>::new();",
            "any::<shop::types::Query>().text(any::<String>())",
            "check::<shop::types::Query>()",
            "shop::types::Kind::B(v0) => {",
            "let _: shop::types::Query = v0;",
            "_ => {}",
            "let _: shop::orders::Get = shop::orders::Get;",
            "let _: Result<shop::types::Query, shop::Error> = any::<",
            "shop::Request<shop::orders::Get>,",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in\n{text}");
        }
        // Non-exhaustive structs get no literal, and empty braced ones are not built.
        assert!(!text.contains("shop::types::Query {"), "{text}");
        assert!(!text.contains("shop::orders::Stats {}"), "{text}");
    }
}
