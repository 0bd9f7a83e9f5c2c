#![no_std]
#![forbid(unsafe_code)]
#![doc = "jwtgate core (work in progress)"]

mod denylist;
mod error;
mod limits;

pub use denylist::{
    Config, Denylist, DenylistBuilder, Revocation, SegmentInfo, TokenIds, MAX_SEGMENTS,
};
pub use error::{Claim, Error, RevocationKind};
pub use limits::Limits;
