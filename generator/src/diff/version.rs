//! The version rule: the bump a diff requires against the bump `api.version` makes.

use super::{Bump, SpecDiff, VersionCheck};

/// MAJOR.MINOR.PATCH of a semver string, ignoring pre-release and build metadata.
pub(super) fn parse_version(v: &str) -> Option<[u64; 3]> {
    let core = v.split(['-', '+']).next()?;
    let mut parts = core.split('.').map(|p| p.parse::<u64>().ok());
    let out = [parts.next()??, parts.next()??, parts.next()??];
    parts.next().is_none().then_some(out)
}

/// The bump that going from `base` to `head` makes, by Cargo's compatibility rules.
pub(super) fn bump_made(base: [u64; 3], head: [u64; 3]) -> Option<Bump> {
    if head <= base {
        return None;
    }
    Some(if base[0] > 0 || head[0] > 0 {
        if head[0] != base[0] {
            Bump::Major
        } else if head[1] != base[1] {
            Bump::Minor
        } else {
            Bump::Patch
        }
    } else if base[1] > 0 || head[1] > 0 {
        // 0.y.z: y is the breaking number; 0.y.z and 0.y.(z+1) are compatible, so a change of z
        // may carry additions.
        if head[1] != base[1] { Bump::Major } else { Bump::Minor }
    } else {
        // 0.0.z: every release is incompatible with the previous one.
        Bump::Major
    })
}

/// The smallest version after `base` that makes `bump`.
pub(super) fn next_version(base: [u64; 3], bump: Bump) -> [u64; 3] {
    let [major, minor, patch] = base;
    match (major, minor, bump) {
        (0, 0, _) => [0, 0, patch + 1],
        (0, _, Bump::Major) => [0, minor + 1, 0],
        (0, _, _) => [0, minor, patch + 1],
        (_, _, Bump::Major) => [major + 1, 0, 0],
        (_, _, Bump::Minor) => [major, minor + 1, 0],
        (_, _, Bump::Patch) => [major, minor, patch + 1],
    }
}

impl SpecDiff {
    /// The version verdict: required against made bump.
    pub fn version_check(&self) -> VersionCheck {
        let required = self.changes.iter().map(|c| c.rust).max();
        let versions = parse_version(&self.base_version).zip(parse_version(&self.head_version));
        let made = versions.and_then(|(b, h)| bump_made(b, h));
        let ok = required.is_none() || made >= required;
        let suggested = match (ok, required, parse_version(&self.base_version)) {
            (false, Some(r), Some(b)) => {
                let [x, y, z] = next_version(b, r);
                Some(format!("{x}.{y}.{z}"))
            }
            _ => None,
        };
        VersionCheck { required, made, ok, blocking: !ok, suggested }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_follow_cargo_rules() {
        let v = |s: &str| parse_version(s).unwrap();
        assert_eq!(bump_made(v("0.1.0"), v("0.2.0")), Some(Bump::Major));
        assert_eq!(bump_made(v("0.1.0"), v("0.1.1")), Some(Bump::Minor));
        assert_eq!(bump_made(v("0.0.1"), v("0.0.2")), Some(Bump::Major));
        assert_eq!(bump_made(v("0.9.3"), v("1.0.0")), Some(Bump::Major));
        assert_eq!(bump_made(v("1.2.3"), v("1.3.0")), Some(Bump::Minor));
        assert_eq!(bump_made(v("1.2.3"), v("1.2.4")), Some(Bump::Patch));
        assert_eq!(bump_made(v("1.2.3"), v("1.2.3")), None);
        assert_eq!(bump_made(v("1.2.3"), v("1.2.2")), None);
        assert_eq!(parse_version("1.2.3-beta.1+x"), Some([1, 2, 3]));
        assert_eq!(next_version(v("0.1.4"), Bump::Major), [0, 2, 0]);
        assert_eq!(next_version(v("0.1.4"), Bump::Minor), [0, 1, 5]);
        assert_eq!(next_version(v("1.1.4"), Bump::Minor), [1, 2, 0]);
        assert_eq!(next_version(v("1.1.4"), Bump::Major), [2, 0, 0]);
    }
}
