//! Route rules: what a path prefix of the forwarded URI requires beyond a
//! valid token (scopes, roles), or that it needs none (public).
//!
//! The forwarded URI is the client's raw request target (`$request_uri`),
//! so it is normalized the way a proxy routes before matching: query cut,
//! percent-decoding, dot segments removed, repeated slashes merged. Without
//! this `/public/../admin` or `/%61dmin` would dodge the `/admin` rule. An
//! encoded `/` or `\` is refused: servers disagree on whether it separates
//! segments, so `/admin%2F..%2Fpublic` could be `/public` to the rule and
//! `/admin/...` to the app.

use super::claims::{self, ClaimPath};
use super::config::{ClaimsConfig, RouteConfig};
use crate::util::BoxError;

/// One rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// The normalized prefix, without a trailing slash (`""` for `/`).
    prefix: String,
    /// Every one required.
    pub scopes: Vec<String>,
    /// One of them required (none: no role check).
    pub roles: Vec<String>,
    /// No token needed.
    pub public: bool,
}

/// Every rule, the longest matching prefix deciding.
#[derive(Debug, Clone, Default)]
pub struct RouteRules {
    rules: Vec<Rule>,
    scope_claims: Vec<ClaimPath>,
    role_claims: Vec<ClaimPath>,
}

/// What a rule found lacking (for the 403's `WWW-Authenticate`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denied {
    /// The scopes the route requires (RFC 6750 `scope`).
    pub scope: String,
    /// Why, for the description and the log.
    pub reason: String,
}

impl RouteRules {
    /// From `[[route]]` and `[claims]`.
    pub fn new(routes: &[RouteConfig], claims: &ClaimsConfig) -> Result<Self, BoxError> {
        let mut rules = Vec::with_capacity(routes.len());
        for r in routes {
            let norm =
                normalize(&r.prefix).map_err(|e| format!("route prefix {:?}: {e}", r.prefix))?;
            if !r.prefix.starts_with('/')
                || norm.trim_end_matches('/') != r.prefix.trim_end_matches('/')
            {
                return Err(format!(
                    "route prefix {:?}: must be a normalized path starting with /",
                    r.prefix
                )
                .into());
            }
            if r.public && !(r.scopes.is_empty() && r.roles.is_empty()) {
                return Err(format!("route {:?}: public with scopes or roles", r.prefix).into());
            }
            if rules
                .iter()
                .any(|x: &Rule| x.prefix == norm.trim_end_matches('/'))
            {
                return Err(format!("route prefix {:?} given twice", r.prefix).into());
            }
            rules.push(Rule {
                prefix: norm.trim_end_matches('/').to_string(),
                scopes: r.scopes.clone(),
                roles: r.roles.clone(),
                public: r.public,
            });
        }
        let paths = |v: &[String]| -> Result<Vec<ClaimPath>, BoxError> {
            v.iter().map(|s| ClaimPath::new(s)).collect()
        };
        Ok(RouteRules {
            rules,
            scope_claims: paths(&claims.scopes)?,
            role_claims: paths(&claims.roles)?,
        })
    }

    /// The top-level claims [`RouteRules::check`] reads (none without
    /// rules: then it is never called).
    pub fn top_level(&self) -> impl Iterator<Item = String> + '_ {
        let n = if self.rules.is_empty() { 0 } else { usize::MAX };
        self.scope_claims
            .iter()
            .chain(&self.role_claims)
            .take(n)
            .map(ClaimPath::top_level)
    }

    /// Whether any rule is configured.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The rule for a normalized path: the longest prefix that matches on
    /// whole segments.
    pub fn find(&self, path: &str) -> Option<&Rule> {
        self.rules
            .iter()
            .filter(|r| {
                path.strip_prefix(r.prefix.as_str())
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
            })
            .max_by_key(|r| r.prefix.len())
    }

    /// Checks a rule's scopes and roles against verified claims.
    pub fn check(&self, rule: &Rule, claims: &serde_json::Value) -> Result<(), Denied> {
        let scope = rule.scopes.join(" ");
        let have = claims::words(claims, &self.scope_claims);
        if let Some(missing) = rule.scopes.iter().find(|s| !have.contains(&s.as_str())) {
            return Err(Denied {
                scope,
                reason: format!("scope {missing} required"),
            });
        }
        if !rule.roles.is_empty() {
            let roles = claims::words(claims, &self.role_claims);
            if !rule.roles.iter().any(|r| roles.contains(&r.as_str())) {
                return Err(Denied {
                    scope,
                    reason: format!("one of the roles {} required", rule.roles.join(", ")),
                });
            }
        }
        Ok(())
    }
}

/// The path of a request target, normalized: scheme and authority of an
/// absolute URI removed, query and fragment cut, `%XX` decoded, `.` and
/// `..` segments resolved, `//` merged. Refuses bad escapes and NUL.
pub fn normalize(target: &str) -> Result<String, &'static str> {
    let mut t = target;
    for scheme in ["http://", "https://"] {
        if let Some(rest) = t.strip_prefix(scheme) {
            t = rest.find('/').map_or("/", |i| rest.get(i..).unwrap_or("/"));
        }
    }
    let end = t.find(['?', '#']).unwrap_or(t.len());
    let raw = t.get(..end).unwrap_or_default().as_bytes();
    let mut decoded = Vec::with_capacity(raw.len());
    let mut i = raw.iter();
    while let Some(&b) = i.next() {
        if b == b'%' {
            let hi = i.next().and_then(|&c| hex(c));
            let lo = i.next().and_then(|&c| hex(c));
            match (hi, lo) {
                // Servers disagree on whether `%2F` separates segments
                // (and `%5C` on some): the app might not see the path the
                // rule was matched on.
                (Some(h), Some(l)) if matches!(h << 4 | l, b'/' | b'\\') => {
                    return Err("encoded slash or backslash in path")
                }
                (Some(h), Some(l)) => decoded.push(h << 4 | l),
                _ => return Err("bad percent escape"),
            }
        } else {
            decoded.push(b);
        }
    }
    if decoded.contains(&0) {
        return Err("NUL in path");
    }
    let path = String::from_utf8(decoded).map_err(|_| "path is not UTF-8")?;
    if !path.starts_with('/') {
        return Err("path does not start with /");
    }
    let mut segments: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let mut out = String::with_capacity(path.len());
    for s in &segments {
        out.push('/');
        out.push_str(s);
    }
    if out.is_empty() || path.ends_with('/') && !segments.is_empty() {
        out.push('/');
    }
    Ok(out)
}

fn hex(c: u8) -> Option<u8> {
    char::from(c)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const NORMALIZE: &[(&str, Result<&str, &str>)] = &[
        ("/", Ok("/")),
        ("/admin", Ok("/admin")),
        ("/admin/", Ok("/admin/")),
        ("/admin?x=/public", Ok("/admin")),
        ("/public/../admin", Ok("/admin")),
        ("/public/%2e%2e/admin", Ok("/admin")),
        ("/%61dmin", Ok("/admin")),
        ("//admin//x", Ok("/admin/x")),
        ("/./admin", Ok("/admin")),
        ("/../../admin", Ok("/admin")),
        ("http://h:1/admin?q", Ok("/admin")),
        ("/a%2", Err("bad percent escape")),
        ("/a%zz", Err("bad percent escape")),
        ("/a%00", Err("NUL in path")),
        (
            "/admin%2F..%2Fpublic",
            Err("encoded slash or backslash in path"),
        ),
        ("/admin%2f..", Err("encoded slash or backslash in path")),
        (
            "/admin%5C..%5Cpublic",
            Err("encoded slash or backslash in path"),
        ),
        ("admin", Err("path does not start with /")),
    ];

    #[test]
    fn normalize_table() {
        for (input, want) in NORMALIZE {
            assert_eq!(normalize(input).as_deref(), want.as_deref(), "{input}");
        }
    }

    fn rules() -> RouteRules {
        let r = |prefix: &str, scopes: &[&str], roles: &[&str], public| RouteConfig {
            prefix: prefix.into(),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            roles: roles.iter().map(|s| s.to_string()).collect(),
            public,
        };
        RouteRules::new(
            &[
                r("/admin", &["admin"], &[], false),
                r("/admin/reports", &["reports"], &["auditor", "boss"], false),
                r("/public", &[], &[], true),
            ],
            &ClaimsConfig::default(),
        )
        .unwrap()
    }

    #[test]
    fn longest_whole_segment_prefix() {
        let r = rules();
        let prefix = |p: &str| r.find(p).map(|x| x.prefix.clone());
        assert_eq!(prefix("/admin").as_deref(), Some("/admin"));
        assert_eq!(prefix("/admin/x").as_deref(), Some("/admin"));
        assert_eq!(prefix("/administrator"), None);
        assert_eq!(
            prefix("/admin/reports/1").as_deref(),
            Some("/admin/reports")
        );
        assert_eq!(prefix("/public/a").as_deref(), Some("/public"));
        assert_eq!(prefix("/"), None);
    }

    #[test]
    fn scopes_all_roles_any() {
        let r = rules();
        let rule = r.find("/admin/reports").unwrap();
        let c = |s: &str| serde_json::from_str::<serde_json::Value>(s).unwrap();
        assert!(r
            .check(rule, &c(r#"{"scope":"reports","roles":["boss"]}"#))
            .is_ok());
        assert!(r
            .check(rule, &c(r#"{"scp":["reports"],"roles":"auditor x"}"#))
            .is_ok());
        let denied = r.check(rule, &c(r#"{"scope":"reports"}"#)).unwrap_err();
        assert_eq!(denied.scope, "reports");
        assert!(r
            .check(rule, &c(r#"{"scope":"other","roles":["boss"]}"#))
            .is_err());
    }

    #[test]
    fn checks_need_only_their_top_level_claims() {
        let names = ClaimsConfig {
            scopes: vec!["scope".into(), "scp".into()],
            roles: vec!["/realm_access/roles".into()],
        };
        let admin = RouteConfig {
            prefix: "/admin".into(),
            scopes: vec!["reports".into()],
            roles: vec!["boss".into()],
            public: false,
        };
        let r = RouteRules::new(&[admin], &names).unwrap();
        let mut wanted: Vec<String> = r.top_level().collect();
        wanted.sort_unstable();
        assert_eq!(wanted, ["realm_access", "scope", "scp"]);
        let rule = r.find("/admin").unwrap();
        let raw = br#"{"exp":1,"scope":"reports","realm_access":{"roles":["boss"]}}"#;
        let selected = claims::parse_selected(raw, &wanted).unwrap();
        assert!(r.check(rule, &selected).is_ok());
        let no_role = br#"{"scope":"reports","realm_access":{"roles":["x"]}}"#;
        let selected = claims::parse_selected(no_role, &wanted).unwrap();
        assert!(r.check(rule, &selected).is_err());
        // Without rules nothing is read.
        let none = RouteRules::new(&[], &names).unwrap();
        assert!(none.top_level().next().is_none());
    }

    #[test]
    fn bad_rules_refused() {
        let cfg = |prefix: &str, public| RouteConfig {
            prefix: prefix.into(),
            scopes: vec!["s".into()],
            roles: vec![],
            public,
        };
        for (prefix, public) in [("admin", false), ("/a/../b", false), ("/x", true)] {
            assert!(RouteRules::new(&[cfg(prefix, public)], &ClaimsConfig::default()).is_err());
        }
    }
}
