#![no_std]
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::as_conversions))]
#![doc = include_str!("../../README.md")]

#[cfg(test)]
extern crate std;

mod alg;
mod base64;
mod claims;
mod denylist;
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
mod rsa;
mod sign;
mod time;
mod verify;
#[cfg(test)]
mod wycheproof_ed25519;

pub use alg::Algorithm;
pub use base64::{
    decode as base64url_decode, decoded_len as base64url_decoded_len, encode as base64url_encode,
    encoded_len as base64url_encoded_len,
};
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
