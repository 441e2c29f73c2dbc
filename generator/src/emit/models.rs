//! Named types to Rust: one module per spec file under `generated/src/types/`.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::quote;

use super::docs;
use super::rust::{Imports, arg, field_ty, format_file, lit, required_struct, ty};
use super::{GeneratedFile, header};
use crate::ident::{ident, plain};
use crate::ir::{Api, EnumValue, Field, OneOfMember, Presence, Tagged, TypeDef, TypeKind, TypeRef, UnionMember};

/// Spec modules that declare types, in spec order, with their types.
pub(crate) fn modules(api: &Api) -> Vec<(&str, Vec<&TypeDef>)> {
    let mut modules: Vec<(&str, Vec<&TypeDef>)> = Vec::new();
    let mut index: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for t in &api.types {
        let i = *index.entry(t.module.as_str()).or_insert_with(|| {
            modules.push((t.module.as_str(), Vec::new()));
            modules.len() - 1
        });
        modules[i].1.push(t);
    }
    modules
}

/// `generated/src/types/<module>.rs`: the types one spec file declares.
pub(crate) fn module_file(api: &Api, module: &str, defs: &[&TypeDef]) -> GeneratedFile {
    let local: BTreeSet<String> = defs.iter().map(|t| t.rust.clone()).collect();
    let mut imports = Imports::default();
    let read = super::reading::read_types(api);
    let write = super::writing::write_types(api);
    let items: Vec<TokenStream> = defs
        .iter()
        .map(|t| {
            let def = type_def(api, t, &mut imports);
            let reading = if read.contains(&t.name) {
                super::reading::from_json(api, t, &mut imports)
            } else {
                quote! {}
            };
            let writing = if write.contains(&t.name) {
                super::writing::to_json(t)
            } else {
                quote! {}
            };
            quote! { #def #reading #writing }
        })
        .collect();
    let uses = imports.tokens(quote! { super }, &local);
    let source = api.source(module);
    let module_doc = format!(" Types declared in `{}`.", source.path);
    let tokens = quote! {
        #![doc = #module_doc]
        #uses
        #(#items)*
    };
    GeneratedFile {
        path: format!("generated/src/types/{module}.rs"),
        contents: format_file(&header("//", &[source]), tokens),
    }
}

/// `generated/src/types/mod.rs`: declares the modules and re-exports every type.
pub(crate) fn root(api: &Api, modules: &[&str]) -> GeneratedFile {
    let mods: Vec<_> = modules.iter().map(|m| ident(m)).collect();
    let tokens = quote! {
        //! Every request, response and webhook type of the API.
        //!
        //! Structs are `#[non_exhaustive]`: build request types with their `new` function (its
        //! arguments are the required fields) and the chained setters for the optional ones.
        //! Enums are open: a value this crate does not know decodes to `Unknown` and is kept.
        #( mod #mods; )*
        #( pub use #mods::*; )*
    };
    GeneratedFile {
        path: "generated/src/types/mod.rs".into(),
        contents: format_file(&header("//", &api.sources.iter().collect::<Vec<_>>()), tokens),
    }
}

fn type_def(api: &Api, t: &TypeDef, imports: &mut Imports) -> TokenStream {
    match &t.kind {
        TypeKind::Object(fields) => object(api, t, fields, imports),
        TypeKind::Enum(values) => open_enum(t, values),
        TypeKind::Union(members) => union(api, t, members, imports),
        TypeKind::Tagged(tagged) => tagged_union(api, t, tagged, imports),
        TypeKind::OneOf(members) => one_of(api, t, members, imports),
        TypeKind::Newtype => newtype(api, t),
    }
}

fn type_doc(t: &TypeDef) -> TokenStream {
    docs::doc(&t.doc)
}

fn field_doc(f: &Field) -> TokenStream {
    let mut text = docs::sanitize(&f.doc);
    if let Some(d) = &f.default {
        text.push_str(&format!("\n\nServer default when absent: `{d}`."));
    }
    if let Some(d) = &f.deprecated {
        text.push_str(&format!("\n\n**Deprecated:** {}", docs::sanitize(d)));
    }
    if f.secret {
        text.push_str("\n\nA credential: shown as `[redacted]` by `Debug`.");
    }
    docs::attrs(&text)
}

fn object(api: &Api, t: &TypeDef, fields: &[Field], imports: &mut Imports) -> TokenStream {
    let name = ident(&t.rust);
    let doc = type_doc(t);
    let has_secret = fields.iter().any(|f| f.secret);
    let written_de = writes_deserialize(t, fields);
    let members: Vec<TokenStream> = fields
        .iter()
        .map(|f| {
            let fname = ident(&f.rust);
            let presence = t.rust_presence(f);
            let fty = field_ty(api, &f.ty, presence, imports);
            let fdoc = field_doc(f);
            let mut serde_args: Vec<TokenStream> = Vec::new();
            if plain(&f.rust) != f.wire && !t.multipart && !f.flatten {
                let w = lit(&f.wire);
                serde_args.push(quote! { rename = #w });
            }
            if !t.multipart {
                if f.flatten {
                    serde_args.push(quote! { flatten });
                }
                match presence {
                    Presence::Optional => serde_args.push(quote! { default, skip_serializing_if = "Option::is_none" }),
                    Presence::OptionalNullable => {
                        serde_args.push(quote! { default, skip_serializing_if = "crate::Patch::is_absent" })
                    }
                    _ => {}
                }
            }
            let serde_attr = if serde_args.is_empty() || written_de {
                quote! {}
            } else {
                quote! { #[serde(#(#serde_args),*)] }
            };
            quote! {
                #fdoc
                #serde_attr
                pub #fname: #fty,
            }
        })
        .collect();

    let derive = derive_except(t, has_secret, written_de);
    let ser_impl = if written_de {
        object_serialize(t, fields)
    } else {
        quote! {}
    };
    let debug_impl = if has_secret {
        secret_debug(t, fields)
    } else {
        quote! {}
    };
    let de_impl = if written_de {
        object_deserialize(t, fields)
    } else {
        quote! {}
    };
    let ctor = if t.input {
        constructor(api, t, fields, imports)
    } else {
        quote! {}
    };
    let form = if t.multipart {
        to_form(api, t, fields)
    } else {
        quote! {}
    };

    quote! {
        #doc
        #derive
        #[non_exhaustive]
        pub struct #name {
            #(#members)*
        }
        #debug_impl
        #ser_impl
        #de_impl
        #ctor
        #form
    }
}

/// A name for a local of a written decoder, `base` unless a field (whose slot is a local named
/// after it) has that name, then with underscores added.
pub(crate) fn free_local(fields: &[Field], base: &str) -> proc_macro2::Ident {
    let mut local = base.to_owned();
    while fields.iter().any(|f| plain(&f.rust) == local) {
        local.push('_');
    }
    ident(&local)
}

/// Whether the object's `Deserialize` is written out by [`object_deserialize`] rather than
/// derived: every object that has one, except those with a flattened member (request bodies,
/// which this crate never reads).
pub(crate) fn writes_deserialize(t: &TypeDef, fields: &[Field]) -> bool {
    !t.multipart && !fields.iter().any(|f| f.flatten)
}

/// The object's `Serialize`, written out: one call per field into `crate::runtime::ser`, which
/// writes what the derived impl wrote (absent optional fields left out).
fn object_serialize(t: &TypeDef, fields: &[Field]) -> TokenStream {
    let name = ident(&t.rust);
    let name_str = lit(&t.rust);
    let mut always = 0usize;
    let mut counted = Vec::new();
    let calls: Vec<TokenStream> = fields
        .iter()
        .map(|f| {
            let member = ident(&f.rust);
            let wire = lit(&f.wire);
            match t.rust_presence(f) {
                // A nullable field is always written, as `null` when it is `None`.
                Presence::Required | Presence::Nullable => {
                    always += 1;
                    quote! { ser::field(&mut object, #wire, &self.#member)?; }
                }
                Presence::Optional => {
                    counted.push(quote! { usize::from(self.#member.is_some()) });
                    quote! { ser::optional(&mut object, #wire, &self.#member)?; }
                }
                Presence::OptionalNullable => {
                    counted.push(quote! { usize::from(!self.#member.is_absent()) });
                    quote! { ser::patch(&mut object, #wire, &self.#member)?; }
                }
            }
        })
        .collect();
    let mut terms: Vec<TokenStream> = Vec::new();
    if always > 0 || counted.is_empty() {
        let always = proc_macro2::Literal::usize_unsuffixed(always);
        terms.push(quote! { #always });
    }
    terms.extend(counted);
    quote! {
        impl serde::Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                use crate::runtime::ser;
                use serde::ser::SerializeStruct as _;
                let len = #(#terms)+*;
                let mut object = serializer.serialize_struct(#name_str, len)?;
                #(#calls)*
                object.end()
            }
        }
    }
}

/// The object's `Deserialize`, written out: one `visit_map` that finds each key in the table of
/// wire names and reads its value through `crate::runtime::de`. It accepts what the
/// derived impl accepted from JSON, in about a third of the compiled code (see
/// `generated/src/runtime/de.rs`).
fn object_deserialize(t: &TypeDef, fields: &[Field]) -> TokenStream {
    let name = ident(&t.rust);
    // Named after the type, so that it never hides the type it reads; the map access's type
    // parameter likewise.
    let visitor = ident(&format!("{}Visitor", t.rust.trim_end_matches('_')));
    let access = ident(if t.rust == "A" { "M" } else { "A" });
    let expecting = lit(&format!("struct {}", t.rust));
    // The field slots are locals named after the fields; the visitor's own locals take a name
    // no field has.
    let free = |base: &str| free_local(fields, base);
    let (map, key, seen_local, de, step, next) =
        (free("map"), free("key"), free("seen"), free("de"), free("read"), free("next"));
    let use_de = if de == "de" {
        quote! { use crate::runtime::de; }
    } else {
        quote! { use crate::runtime::de as #de; }
    };
    let names = fields.iter().map(|f| lit(&f.wire));
    let mut slots = Vec::new();
    let mut arms = Vec::new();
    for (index, f) in fields.iter().enumerate() {
        let local = ident(&f.rust);
        let wire = lit(&f.wire);
        let index = proc_macro2::Literal::usize_unsuffixed(index);
        match t.rust_presence(f) {
            Presence::Required => {
                slots.push(quote! { let mut #local = None; });
                arms.push(quote! { Some(#index) => #de::required(&mut #map, &mut #local, #wire), });
            }
            Presence::Optional | Presence::Nullable => {
                slots.push(quote! { let mut #local = None; });
                arms.push(
                    quote! { Some(#index) => #de::optional(&mut #map, &mut #local, &mut #seen_local[#index], #wire), },
                );
            }
            Presence::OptionalNullable => {
                slots.push(quote! { let mut #local = crate::Patch::Absent; });
                arms.push(quote! { Some(#index) => #de::patch(&mut #map, &mut #local, #wire), });
            }
        }
    }
    let uses_seen = fields.iter().any(|f| matches!(t.rust_presence(f), Presence::Optional | Presence::Nullable));
    let seen = if uses_seen {
        quote! { let mut #seen_local = [false; FIELDS.len()]; }
    } else {
        quote! {}
    };
    let members = fields.iter().map(|f| ident(&f.rust));
    let required: Vec<&Field> = fields.iter().filter(|f| t.rust_presence(f) == Presence::Required).collect();
    let build = quote! { #name { #(#members),* } };
    let finish = match required.as_slice() {
        [] => quote! { Ok(#build) },
        _ => {
            let locals: Vec<_> = required.iter().map(|f| ident(&f.rust)).collect();
            let wires: Vec<_> = required.iter().map(|f| lit(&f.wire)).collect();
            // The first missing field in declaration order, as the derived impl reports it.
            let (last_wire, checked_wires) = wires.split_last().expect("at least one required field");
            let checked = &locals[..checked_wires.len()];
            let rest = locals.len() - checked.len();
            let holes = std::iter::repeat_n(quote! { _ }, rest);
            let missing = quote! {
                #(if #checked.is_none() { #checked_wires } else)* { #last_wire }
            };
            if locals.len() == 1 {
                let local = &locals[0];
                quote! {
                    match #local {
                        Some(#local) => Ok(#build),
                        None => Err(serde::de::Error::missing_field(#last_wire)),
                    }
                }
            } else {
                quote! {
                    match (#(#locals),*) {
                        (#(Some(#locals)),*) => Ok(#build),
                        (#(#checked,)* #(#holes),*) => Err(serde::de::Error::missing_field(#missing)),
                    }
                }
            }
        }
    };
    quote! {
        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct #visitor;

                impl<'de> serde::de::Visitor<'de> for #visitor {
                    type Value = #name;

                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str(#expecting)
                    }

                    fn visit_map<#access: serde::de::MapAccess<'de>>(self, mut #map: #access) -> Result<#name, #access::Error> {
                        #use_de
                        const FIELDS: &[&str] = &[#(#names),*];
                        let mut #next = 0;
                        #seen
                        #(#slots)*
                        while let Some(#key) = #map.next_key::<#de::FieldName<'de>>()? {
                            let #step = match #key.index_in(FIELDS, &mut #next) {
                                #(#arms)*
                                _ => #de::skip(&mut #map),
                            };
                            #step?;
                        }
                        #finish
                    }
                }

                deserializer.deserialize_map(#visitor)
            }
        }
    }
}

/// `#[derive(..)]` of the type's [`TypeDef::traits`], without `Debug` when it is written by hand.
fn derive(t: &TypeDef, manual_debug: bool) -> TokenStream {
    derive_except(t, manual_debug, false)
}

/// [`derive`], also without `serde::Serialize` and `serde::Deserialize` when they are written
/// by hand.
fn derive_except(t: &TypeDef, manual_debug: bool, manual_serde: bool) -> TokenStream {
    let paths = t
        .traits()
        .into_iter()
        .filter(|name| !(manual_debug && *name == "Debug"))
        .filter(|name| !(manual_serde && matches!(*name, "serde::Deserialize" | "serde::Serialize")))
        .map(|name| syn::parse_str::<syn::Path>(name).expect("trait names are paths"));
    quote! { #[derive(#(#paths),*)] }
}

/// `Debug` that prints `[redacted]` for secret fields.
fn secret_debug(t: &TypeDef, fields: &[Field]) -> TokenStream {
    let name = ident(&t.rust);
    let name_str = lit(&t.rust);
    let entries = fields.iter().map(|f| {
        let fname = ident(&f.rust);
        let label = lit(plain(&f.rust));
        if !f.secret {
            return quote! { .field(#label, &self.#fname) };
        }
        match t.rust_presence(f) {
            Presence::Required => quote! { .field(#label, &"[redacted]") },
            Presence::Optional | Presence::Nullable => {
                quote! { .field(#label, &self.#fname.as_ref().map(|_| "[redacted]")) }
            }
            Presence::OptionalNullable => {
                quote! { .field(#label, &self.#fname.as_option().map(|_| "[redacted]")) }
            }
        }
    });
    quote! {
        impl std::fmt::Debug for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(#name_str)
                    #(#entries)*
                    .finish()
            }
        }
    }
}

/// `new` with the required fields as arguments, and a setter per optional field.
fn constructor(api: &Api, t: &TypeDef, fields: &[Field], imports: &mut Imports) -> TokenStream {
    let name = ident(&t.rust);
    let mut params = Vec::new();
    let mut inits = Vec::new();
    let mut setters = Vec::new();
    let mut required_names = Vec::new();
    for f in fields {
        let fname = ident(&f.rust);
        match f.presence {
            Presence::Required => {
                let (pty, into) = arg(api, &f.ty, imports);
                params.push(quote! { #fname: #pty });
                inits.push(if into {
                    quote! { #fname: #fname.into() }
                } else {
                    quote! { #fname }
                });
                required_names.push(format!("`{}`", plain(&f.rust)));
            }
            Presence::Nullable => {
                let inner = ty(api, &f.ty, imports);
                params.push(quote! { #fname: Option<#inner> });
                inits.push(quote! { #fname });
                required_names.push(format!("`{}`", plain(&f.rust)));
            }
            Presence::Optional => {
                inits.push(quote! { #fname: None });
                let (pty, into) = arg(api, &f.ty, imports);
                let value = if into {
                    quote! { value.into() }
                } else {
                    quote! { value }
                };
                let sdoc = docs::attrs(&format!("Sets [`{}`](Self::{}).", plain(&f.rust), plain(&f.rust)));
                setters.push(quote! {
                    #sdoc
                    #[must_use]
                    pub fn #fname(mut self, value: #pty) -> Self {
                        self.#fname = Some(#value);
                        self
                    }
                });
            }
            Presence::OptionalNullable => {
                inits.push(quote! { #fname: crate::Patch::Absent });
                let inner = ty(api, &f.ty, imports);
                let sdoc = docs::attrs(&format!(
                    "Sets [`{0}`](Self::{0}): a value, or `Patch::Null` to clear it.",
                    plain(&f.rust)
                ));
                setters.push(quote! {
                    #sdoc
                    #[must_use]
                    pub fn #fname(mut self, value: impl Into<crate::Patch<#inner>>) -> Self {
                        self.#fname = value.into();
                        self
                    }
                });
            }
        }
    }
    let optional_note =
        if setters.is_empty() { "" } else { " Optional fields start unset; set them with the setters." };
    let new_doc = if required_names.is_empty() {
        docs::attrs(&format!("Creates the value with every field unset.{optional_note}"))
    } else {
        docs::attrs(&format!(
            "Creates the value from its required fields: {}.{optional_note}",
            required_names.join(", ")
        ))
    };
    let required = required_struct(api, t);
    let new_fn = if let Some(req) = &required {
        let req = ident(req);
        let names = fields.iter().filter(|f| !f.presence.may_be_absent()).map(|f| ident(&f.rust));
        let unset = fields.iter().filter(|f| f.presence.may_be_absent()).map(|f| {
            let fname = ident(&f.rust);
            if f.presence == Presence::OptionalNullable {
                quote! { #fname: crate::Patch::Absent }
            } else {
                quote! { #fname: None }
            }
        });
        let names2 = names.clone();
        let new_doc = docs::attrs(&format!(
            "Creates the value from its required fields, named in [`{}`].{optional_note}",
            plain(&req.to_string())
        ));
        quote! {
            #new_doc
            pub fn new(required: #req) -> Self {
                let #req { #(#names),* } = required;
                Self { #(#names2,)* #(#unset),* }
            }
        }
    } else if params.is_empty() && fields.iter().all(|f| f.presence.may_be_absent()) {
        quote! {
            #new_doc
            pub fn new() -> Self {
                <Self as Default>::default()
            }
        }
    } else {
        quote! {
            #new_doc
            pub fn new(#(#params),*) -> Self {
                Self { #(#inits),* }
            }
        }
    };
    let required_def = match &required {
        Some(req) => required_def(api, t, req, fields, imports),
        None => quote! {},
    };
    quote! {
        impl #name {
            #new_fn
            #(#setters)*
        }
        #required_def
    }
}

/// The struct of required fields that `new` takes when positional arguments would be too many
/// or could be swapped unnoticed. It is exhaustive: a new required field is a breaking change
/// anyway, and a struct literal names every value at the call site.
fn required_def(api: &Api, t: &TypeDef, req: &str, fields: &[Field], imports: &mut Imports) -> TokenStream {
    let req = ident(req);
    let doc = docs::attrs(&format!(
        "The required fields of [`{0}`], passed to [`{0}::new`] by name so that none can be swapped.",
        t.rust
    ));
    let members = fields.iter().filter(|f| !f.presence.may_be_absent()).map(|f| {
        let fname = ident(&f.rust);
        let fty = field_ty(api, &f.ty, f.presence, imports);
        let fdoc = field_doc(f);
        quote! { #fdoc pub #fname: #fty, }
    });
    let derives = if fields.iter().any(|f| f.secret) {
        quote! { Clone }
    } else {
        quote! { Debug, Clone }
    };
    quote! {
        #doc
        #[derive(#derives)]
        pub struct #req {
            #(#members)*
        }
    }
}

/// How a multipart body sends one field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FormPart {
    /// A file part.
    File,
    /// One file part per file of a list.
    Files,
    /// Text, from `as_str`: strings, and enums and typed ids (their text, not a JSON string).
    Str,
    /// Text, from `Display`: numbers, booleans, and dates, which the runtime checks as inputs
    /// there.
    Display,
    /// JSON text, written by the crate's writer.
    Json,
}

/// How a multipart body sends a field of type `t`.
pub(crate) fn form_part(api: &Api, t: &TypeRef) -> FormPart {
    match t {
        TypeRef::File => FormPart::File,
        TypeRef::List(inner) if **inner == TypeRef::File => FormPart::Files,
        TypeRef::String => FormPart::Str,
        TypeRef::Named(n)
            if matches!(api.type_def(n).map(|d| &d.kind), Some(TypeKind::Enum(_) | TypeKind::Newtype)) =>
        {
            FormPart::Str
        }
        TypeRef::Date | TypeRef::DateTime | TypeRef::Integer | TypeRef::Number | TypeRef::Boolean => FormPart::Display,
        _ => FormPart::Json,
    }
}

/// How a multipart body becomes a form: files as file parts, scalars as text, the rest as JSON.
fn to_form(api: &Api, t: &TypeDef, fields: &[Field]) -> TokenStream {
    let name = ident(&t.rust);
    let parts = fields.iter().map(|f| {
        let fname = ident(&f.rust);
        let wire = lit(&f.wire);
        // `place` names the value (`self.x`, or `value` bound by reference); `reference` borrows it.
        let add = |place: TokenStream, reference: TokenStream| -> TokenStream {
            match form_part(api, &f.ty) {
                FormPart::File => quote! { form = form.file(#wire, #reference)?; },
                FormPart::Files => quote! { for file in #reference { form = form.file(#wire, file)?; } },
                FormPart::Str => quote! { form = form.text(#wire, #place.as_str()); },
                FormPart::Display => quote! { form = form.text(#wire, #place.to_string()); },
                FormPart::Json => quote! { form = form.json(#wire, #reference)?; },
            }
        };
        match f.presence {
            Presence::Required => add(quote! { self.#fname }, quote! { &self.#fname }),
            Presence::Optional | Presence::Nullable => {
                let body = add(quote! { value }, quote! { value });
                quote! { if let Some(value) = &self.#fname { #body } }
            }
            Presence::OptionalNullable => {
                let body = add(quote! { value }, quote! { value });
                quote! { if let crate::Patch::Value(value) = &self.#fname { #body } }
            }
        }
    });
    quote! {
        impl #name {
            /// The multipart form for this body; called once per attempt.
            pub(crate) fn to_form(&self) -> Result<crate::runtime::Form, crate::Error> {
                let mut form = crate::runtime::Form::new();
                #(#parts)*
                Ok(form)
            }
        }
    }
}

fn open_enum(t: &TypeDef, values: &[EnumValue]) -> TokenStream {
    let derive = derive(t, false);
    let name = ident(&t.rust);
    let doc = type_doc(t);
    let variants = values.iter().map(|v| {
        let id = ident(&v.rust);
        let vdoc = docs::doc(&format!("`{}`: {}", v.wire, v.doc));
        quote! { #vdoc #id, }
    });
    let to_str = values.iter().map(|v| {
        let id = ident(&v.rust);
        let w = lit(&v.wire);
        quote! { Self::#id => #w, }
    });
    let wires = values.iter().map(|v| lit(&v.wire));
    let from_index = values.iter().enumerate().map(|(i, v)| {
        let id = ident(&v.rust);
        let i = proc_macro2::Literal::usize_unsuffixed(i);
        quote! { Some(#i) => Self::#id, }
    });
    quote! {
        #doc
        #derive
        #[non_exhaustive]
        pub enum #name {
            #(#variants)*
            /// A value this version of the crate does not know, kept exactly as received.
            Unknown(String),
        }

        impl #name {
            /// The value as it appears on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #(#to_str)*
                    Self::Unknown(value) => value,
                }
            }

            /// The value `text` names: a known one, or `Unknown` with the text (copied only then).
            pub(crate) fn from_text(text: std::borrow::Cow<'_, str>) -> Self {
                const VALUES: &[&str] = &[#(#wires),*];
                match crate::runtime::de::index_of(&text, VALUES, &mut 0) {
                    #(#from_index)*
                    _ => Self::Unknown(text.into_owned()),
                }
            }
        }

        impl From<&str> for #name {
            fn from(value: &str) -> Self {
                Self::from_text(std::borrow::Cow::Borrowed(value))
            }
        }

        impl From<String> for #name {
            fn from(value: String) -> Self {
                Self::from_text(std::borrow::Cow::Owned(value))
            }
        }

        impl std::fmt::Display for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                crate::runtime::de::text(deserializer).map(Self::from_text)
            }
        }
    }
}

/// A distinct type over text. There is deliberately no `From<&str>`: an id is made with `new`,
/// so a phone number cannot be passed where an agent id is expected, nor the other way round.
fn newtype(api: &Api, t: &TypeDef) -> TokenStream {
    let name = ident(&t.rust);
    let krate = super::rust::krate(api);
    let rust = &t.rust;
    let doc = docs::attrs(&format!(
        "{text}\n\nA JSON string on the wire. Text does not turn into this type by itself, so a value of another kind cannot be passed where this one is expected:\n\n```\nlet value = {krate}::types::{rust}::new(\"830f767a\");\nassert_eq!(value.as_str(), \"830f767a\");\n```\n\n```compile_fail\nlet value: {krate}::types::{rust} = \"830f767a\".into();\n```",
        text = docs::sanitize(&t.doc),
    ));
    let new_doc = docs::attrs("Wraps the text. No check is made here: Ringg judges the value.");
    let derive = derive(t, false);
    quote! {
        #doc
        #derive
        #[serde(transparent)]
        pub struct #name(String);

        impl #name {
            #new_doc
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// The text as sent on the wire.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The text, without the wrapper.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl std::fmt::Display for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for #name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq<str> for #name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for #name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }
    }
}

/// Exactly one of several fields: each variant is named after the field it sends. Used as a
/// flattened field, the chosen field sits beside the object's own on the wire.
fn one_of(api: &Api, t: &TypeDef, members: &[OneOfMember], imports: &mut Imports) -> TokenStream {
    let name = ident(&t.rust);
    let doc = type_doc(t);
    let variants = members.iter().map(|m| {
        let id = ident(&m.rust);
        let mty = ty(api, &m.ty, imports);
        let mdoc = docs::doc(&format!("`{}`: {}", m.wire, m.doc));
        let wire = lit(&m.wire);
        quote! {
            #mdoc
            #[serde(rename = #wire)]
            #id(#mty),
        }
    });
    let derive = derive(t, false);
    quote! {
        #doc
        #derive
        #[non_exhaustive]
        pub enum #name {
            #(#variants)*
        }
    }
}

fn union(api: &Api, t: &TypeDef, members: &[UnionMember], imports: &mut Imports) -> TokenStream {
    let derive = derive(t, false);
    let name = ident(&t.rust);
    let doc = type_doc(t);
    let variants = members.iter().map(|m| {
        let id = ident(&m.rust);
        let mty = ty(api, &m.ty, imports);
        let mdoc = docs::doc(&m.doc);
        quote! { #mdoc #id(#mty), }
    });
    quote! {
        #doc
        #derive
        #[serde(untagged)]
        #[non_exhaustive]
        pub enum #name {
            #(#variants)*
        }
    }
}

fn tagged_union(api: &Api, t: &TypeDef, tagged: &Tagged, imports: &mut Imports) -> TokenStream {
    let derive = derive(t, false);
    let name = ident(&t.rust);
    let doc = type_doc(t);
    let tag = lit(&tagged.tag);
    let mut variants = Vec::new();
    let mut ser_arms = Vec::new();
    let mut de_arms = Vec::new();
    let mut tag_arms = Vec::new();
    for v in &tagged.variants {
        let id = ident(&v.rust);
        let value = lit(&v.tag_value);
        let vdoc = docs::doc(&format!("`{}`: {}", v.tag_value, v.doc));
        tag_arms.push(match &v.ty {
            Some(_) => quote! { Self::#id(_) => #value, },
            None => quote! { Self::#id => #value, },
        });
        match &v.ty {
            Some(pty) => {
                let pty = ty(api, &TypeRef::Named(pty.clone()), imports);
                variants.push(quote! { #vdoc #id(#pty), });
                ser_arms
                    .push(quote! { Self::#id(payload) => (#value, Some(crate::runtime::payload_value(payload)?)), });
                de_arms.push(quote! { #value => crate::runtime::payload_from_value::<#pty>(&value).map(Self::#id), });
            }
            None => {
                variants.push(quote! { #vdoc #id, });
                ser_arms.push(quote! { Self::#id => (#value, None), });
                de_arms.push(quote! { #value => Ok(Self::#id), });
            }
        }
    }
    let tag_fn_doc = docs::attrs(&format!("The `{}` value of this variant.", tagged.tag));
    // Variants of different sizes are expected: each is one message, built once and sent or
    // read once, so boxing would only add an allocation and noise at every use.
    let allow_large = if tagged.variants.iter().any(|v| v.ty.is_some()) {
        quote! { #[allow(clippy::large_enum_variant, reason = "each variant is one message, built or read once")] }
    } else {
        quote! {}
    };
    if tagged.open {
        variants.push(quote! {
            /// A variant this version of the crate does not know, kept as the JSON received.
            Unknown(serde_json::Value),
        });
        ser_arms.push(quote! { Self::Unknown(value) => return Ok(value.clone()), });
        tag_arms.push(quote! {
            Self::Unknown(value) => value.get(#tag).and_then(serde_json::Value::as_str).unwrap_or_default(),
        });
        de_arms.push(quote! { _ => Ok(Self::Unknown(value)), });
    } else {
        let known = tagged.variants.iter().map(|v| lit(&v.tag_value));
        de_arms.push(quote! {
            other => {
                const KNOWN: &[&str] = &[#(#known),*];
                Err(serde::de::Error::unknown_variant(other, KNOWN))
            }
        });
    }
    let missing_tag = if tagged.open {
        quote! {
            let Some(tag) = value.get(#tag).and_then(serde_json::Value::as_str).map(str::to_owned) else {
                return Ok(Self::Unknown(value));
            };
        }
    } else {
        quote! {
            let Some(tag) = value.get(#tag).and_then(serde_json::Value::as_str).map(str::to_owned) else {
                return Err(serde::de::Error::missing_field(#tag));
            };
        }
    };
    quote! {
        #doc
        #derive
        #[non_exhaustive]
        #allow_large
        pub enum #name {
            #(#variants)*
        }

        impl #name {
            #tag_fn_doc
            pub fn tag(&self) -> &str {
                match self {
                    #(#tag_arms)*
                }
            }
        }

        // The generic impls only convert to and from `serde_json::Value`; the per-variant work
        // is in the non-generic `to_json`/`from_json`, compiled once rather than once per
        // serializer or deserializer, and (being `#[inline]`) only by a crate that uses it.
        impl serde::Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                self.to_json().map_err(serde::ser::Error::custom)?.serialize(serializer)
            }
        }

        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <serde_json::Value as serde::Deserialize>::deserialize(deserializer)?;
                Self::from_json(value).map_err(serde::de::Error::custom)
            }
        }

        impl #name {
            /// The JSON object sent for this value: the payload's fields and the tag.
            #[inline]
            fn to_json(&self) -> Result<serde_json::Value, serde_json::Error> {
                let (value, payload) = match self {
                    #(#ser_arms)*
                };
                crate::runtime::tagged_object(#tag, value, payload)
            }

            /// The variant the tag names, decoded from the rest of the object.
            #[inline]
            fn from_json(value: serde_json::Value) -> Result<Self, serde_json::Error> {
                #missing_tag
                match tag.as_str() {
                    #(#de_arms)*
                }
            }
        }
    }
}
