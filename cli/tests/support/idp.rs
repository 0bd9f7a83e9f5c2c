//! An identity provider on loopback HTTPS for the CLI tests
//! (`keysource.rs`, `serve.rs`), on sync/tests/common/https.rs.
#![allow(dead_code, clippy::unwrap_used)]

use std::sync::{Arc, Mutex};

use crate::common::https::{jwks, HttpsServer, Reply, Request};
use crate::common::TempDir;

/// An identity provider: discovery at `/idp`, its JWKS at `/idp/jwks`.
pub struct Idp {
    /// The HTTPS server (pause, resume, hits).
    pub server: HttpsServer,
    /// The JWKS served at `/idp/jwks`, replaceable.
    pub doc: Arc<Mutex<String>>,
    /// The path of the test CA's PEM file.
    pub ca: String,
    _dir: TempDir,
}

impl Idp {
    pub fn start(keys: &[&jwtgate::Key]) -> Idp {
        let doc = Arc::new(Mutex::new(jwks(keys)));
        let base = Arc::new(Mutex::new(String::new()));
        let (d2, b2) = (Arc::clone(&doc), Arc::clone(&base));
        let server = HttpsServer::start(move |r: &Request| {
            let base = b2.lock().unwrap().clone();
            match r.path.as_str() {
                "/idp/.well-known/openid-configuration" => Reply::json(format!(
                    r#"{{"issuer":"{base}/idp","jwks_uri":"{base}/idp/jwks"}}"#
                )),
                "/idp/jwks" => Reply::json(d2.lock().unwrap().clone()),
                _ => Reply::status(404),
            }
        });
        *base.lock().unwrap() = server.url("");
        let dir = TempDir::new("cli-idp");
        let ca = dir.path().join("ca.pem");
        std::fs::write(&ca, &server.ca_pem).unwrap();
        Idp {
            server,
            doc,
            ca: ca.display().to_string(),
            _dir: dir,
        }
    }
    pub fn issuer(&self) -> String {
        self.server.url("/idp")
    }
    pub fn jwks_url(&self) -> String {
        self.server.url("/idp/jwks")
    }
}
