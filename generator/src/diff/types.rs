//! Named types: objects and their fields, enums, unions, tagged unions, and the traits they implement.

use super::roles::Role;
use super::words::{
    code, describe_field, in_new, kind_name, list, nullable, presence_str, reordered, rust_ty, widens, wire_ty, wrapper,
};
use super::{Bump, Change, Cx, Kind, Wire};
use crate::ir::{Api, Field, TypeDef, TypeKind, TypeRef};

impl Cx<'_> {
    pub(super) fn types(&mut self) {
        let (base, head) = (self.base, self.head);
        for ht in &head.types {
            match base.type_def(&ht.name) {
                Some(bt) => self.type_def(bt, ht),
                None => {
                    self.push(
                        &ht.module,
                        &ht.name,
                        Kind::TypeAdded,
                        format!("{} added", kind_name(&ht.kind)),
                        Wire::None,
                        Bump::Minor,
                    );
                }
            }
        }
        for bt in &base.types {
            if head.type_def(&bt.name).is_none() {
                self.push(
                    &bt.module,
                    &bt.name,
                    Kind::TypeRemoved,
                    format!("{} removed", kind_name(&bt.kind)),
                    Wire::None,
                    Bump::Major,
                );
            }
        }
    }

    fn type_def(&mut self, b: &TypeDef, h: &TypeDef) {
        let start = self.out.len();
        self.type_shape(b, h);
        self.traits(start, b, h);
    }

    /// Names the traits a type gains or loses (`Default` when a request type gets a required
    /// field, serde and `PartialEq` with multipart) on the change that causes it, unless that
    /// change already says so. A lost trait makes the change major.
    fn traits(&mut self, start: usize, b: &TypeDef, h: &TypeDef) {
        if std::mem::discriminant(&b.kind) != std::mem::discriminant(&h.kind) {
            return; // a new kind of type: reported as such
        }
        let (bt, ht) = (b.traits(), h.traits());
        let lost: Vec<&str> = bt.iter().copied().filter(|t| !ht.contains(t)).collect();
        let gained: Vec<&str> = ht.iter().copied().filter(|t| !bt.contains(t)).collect();
        let rows = &mut self.out[start..];
        let said = |c: &Change| lost.iter().chain(&gained).all(|t| c.change.contains(&code(t)));
        if (lost.is_empty() && gained.is_empty()) || rows.iter().any(said) {
            return;
        }
        let Some(row) =
            rows.iter_mut().filter(|c| c.subject == h.name).reduce(|a, c| if c.rust > a.rust { c } else { a })
        else {
            return;
        };
        let mut words = Vec::new();
        if !lost.is_empty() {
            words.push(format!("`{}` no longer implements {}: code that uses it stops compiling", h.rust, list(&lost)));
            row.rust = Bump::Major;
        }
        if !gained.is_empty() {
            words.push(format!("`{}` now implements {}", h.rust, list(&gained)));
        }
        let words = words.join("; ");
        row.note = Some(match row.note.take() {
            Some(note) => format!("{note}; {words}"),
            None => words,
        });
    }

    fn type_shape(&mut self, b: &TypeDef, h: &TypeDef) {
        let group = h.module.as_str();
        let subject = h.name.as_str();
        let role = self.role(&h.name);
        if b.rust != h.rust {
            self.push(
                group,
                subject,
                Kind::TypeRenamed,
                format!("Rust name {} → {}", code(&b.rust), code(&h.rust)),
                Wire::None,
                Bump::Major,
            );
        }
        match (&b.kind, &h.kind) {
            (TypeKind::Object(bf), TypeKind::Object(hf)) => {
                if b.input != h.input {
                    if h.input {
                        self.push(
                            group,
                            subject,
                            Kind::ConstructorAdded,
                            "now sent in requests: gains `new` and setters".into(),
                            Wire::None,
                            Bump::Minor,
                        );
                    } else {
                        self.push(
                            group,
                            subject,
                            Kind::ConstructorRemoved,
                            "no longer sent in requests: `new` and setters removed".into(),
                            Wire::None,
                            Bump::Major,
                        );
                    }
                }
                if b.multipart != h.multipart {
                    if h.multipart {
                        self.push(
                            group,
                            subject,
                            Kind::MultipartChanged,
                            "now a multipart form: loses `Serialize`, `Deserialize` and `PartialEq`".into(),
                            Wire::None,
                            Bump::Major,
                        );
                    } else {
                        self.push(
                            group,
                            subject,
                            Kind::MultipartChanged,
                            "no longer a multipart form: gains `Serialize`, `Deserialize` and `PartialEq`".into(),
                            Wire::None,
                            Bump::Minor,
                        );
                    }
                }
                self.fields(group, subject, role, b.input && h.input, bf, hf);
            }
            (TypeKind::Enum(bv), TypeKind::Enum(hv)) => {
                for v in bv {
                    match hv.iter().find(|x| x.wire == v.wire) {
                        None => {
                            self.push(
                                group,
                                subject,
                                Kind::EnumValueRemoved,
                                format!("enum value {} removed", code(&v.wire)),
                                role.wire(true, false),
                                Bump::Major,
                            )
                            .item = Some(v.wire.clone());
                        }
                        Some(x) if x.rust != v.rust => {
                            self.push(
                                group,
                                subject,
                                Kind::EnumValueRenamed,
                                format!(
                                    "enum value {}: Rust variant {} → {}",
                                    code(&v.wire),
                                    code(&v.rust),
                                    code(&x.rust)
                                ),
                                Wire::None,
                                Bump::Major,
                            );
                        }
                        Some(_) => {}
                    }
                }
                for v in hv {
                    if !bv.iter().any(|x| x.wire == v.wire) {
                        self.push(
                            group,
                            subject,
                            Kind::EnumValueAdded,
                            format!("enum value {} added", code(&v.wire)),
                            role.wire(false, false),
                            Bump::Minor,
                        )
                        .item = Some(v.wire.clone());
                    }
                }
            }
            (TypeKind::Union(bm), TypeKind::Union(hm)) => {
                for m in bm {
                    match hm.iter().find(|x| x.rust == m.rust) {
                        None => {
                            self.push(
                                group,
                                subject,
                                Kind::UnionMemberRemoved,
                                format!("union member {} removed ({})", code(&m.rust), code(&m.ty.spec())),
                                role.wire(true, false),
                                Bump::Major,
                            );
                        }
                        Some(x) if x.ty != m.ty => {
                            let rust = if self.same_rust(&m.ty, &x.ty) { Bump::Patch } else { Bump::Major };
                            let wire = role.wire(!widens(&m.ty, &x.ty), !widens(&x.ty, &m.ty));
                            self.push(
                                group,
                                subject,
                                Kind::UnionMemberRetyped,
                                format!(
                                    "union member {}: type {} → {}",
                                    code(&m.rust),
                                    code(&m.ty.spec()),
                                    code(&x.ty.spec())
                                ),
                                wire,
                                rust,
                            );
                        }
                        Some(_) => {}
                    }
                }
                for m in hm {
                    if !bm.iter().any(|x| x.rust == m.rust) {
                        self.push(
                            group,
                            subject,
                            Kind::UnionMemberAdded,
                            format!("union member {} added ({})", code(&m.rust), code(&m.ty.spec())),
                            role.wire(false, true),
                            Bump::Minor,
                        );
                    }
                }
                let bn: Vec<&str> = bm.iter().map(|m| m.rust.as_str()).collect();
                let hn: Vec<&str> = hm.iter().map(|m| m.rust.as_str()).collect();
                if let Some((x, y)) = reordered(&bn, &hn) {
                    self.push(
                        group,
                        subject,
                        Kind::UnionMembersReordered,
                        format!("union members reordered: {} → {}", list(&x), list(&y)),
                        Wire::None,
                        Bump::Patch,
                    )
                    .note = Some(
                        "members are tried in order: a value that fits several may decode as another variant".into(),
                    );
                }
            }
            (TypeKind::Newtype, TypeKind::Newtype) => {}
            (TypeKind::OneOf(bm), TypeKind::OneOf(hm)) => {
                // A `one_of` is an enum of fields: the union rules apply, keyed by wire name.
                for m in bm.iter().filter(|m| !hm.iter().any(|x| x.wire == m.wire && x.ty == m.ty)) {
                    let text = format!("one_of field {} removed or retyped ({})", code(&m.wire), code(&m.ty.spec()));
                    self.push(group, subject, Kind::UnionMemberRemoved, text, role.wire(true, false), Bump::Major);
                }
                for m in hm.iter().filter(|m| !bm.iter().any(|x| x.wire == m.wire && x.ty == m.ty)) {
                    let text = format!("one_of field {} added ({})", code(&m.wire), code(&m.ty.spec()));
                    self.push(group, subject, Kind::UnionMemberAdded, text, role.wire(false, true), Bump::Minor);
                }
            }
            (TypeKind::Tagged(bt), TypeKind::Tagged(ht)) => {
                let is_event = |api: &Api| api.webhooks.as_ref().is_some_and(|w| w.event == h.name);
                let word = if is_event(self.base) || is_event(self.head) { "event" } else { "variant" };
                if bt.tag != ht.tag {
                    self.push(
                        group,
                        subject,
                        Kind::TagChanged,
                        format!("tag field {} → {}", code(&bt.tag), code(&ht.tag)),
                        role.wire(true, true),
                        Bump::Patch,
                    );
                }
                if bt.open != ht.open {
                    if ht.open {
                        self.push(
                            group,
                            subject,
                            Kind::OpennessChanged,
                            "now open: unknown tags decode as `Unknown`".into(),
                            Wire::None,
                            Bump::Minor,
                        );
                    } else {
                        self.push(
                            group,
                            subject,
                            Kind::OpennessChanged,
                            "now closed: `Unknown` removed, unknown tags fail to decode".into(),
                            Wire::None,
                            Bump::Major,
                        );
                    }
                }
                let payload = |t: &Option<String>| t.as_deref().map_or("no payload".to_string(), code);
                for v in &bt.variants {
                    match ht.variants.iter().find(|x| x.tag_value == v.tag_value) {
                        None => {
                            self.push(
                                group,
                                subject,
                                Kind::VariantRemoved,
                                format!("{word} {} removed", code(&v.tag_value)),
                                role.wire(true, false),
                                Bump::Major,
                            );
                        }
                        Some(x) => {
                            if x.ty != v.ty {
                                let rust_of = |api: &Api, t: &Option<String>| {
                                    t.as_ref().map(|n| rust_ty(api, &TypeRef::Named(n.clone())))
                                };
                                let rust = if rust_of(self.base, &v.ty) == rust_of(self.head, &x.ty) {
                                    Bump::Patch
                                } else {
                                    Bump::Major
                                };
                                self.push(
                                    group,
                                    subject,
                                    Kind::VariantRetyped,
                                    format!(
                                        "{word} {}: payload {} → {}",
                                        code(&v.tag_value),
                                        payload(&v.ty),
                                        payload(&x.ty)
                                    ),
                                    role.wire(true, true),
                                    rust,
                                );
                            }
                            if x.rust != v.rust {
                                self.push(
                                    group,
                                    subject,
                                    Kind::VariantRenamed,
                                    format!(
                                        "{word} {}: Rust variant {} → {}",
                                        code(&v.tag_value),
                                        code(&v.rust),
                                        code(&x.rust)
                                    ),
                                    Wire::None,
                                    Bump::Major,
                                );
                            }
                        }
                    }
                }
                for v in &ht.variants {
                    if !bt.variants.iter().any(|x| x.tag_value == v.tag_value) {
                        self.push(
                            group,
                            subject,
                            Kind::VariantAdded,
                            format!("{word} {} added ({})", code(&v.tag_value), payload(&v.ty)),
                            role.wire(false, !bt.open),
                            Bump::Minor,
                        )
                        .item = Some(v.tag_value.clone());
                    }
                }
            }
            (bk, hk) => {
                self.push(
                    group,
                    subject,
                    Kind::TypeKindChanged,
                    format!("changed from {} to {}", kind_name(bk), kind_name(hk)),
                    role.wire(true, true),
                    Bump::Major,
                );
            }
        }
    }

    /// Fields of an object that exists in both. `ctor`: the type has `new` in both versions.
    fn fields(&mut self, group: &str, subject: &str, role: Role, ctor: bool, bf: &[Field], hf: &[Field]) {
        let label = role.field_label();
        // A field whose wire name changed while its Rust name stayed (`rust_name` keeps the old
        // one) is the same Rust field: compared as one field, not as a removal and an addition.
        let wire_renamed: Vec<(&Field, &Field)> = bf
            .iter()
            .filter(|b| !hf.iter().any(|x| x.wire == b.wire))
            .filter_map(|b| {
                hf.iter().find(|h| h.rust == b.rust && !bf.iter().any(|x| x.wire == h.wire)).map(|h| (b, h))
            })
            .collect();
        let renamed_away = |b: &Field| wire_renamed.iter().any(|(x, _)| x.wire == b.wire);
        let renamed_to = |h: &Field| wire_renamed.iter().any(|(_, x)| x.wire == h.wire);
        let removed: Vec<&Field> =
            bf.iter().filter(|f| !hf.iter().any(|x| x.wire == f.wire) && !renamed_away(f)).collect();
        // Optional fields gathered into a flattened `one_of` keep their wire names and types:
        // a request that sends exactly one of them (the only kind Ringg accepts) is unchanged.
        let one_of_members = |f: &Field| -> Vec<(String, TypeRef)> {
            match f.ty.named().and_then(|n| self.head.type_def(n)).map(|d| &d.kind) {
                Some(TypeKind::OneOf(members)) if f.flatten => {
                    members.iter().map(|m| (m.wire.clone(), wire_ty(self.head, &m.ty))).collect()
                }
                _ => Vec::new(),
            }
        };
        let moved_into = |b: &Field| -> Option<String> {
            hf.iter().find_map(|f| {
                let same = one_of_members(f).iter().any(|(w, t)| *w == b.wire && *t == wire_ty(self.base, &b.ty));
                (same && b.presence.may_be_absent()).then(|| f.ty.spec())
            })
        };
        for f in &removed {
            if let Some(one_of) = moved_into(f) {
                self.push(
                    group,
                    subject,
                    Kind::FieldRemoved,
                    format!("{label} {} moved into the one_of {}", code(&f.wire), code(&one_of)),
                    Wire::None,
                    Bump::Major,
                )
                .note = Some("the JSON of a request with exactly one of the one_of's fields is unchanged".into());
                continue;
            }
            let wire = role.wire(true, !f.presence.may_be_absent());
            let change = self.push(
                group,
                subject,
                Kind::FieldRemoved,
                format!("{label} {} removed ({})", code(&f.wire), describe_field(f)),
                wire,
                Bump::Major,
            );
            change.item = Some(f.wire.clone());
            if wire == Wire::Compatible && role.received() {
                change.note = Some(format!(
                    "old integrations keep decoding and silently read `{}` as absent from now on",
                    f.wire
                ));
            }
        }
        for (b, h) in &wire_renamed {
            self.wire_rename(group, subject, label, role, b, h);
            self.field(group, subject, label, role, ctor, b, h);
        }
        let mut rename_sources: Vec<&Field> = removed.clone();
        for f in hf.iter().filter(|f| !renamed_to(f)) {
            let Some(old) = bf.iter().find(|x| x.wire == f.wire) else {
                let members = one_of_members(f);
                let gathered = !members.is_empty()
                    && members.iter().all(|(w, _)| removed.iter().any(|b| b.wire == *w && moved_into(b).is_some()));
                if gathered {
                    self.push(
                        group,
                        subject,
                        Kind::FieldAdded,
                        format!(
                            "{label} {} added ({}): gathers optional fields into exactly one",
                            code(&f.wire),
                            describe_field(f)
                        ),
                        Wire::None,
                        Bump::Major,
                    );
                    continue;
                }
                let must = !f.presence.may_be_absent();
                let rust = if ctor && in_new(f.presence) { Bump::Major } else { Bump::Minor };
                let consequence = if ctor && in_new(f.presence) {
                    format!(": `{}::new` takes it as a new argument", self.rust_name(subject))
                } else {
                    String::new()
                };
                let change = self.push(
                    group,
                    subject,
                    Kind::FieldAdded,
                    format!("{label} {} added ({}){consequence}", code(&f.wire), describe_field(f)),
                    role.wire(must, false),
                    rust,
                );
                change.item = Some(f.wire.clone());
                if let Some(i) = rename_sources.iter().position(|x| x.ty == f.ty && x.presence == f.presence) {
                    change.note = Some(format!(
                        "looks like a rename of `{}`: on the wire that is a removal plus an addition",
                        rename_sources[i].wire
                    ));
                    change.was = Some(rename_sources[i].wire.clone());
                    rename_sources.remove(i);
                }
                continue;
            };
            self.field(group, subject, label, role, ctor, old, f);
        }
        if ctor {
            let args = |fs: &'_ [Field]| -> Vec<String> {
                fs.iter().filter(|f| in_new(f.presence)).map(|f| f.wire.clone()).collect()
            };
            let (ba, ha) = (args(bf), args(hf));
            let ba: Vec<&str> = ba.iter().map(String::as_str).collect();
            let ha: Vec<&str> = ha.iter().map(String::as_str).collect();
            if let Some((x, y)) = reordered(&ba, &ha) {
                self.push(
                    group,
                    subject,
                    Kind::ArgumentsReordered,
                    format!("`new` arguments reordered: {} → {}", list(&x), list(&y)),
                    Wire::None,
                    Bump::Major,
                );
            }
        }
    }

    /// A field whose wire key changed and whose Rust name stayed: the Rust field is the same
    /// (patch, unless [`Self::field`] finds more), while every integration built on the old key
    /// breaks: senders send a key the server no longer reads, and receivers read the field as
    /// absent (or fail to decode it when it was always present).
    fn wire_rename(&mut self, group: &str, subject: &str, label: &str, role: Role, b: &Field, h: &Field) {
        let change = self.push(
            group,
            subject,
            Kind::FieldWireRenamed,
            format!("{label} {}: wire key {} → {} (Rust name kept)", code(&h.rust), code(&b.wire), code(&h.wire)),
            role.wire(true, true),
            Bump::Patch,
        );
        change.item = Some(h.wire.clone());
        change.was = Some(b.wire.clone());
        let mut notes = Vec::new();
        if role.received() {
            notes.push(if b.presence.may_be_absent() {
                format!(
                    "old integrations keep decoding and silently read `{}` as absent: the server no longer sends `{}`",
                    b.rust, b.wire
                )
            } else {
                format!("old integrations fail to decode: the always-present `{}` is no longer sent", b.wire)
            });
        }
        if role.sent {
            notes.push(format!("old integrations send `{}`, which the server no longer reads", b.wire));
        }
        if !notes.is_empty() {
            change.note = Some(notes.join("; "));
        }
    }

    #[allow(clippy::too_many_arguments, reason = "the context of one field comparison")]
    fn field(&mut self, group: &str, subject: &str, label: &str, role: Role, ctor: bool, b: &Field, h: &Field) {
        let name = code(&h.wire);
        if b.ty != h.ty {
            let rust = if self.same_rust(&b.ty, &h.ty) { Bump::Patch } else { Bump::Major };
            let wire = self.retyped_wire(role, &b.ty, &h.ty);
            self.push(
                group,
                subject,
                Kind::FieldRetyped,
                format!("{label} {name}: type {} → {}", code(&b.ty.spec()), code(&h.ty.spec())),
                wire,
                rust,
            );
        }
        if b.presence != h.presence {
            let (p0, p1) = (b.presence, h.presence);
            // Sent: the head must accept whatever the base accepted.
            let sent_breaks = (p0.may_be_absent() && !p1.may_be_absent()) || (nullable(p0) && !nullable(p1));
            // Received: the head may only send what the base sent.
            let received_breaks = (p1.may_be_absent() && !p0.may_be_absent()) || (nullable(p1) && !nullable(p0));
            let rust_changes = wrapper(p0) != wrapper(p1) || (ctor && in_new(p0) != in_new(p1));
            let rust = if rust_changes { Bump::Major } else { Bump::Patch };
            self.push(
                group,
                subject,
                Kind::FieldPresenceChanged,
                format!("{label} {name}: {} → {}", presence_str(p0), presence_str(p1)),
                role.wire(sent_breaks, received_breaks),
                rust,
            );
        }
        if b.rust != h.rust {
            self.push(
                group,
                subject,
                Kind::FieldRenamed,
                format!("{label} {name}: Rust name {} → {}", code(&b.rust), code(&h.rust)),
                Wire::None,
                Bump::Major,
            );
        }
        if b.flatten != h.flatten {
            let what = if h.flatten { "now flattened into its parent" } else { "no longer flattened" };
            self.push(
                group,
                subject,
                Kind::FieldFlattenChanged,
                format!("{label} {name} {what}"),
                role.wire(true, true),
                Bump::Patch,
            );
        }
        if b.secret != h.secret {
            let what = if h.secret { "now secret (redacted in `Debug`)" } else { "no longer secret" };
            self.push(
                group,
                subject,
                Kind::FieldSecretChanged,
                format!("{label} {name} {what}"),
                Wire::None,
                Bump::Patch,
            );
        }
        if b.default != h.default {
            let show = |d: &Option<String>| d.as_deref().map_or("none".to_string(), code);
            self.push(
                group,
                subject,
                Kind::FieldDefaultChanged,
                format!("{label} {name}: server default {} → {}", show(&b.default), show(&h.default)),
                role.wire(false, false),
                Bump::Patch,
            );
        }
        if b.deprecated.is_some() != h.deprecated.is_some() {
            let what = if h.deprecated.is_some() { "deprecated" } else { "no longer deprecated" };
            self.push(group, subject, Kind::FieldDeprecated, format!("{label} {name} {what}"), Wire::None, Bump::Patch);
        }
    }
}
