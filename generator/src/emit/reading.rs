//! `FromJson` impls: how the crate's own reader (`generated/src/runtime/read.rs`) decodes each type
//! a response or a webhook can hold. Types only ever sent get none, so the crate compiles no
//! reading code it never runs.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::quote;

use super::rust::{Imports, lit, ty};
use crate::ident::ident;
use crate::ir::{Api, Field, Presence, Tagged, TypeDef, TypeKind, TypeRef, UnionMember};

/// Spec names of the types a response or a webhook can hold ([`crate::ir::Roles::read`]).
pub(crate) fn read_types(api: &Api) -> BTreeSet<String> {
    api.types.iter().filter(|t| t.roles.read()).map(|t| t.name.clone()).collect()
}

/// The `FromJson` impl of `t`.
pub(crate) fn from_json(api: &Api, t: &TypeDef, imports: &mut Imports) -> TokenStream {
    let name = ident(&t.rust);
    // The body, and whether it names the `read` module.
    let (body, names_module) = match &t.kind {
        TypeKind::Object(fields) if fields.iter().any(|f| f.flatten) => (via_serde(), false),
        TypeKind::Object(fields) => (object(t, fields), true),
        TypeKind::Enum(_) => (quote! { reader.str().map(Self::from_text) }, false),
        TypeKind::Newtype => (quote! { <String as read::FromJson>::read(reader).map(Self) }, true),
        TypeKind::Union(members) => (union(api, t, members, imports), true),
        TypeKind::Tagged(tagged) => {
            (tagged_union(api, t, tagged, imports), tagged.variants.iter().any(|v| v.ty.is_some()))
        }
        TypeKind::OneOf(_) => (via_serde(), false),
    };
    let uses = if names_module {
        quote! { use crate::runtime::read; }
    } else {
        quote! {}
    };
    let shape = shape(api, t, imports);
    quote! {
        impl crate::runtime::read::FromJson for #name {
            const SHAPE: crate::runtime::drift::Shape = #shape;

            fn read(reader: &mut crate::runtime::read::Reader<'_>) -> crate::runtime::read::Read<Self> {
                #uses
                #body
            }
        }
    }
}

/// The spec's shape of `t` (`FromJson::SHAPE`), which only the drift check of a client with an
/// observer reads. A named type is a function returning a static, so that types may refer to
/// each other in cycles; fields name their type's own `SHAPE`.
fn shape(api: &Api, t: &TypeDef, imports: &mut Imports) -> TokenStream {
    let of = |ty: TokenStream| quote! { &<#ty as FromJson>::SHAPE };
    let form = match &t.kind {
        TypeKind::Newtype => return quote! { crate::runtime::drift::Shape::String },
        TypeKind::Object(fields) => {
            let fields = fields.iter().map(|f| {
                let shape = of(ty(api, &f.ty, imports));
                if f.flatten {
                    quote! { FieldShape::flatten(#shape) }
                } else {
                    let wire = lit(&f.wire);
                    let absent = f.presence.may_be_absent();
                    let nullable = matches!(f.presence, Presence::Nullable | Presence::OptionalNullable);
                    quote! { FieldShape::new(#wire, #shape, #absent, #nullable) }
                }
            });
            quote! { Form::Object(&[#(#fields),*]) }
        }
        TypeKind::OneOf(members) => {
            let fields = members.iter().map(|m| {
                let shape = of(ty(api, &m.ty, imports));
                let wire = lit(&m.wire);
                quote! { FieldShape::new(#wire, #shape, true, false) }
            });
            quote! { Form::Object(&[#(#fields),*]) }
        }
        TypeKind::Enum(values) => {
            let values = values.iter().map(|v| lit(&v.wire));
            quote! { Form::Enum(&[#(#values),*]) }
        }
        TypeKind::Union(members) => {
            let members = members.iter().map(|m| of(ty(api, &m.ty, imports)));
            quote! { Form::Union(&[#(#members),*]) }
        }
        TypeKind::Tagged(tagged) => {
            let tag = lit(&tagged.tag);
            let variants = tagged.variants.iter().map(|v| {
                let value = lit(&v.tag_value);
                match &v.ty {
                    Some(pty) => {
                        let payload = of(ty(api, &TypeRef::Named(pty.clone()), imports));
                        quote! { (#value, Some(#payload)) }
                    }
                    None => quote! { (#value, None) },
                }
            });
            quote! { Form::Tagged { tag: #tag, variants: &[#(#variants),*] } }
        }
    };
    let name = lit(&t.name);
    let uses = match &t.kind {
        TypeKind::Object(_) | TypeKind::OneOf(_) => quote! {
            use crate::runtime::drift::{FieldShape, Form, TypeShape};
            use crate::runtime::read::FromJson;
        },
        TypeKind::Union(_) => quote! {
            use crate::runtime::drift::{Form, TypeShape};
            use crate::runtime::read::FromJson;
        },
        TypeKind::Tagged(tagged) if tagged.variants.iter().any(|v| v.ty.is_some()) => quote! {
            use crate::runtime::drift::{Form, TypeShape};
            use crate::runtime::read::FromJson;
        },
        _ => quote! { use crate::runtime::drift::{Form, TypeShape}; },
    };
    quote! {
        crate::runtime::drift::Shape::Type(|| {
            #uses
            static SHAPE: TypeShape = TypeShape { name: #name, form: #form };
            &SHAPE
        })
    }
}

/// A shape with flattened members: read as a JSON value, then decoded by its `Deserialize`.
fn via_serde() -> TokenStream {
    quote! {
        let value = reader.value()?;
        serde_json::from_value(value).map_err(|err| reader.error(err.to_string()))
    }
}

fn object(t: &TypeDef, fields: &[Field]) -> TokenStream {
    let name = ident(&t.rust);
    let expecting = lit(&format!("struct {}", t.rust));
    let free = |base: &str| super::models::free_local(fields, base);
    let (entries, key, seen, next, step) = (free("entries"), free("key"), free("seen"), free("next"), free("step"));
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
                arms.push(quote! { Some(#index) => read::required(reader, &mut #local, #wire), });
            }
            Presence::Optional | Presence::Nullable => {
                slots.push(quote! { let mut #local = None; });
                arms.push(quote! { Some(#index) => read::optional(reader, &mut #local, &mut #seen[#index], #wire), });
            }
            Presence::OptionalNullable => {
                slots.push(quote! { let mut #local = crate::Patch::Absent; });
                arms.push(quote! { Some(#index) => read::patch(reader, &mut #local, #wire), });
            }
        }
    }
    let uses_seen = fields.iter().any(|f| matches!(t.rust_presence(f), Presence::Optional | Presence::Nullable));
    let seen_decl = if uses_seen {
        quote! { let mut #seen = [false; FIELDS.len()]; }
    } else {
        quote! {}
    };
    let members = fields.iter().map(|f| ident(&f.rust));
    let build = quote! { #name { #(#members),* } };
    let required: Vec<&Field> = fields.iter().filter(|f| t.rust_presence(f) == Presence::Required).collect();
    let finish = match required.as_slice() {
        [] => quote! { Ok(#build) },
        [only] => {
            let local = ident(&only.rust);
            let wire = lit(&only.wire);
            quote! {
                match #local {
                    Some(#local) => Ok(#build),
                    None => Err(read::missing(reader, #wire)),
                }
            }
        }
        _ => {
            let locals: Vec<_> = required.iter().map(|f| ident(&f.rust)).collect();
            let wires: Vec<_> = required.iter().map(|f| lit(&f.wire)).collect();
            let (last_wire, checked_wires) = wires.split_last().expect("at least two required fields");
            let checked = &locals[..checked_wires.len()];
            let holes = std::iter::repeat_n(quote! { _ }, locals.len() - checked.len());
            quote! {
                match (#(#locals),*) {
                    (#(Some(#locals)),*) => Ok(#build),
                    (#(#checked,)* #(#holes),*) => Err(read::missing(
                        reader,
                        #(if #checked.is_none() { #checked_wires } else)* { #last_wire },
                    )),
                }
            }
        }
    };
    quote! {
        const FIELDS: &[&str] = &[#(#names),*];
        let mut #next = 0;
        #seen_decl
        #(#slots)*
        let mut #entries = reader.object(#expecting)?;
        while let Some(#key) = reader.key(&mut #entries)? {
            let #step = match crate::runtime::de::index_of(&#key, FIELDS, &mut #next) {
                #(#arms)*
                _ => reader.skip(),
            };
            #step?;
        }
        #finish
    }
}

fn union(api: &Api, t: &TypeDef, members: &[UnionMember], imports: &mut Imports) -> TokenStream {
    let attempts = members.iter().map(|m| {
        let id = ident(&m.rust);
        let mty = ty(api, &m.ty, imports);
        quote! {
            if let Ok(value) = <#mty as read::FromJson>::read(reader) {
                return Ok(Self::#id(value));
            }
            reader.reset(start);
        }
    });
    let message = lit(&format!("data did not match any variant of untagged enum {}", t.rust));
    quote! {
        // Each member in order, from the same place, as serde's untagged enums do.
        let start = reader.mark();
        #(#attempts)*
        Err(reader.error(#message.to_owned()))
    }
}

fn tagged_union(api: &Api, t: &TypeDef, tagged: &Tagged, imports: &mut Imports) -> TokenStream {
    let tag = lit(&tagged.tag);
    let expecting = lit(&format!("enum {}", t.rust));
    let mut arms = Vec::new();
    for v in &tagged.variants {
        let id = ident(&v.rust);
        let value = lit(&v.tag_value);
        arms.push(match &v.ty {
            Some(pty) => {
                let pty = ty(api, &TypeRef::Named(pty.clone()), imports);
                quote! { Some(#value) => <#pty as read::FromJson>::read(reader).map(Self::#id), }
            }
            None => quote! { Some(#value) => reader.skip().map(|()| Self::#id), },
        });
    }
    let rest = if tagged.open {
        quote! { _ => reader.value().map(Self::Unknown), }
    } else {
        let known = tagged.variants.iter().map(|v| lit(&v.tag_value));
        quote! {
            Some(other) => {
                const KNOWN: &[&str] = &[#(#known),*];
                Err(reader.error(format!("unknown variant `{other}`, expected one of {}", KNOWN.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", "))))
            }
            None => Err(reader.error(format!("missing field `{}`", #tag))),
        }
    };
    quote! {
        // The tag first (its last occurrence, as a JSON object keeps it), then the variant
        // from the start of the object, where its own reader skips the tag.
        let start = reader.mark();
        let mut tag = None;
        let mut entries = reader.object(#expecting)?;
        while let Some(key) = reader.key(&mut entries)? {
            if key == #tag {
                tag = reader.value()?.as_str().map(str::to_owned);
            } else {
                reader.skip()?;
            }
        }
        reader.reset(start);
        match tag.as_deref() {
            #(#arms)*
            #rest
        }
    }
}
