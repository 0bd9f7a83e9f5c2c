#![allow(clippy::indexing_slicing, clippy::as_conversions)]

//! A real HTTPS server on loopback for the key source tests: a test CA and
//! a server certificate (for `127.0.0.1` and `localhost`) made at run time
//! with rcgen, rustls (ring) on `127.0.0.1` port 0, and a tiny HTTP/1.1
//! responder whose status, headers, body, delay and trickle each test
//! scripts. It counts the requests per path, can stop (the port refuses
//! connections) and start again on the same port.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, SanType};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// One request as the responder saw it.
#[derive(Clone, Debug, Default)]
pub struct Request {
    pub path: String,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The scripted answer.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Send no `Content-Length` (the body ends when the connection closes).
    pub no_length: bool,
    /// Wait this long before answering.
    pub delay: Duration,
    /// Send the body one byte per this interval.
    pub trickle: Option<Duration>,
}

impl Reply {
    pub fn status(status: u16) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            no_length: false,
            delay: Duration::ZERO,
            trickle: None,
        }
    }
    pub fn json(body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            body: body.into(),
            ..Reply::status(200)
        }
        .header("content-type", "application/json")
    }
    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
}

type Handler = Arc<dyn Fn(&Request) -> Reply + Send + Sync>;

struct Inner {
    handler: Mutex<Handler>,
    hits: Mutex<HashMap<String, usize>>,
    requests: Mutex<Vec<Request>>,
    stop: AtomicBool,
}

/// The test CA and the server's TLS configuration.
pub struct TestCa {
    pub ca_pem: String,
    config: Arc<rustls::ServerConfig>,
}

impl TestCa {
    pub fn new() -> TestCa {
        let ca_key = KeyPair::generate().unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "jwtgate test CA");
        let ca_cert = ca_params.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca_params, ca_key);
        let server_key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
        params
            .subject_alt_names
            .push(SanType::IpAddress(std::net::IpAddr::from([127, 0, 0, 1])));
        let cert = params.signed_by(&server_key, &issuer).unwrap();
        let chain = vec![
            CertificateDer::from(cert.der().to_vec()),
            CertificateDer::from(ca_cert.der().to_vec()),
        ];
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der()));
        // The process-default provider: ring, the only one compiled in.
        let config = rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .unwrap();
        TestCa {
            ca_pem: ca_cert.pem(),
            config: Arc::new(config),
        }
    }
}

/// The server. Stops on drop.
pub struct HttpsServer {
    pub port: u16,
    pub ca_pem: String,
    tls: Option<Arc<rustls::ServerConfig>>,
    inner: Arc<Inner>,
    thread: Option<JoinHandle<()>>,
}

impl HttpsServer {
    /// An HTTPS server with its own test CA.
    pub fn start(handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> HttpsServer {
        let ca = TestCa::new();
        Self::spawn(Some(ca.config), ca.ca_pem, 0, Arc::new(handler))
    }

    /// A plain HTTP server (for the `http://` loopback option).
    pub fn start_plain(handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> HttpsServer {
        Self::spawn(None, String::new(), 0, Arc::new(handler))
    }

    fn spawn(
        tls: Option<Arc<rustls::ServerConfig>>,
        ca_pem: String,
        port: u16,
        handler: Handler,
    ) -> HttpsServer {
        let inner = Arc::new(Inner {
            handler: Mutex::new(handler),
            hits: Mutex::new(HashMap::new()),
            requests: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
        });
        let mut server = HttpsServer {
            port,
            ca_pem,
            tls,
            inner,
            thread: None,
        };
        server.listen();
        server
    }

    fn listen(&mut self) {
        let listener = bind(self.port);
        listener.set_nonblocking(true).unwrap();
        self.port = listener.local_addr().unwrap().port();
        self.inner.stop.store(false, Relaxed);
        let inner = Arc::clone(&self.inner);
        let tls = self.tls.clone();
        self.thread = Some(std::thread::spawn(move || {
            while !inner.stop.load(Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let (inner, tls) = (Arc::clone(&inner), tls.clone());
                        std::thread::spawn(move || {
                            let _ = serve(stream, tls, &inner);
                        });
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(2)),
                }
            }
        }));
    }

    /// `https://127.0.0.1:PORT{path}` (`http://` for a plain server).
    pub fn url(&self, path: &str) -> String {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        format!("{scheme}://127.0.0.1:{}{path}", self.port)
    }

    pub fn set_handler(&self, handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) {
        *self.inner.handler.lock().unwrap() = Arc::new(handler);
    }

    /// Requests served for `path` so far.
    pub fn hits(&self, path: &str) -> usize {
        self.inner
            .hits
            .lock()
            .unwrap()
            .get(path)
            .copied()
            .unwrap_or(0)
    }

    /// Every request so far, in order.
    pub fn requests(&self) -> Vec<Request> {
        self.inner.requests.lock().unwrap().clone()
    }

    /// Closes the port: connections are refused until [`HttpsServer::resume`].
    pub fn pause(&mut self) {
        self.inner.stop.store(true, Relaxed);
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
    }

    /// Listens on the same port again.
    pub fn resume(&mut self) {
        self.listen();
    }
}

impl Drop for HttpsServer {
    fn drop(&mut self) {
        self.pause();
    }
}

fn bind(port: u16) -> TcpListener {
    // The port of a paused server may take a moment to be free again.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match TcpListener::bind(("127.0.0.1", port)) {
            Ok(l) => return l,
            Err(e) if Instant::now() >= deadline => panic!("bind 127.0.0.1:{port}: {e}"),
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

fn serve(
    stream: TcpStream,
    tls: Option<Arc<rustls::ServerConfig>>,
    inner: &Inner,
) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    stream.set_nodelay(true)?;
    match tls {
        Some(config) => {
            let conn = rustls::ServerConnection::new(config).map_err(std::io::Error::other)?;
            let mut tls = rustls::StreamOwned::new(conn, stream);
            respond(&mut tls, inner)?;
            tls.conn.send_close_notify();
            tls.flush()
        }
        None => {
            let mut plain = stream;
            respond(&mut plain, inner)
        }
    }
}

fn respond(stream: &mut impl ReadWrite, inner: &Inner) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() > 16 * 1024 || stream.read(&mut byte)? == 0 {
            return Ok(());
        }
        head.push(byte[0]);
    }
    let text = String::from_utf8_lossy(&head);
    let mut lines = text.split("\r\n");
    let path = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .unwrap_or("/")
        .to_owned();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let request = Request { path, headers };
    *inner
        .hits
        .lock()
        .unwrap()
        .entry(request.path.clone())
        .or_insert(0) += 1;
    inner.requests.lock().unwrap().push(request.clone());
    let handler = Arc::clone(&inner.handler.lock().unwrap());
    let reply = handler(&request);
    std::thread::sleep(reply.delay);
    let mut out = format!(
        "HTTP/1.1 {} Scripted\r\nConnection: close\r\n",
        reply.status
    );
    for (n, v) in &reply.headers {
        out.push_str(&format!("{n}: {v}\r\n"));
    }
    if !reply.no_length {
        out.push_str(&format!("Content-Length: {}\r\n", reply.body.len()));
    }
    out.push_str("\r\n");
    stream.write_all(out.as_bytes())?;
    match reply.trickle {
        None => stream.write_all(&reply.body)?,
        Some(every) => {
            for b in &reply.body {
                if inner.stop.load(Relaxed) {
                    break;
                }
                stream.write_all(&[*b])?;
                stream.flush()?;
                std::thread::sleep(every);
            }
        }
    }
    stream.flush()
}

trait ReadWrite: Read + Write {}
impl<T: Read + Write> ReadWrite for T {}

// --- keys and tokens --------------------------------------------------------

/// Base64url without padding.
pub fn b64url(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(char::from(ABC[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

/// An Ed25519 signing key with `kid`, from a seed byte.
pub fn ed_key(kid: &str, seed: u8) -> jwtgate::Key {
    jwtgate::Key::ed25519_private(&[seed; 32])
        .unwrap()
        .with_kid(kid)
        .unwrap()
}

/// The public JWK of `key` (Ed25519).
pub fn jwk(key: &jwtgate::Key) -> String {
    format!(
        r#"{{"kty":"OKP","crv":"Ed25519","use":"sig","kid":"{}","x":"{}"}}"#,
        key.kid().unwrap(),
        b64url(&key.ed25519_public_bytes().unwrap())
    )
}

/// A JWKS of these keys' public halves.
pub fn jwks(keys: &[&jwtgate::Key]) -> String {
    let keys: Vec<String> = keys.iter().map(|k| jwk(k)).collect();
    format!(r#"{{"keys":[{}]}}"#, keys.join(","))
}

/// A token signed by `key`, issued by `iss`, valid for an hour.
pub fn signed(key: &jwtgate::Key, iss: &str) -> String {
    signed_with_kid(key, iss, None)
}

/// A token signed by `key` whose header names `kid` instead of the key's.
pub fn signed_with_kid(key: &jwtgate::Key, iss: &str, kid: Option<&str>) -> String {
    let now = jwtgate_sync::unix_now();
    let claims = format!(
        r#"{{"iss":"{iss}","sub":"ada","iat":{now},"exp":{}}}"#,
        now + 3600
    );
    let mut fields = jwtgate::HeaderFields::new();
    fields.kid = kid;
    let mut out = vec![0u8; 1024];
    let n = jwtgate::encode(key, claims.as_bytes(), &fields, &mut out).unwrap();
    out.truncate(n);
    String::from_utf8(out).unwrap()
}
