//! `ToJson` impls: how the crate's own writer (`generated/src/runtime/write.rs`) writes each type
//! a request body can hold. Types only ever received get none, so the crate compiles no
//! writing code it never runs.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::quote;

use super::rust::lit;
use crate::ident::ident;
use crate::ir::{Api, Field, OneOfMember, Presence, Tagged, TypeDef, TypeKind, UnionMember};

/// Spec names of the types a request body can hold as JSON: JSON bodies, and the members of
/// multipart bodies sent as JSON text ([`crate::ir::Roles::written`]).
pub(crate) fn write_types(api: &Api) -> BTreeSet<String> {
    api.types.iter().filter(|t| t.roles.written).map(|t| t.name.clone()).collect()
}

/// The `ToJson` impl of `t`.
pub(crate) fn to_json(t: &TypeDef) -> TokenStream {
    let name = ident(&t.rust);
    let body = match &t.kind {
        TypeKind::OneOf(members) => one_of(members),
        TypeKind::Object(fields) => object(t, fields),
        TypeKind::Enum(_) => quote! { writer.str(self.as_str()); },
        TypeKind::Newtype => quote! { writer.str(&self.0); },
        TypeKind::Union(members) => union(members),
        TypeKind::Tagged(tagged) => tagged_union(tagged),
    };
    quote! {
        impl crate::runtime::write::ToJson for #name {
            fn write(&self, writer: &mut crate::runtime::write::Writer) {
                #body
            }
        }
    }
}

fn object(t: &TypeDef, fields: &[Field]) -> TokenStream {
    let calls = fields.iter().map(|f| {
        let member = ident(&f.rust);
        let wire = lit(&f.wire);
        if f.flatten {
            // Its members sit beside this object's own, as serde's `flatten` puts them.
            return quote! { object.flatten(&self.#member); };
        }
        match t.rust_presence(f) {
            // A nullable member is always written, as `null` when it is `None`.
            Presence::Required | Presence::Nullable => quote! { object.field(#wire, &self.#member); },
            Presence::Optional => quote! { object.optional(#wire, &self.#member); },
            Presence::OptionalNullable => quote! { object.patch(#wire, &self.#member); },
        }
    });
    quote! {
        let mut object = writer.object();
        #(#calls)*
        object.end();
    }
}

/// Exactly one of several members, each variant named after the member it sends.
fn one_of(members: &[OneOfMember]) -> TokenStream {
    let arms = members.iter().map(|m| {
        let id = ident(&m.rust);
        let wire = lit(&m.wire);
        quote! { Self::#id(value) => object.field(#wire, value), }
    });
    quote! {
        let mut object = writer.object();
        match self {
            #(#arms)*
        }
        object.end();
    }
}

fn union(members: &[UnionMember]) -> TokenStream {
    let arms = members.iter().map(|m| {
        let id = ident(&m.rust);
        quote! { Self::#id(value) => crate::runtime::write::ToJson::write(value, writer), }
    });
    quote! {
        match self {
            #(#arms)*
        }
    }
}

fn tagged_union(tagged: &Tagged) -> TokenStream {
    let tag = lit(&tagged.tag);
    let mut arms: Vec<TokenStream> = tagged
        .variants
        .iter()
        .map(|v| {
            let id = ident(&v.rust);
            let value = lit(&v.tag_value);
            match &v.ty {
                Some(_) => quote! { Self::#id(payload) => writer.tagged(#tag, #value, payload), },
                None => quote! { Self::#id => writer.tag_only(#tag, #value), },
            }
        })
        .collect();
    if tagged.open {
        arms.push(quote! { Self::Unknown(value) => crate::runtime::write::ToJson::write(value, writer), });
    }
    quote! {
        match self {
            #(#arms)*
        }
    }
}
