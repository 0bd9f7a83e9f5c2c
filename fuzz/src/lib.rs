//! Shared harness code for the fuzz targets: the keys, the denylist, token
//! forging, and the structure-aware token description that
//! `verify_structured` and `differential` build tokens from.
//!
//! Everything here is test scaffolding; panics are the point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write as _;
use std::sync::OnceLock;

use arbitrary::Arbitrary;
use base64ct::{Base64UrlUnpadded, Encoding};
use hmac::{Hmac, KeyInit, Mac};
use jsonwebtoken::{Algorithm as PeerAlg, EncodingKey};
use jwtgate::{
    Algorithm, Denylist, DenylistBuilder, DenylistConfig, Key, KeySet, Policy, Revocation, Verifier,
};

/// The HS256 secret (the same one the core's tests use).
pub const SECRET: &[u8; 32] = b"jwtgate test secret, 32 bytes!!!";
/// HS384 and HS512 secrets (long enough for their hash).
pub const SECRET_384: &[u8; 48] = b"jwtgate HS384 test secret, forty-eight bytes!!!!";
/// The HS512 secret.
pub const SECRET_512: &[u8; 64] =
    b"jwtgate HS512 test secret, sixty-four bytes long no more no less";
/// The Ed25519 seed (the same one the core's tests use).
pub const ED_SEED: [u8; 32] = [7u8; 32];
/// The verification time the fixed-time targets use.
pub const NOW: u64 = 1_700_000_000;

/// The issuer and audience the policy accepts.
pub const ISSUER: &str = "https://issuer.example";
/// The accepted audience.
pub const AUDIENCE: &str = "orders";

/// Revoked identifiers, with the bounds the denylist was built with.
pub const REVOKED_JTI: &str = "t-revoked";
/// `exp` of the revoked token (a token revocation lives in its exp's window).
pub const REVOKED_JTI_EXP: u64 = NOW + 3_000;
/// A revoked session.
pub const REVOKED_SID: &str = "s-revoked";
/// Until when the session revocation matters.
pub const REVOKED_SID_UNTIL: u64 = NOW + 30_000;
/// A subject logged out everywhere.
pub const REVOKED_SUB: &str = "u-revoked";
/// Tokens of `REVOKED_SUB` issued before this are revoked.
pub const REVOKED_SUB_ISSUED_BEFORE: u64 = NOW - 1_000;
/// Tokens of `REVOKED_SUB` with `ver` below this are revoked.
pub const REVOKED_SUB_BELOW_VERSION: u64 = 3;
/// Until when the subject revocation matters.
pub const REVOKED_SUB_UNTIL: u64 = NOW + 30_000;
/// When the denylist was built.
pub const DENYLIST_BUILT: u64 = NOW - 500;

/// The serialized denylist every target attaches (built once).
pub fn denylist_bytes() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| {
        let fillers: Vec<String> = (0..40).map(|i| format!("filler-{i}")).collect();
        let mut entries = vec![
            Revocation::Token {
                jti: REVOKED_JTI.as_bytes(),
                until: REVOKED_JTI_EXP,
            },
            Revocation::Session {
                sid: REVOKED_SID.as_bytes(),
                until: REVOKED_SID_UNTIL,
            },
            Revocation::Subject {
                sub: REVOKED_SUB.as_bytes(),
                issued_before: REVOKED_SUB_ISSUED_BEFORE,
                below_version: REVOKED_SUB_BELOW_VERSION,
                until: REVOKED_SUB_UNTIL,
            },
        ];
        for (i, f) in fillers.iter().enumerate() {
            let i = i as u64;
            entries.push(match i % 3 {
                0 => Revocation::Token {
                    jti: f.as_bytes(),
                    until: NOW + 600 * i,
                },
                1 => Revocation::Session {
                    sid: f.as_bytes(),
                    until: NOW + 900 * i,
                },
                _ => Revocation::Subject {
                    sub: f.as_bytes(),
                    issued_before: NOW - i,
                    below_version: 0,
                    until: NOW + 1200 * i,
                },
            });
        }
        let builder = DenylistBuilder::new(DenylistConfig::new([0x5a; 16], DENYLIST_BUILT));
        let mut out = vec![0u8; builder.required_len(&entries).unwrap()];
        let n = builder.build(&entries, &mut out).unwrap();
        out.truncate(n);
        // Leaked into the OnceLock: the views borrow it for 'static.
        out
    })
}

/// The denylist view.
pub fn denylist() -> Denylist<'static> {
    Denylist::from_bytes(denylist_bytes()).unwrap()
}

/// The signing algorithms, for `Arbitrary` choices (weighted: see the
/// `Arbitrary` impl).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alg {
    /// HMAC-SHA256.
    HS256,
    /// HMAC-SHA384.
    HS384,
    /// HMAC-SHA512.
    HS512,
    /// Ed25519.
    EdDSA,
    /// ECDSA P-256 (signed by jsonwebtoken, an independent signer).
    ES256,
    /// RSASSA-PKCS1-v1_5 with a 2048-bit key (signed by jsonwebtoken).
    RS256,
    /// RSASSA-PSS with the same RSA key (signed by jsonwebtoken).
    PS256,
}

impl Alg {
    /// The JOSE name.
    pub fn name(self) -> &'static str {
        match self {
            Alg::HS256 => "HS256",
            Alg::HS384 => "HS384",
            Alg::HS512 => "HS512",
            Alg::EdDSA => "EdDSA",
            Alg::ES256 => "ES256",
            Alg::RS256 => "RS256",
            Alg::PS256 => "PS256",
        }
    }
}

impl<'a> Arbitrary<'a> for Alg {
    /// One byte: HMAC and EdDSA take 248 of the 256 values, ES256 8. Not
    /// RS256 or PS256: under coverage tracing an RSA signature from
    /// jsonwebtoken's bigint code takes around a second, and even at 1 in
    /// 256 inputs RSA signing took most of the fuzzing time (81 execs/s
    /// instead of hundreds). The claims logic is the same for every
    /// algorithm; RSA-signed tokens are covered by `every_algorithm_signs_
    /// tokens_the_keys_accept` below and the core's `idp_algs` and
    /// `interop` tests; the RSA keys stay in [`keys`], so tokens naming
    /// RS256 or PS256 over another algorithm's signature (and, in the raw
    /// `verify` target, over any bytes) are still fuzzed.
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(match u8::arbitrary(u)? {
            b @ 0..=247 => [Alg::HS256, Alg::HS384, Alg::HS512, Alg::EdDSA][usize::from(b % 4)],
            _ => Alg::ES256,
        })
    }

    fn size_hint(_depth: usize) -> (usize, Option<usize>) {
        (1, Some(1))
    }
}

/// The identity-provider test keys of the core (`core/tests/keys/`).
const IDP_JWKS: &str = include_str!("../../core/tests/keys/jwks.json");
const P256_PKCS8: &[u8] = include_bytes!("../../core/tests/keys/p256.der");
const RSA2048_PKCS1: &[u8] = include_bytes!("../../core/tests/keys/rsa2048.der");

/// One key per algorithm; HS256, EdDSA and ES256 carry a `kid`. RS256 and
/// PS256 share one RSA key, each bound to its own algorithm. Built once:
/// reading RSA keys (Montgomery parameters) would otherwise dominate every
/// fuzz input.
pub fn keys() -> KeySet {
    static KEYS: OnceLock<KeySet> = OnceLock::new();
    KEYS.get_or_init(build_keys).clone()
}

fn build_keys() -> KeySet {
    let mut set = KeySet::new();
    set.add(
        Key::hmac(Algorithm::HS256, SECRET)
            .unwrap()
            .with_kid("hs")
            .unwrap(),
    )
    .unwrap();
    set.add(Key::hmac(Algorithm::HS384, SECRET_384).unwrap())
        .unwrap();
    set.add(Key::hmac(Algorithm::HS512, SECRET_512).unwrap())
        .unwrap();
    let ed = Key::ed25519_private(&ED_SEED).unwrap().to_public().unwrap();
    set.add(ed.with_kid("ed").unwrap()).unwrap();
    let idp = KeySet::from_jwks(IDP_JWKS.as_bytes()).unwrap();
    let p256 = idp.find(Algorithm::ES256, Some("p256")).unwrap().clone();
    set.add(p256).unwrap();
    let rsa = idp.find(Algorithm::RS256, Some("rsa2048")).unwrap();
    let (n, e) = rsa.rsa_public_components().unwrap();
    let e = e.to_be_bytes();
    set.add(Key::rsa_public(Algorithm::RS256, n, &e).unwrap())
        .unwrap();
    set.add(Key::rsa_public(Algorithm::PS256, n, &e).unwrap())
        .unwrap();
    set
}

/// The policy of the fixed-time targets: issuer and audience set.
pub fn policy() -> Policy {
    let mut p = Policy::new();
    p.add_issuer(ISSUER).unwrap();
    p.add_audience(AUDIENCE).unwrap();
    p
}

/// The verifier every target uses, with the denylist attached.
pub fn verifier() -> Verifier<'static> {
    Verifier::new(keys(), policy()).with_denylist(denylist())
}

/// base64url without padding.
pub fn b64(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

/// The signature of `input` with the harness key for `alg`.
pub fn sign(alg: Alg, input: &[u8]) -> Vec<u8> {
    fn mac<M: Mac + KeyInit>(secret: &[u8], input: &[u8]) -> Vec<u8> {
        let mut m = <M as KeyInit>::new_from_slice(secret).unwrap();
        m.update(input);
        m.finalize().into_bytes().to_vec()
    }
    match alg {
        Alg::HS256 => mac::<Hmac<sha2::Sha256>>(SECRET, input),
        Alg::HS384 => mac::<Hmac<sha2::Sha384>>(SECRET_384, input),
        Alg::HS512 => mac::<Hmac<sha2::Sha512>>(SECRET_512, input),
        Alg::EdDSA => {
            use ed25519_dalek::Signer;
            let key = ed25519_dalek::SigningKey::from_bytes(&ED_SEED);
            key.sign(input).to_bytes().to_vec()
        }
        Alg::ES256 => peer_sign(input, EncodingKey::from_ec_der(P256_PKCS8), PeerAlg::ES256),
        Alg::RS256 => peer_sign(
            input,
            EncodingKey::from_rsa_der(RSA2048_PKCS1),
            PeerAlg::RS256,
        ),
        Alg::PS256 => peer_sign(
            input,
            EncodingKey::from_rsa_der(RSA2048_PKCS1),
            PeerAlg::PS256,
        ),
    }
}

fn peer_sign(input: &[u8], key: EncodingKey, alg: PeerAlg) -> Vec<u8> {
    let signature = jsonwebtoken::crypto::sign(input, &key, alg).unwrap();
    Base64UrlUnpadded::decode_vec(&signature).unwrap()
}

/// A compact JWS over arbitrary header and payload bytes, signed with `alg`'s key.
pub fn token(alg: Alg, header: &[u8], payload: &[u8]) -> String {
    let input = format!("{}.{}", b64(header), b64(payload));
    let sig = sign(alg, input.as_bytes());
    format!("{input}.{}", b64(&sig))
}

// ---------------------------------------------------------------------------
// Structure-aware claims
// ---------------------------------------------------------------------------

/// A string value: one of the values the policy and denylist care about, or
/// anything, optionally written with JSON escapes.
#[derive(Arbitrary, Debug, Clone)]
pub struct StrSpec {
    /// Which string.
    pub choice: StrChoice,
    /// 0: plain; 1: every character as `\uXXXX`; 2: the first one only;
    /// 3: `/` as `\/`.
    pub escape: u8,
}

/// The strings that reach interesting logic.
#[derive(Arbitrary, Debug, Clone)]
pub enum StrChoice {
    /// The accepted issuer.
    Issuer,
    /// The accepted audience.
    Audience,
    /// The revoked `jti`.
    RevokedJti,
    /// The revoked `sid`.
    RevokedSid,
    /// The revoked `sub`.
    RevokedSub,
    /// The HS256 key's `kid`.
    KidHs,
    /// The EdDSA key's `kid`.
    KidEd,
    /// The ES256 key's `kid`.
    KidEc,
    /// Anything.
    Other(String),
}

impl StrSpec {
    /// The string's value (unescaped).
    pub fn value(&self) -> &str {
        match &self.choice {
            StrChoice::Issuer => ISSUER,
            StrChoice::Audience => AUDIENCE,
            StrChoice::RevokedJti => REVOKED_JTI,
            StrChoice::RevokedSid => REVOKED_SID,
            StrChoice::RevokedSub => REVOKED_SUB,
            StrChoice::KidHs => "hs",
            StrChoice::KidEd => "ed",
            StrChoice::KidEc => "p256",
            StrChoice::Other(s) => s,
        }
    }

    /// Writes the string as a JSON string literal.
    pub fn write(&self, out: &mut String) {
        write_json_str(out, self.value(), self.escape % 4);
    }
}

/// Writes `s` as a JSON string; `escape` as in [`StrSpec::escape`].
pub fn write_json_str(out: &mut String, s: &str, escape: u8) {
    out.push('"');
    for (i, c) in s.chars().enumerate() {
        let force = escape == 1 || (escape == 2 && i == 0);
        match c {
            '/' if escape == 3 => out.push_str("\\/"),
            _ if force => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{u:04x}");
                }
            }
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A member name.
#[derive(Arbitrary, Debug, Clone)]
pub enum Name {
    /// `iss`
    Iss,
    /// `sub`
    Sub,
    /// `aud`
    Aud,
    /// `exp`
    Exp,
    /// `nbf`
    Nbf,
    /// `iat`
    Iat,
    /// `jti`
    Jti,
    /// `sid`
    Sid,
    /// `ver`
    Ver,
    /// Anything else.
    Other(String),
}

impl Name {
    fn as_str(&self) -> &str {
        match self {
            Name::Iss => "iss",
            Name::Sub => "sub",
            Name::Aud => "aud",
            Name::Exp => "exp",
            Name::Nbf => "nbf",
            Name::Iat => "iat",
            Name::Jti => "jti",
            Name::Sid => "sid",
            Name::Ver => "ver",
            Name::Other(s) => s,
        }
    }
}

/// A member value.
#[derive(Arbitrary, Debug, Clone)]
pub enum ValueSpec {
    /// A time near the reference time: `base + delta` seconds.
    Time(i32),
    /// A time within two minutes of the reference time (boundaries).
    Near(i8),
    /// The same with a fractional part written after the dot.
    FracTime(i32, u16),
    /// The same in exponent form: digits `e` exponent.
    ExpTime(i32, i8),
    /// Exactly the revoked token's `exp`.
    RevokedJtiExp,
    /// A small integer (versions).
    Small(u8),
    /// Any unsigned integer.
    Int(u64),
    /// Any number-like text (may be invalid JSON).
    NumText(String),
    /// A string.
    Str(StrSpec),
    /// `true` / `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// An array of strings.
    Strings(Vec<StrSpec>),
    /// A nested object of strings.
    Object(Vec<(String, StrSpec)>),
    /// Nested arrays this deep.
    Deep(u8),
}

/// One claims member, optionally with its name escaped.
#[derive(Arbitrary, Debug, Clone)]
pub struct Member {
    /// The name.
    pub name: Name,
    /// Escape mode for the name (as [`StrSpec::escape`]).
    pub name_escape: u8,
    /// The value.
    pub value: ValueSpec,
}

/// Renders members as a JSON object, times relative to `base`.
pub fn render_members(members: &[Member], base: u64, spaced: bool) -> String {
    let mut out = String::from("{");
    for (i, m) in members.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if spaced {
            out.push_str("\n ");
        }
        write_json_str(&mut out, m.name.as_str(), m.name_escape % 4);
        out.push(':');
        if spaced {
            out.push(' ');
        }
        render_value(&mut out, &m.value, base);
    }
    out.push('}');
    out
}

fn time(base: u64, delta: i32) -> u64 {
    base.saturating_add_signed(i64::from(delta))
}

fn render_value(out: &mut String, v: &ValueSpec, base: u64) {
    match v {
        ValueSpec::Time(d) => {
            let _ = write!(out, "{}", time(base, *d));
        }
        ValueSpec::Near(d) => {
            let _ = write!(out, "{}", time(base, i32::from(*d)));
        }
        ValueSpec::FracTime(d, f) => {
            let _ = write!(out, "{}.{f}", time(base, *d));
        }
        ValueSpec::ExpTime(d, e) => {
            let t = time(base, *d);
            let _ = write!(out, "{t}e{e}");
        }
        ValueSpec::RevokedJtiExp => {
            let _ = write!(out, "{REVOKED_JTI_EXP}");
        }
        ValueSpec::Small(n) => {
            let _ = write!(out, "{n}");
        }
        ValueSpec::Int(n) => {
            let _ = write!(out, "{n}");
        }
        ValueSpec::NumText(s) => {
            // Keep it number-ish so it is mostly valid JSON.
            let t: String = s
                .chars()
                .filter(|c| c.is_ascii_digit() || "+-.eE".contains(*c))
                .take(40)
                .collect();
            out.push_str(if t.is_empty() { "0" } else { &t });
        }
        ValueSpec::Str(s) => s.write(out),
        ValueSpec::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        ValueSpec::Null => out.push_str("null"),
        ValueSpec::Strings(items) => {
            out.push('[');
            for (i, s) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                s.write(out);
            }
            out.push(']');
        }
        ValueSpec::Object(members) => {
            out.push('{');
            for (i, (k, s)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_str(out, k, 0);
                out.push(':');
                s.write(out);
            }
            out.push('}');
        }
        ValueSpec::Deep(n) => {
            let n = usize::from(*n % 64);
            out.push_str(&"[".repeat(n));
            out.push_str(&"]".repeat(n));
            if n == 0 {
                out.push_str("[]");
            }
        }
    }
}

/// A registered claim the policy needs: the accepted value, absent, or fuzzed.
#[derive(Arbitrary, Debug, Clone)]
pub enum Field<T> {
    /// The value the policy accepts.
    Valid,
    /// Not there.
    Absent,
    /// Anything.
    Fuzzed(T),
}

/// Claims either typical (the policy's `iss`, `aud`, `exp` likely valid,
/// so the fuzzer starts on the accept path), as members (mostly valid
/// JSON), or raw bytes.
#[derive(Arbitrary, Debug, Clone)]
pub enum ClaimsSpec {
    /// `iss`, `aud`, `exp` each valid, absent or fuzzed, then more members.
    Typical {
        /// `iss`.
        iss: Field<StrSpec>,
        /// `aud`.
        aud: Field<ValueSpec>,
        /// `exp` (valid: ten minutes after the reference time).
        exp: Field<ValueSpec>,
        /// More members (`nbf`, `iat`, `jti`, duplicates ...).
        rest: Vec<Member>,
    },
    /// A JSON object built from members.
    Members {
        /// The members, in order.
        members: Vec<Member>,
        /// Pretty-print with whitespace.
        spaced: bool,
    },
    /// Raw bytes.
    Raw(Vec<u8>),
}

impl ClaimsSpec {
    /// The claims bytes, times relative to `base`.
    pub fn render(&self, base: u64) -> Vec<u8> {
        match self {
            ClaimsSpec::Members { members, spaced } => {
                render_members(members, base, *spaced).into_bytes()
            }
            ClaimsSpec::Typical {
                iss,
                aud,
                exp,
                rest,
            } => {
                let mut members = Vec::new();
                let mut field = |name: Name, f: &Field<ValueSpec>, valid: ValueSpec| match f {
                    Field::Valid => members.push(Member {
                        name,
                        name_escape: 0,
                        value: valid,
                    }),
                    Field::Absent => {}
                    Field::Fuzzed(v) => members.push(Member {
                        name,
                        name_escape: 0,
                        value: v.clone(),
                    }),
                };
                let valid_str = |choice| ValueSpec::Str(StrSpec { choice, escape: 0 });
                let iss = match iss {
                    Field::Valid => Field::Valid,
                    Field::Absent => Field::Absent,
                    Field::Fuzzed(s) => Field::Fuzzed(ValueSpec::Str(s.clone())),
                };
                field(Name::Iss, &iss, valid_str(StrChoice::Issuer));
                field(Name::Aud, aud, valid_str(StrChoice::Audience));
                field(Name::Exp, exp, ValueSpec::Time(600));
                members.extend(rest.iter().cloned());
                render_members(&members, base, false).into_bytes()
            }
            ClaimsSpec::Raw(b) => b.clone(),
        }
    }
}

/// What the header holds.
#[derive(Arbitrary, Debug, Clone)]
pub enum HeaderSpec {
    /// `alg` of the signing key, then optional `kid`, `typ` and extra members.
    Standard {
        /// Write `alg` escaped this way.
        alg_escape: u8,
        /// `kid`.
        kid: Option<StrSpec>,
        /// `typ`.
        typ: Option<StrSpec>,
        /// More members (`crit`, `b64`, `jwk`, duplicates ...).
        extra: Vec<Member>,
    },
    /// Another algorithm name than the key's (confusion attempts).
    OtherAlg(String),
    /// Raw bytes.
    Raw(Vec<u8>),
}

impl HeaderSpec {
    /// The header bytes for a token signed with `alg`.
    pub fn render(&self, alg: Alg) -> Vec<u8> {
        match self {
            HeaderSpec::Standard {
                alg_escape,
                kid,
                typ,
                extra,
            } => {
                let mut out = String::from("{\"alg\":");
                write_json_str(&mut out, alg.name(), alg_escape % 4);
                if let Some(kid) = kid {
                    out.push_str(",\"kid\":");
                    kid.write(&mut out);
                }
                if let Some(typ) = typ {
                    out.push_str(",\"typ\":");
                    typ.write(&mut out);
                }
                let rest = render_members(extra, NOW, false);
                if rest.len() > 2 {
                    out.push(',');
                    out.push_str(&rest[1..]);
                } else {
                    out.push('}');
                }
                out.into_bytes()
            }
            HeaderSpec::OtherAlg(name) => {
                let mut out = String::from("{\"alg\":");
                write_json_str(&mut out, name, 0);
                out.push('}');
                out.into_bytes()
            }
            HeaderSpec::Raw(b) => b.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every algorithm's harness signature verifies with the harness keys,
    /// so the targets reach past the signature for each of them.
    #[test]
    fn every_algorithm_signs_tokens_the_keys_accept() {
        let v = Verifier::new(keys(), Policy::new());
        for alg in [
            Alg::HS256,
            Alg::HS384,
            Alg::HS512,
            Alg::EdDSA,
            Alg::ES256,
            Alg::RS256,
            Alg::PS256,
        ] {
            let header = format!(r#"{{"alg":"{}"}}"#, alg.name());
            let t = token(alg, header.as_bytes(), br#"{"exp":1}"#);
            let mut buf = [0u8; jwtgate::BUFFER_LEN];
            let jws = v.verify_jws(t.as_bytes(), &mut buf);
            assert!(jws.is_ok(), "{}: {:?}", alg.name(), jws.err());
        }
    }
}
