//! A local identity provider for the C, Go and Python key source tests: a
//! test CA and a server certificate made at start, HTTPS on `127.0.0.1`
//! port 0 (the server of `sync/tests/common/https.rs`), serving files of a
//! directory that the tests rewrite.
//!
//! ```text
//! cargo run -p jwtgate-sync --example jwks_server -- DIR INFO_FILE [MAX_SECONDS]
//! ```
//!
//! - Serves `DIR/jwks.json` at `/jwks.json` and `DIR/openid-configuration`
//!   at `/.well-known/openid-configuration`, read at each request, with
//!   `{base}` replaced by `https://127.0.0.1:PORT`; a missing file is a 404.
//! - Writes the test material to `DIR`: `ca.pem`; Ed25519 keys `a` and `b`
//!   as `jwks-a.json`, `jwks-b.json`, `jwks-ab.json`; tokens `token-a` and
//!   `token-b` (issuer `https://127.0.0.1:PORT`, subject `ada`, valid for an
//!   hour); and, unless present, `jwks.json` (key `a`) and the discovery
//!   document (issuer and `jwks_uri` of this server).
//! - Then writes `INFO_FILE` (atomically): the port on the first line, the
//!   CA file's path on the second.
//! - Exits when its standard input closes or after `MAX_SECONDS` (120 by
//!   default). A test kills it to simulate an outage.

#[allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#[path = "../tests/common/https.rs"]
mod https;

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use https::{ed_key, jwks, signed, HttpsServer, Reply, Request};

fn serve(dir: &Path, base: &OnceLock<String>, request: &Request) -> Reply {
    let name = match request.path.as_str() {
        "/jwks.json" => "jwks.json",
        "/.well-known/openid-configuration" => "openid-configuration",
        _ => return Reply::status(404),
    };
    match std::fs::read_to_string(dir.join(name)) {
        Ok(text) => Reply::json(text.replace("{base}", base.get().map_or("", String::as_str))),
        Err(_) => Reply::status(404),
    }
}

/// Writes `text` to `path` through a temporary file and a rename, so that
/// a reader never sees half of it.
fn write_atomic(path: &Path, text: &str) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(tmp, path)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args_os().skip(1);
    let usage = "usage: jwks_server DIR INFO_FILE [MAX_SECONDS]";
    let dir = PathBuf::from(args.next().ok_or(usage)?);
    let info = PathBuf::from(args.next().ok_or(usage)?);
    let max_secs: u64 = match args.next() {
        Some(s) => s.to_str().ok_or(usage)?.parse()?,
        None => 120,
    };
    std::fs::create_dir_all(&dir)?;

    let base = Arc::new(OnceLock::new());
    let (h_dir, h_base) = (dir.clone(), Arc::clone(&base));
    let server = HttpsServer::start(move |r| serve(&h_dir, &h_base, r));
    let url = server.url("");
    base.set(url.clone()).map_err(|_| "base set twice")?;

    let (a, b) = (ed_key("a", 1), ed_key("b", 2));
    let ca = dir.join("ca.pem");
    write_atomic(&ca, &server.ca_pem)?;
    write_atomic(&dir.join("jwks-a.json"), &jwks(&[&a]))?;
    write_atomic(&dir.join("jwks-b.json"), &jwks(&[&b]))?;
    write_atomic(&dir.join("jwks-ab.json"), &jwks(&[&a, &b]))?;
    write_atomic(&dir.join("token-a"), &signed(&a, &url))?;
    write_atomic(&dir.join("token-b"), &signed(&b, &url))?;
    if !dir.join("jwks.json").exists() {
        write_atomic(&dir.join("jwks.json"), &jwks(&[&a]))?;
    }
    if !dir.join("openid-configuration").exists() {
        write_atomic(
            &dir.join("openid-configuration"),
            r#"{"issuer":"{base}","jwks_uri":"{base}/jwks.json"}"#,
        )?;
    }
    write_atomic(&info, &format!("{}\n{}\n", server.port, ca.display()))?;

    // Exit when stdin closes (the test ended) or after the bound.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut sink = [0u8; 256];
        while matches!(std::io::stdin().read(&mut sink), Ok(n) if n > 0) {}
        let _ = tx.send(());
    });
    let _ = rx.recv_timeout(Duration::from_secs(max_secs));
    drop(server);
    Ok(())
}
