//! API-wide changes: crate name, base URLs, auth, pagination settings, the error table.

use super::words::code;
use super::{Bump, Cx, Kind, Wire};

impl Cx<'_> {
    pub(super) fn api(&mut self) {
        let (b, h) = (self.base, self.head);
        if b.name != h.name {
            self.push(
                "api",
                "api",
                Kind::CrateRenamed,
                format!("crate renamed: {} → {}", code(&b.name), code(&h.name)),
                Wire::None,
                Bump::Major,
            );
        }
        if b.api_version != h.api_version {
            self.push(
                "api",
                "api",
                Kind::ApiVersionChanged,
                format!("API version {} → {}", code(&b.api_version), code(&h.api_version)),
                Wire::None,
                Bump::Patch,
            );
        }
        for bu in &b.base_urls {
            match h.base_urls.iter().find(|x| x.name == bu.name) {
                None => {
                    self.push(
                        "api",
                        "base_urls",
                        Kind::BaseUrlRemoved,
                        format!("base URL {} removed ({})", code(&bu.name), bu.url),
                        Wire::Breaking,
                        Bump::Major,
                    )
                    .note = Some(format!("`ClientBuilder::base_url_for(\"{}\", ..)` now fails", bu.name));
                }
                Some(hu) if hu.url != bu.url => {
                    self.push(
                        "api",
                        "base_urls",
                        Kind::BaseUrlChanged,
                        format!("base URL {}: {} → {}", code(&bu.name), bu.url, hu.url),
                        Wire::Breaking,
                        Bump::Patch,
                    );
                }
                Some(_) => {}
            }
        }
        for hu in &h.base_urls {
            if !b.base_urls.iter().any(|x| x.name == hu.name) {
                self.push(
                    "api",
                    "base_urls",
                    Kind::BaseUrlAdded,
                    format!("base URL {} added ({})", code(&hu.name), hu.url),
                    Wire::Compatible,
                    Bump::Minor,
                );
            }
        }
        if b.auth_header != h.auth_header {
            self.push(
                "api",
                "auth",
                Kind::AuthChanged,
                format!("API key header {} → {}", code(&b.auth_header), code(&h.auth_header)),
                Wire::Breaking,
                Bump::Patch,
            );
        }
        if b.auth_env != h.auth_env {
            self.push(
                "api",
                "auth",
                Kind::AuthChanged,
                format!("API key variable {} → {}", code(&b.auth_env), code(&h.auth_env)),
                Wire::None,
                Bump::Major,
            )
            .note = Some("`Client::from_env()` reads the new variable; deployments must set it".into());
        }
        let (bp, hp) = (&b.pagination, &h.pagination);
        if bp.limit != hp.limit || bp.offset != hp.offset {
            self.push(
                "api",
                "pagination",
                Kind::PaginationSettingsChanged,
                format!(
                    "page parameters {}/{} → {}/{}",
                    code(&bp.limit),
                    code(&bp.offset),
                    code(&hp.limit),
                    code(&hp.offset)
                ),
                Wire::Breaking,
                Bump::Patch,
            );
        }
        if bp.max_limit != hp.max_limit {
            let wire = if hp.max_limit < bp.max_limit { Wire::Breaking } else { Wire::Compatible };
            self.push(
                "api",
                "pagination",
                Kind::PaginationSettingsChanged,
                format!("maximum page size {} → {}", bp.max_limit, hp.max_limit),
                wire,
                Bump::Patch,
            );
        }
        if bp.default_limit != hp.default_limit {
            self.push(
                "api",
                "pagination",
                Kind::PaginationSettingsChanged,
                format!("default page size {} → {}", bp.default_limit, hp.default_limit),
                Wire::None,
                Bump::Patch,
            );
        }
        for be in &b.errors {
            match h.errors.iter().find(|x| x.status == be.status) {
                None => {
                    self.push(
                        "api",
                        "errors",
                        Kind::ErrorCaseRemoved,
                        format!("status {} ({}) removed", code(&be.status), be.name),
                        Wire::Compatible,
                        Bump::Patch,
                    );
                }
                Some(he) => {
                    if he.name != be.name {
                        self.push(
                            "api",
                            "errors",
                            Kind::ErrorCaseChanged,
                            format!("status {}: kind {} → {}", code(&be.status), code(&be.name), code(&he.name)),
                            Wire::None,
                            Bump::Patch,
                        );
                    }
                    if he.retryable != be.retryable {
                        let what = if he.retryable { "now marked retryable" } else { "no longer marked retryable" };
                        self.push(
                            "api",
                            "errors",
                            Kind::ErrorCaseChanged,
                            format!("status {} {what}", code(&be.status)),
                            Wire::None,
                            Bump::Patch,
                        );
                    }
                }
            }
        }
        for he in &h.errors {
            if !b.errors.iter().any(|x| x.status == he.status) {
                self.push(
                    "api",
                    "errors",
                    Kind::ErrorCaseAdded,
                    format!("status {} ({}) added", code(&he.status), he.name),
                    Wire::Compatible,
                    Bump::Patch,
                );
            }
        }
    }
}
