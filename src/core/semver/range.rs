use super::rewrite::comparator_sets;
use super::scan::js_trim;
use super::version::{coerce, parse_full, Identifier, Version};

/// verkit refuses comparator versions longer than this.
const MAX_VERSION_LENGTH: usize = 256;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Comparator {
    op: Op,
    version: Version,
}

impl Comparator {
    /// `[<>]?=?` followed by a strict version; `=` means equality.
    fn parse(token: &[u8]) -> Option<Comparator> {
        let (op, len) = match token {
            [b'<', b'=', ..] => (Op::Le, 2),
            [b'>', b'=', ..] => (Op::Ge, 2),
            [b'<', ..] => (Op::Lt, 1),
            [b'>', ..] => (Op::Gt, 1),
            [b'=', ..] => (Op::Eq, 1),
            _ => (Op::Eq, 0),
        };
        let version = &token[len..];
        if version.len() > MAX_VERSION_LENGTH {
            return None;
        }
        Some(Comparator { op, version: parse_full(version)? })
    }

    fn matches(&self, v: &Version) -> bool {
        let order = v.compare_js(&self.version);
        match self.op {
            Op::Eq => order.is_eq(),
            Op::Lt => order.is_lt(),
            Op::Le => order.is_le(),
            Op::Gt => order.is_gt(),
            Op::Ge => order.is_ge(),
        }
    }

    /// A prerelease version only matches a set in which some comparator
    /// names a prerelease of the same `major.minor.patch`.
    fn admits_prerelease_of(&self, v: &Version) -> bool {
        !self.version.prerelease.is_empty() && self.version.same_main(v)
    }

    /// `<0.0.0-0`, which verkit treats as "matches nothing".
    fn is_nothing(&self) -> bool {
        let v = &self.version;
        self.op == Op::Lt && (v.major, v.minor, v.patch) == (0, 0, 0) && v.prerelease == [Identifier::Numeric(0)]
    }
}

/// A compiled node-semver range: a union of comparator sets. An empty set
/// is verkit's "any" comparator (every release, no prerelease).
#[derive(Clone, Debug)]
pub struct Range {
    sets: Vec<Box<[Comparator]>>,
}

impl Range {
    /// Parses a range exactly as verkit `parseRange` with default options
    /// (non-loose, no `includePrerelease`); `None` where verkit throws.
    #[must_use]
    pub fn parse(s: &str) -> Option<Range> {
        let mut sets = Vec::new();
        for tokens in comparator_sets(s) {
            let mut set: Vec<Comparator> = Vec::with_capacity(tokens.len());
            for token in &tokens {
                let comparator = Comparator::parse(token)?;
                if !set.contains(&comparator) {
                    set.push(comparator);
                }
            }
            if let Some(nothing) = set.iter().position(Comparator::is_nothing) {
                set = vec![set.swap_remove(nothing)];
            }
            sets.push(set.into_boxed_slice());
        }
        Some(Range { sets: prune(sets) })
    }

    /// Whether `v` satisfies the range (verkit `satisfies`, default options).
    /// Does not allocate.
    #[must_use]
    pub fn test(&self, v: &Version) -> bool {
        self.sets.iter().any(|set| set.iter().all(|c| c.matches(v)) && (v.prerelease.is_empty() || set.iter().any(|c| c.admits_prerelease_of(v))))
    }
}

/// verkit's clean-up of a union: sets that match nothing are dropped (unless
/// all are), and an "any" set then replaces the whole union. This is
/// observable for prereleases: `* || 1.0.0-rc.1` does not admit `1.0.0-rc.1`.
fn prune(mut sets: Vec<Box<[Comparator]>>) -> Vec<Box<[Comparator]>> {
    if sets.len() < 2 {
        return sets;
    }
    let first = sets[0].clone();
    sets.retain(|set| !set.first().is_some_and(Comparator::is_nothing));
    match sets.iter().position(|set| set.is_empty()) {
        _ if sets.is_empty() => vec![first],
        Some(any) if sets.len() > 1 => vec![sets.swap_remove(any)],
        _ => sets,
    }
}

/// Upstream `semverSatisfies(targetAppVersion, clientVersion)`: coerce the
/// client version, then test it against the range; an uncoercible version
/// or an invalid range gives `false`.
#[must_use]
pub fn satisfies(range: &str, client_version: &str) -> bool {
    coerce(client_version).is_some_and(|v| Range::parse(range).is_some_and(|r| r.test(&v)))
}

/// The `Hot-Updater-SDK-Version` rule: the trimmed header parses strictly and
/// is at least `0.31.0` (so `0.31.0-beta.1` is below it).
#[must_use]
pub fn sdk_supports_up_to_date(header_value: &str) -> bool {
    const FIRST: Version = Version::new(0, 31, 0);
    Version::parse_strict(js_trim(header_value)).is_some_and(|v| v.compare_js(&FIRST).is_ge())
}
