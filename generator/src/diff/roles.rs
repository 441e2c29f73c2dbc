//! Roles: whether a type is sent, received, or both, which decides the wire class of its changes.

use std::collections::HashMap;

use super::Wire;
use crate::ir::{Api, Response, TypeDef, TypeKind};

/// Where a type travels.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct Role {
    /// Reachable from a request: body, parameter, web-call options.
    pub(super) sent: bool,
    /// Reachable from a JSON response.
    response: bool,
    /// Reachable from the webhook event.
    event: bool,
}

impl Role {
    /// The role of what a request sends (a parameter).
    pub(super) const SENT: Role = Role { sent: true, response: false, event: false };

    pub(super) fn or(self, other: Role) -> Role {
        Role {
            sent: self.sent || other.sent,
            response: self.response || other.response,
            event: self.event || other.event,
        }
    }

    pub(super) fn received(self) -> bool {
        self.response || self.event
    }

    /// The wire class of a change that breaks senders when `sent_breaks` and receivers when
    /// `received_breaks`; `none` for a type used nowhere.
    pub(super) fn wire(self, sent_breaks: bool, received_breaks: bool) -> Wire {
        if !self.sent && !self.received() {
            Wire::None
        } else if (self.sent && sent_breaks) || (self.received() && received_breaks) {
            Wire::Breaking
        } else {
            Wire::Compatible
        }
    }

    /// `request field`, `response field`, `event field` or `field`.
    pub(super) fn field_label(self) -> &'static str {
        match (self.sent, self.response, self.event) {
            (true, false, false) => "request field",
            (false, true, _) => "response field",
            (false, false, true) => "event field",
            _ => "field",
        }
    }
}

pub(super) fn type_refs(t: &TypeDef) -> Vec<&str> {
    match &t.kind {
        TypeKind::Object(fields) => fields.iter().filter_map(|f| f.ty.named()).collect(),
        TypeKind::Union(members) => members.iter().filter_map(|m| m.ty.named()).collect(),
        TypeKind::Tagged(t) => t.variants.iter().filter_map(|v| v.ty.as_deref()).collect(),
        TypeKind::OneOf(members) => members.iter().filter_map(|m| m.ty.named()).collect(),
        TypeKind::Enum(_) | TypeKind::Newtype => Vec::new(),
    }
}

/// The role of every type reachable from the API's requests, responses and webhooks.
pub(super) fn roles(api: &Api) -> HashMap<String, Role> {
    const SENT: Role = Role { sent: true, response: false, event: false };
    const RESPONSE: Role = Role { sent: false, response: true, event: false };
    const EVENT: Role = Role { sent: false, response: false, event: true };
    let mut stack: Vec<(&str, Role)> = Vec::new();
    for e in api.resources.iter().flat_map(|r| &r.endpoints) {
        if let Some(b) = &e.body {
            stack.push((&b.ty, SENT));
        }
        for p in e.path_params.iter().chain(&e.query) {
            if let Some(n) = p.ty.named() {
                stack.push((n, SENT));
            }
        }
        if let Response::Json(t) = &e.response
            && let Some(n) = t.named()
        {
            stack.push((n, RESPONSE));
        }
    }
    if let Some(w) = &api.webhooks {
        stack.push((&w.event, EVENT));
    }
    if let Some(w) = &api.webcall {
        stack.push((&w.options, SENT));
    }
    let mut roles: HashMap<String, Role> = HashMap::new();
    while let Some((name, role)) = stack.pop() {
        let entry = roles.entry(name.to_string()).or_default();
        let merged = entry.or(role);
        if merged == *entry {
            continue;
        }
        *entry = merged;
        if let Some(t) = api.type_def(name) {
            stack.extend(type_refs(t).into_iter().map(|n| (n, role)));
        }
    }
    roles
}
