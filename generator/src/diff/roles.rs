//! Roles: whether a type is sent, received, or both, which decides the wire class of its changes.
//! The roles themselves are computed once by the loader (`ir::Roles`); this module reads them and
//! turns them into wire classes and labels.

use super::Wire;
use crate::ir::Api;

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

/// The role of a type in one API, as the loader computed it (`TypeDef::roles`); a name the API
/// does not define has none.
pub(super) fn role_in(api: &Api, name: &str) -> Role {
    api.type_def(name).map_or_else(Role::default, |t| Role {
        sent: t.roles.sent,
        response: t.roles.response,
        event: t.roles.event,
    })
}
