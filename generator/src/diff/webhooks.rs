//! Webhooks and the web-call widget.

use super::words::code;
use super::{Bump, Cx, Kind, Wire};
use crate::ir::TypeRef;

impl Cx<'_> {
    pub(super) fn webhooks(&mut self) {
        match (&self.base.webhooks, &self.head.webhooks) {
            (None, Some(h)) => {
                let group = self.type_group(&h.event, "webhooks");
                self.push(
                    &group,
                    "webhooks",
                    Kind::WebhooksAdded,
                    format!("webhooks added (event type {})", code(&h.event)),
                    Wire::Compatible,
                    Bump::Minor,
                );
            }
            (Some(b), None) => {
                let group = self.type_group(&b.event, "webhooks");
                self.push(
                    &group,
                    "webhooks",
                    Kind::WebhooksRemoved,
                    "webhooks removed".into(),
                    Wire::Breaking,
                    Bump::Major,
                );
            }
            (Some(b), Some(h)) if b.event != h.event => {
                let group = self.type_group(&h.event, "webhooks");
                let rust = if self.same_rust(&TypeRef::Named(b.event.clone()), &TypeRef::Named(h.event.clone())) {
                    Bump::Patch
                } else {
                    Bump::Major
                };
                self.push(
                    &group,
                    "webhooks",
                    Kind::WebhookEventChanged,
                    format!("event type {} → {}", code(&b.event), code(&h.event)),
                    Wire::Breaking,
                    rust,
                );
            }
            _ => {}
        }
    }

    pub(super) fn webcall(&mut self) {
        match (&self.base.webcall, &self.head.webcall) {
            (None, Some(h)) => {
                let group = self.type_group(&h.options, "webcall");
                self.push(
                    &group,
                    "webcall",
                    Kind::WebcallAdded,
                    "web-call widget added".into(),
                    Wire::None,
                    Bump::Minor,
                );
            }
            (Some(b), None) => {
                let group = self.type_group(&b.options, "webcall");
                self.push(
                    &group,
                    "webcall",
                    Kind::WebcallRemoved,
                    "web-call widget removed".into(),
                    Wire::None,
                    Bump::Major,
                );
            }
            (Some(b), Some(h)) => {
                let group = self.type_group(&h.options, "webcall");
                if b.options != h.options {
                    let rust = if self.same_rust(&TypeRef::Named(b.options.clone()), &TypeRef::Named(h.options.clone()))
                    {
                        Bump::Patch
                    } else {
                        Bump::Major
                    };
                    self.push(
                        &group,
                        "webcall",
                        Kind::WebcallChanged,
                        format!("options type {} → {}", code(&b.options), code(&h.options)),
                        Wire::None,
                        rust,
                    );
                }
                if b.script_url != h.script_url {
                    self.push(
                        &group,
                        "webcall",
                        Kind::WebcallChanged,
                        format!("loader script URL {} → {}", b.script_url, h.script_url),
                        Wire::Breaking,
                        Bump::Patch,
                    );
                }
                if b.style_url != h.style_url {
                    self.push(
                        &group,
                        "webcall",
                        Kind::WebcallChanged,
                        format!("stylesheet URL {} → {}", b.style_url, h.style_url),
                        Wire::Breaking,
                        Bump::Patch,
                    );
                }
                if b.default_version != h.default_version {
                    self.push(
                        &group,
                        "webcall",
                        Kind::WebcallChanged,
                        format!("default widget version {} → {}", code(&b.default_version), code(&h.default_version)),
                        Wire::None,
                        Bump::Patch,
                    );
                }
            }
            (None, None) => {}
        }
    }
}
