//! The rule "a public key is never an HMAC secret", for key bytes.
//!
//! PyJWT refuses, as HMAC secrets, PEM text, OpenSSH public keys, DER
//! SubjectPublicKeyInfo, DER PKCS#1 RSA public keys and DER X.509
//! certificates (GHSA-ffqj-6fqr-9h24 and CVE-2022-29217: a token MACed with
//! the public key's bytes must not verify). This is that check, once, in
//! Rust: [`make_key`](crate::keys::make_key) applies it to every HMAC secret
//! the Python package builds (`decode`, `encode`, `Verifier`, `KeySet.add`),
//! and `check_hmac_secret` lets the Python layer apply it first, in PyJWT's
//! order (before the short-secret warning).
//!
//! DER is recognised by its structure (nested definite-length TLVs that
//! cover the whole input exactly), not by parsing a key, so no crypto
//! dependency is needed and a random secret is refused only if it happens
//! to be such a structure (about 2^-16 for the first two bytes alone).

use pyo3::prelude::*;

use crate::errors::asymmetric_secret_err;

/// PyJWT's message for an asymmetric key used as an HMAC secret.
pub(crate) const ASYMMETRIC_SECRET: &str = "The specified key is an asymmetric key or x509 \
     certificate and should not be used as an HMAC secret.";

/// The encoding of a public key or certificate that `data` is, if any:
/// `"PEM"`, `"OpenSSH"`, `"DER SubjectPublicKeyInfo"`, `"DER certificate"`
/// or `"DER PKCS#1 RSA public key"`.
pub(crate) fn public_key_encoding(data: &[u8]) -> Option<&'static str> {
    if is_pem(data) {
        Some("PEM")
    } else if is_openssh(data) {
        Some("OpenSSH")
    } else {
        der_kind(data)
    }
}

/// Raises PyJWT's `InvalidKeyError` when `secret` is a public key or
/// certificate in any encoding [`public_key_encoding`] knows.
#[pyfunction]
pub(crate) fn check_hmac_secret(py: Python<'_>, secret: &[u8]) -> PyResult<()> {
    match public_key_encoding(secret) {
        Some(_) => Err(asymmetric_secret_err(py, ASYMMETRIC_SECRET)),
        None => Ok(()),
    }
}

/// A PEM (or RFC 4716 style) armour line anywhere: `----BEGIN ` or
/// `---- BEGIN `. Wider than PyJWT's list of labels: a secret holding
/// such a line is a key file pasted in the wrong place.
fn is_pem(data: &[u8]) -> bool {
    data.windows(10)
        .any(|w| w == b"----BEGIN " || w == b"---- BEGIN")
}

/// An OpenSSH public key line (the key types PyJWT lists, and the FIDO
/// `sk-` variants).
fn is_openssh(data: &[u8]) -> bool {
    const PREFIXES: [&[u8]; 4] = [b"ssh-", b"ecdsa-sha2-", b"sk-ssh-", b"sk-ecdsa-sha2-"];
    PREFIXES.iter().any(|p| data.starts_with(p))
}

const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;
const OID: u8 = 0x06;

/// One DER TLV: `(tag, content, rest)`, for definite lengths of up to four
/// length bytes; `None` for anything else.
fn tlv(data: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = data.split_first()?;
    let (&first, mut rest) = rest.split_first()?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 {
            return None;
        }
        let (bytes, after) = rest.split_at_checked(count)?;
        rest = after;
        bytes
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b))
    };
    let (content, rest) = rest.split_at_checked(len)?;
    Some((tag, content, rest))
}

/// A TLV's tag and content.
type Item<'a> = (u8, &'a [u8]);

/// The TLVs of `content` (a constructed value), at most `N`, and how many
/// there are; `None` when there are more, or when they do not cover
/// `content` exactly.
fn children<const N: usize>(mut content: &[u8]) -> Option<([Item<'_>; N], usize)> {
    let mut out: [Item<'_>; N] = [(0u8, &[][..]); N];
    let mut count = 0usize;
    while !content.is_empty() {
        let (tag, inner, rest) = tlv(content)?;
        *out.get_mut(count)? = (tag, inner);
        count += 1;
        content = rest;
    }
    Some((out, count))
}

/// An AlgorithmIdentifier: a SEQUENCE that starts with an OID.
fn is_algorithm_identifier(tag: u8, content: &[u8]) -> bool {
    tag == SEQUENCE && matches!(tlv(content), Some((OID, _, _)))
}

fn der_kind(data: &[u8]) -> Option<&'static str> {
    let (SEQUENCE, content, []) = tlv(data)? else {
        return None;
    };
    let (items, count) = children::<3>(content)?;
    match (count, items) {
        // RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
        (2, [(INTEGER, n), (INTEGER, e), _]) if !n.is_empty() && !e.is_empty() => {
            Some("DER PKCS#1 RSA public key")
        }
        // SubjectPublicKeyInfo ::= SEQUENCE { AlgorithmIdentifier, BIT STRING }
        (2, [(alg, params), (BIT_STRING, key), _])
            if is_algorithm_identifier(alg, params) && !key.is_empty() =>
        {
            Some("DER SubjectPublicKeyInfo")
        }
        // Certificate ::= SEQUENCE { tbsCertificate SEQUENCE,
        //     signatureAlgorithm AlgorithmIdentifier, signatureValue BIT STRING }
        (3, [(SEQUENCE, _), (alg, params), (BIT_STRING, sig)])
            if is_algorithm_identifier(alg, params) && !sig.is_empty() =>
        {
            Some("DER certificate")
        }
        _ => None,
    }
}
