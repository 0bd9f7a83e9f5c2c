#![no_std]
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::as_conversions))]
#![doc = include_str!("../../README.md")]

#[cfg(test)]
extern crate std;

mod alg;
mod base64;
#[cfg(target_has_atomic = "64")]
mod cache;
mod claims;
mod denylist;
#[cfg(feature = "es256")]
mod ecdsa;
mod error;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod header;
mod json;
mod jwks;
mod keys;
mod limits;
mod policy;
mod revocation;
#[cfg(feature = "rsa")]
mod rsa;
mod sign;
mod time;
mod verify;
#[cfg(test)]
mod wycheproof_ed25519;

#[cfg(not(any(
    feature = "hmac",
    feature = "eddsa",
    feature = "es256",
    feature = "rsa"
)))]
compile_error!("jwtgate needs at least one algorithm feature: hmac, eddsa, es256 or rsa");

pub use alg::Algorithm;
pub use base64::{
    decode as base64url_decode, decoded_len as base64url_decoded_len, encode as base64url_encode,
    encoded_len as base64url_encoded_len,
};
#[cfg(target_has_atomic = "64")]
pub use cache::{CacheSlot, CacheStats, Tag, TokenCache, COUNTER_SHARDS, WAYS};
pub use claims::{Audience, Claims};
pub use denylist::{
    Config, Denylist, DenylistBuilder, DenylistLayout, Retention, Revocation, SegmentInfo,
    TokenIds, MAX_SEGMENTS,
};
pub use error::{Claim, Error, RevocationKind};
pub use header::Header;
pub use json::{Array, JsonStr, Number, Object, Value};
pub use keys::{Key, KeySet, MAX_KEYS, MAX_KID_LEN};
pub use limits::Limits;
pub use policy::{ClaimSet, Policy, MAX_POLICY_BYTES, MAX_POLICY_VALUES, MAX_TYP_LEN};
pub use sign::{encode, encoded_len, HeaderFields, MAX_HEADER_JSON_LEN};
pub use verify::{buffer_len, Jws, Verified, Verifier, BUFFER_LEN};
