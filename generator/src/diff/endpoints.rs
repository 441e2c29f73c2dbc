//! Resources and endpoints: routes, parameters, bodies, responses, pagination, retry safety.

use std::collections::HashSet;

use super::roles::Role;
use super::words::{base_url, code, list, reordered, response_str, route, rust_ty, widens, wire_ty};
use super::{Bump, Cx, Kind, Wire};
use crate::ir::{Api, Endpoint, Param, Resource, Response, Retry, TypeRef};

impl Cx<'_> {
    pub(super) fn resources(&mut self) {
        let (base, head) = (self.base, self.head);
        for br in &base.resources {
            match head.resources.iter().find(|r| r.name == br.name) {
                None => {
                    self.push(
                        &br.module,
                        &br.name,
                        Kind::ResourceRemoved,
                        format!("resource removed: `client.{}()`", br.name),
                        Wire::Breaking,
                        Bump::Major,
                    );
                }
                Some(hr) if hr.rust != br.rust => {
                    self.push(
                        &hr.module,
                        &hr.name,
                        Kind::ResourceRenamed,
                        format!("handle type {} → {}", code(&br.rust), code(&hr.rust)),
                        Wire::None,
                        Bump::Major,
                    );
                }
                Some(_) => {}
            }
        }
        for hr in &head.resources {
            if !base.resources.iter().any(|r| r.name == hr.name) {
                self.push(
                    &hr.module,
                    &hr.name,
                    Kind::ResourceAdded,
                    format!("resource added: `client.{}()`", hr.name),
                    Wire::Compatible,
                    Bump::Minor,
                );
            }
        }

        type Ep<'x> = (&'x Resource, &'x Endpoint);
        fn all(api: &Api) -> Vec<Ep<'_>> {
            api.resources.iter().flat_map(|r| r.endpoints.iter().map(move |e| (r, e))).collect()
        }
        let base_eps: Vec<Ep> = all(base);
        let head_eps: Vec<Ep> = all(head);
        let key = |(r, e): &Ep| (r.name.clone(), e.name.clone());
        let head_keys: HashSet<(String, String)> = head_eps.iter().map(key).collect();
        let base_keys: HashSet<(String, String)> = base_eps.iter().map(key).collect();
        let mut removed: Vec<Ep> = base_eps.iter().copied().filter(|x| !head_keys.contains(&key(x))).collect();
        let mut added: Vec<Ep> = head_eps.iter().copied().filter(|x| !base_keys.contains(&key(x))).collect();

        // Same route under another name: a rename, not a removal plus an addition.
        let route_of = |api: &Api, e: &Endpoint| (e.method, route(&e.path), base_url(api, &e.base_url).to_string());
        let mut renamed: Vec<(Ep, Ep)> = Vec::new();
        removed.retain(|b| {
            let r = route_of(base, b.1);
            match added.iter().position(|h| route_of(head, h.1) == r) {
                Some(i) => {
                    renamed.push((*b, added.remove(i)));
                    false
                }
                None => true,
            }
        });

        for (hr, he) in &head_eps {
            let subject = format!("{}.{}", hr.name, he.name);
            if let Some((_, be)) = base_eps.iter().find(|(r, e)| r.name == hr.name && e.name == he.name) {
                self.endpoint(&hr.module, &subject, be, he);
            } else if let Some(((br, be), _)) =
                renamed.iter().find(|(_, (r, e))| r.name == hr.name && e.name == he.name)
            {
                let old = format!("{}.{}", br.name, be.name);
                self.push(
                    &hr.module,
                    &subject,
                    Kind::EndpointRenamed,
                    format!("renamed from {} (same route)", code(&old)),
                    Wire::None,
                    Bump::Major,
                );
                self.endpoint(&hr.module, &subject, be, he);
            } else if added.iter().any(|(r, e)| r.name == hr.name && e.name == he.name) {
                self.push(
                    &hr.module,
                    &subject,
                    Kind::EndpointAdded,
                    format!("endpoint added: {} {}", he.method.as_str(), code(&he.path)),
                    Wire::Compatible,
                    Bump::Minor,
                );
            }
        }
        for (br, be) in removed {
            let subject = format!("{}.{}", br.name, be.name);
            let group = head.resources.iter().find(|r| r.name == br.name).map_or(&br.module, |r| &r.module);
            self.push(
                group,
                &subject,
                Kind::EndpointRemoved,
                format!("endpoint removed: {} {}", be.method.as_str(), code(&be.path)),
                Wire::Breaking,
                Bump::Major,
            );
        }
    }

    fn endpoint(&mut self, group: &str, subject: &str, b: &Endpoint, h: &Endpoint) {
        if b.method != h.method || route(&b.path) != route(&h.path) {
            self.push(
                group,
                subject,
                Kind::EndpointMoved,
                format!("moved: {} {} → {} {}", b.method.as_str(), code(&b.path), h.method.as_str(), code(&h.path)),
                Wire::Breaking,
                Bump::Patch,
            );
        }
        // A changed URL under the same name is reported once, as an API-wide change.
        if b.base_url != h.base_url && base_url(self.base, &b.base_url) != base_url(self.head, &h.base_url) {
            self.push(
                group,
                subject,
                Kind::EndpointBaseUrlChanged,
                format!("base URL {} → {}", code(&b.base_url), code(&h.base_url)),
                Wire::Breaking,
                Bump::Patch,
            );
        }
        match (&b.deprecated, &h.deprecated) {
            (None, Some(d)) => {
                let with = d.replacement.as_ref().map(|(r, e)| format!(" (use `{r}.{e}`)")).unwrap_or_default();
                self.push(
                    group,
                    subject,
                    Kind::EndpointDeprecated,
                    format!("deprecated{with}"),
                    Wire::None,
                    Bump::Minor,
                );
            }
            (Some(_), None) => {
                self.push(
                    group,
                    subject,
                    Kind::EndpointUndeprecated,
                    "no longer deprecated".into(),
                    Wire::None,
                    Bump::Patch,
                );
            }
            (Some(x), Some(y)) if x.replacement != y.replacement => {
                let show = |d: &crate::ir::Deprecation| {
                    d.replacement.as_ref().map_or("none".to_string(), |(r, e)| format!("`{r}.{e}`"))
                };
                self.push(
                    group,
                    subject,
                    Kind::EndpointUndeprecated,
                    format!("deprecation replacement {} → {}", show(x), show(y)),
                    Wire::None,
                    Bump::Patch,
                );
            }
            _ => {}
        }
        self.path_params(group, subject, b, h);
        self.query(group, subject, b, h);
        self.body(group, subject, b, h);
        self.response(group, subject, b, h);
        self.paging(group, subject, b, h);
        if b.retry != h.retry {
            let (text, note) = match h.retry {
                Retry::Safe => (
                    "retry safety `unsafe` → `safe`",
                    "the SDK now re-sends this request after timeouts and 5xx: Ringg must apply it idempotently",
                ),
                Retry::Unsafe => (
                    "retry safety `safe` → `unsafe`",
                    "older crate versions still re-send this request after timeouts and 5xx and may apply it twice",
                ),
            };
            self.push(group, subject, Kind::RetryChanged, text.into(), Wire::Compatible, Bump::Patch).note =
                Some(note.into());
        }
        if b.places_calls != h.places_calls {
            let (text, note) = if h.places_calls {
                ("now places calls", "never re-sent once it may have reached Ringg")
            } else {
                ("no longer places calls", "check that automatic retries cannot ring anyone twice")
            };
            self.push(group, subject, Kind::PlacesCallsChanged, text.into(), Wire::None, Bump::Patch).note =
                Some(note.into());
        }
        for (status, _) in &b.errors {
            if !h.errors.iter().any(|(s, _)| s == status) {
                self.push(
                    group,
                    subject,
                    Kind::EndpointErrorRemoved,
                    format!("error status {} no longer documented", code(status)),
                    Wire::Compatible,
                    Bump::Patch,
                );
            }
        }
        for (status, _) in &h.errors {
            if !b.errors.iter().any(|(s, _)| s == status) {
                self.push(
                    group,
                    subject,
                    Kind::EndpointErrorAdded,
                    format!("error status {} documented", code(status)),
                    Wire::Compatible,
                    Bump::Patch,
                );
            }
        }
    }

    fn param_retyped(&mut self, group: &str, subject: &str, what: &str, b: &Param, h: &Param) {
        if b.ty != h.ty {
            // A parameter is sent: it breaks when the head accepts less than the base did.
            let wire = self.retyped_wire(Role::SENT, &b.ty, &h.ty);
            let rust = if self.same_rust(&b.ty, &h.ty) { Bump::Patch } else { Bump::Major };
            self.push(
                group,
                subject,
                Kind::ParamRetyped,
                format!("{what} {}: type {} → {}", code(&h.wire), code(&b.ty.spec()), code(&h.ty.spec())),
                wire,
                rust,
            );
        }
        if b.default != h.default {
            let show = |d: &Option<String>| d.as_deref().map_or("none".to_string(), code);
            self.push(
                group,
                subject,
                Kind::ParamDefaultChanged,
                format!("{what} {}: server default {} → {}", code(&h.wire), show(&b.default), show(&h.default)),
                Wire::Compatible,
                Bump::Patch,
            );
        }
    }

    /// Path parameters are positional: in the URL and as the method's first arguments.
    fn path_params(&mut self, group: &str, subject: &str, b: &Endpoint, h: &Endpoint) {
        let n = b.path_params.len().max(h.path_params.len());
        for i in 0..n {
            match (b.path_params.get(i), h.path_params.get(i)) {
                (Some(bp), Some(hp)) => {
                    if bp.wire != hp.wire || bp.rust != hp.rust {
                        self.push(
                            group,
                            subject,
                            Kind::ParamRenamed,
                            format!("path parameter {} renamed to {}", code(&bp.wire), code(&hp.wire)),
                            Wire::None,
                            Bump::Patch,
                        );
                    }
                    self.param_retyped(group, subject, "path parameter", bp, hp);
                }
                (Some(bp), None) => {
                    self.push(
                        group,
                        subject,
                        Kind::ParamRemoved,
                        format!("path parameter {} removed", code(&bp.wire)),
                        Wire::Breaking,
                        Bump::Major,
                    );
                }
                (None, Some(hp)) => {
                    self.push(
                        group,
                        subject,
                        Kind::ParamAdded,
                        format!("path parameter {} added ({})", code(&hp.wire), code(&hp.ty.spec())),
                        Wire::Breaking,
                        Bump::Major,
                    )
                    .item = Some(hp.wire.clone());
                }
                (None, None) => {}
            }
        }
    }

    fn query(&mut self, group: &str, subject: &str, b: &Endpoint, h: &Endpoint) {
        for bq in &b.query {
            if !h.query.iter().any(|q| q.wire == bq.wire) {
                self.push(
                    group,
                    subject,
                    Kind::ParamRemoved,
                    format!("query parameter {} removed", code(&bq.wire)),
                    Wire::Breaking,
                    Bump::Major,
                );
            }
        }
        for hq in &h.query {
            let Some(bq) = b.query.iter().find(|q| q.wire == hq.wire) else {
                let (wire, rust, how) = if hq.optional {
                    (Wire::Compatible, Bump::Minor, "optional: a new setter".to_string())
                } else {
                    (Wire::Breaking, Bump::Major, format!("required: a new argument of `{}()`", h.rust_method))
                };
                self.push(
                    group,
                    subject,
                    Kind::ParamAdded,
                    format!("query parameter {} added ({}, {how})", code(&hq.wire), code(&hq.ty.spec())),
                    wire,
                    rust,
                )
                .item = Some(hq.wire.clone());
                continue;
            };
            self.param_retyped(group, subject, "query parameter", bq, hq);
            if bq.optional != hq.optional {
                let (text, wire) =
                    if hq.optional { ("made optional", Wire::Compatible) } else { ("made required", Wire::Breaking) };
                self.push(
                    group,
                    subject,
                    Kind::ParamPresenceChanged,
                    format!("query parameter {} {text}", code(&hq.wire)),
                    wire,
                    Bump::Major,
                );
            } else if bq.rust != hq.rust {
                let rust = if hq.optional { Bump::Major } else { Bump::Patch };
                let what = if hq.optional { "setter" } else { "argument" };
                self.push(
                    group,
                    subject,
                    Kind::ParamRenamed,
                    format!("query parameter {}: {what} {} → {}", code(&hq.wire), code(&bq.rust), code(&hq.rust)),
                    Wire::None,
                    rust,
                );
            }
        }
        let required = |e: &'_ Endpoint| -> Vec<String> {
            e.query.iter().filter(|q| !q.optional).map(|q| q.wire.clone()).collect()
        };
        let (bn, hn) = (required(b), required(h));
        let bn: Vec<&str> = bn.iter().map(String::as_str).collect();
        let hn: Vec<&str> = hn.iter().map(String::as_str).collect();
        if let Some((x, y)) = reordered(&bn, &hn) {
            self.push(
                group,
                subject,
                Kind::ArgumentsReordered,
                format!("method arguments reordered: {} → {}", list(&x), list(&y)),
                Wire::None,
                Bump::Major,
            );
        }
    }

    fn body(&mut self, group: &str, subject: &str, b: &Endpoint, h: &Endpoint) {
        match (&b.body, &h.body) {
            (None, Some(hb)) => {
                self.push(
                    group,
                    subject,
                    Kind::BodyAdded,
                    format!("body added ({})", code(&hb.ty)),
                    Wire::Breaking,
                    Bump::Major,
                );
            }
            (Some(bb), None) => {
                self.push(
                    group,
                    subject,
                    Kind::BodyRemoved,
                    format!("body removed (was {})", code(&bb.ty)),
                    Wire::Breaking,
                    Bump::Major,
                );
            }
            (Some(bb), Some(hb)) => {
                if bb.ty != hb.ty {
                    let same = self.same_rust(&TypeRef::Named(bb.ty.clone()), &TypeRef::Named(hb.ty.clone()));
                    let rust = if same { Bump::Patch } else { Bump::Major };
                    self.push(
                        group,
                        subject,
                        Kind::BodyRetyped,
                        format!("body type {} → {}", code(&bb.ty), code(&hb.ty)),
                        Wire::Breaking,
                        rust,
                    );
                }
                if bb.encoding != hb.encoding {
                    let name = |e: crate::ir::Encoding| match e {
                        crate::ir::Encoding::Json => "JSON",
                        crate::ir::Encoding::Multipart => "multipart",
                    };
                    self.push(
                        group,
                        subject,
                        Kind::BodyEncodingChanged,
                        format!("body encoding {} → {}", name(bb.encoding), name(hb.encoding)),
                        Wire::Breaking,
                        Bump::Patch,
                    );
                }
            }
            (None, None) => {}
        }
    }

    fn response(&mut self, group: &str, subject: &str, b: &Endpoint, h: &Endpoint) {
        let (wire, rust) = match (&b.response, &h.response) {
            (x, y) if x == y => return,
            (Response::Json(x), Response::Json(y)) => {
                let (xw, yw) = (wire_ty(self.base, x), wire_ty(self.head, y));
                let wire = if xw == yw {
                    Wire::None
                } else if widens(&yw, &xw) {
                    Wire::Compatible
                } else {
                    Wire::Breaking
                };
                let rust = if self.same_rust(x, y) { Bump::Patch } else { Bump::Major };
                (wire, rust)
            }
            (Response::Binary { media_type: x }, Response::Binary { media_type: y }) => {
                let wire = if x.is_some() && y.is_some() { Wire::Breaking } else { Wire::Compatible };
                (wire, Bump::Patch)
            }
            (Response::Empty, _) => (Wire::Compatible, Bump::Major),
            _ => (Wire::Breaking, Bump::Major),
        };
        self.push(
            group,
            subject,
            Kind::ResponseChanged,
            format!("response {} → {}", response_str(&b.response), response_str(&h.response)),
            wire,
            rust,
        );
    }

    fn paging(&mut self, group: &str, subject: &str, b: &Endpoint, h: &Endpoint) {
        match (&b.paging, &h.paging) {
            (None, Some(_)) => {
                // Existing `limit`/`offset` parameters become the paging setters, which take
                // `u32`/`u64`: calls that passed the old type no longer compile.
                let paging = [(&self.head.pagination.limit, "u32"), (&self.head.pagination.offset, "u64")];
                let retyped: Vec<String> = b
                    .query
                    .iter()
                    .filter_map(|q| {
                        let (_, to) = paging.iter().find(|(wire, _)| **wire == q.wire)?;
                        let from = rust_ty(self.base, &q.ty);
                        (from != *to).then(|| format!("`{}` now takes `{to}` instead of `{from}`", q.rust))
                    })
                    .collect();
                let (text, rust) = if retyped.is_empty() {
                    ("now paginated: gains `.stream()`".to_string(), Bump::Minor)
                } else {
                    (format!("now paginated: gains `.stream()`; {}", retyped.join(", ")), Bump::Major)
                };
                self.push(group, subject, Kind::PaginationAdded, text, Wire::Compatible, rust);
            }
            (Some(_), None) => {
                self.push(
                    group,
                    subject,
                    Kind::PaginationRemoved,
                    "no longer paginated: `.stream()` removed".into(),
                    Wire::Breaking,
                    Bump::Major,
                );
            }
            (Some(bp), Some(hp)) => {
                if !self.same_rust(&bp.item, &hp.item) {
                    self.push(
                        group,
                        subject,
                        Kind::PaginationChanged,
                        format!("page items {} → {}", code(&bp.item.spec()), code(&hp.item.spec())),
                        Wire::None,
                        Bump::Major,
                    );
                }
                let path =
                    |steps: &[crate::ir::PathStep]| steps.iter().map(|s| s.rust.as_str()).collect::<Vec<_>>().join(".");
                if path(&bp.items) != path(&hp.items) {
                    self.push(
                        group,
                        subject,
                        Kind::PaginationChanged,
                        format!("page items path {} → {}", code(&path(&bp.items)), code(&path(&hp.items))),
                        Wire::None,
                        Bump::Patch,
                    );
                }
                let total = |t: &Option<(crate::ir::PathStep, TypeRef)>| {
                    t.as_ref().map_or("none".to_string(), |(s, _)| code(&s.rust))
                };
                if total(&bp.total) != total(&hp.total) {
                    self.push(
                        group,
                        subject,
                        Kind::PaginationChanged,
                        format!("page total {} → {}", total(&bp.total), total(&hp.total)),
                        Wire::None,
                        Bump::Patch,
                    );
                }
            }
            (None, None) => {}
        }
    }
}
