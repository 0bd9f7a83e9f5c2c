#![no_std]
#![forbid(unsafe_code)]
#![doc = "jwtgate core (work in progress)"]

mod error;
#[allow(dead_code)]
mod json;
mod limits;

pub use error::{Claim, Error, RevocationKind};
pub use limits::Limits;
