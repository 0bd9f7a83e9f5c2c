#![no_std]
#![forbid(unsafe_code)]
#![doc = "jwtgate core (work in progress)"]

mod error;
mod limits;

pub use error::{Claim, Error, RevocationKind};
pub use limits::Limits;
