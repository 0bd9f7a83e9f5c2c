//! The decision: token → verified claims → route rule → claim headers.
//! One [`Gate`] is built per configuration; SIGHUP builds a new one.

use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use jwtgate::{Algorithm, Key, KeySet, Policy};
use jwtgate_sync::{LiveVerifier, VerifyError};

use super::claims::{self, ClaimHeaders};
use super::config::{Config, KeysConfig};
use super::phantom::{ExchangeError, Phantom};
use super::rules::{self, RouteRules};
use super::token::{Missing, TokenSources};
use crate::util::{describe, read_file, BoxError};

/// What the gateway answers.
#[derive(Debug)]
pub enum Decision {
    /// 200, with every configured claim header.
    Allow {
        /// The claim headers, in configuration order.
        headers: Vec<(HeaderName, HeaderValue)>,
        /// The subject, for the access log.
        sub: Option<String>,
    },
    /// 401 with `WWW-Authenticate: Bearer` (RFC 6750 3.1).
    Unauthorized {
        /// `invalid_token` or `invalid_request`; `None` when no credentials
        /// were sent.
        error: Option<&'static str>,
        /// Why.
        description: String,
        /// The verification error's stable code (0: none).
        code: u32,
    },
    /// 403 `insufficient_scope`: a route rule is not met.
    Forbidden {
        /// The scopes the route requires.
        scope: String,
        /// Why.
        description: String,
        /// The subject, for the access log.
        sub: Option<String>,
    },
    /// 503: the gateway cannot decide (denylist stale or unusable).
    Unavailable {
        /// Why.
        description: String,
        /// The stable code.
        code: u32,
    },
}

/// Token sources, claim headers, route rules. (Keys and policy live in the
/// shared [`LiveVerifier`]; a reload installs both there.)
pub struct Gate {
    tokens: TokenSources,
    headers: ClaimHeaders,
    rules: RouteRules,
    /// The `realm` of `WWW-Authenticate`, already validated.
    pub realm: String,
    /// `server.uri_from_path`.
    pub uri_from_path: Option<String>,
    /// Phantom-token mode, when configured.
    phantom: Option<Phantom>,
    /// The top-level claims headers and rules read, and `sub` (sorted):
    /// the only ones parsed per request.
    claim_names: Vec<String>,
}

impl std::fmt::Debug for Gate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gate")
            .field("rules", &self.rules)
            .finish_non_exhaustive()
    }
}

/// Loads the key set `[keys]` names: for `jwks_url` or `issuer`, one
/// fetch (the key source started afterwards keeps them current), with the
/// issuer discovery confirmed, which tokens must then name.
pub fn load_keys(
    config: &Config,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(KeySet, Option<String>), BoxError> {
    let k = &config.keys;
    if let Some(location) = config.key_location() {
        let transport = config.key_source_options()?.transport;
        let fetched = jwtgate_sync::fetch_keys(&location, &transport).map_err(|e| {
            format!(
                "[keys] {}: {e}",
                k.jwks_url
                    .as_ref()
                    .or(k.issuer.as_ref())
                    .map_or("", String::as_str)
            )
        })?;
        return Ok((fetched.keys, fetched.issuer));
    }
    load_fixed_keys(k, env).map(|keys| (keys, None))
}

/// The fixed keys: a JWKS file or an HMAC secret.
fn load_fixed_keys(
    k: &KeysConfig,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<KeySet, BoxError> {
    if let Some(path) = &k.jwks_file {
        return KeySet::from_jwks(&read_file(path)?)
            .map_err(|e| format!("{}: {}", path.display(), describe(&e)).into());
    }
    let secret = match (&k.secret_file, &k.secret_env) {
        (Some(path), _) => {
            let mut s = read_file(path)?;
            if s.last() == Some(&b'\n') {
                s.pop();
                if s.last() == Some(&b'\r') {
                    s.pop();
                }
            }
            s
        }
        (None, Some(var)) => env(var)
            .ok_or_else(|| format!("keys.secret_env: {var} is not set"))?
            .into_bytes(),
        (None, None) => return Err("[keys]: no key source".into()),
    };
    let name = k.secret_alg.as_deref().unwrap_or("HS256");
    let alg = Algorithm::from_name(name)
        .filter(|a| a.is_symmetric())
        .ok_or_else(|| format!("keys.secret_alg: not an HMAC algorithm: {name:?}"))?;
    let mut key = Key::hmac(alg, &secret).map_err(|e| format!("secret: {}", describe(&e)))?;
    if let Some(kid) = &k.secret_kid {
        key = key
            .with_kid(kid)
            .map_err(|e| format!("secret_kid: {}", describe(&e)))?;
    }
    Ok(KeySet::single(key))
}

/// Builds the core policy from `[policy]`, through the core's own rules.
pub fn build_policy(config: &Config) -> Result<Policy, BoxError> {
    let p = &config.policy;
    let some = |v: &Vec<String>| (!v.is_empty()).then(|| v.clone());
    let options = jwtgate_sync::PolicyOptions {
        algorithms: some(&p.algorithms),
        issuers: some(&p.issuers),
        audiences: some(&p.audiences),
        leeway: Some(p.leeway),
        ..jwtgate_sync::PolicyOptions::default()
    };
    options
        .policy()
        .map_err(|e| format!("[policy]: {e} [{}]", e.code()).into())
}

/// What a configuration yields: the gate, and the keys and policy to
/// install in the live verifier.
#[derive(Debug)]
pub struct Loaded {
    /// Token sources, claim headers, route rules.
    pub gate: Gate,
    /// The verification keys.
    pub keys: KeySet,
    /// The core policy.
    pub policy: Policy,
}

impl Gate {
    /// Loads keys and policy and builds the gate for `config`; checks that
    /// the keys are usable under the policy (as [`LiveVerifier::new`] does).
    pub fn load(config: &Config, env: &dyn Fn(&str) -> Option<String>) -> Result<Loaded, BoxError> {
        let phantom = match &config.phantom {
            Some(c) => Some(Phantom::new(c, env)?),
            None => None,
        };
        let mut policy = build_policy(config)?;
        let keys = match &phantom {
            Some(p) => {
                let (iss, aud) = p.issuer_audience();
                policy
                    .add_issuer(iss)
                    .and_then(|()| policy.add_audience(aud))
                    .map_err(|e| format!("phantom issuer/audience: {}", describe(&e)))?;
                p.verification_keys()?
            }
            None => {
                let (keys, issuer) = load_keys(config, env)?;
                if let Some(iss) = issuer {
                    if !policy.issuers().any(|i| i == iss) {
                        policy
                            .add_issuer(&iss)
                            .map_err(|e| format!("discovered issuer: {}", describe(&e)))?;
                    }
                }
                keys
            }
        };
        jwtgate::Verifier::try_new(keys.clone(), policy).map_err(|e| describe(&e))?;
        let realm = config.server.realm.clone();
        if !realm.bytes().all(qdtext) {
            return Err(format!("server.realm: {realm:?} cannot be quoted").into());
        }
        let headers = ClaimHeaders::new(&config.headers)?;
        let rules = RouteRules::new(&config.routes, &config.claims)?;
        let mut claim_names: Vec<String> = headers
            .top_level()
            .chain(rules.top_level())
            .chain(["sub".to_string()])
            .collect();
        claim_names.sort_unstable();
        claim_names.dedup();
        let gate = Gate {
            tokens: TokenSources::new(&config.token)?,
            headers,
            rules,
            realm,
            uri_from_path: config.server.uri_from_path.clone(),
            phantom,
            claim_names,
        };
        Ok(Loaded { gate, keys, policy })
    }

    /// Decides on a request with these headers, for the forwarded `uri`,
    /// at `now`.
    pub fn decide(
        &self,
        verifier: &LiveVerifier,
        headers: &HeaderMap,
        uri: Option<&str>,
        now: u64,
    ) -> Decision {
        let rule = if self.rules.is_empty() {
            None
        } else {
            let Some(uri) = uri else {
                // Rules cannot be applied without the URI: fail closed.
                return Decision::Forbidden {
                    scope: String::new(),
                    description: "no forwarded URI (X-Forwarded-Uri or X-Original-URI)".into(),
                    sub: None,
                };
            };
            match rules::normalize(uri) {
                Ok(path) => self.rules.find(&path),
                Err(why) => {
                    return Decision::Forbidden {
                        scope: String::new(),
                        description: format!("forwarded URI refused: {why}"),
                        sub: None,
                    }
                }
            }
        };
        let token = match self.tokens.extract(headers) {
            Ok(t) => t,
            Err(_) if rule.is_some_and(|r| r.public) => return self.public(),
            Err(Missing::Absent) => return unauthorized(None, "no token"),
            Err(Missing::Malformed(why)) => return unauthorized(Some("invalid_request"), why),
        };
        if rule.is_some_and(|r| r.public) {
            // A token on a public route is not checked, nor passed on.
            return self.public();
        }
        let minted;
        let token = match &self.phantom {
            None => token,
            Some(p) => match p.exchange(token, now) {
                Ok(jwt) => {
                    minted = jwt;
                    minted.as_bytes()
                }
                Err(ExchangeError::NoSession) => {
                    return unauthorized(Some("invalid_token"), "no such session")
                }
                Err(ExchangeError::BadSession(why)) => {
                    return unauthorized(Some("invalid_token"), why)
                }
                Err(ExchangeError::Unavailable(description)) => {
                    return Decision::Unavailable {
                        description,
                        code: 0,
                    }
                }
            },
        };
        let mut buf = vec![0u8; jwtgate::buffer_len(token.len())];
        let verified = match verifier.verify(token, now, &mut buf) {
            Ok(v) => v,
            Err(e) => return refusal(&e),
        };
        // Only the claims the headers and rules read (and `sub`).
        let claims = match claims::parse_selected(verified.claims().raw_json(), &self.claim_names) {
            Ok(v) => v,
            Err(_) => return unauthorized(Some("invalid_token"), "claims are not JSON"),
        };
        let sub = claims
            .get("sub")
            .and_then(|s| s.as_str())
            .map(str::to_string);
        if let Some(rule) = rule {
            if let Err(denied) = self.rules.check(rule, &claims) {
                return Decision::Forbidden {
                    scope: denied.scope,
                    description: denied.reason,
                    sub,
                };
            }
        }
        match self.headers.render(Some(&claims)) {
            Ok(mut headers) => {
                if let Some(p) = &self.phantom {
                    // The minted JWT (verified just now) for the upstream.
                    match HeaderValue::from_bytes(token) {
                        Ok(v) => headers.push((p.header.clone(), v)),
                        Err(_) => {
                            return Decision::Unavailable {
                                description: "minted token is not a header value".into(),
                                code: 0,
                            }
                        }
                    }
                }
                Decision::Allow { headers, sub }
            }
            Err(why) => unauthorized(Some("invalid_token"), why),
        }
    }

    /// Whether a decision may block on Redis (phantom mode).
    pub fn blocks(&self) -> bool {
        self.phantom.is_some()
    }

    /// Why the phantom session store is unusable, if it is (blocks on a
    /// Redis round trip).
    pub fn phantom_not_ready(&self) -> Option<String> {
        self.phantom.as_ref().and_then(Phantom::not_ready)
    }

    fn public(&self) -> Decision {
        match self.headers.render(None) {
            Ok(mut headers) => {
                if let Some(p) = &self.phantom {
                    headers.push((p.header.clone(), HeaderValue::from_static("")));
                }
                Decision::Allow { headers, sub: None }
            }
            Err(description) => Decision::Unavailable {
                description,
                code: 0,
            },
        }
    }
}

/// A 401 without a verification code.
fn unauthorized(error: Option<&'static str>, description: impl Into<String>) -> Decision {
    Decision::Unauthorized {
        error,
        description: description.into(),
        code: 0,
    }
}

/// A verification error as an answer: the gateway's own trouble (stale
/// denylist or keys, unusable denylist, no usable key) is 503, the token's
/// is 401.
fn refusal(e: &VerifyError) -> Decision {
    let code = e.code();
    let server_side = matches!(e, VerifyError::Stale { .. } | VerifyError::KeysStale { .. })
        || (800..1000).contains(&code)
        || code == jwtgate::Error::EmptyKeySet.code();
    if server_side {
        Decision::Unavailable {
            description: format!("{e} [{code}]"),
            code,
        }
    } else {
        Decision::Unauthorized {
            error: Some("invalid_token"),
            description: format!("{e} [{code}]"),
            code,
        }
    }
}

/// RFC 6750's `error_description` characters (and so a safe quoted string).
pub fn qdtext(b: u8) -> bool {
    matches!(b, 0x20..=0x21 | 0x23..=0x5B | 0x5D..=0x7E)
}
