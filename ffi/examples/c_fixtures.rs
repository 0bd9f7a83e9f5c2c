//! Writes the denylist the C and Go tests load (they have no builder of
//! their own: building denylists is the issuing side's job).
//!
//! `cargo run -p jwtgate-ffi --example c_fixtures -- OUT_DIR` writes
//! `OUT_DIR/denylist.bin`, built at `NOW` = 1760000000 and revoking the
//! token `jti` "t-revoked", the session `sid` "s-revoked" and every token
//! of `sub` "u-revoked" issued before `NOW`, all until `NOW + 3600`; and
//! `OUT_DIR/denylist-empty.bin`, revoking nothing (the file-watch test
//! swaps one for the other).

use std::path::PathBuf;

use jwtgate::{DenylistBuilder, DenylistConfig, Revocation};

const NOW: u64 = 1_760_000_000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = PathBuf::from(std::env::args().nth(1).ok_or("usage: c_fixtures OUT_DIR")?);
    std::fs::create_dir_all(&out)?;
    let until = NOW + 3600;
    let entries = [
        Revocation::Token {
            jti: b"t-revoked",
            until,
        },
        Revocation::Session {
            sid: b"s-revoked",
            until,
        },
        Revocation::Subject {
            sub: b"u-revoked",
            issued_before: NOW,
            below_version: 0,
            until,
        },
    ];
    let builder = DenylistBuilder::new(DenylistConfig::new(*b"jwtgate-c-tests!", NOW));
    let mut bytes = vec![0u8; builder.required_len(&entries)?];
    let len = builder.build(&entries, &mut bytes)?;
    bytes.truncate(len);
    std::fs::write(out.join("denylist.bin"), &bytes)?;
    let mut empty = vec![0u8; builder.required_len(&[])?];
    let len = builder.build(&[], &mut empty)?;
    empty.truncate(len);
    std::fs::write(out.join("denylist-empty.bin"), &empty)?;
    Ok(())
}
