//! Where the gateway listens: a TCP address, or a Unix domain socket
//! (`unix:/path/to.sock`), bound as one [`Listener`] whose connections are
//! one [`Stream`] type, so that a single accept loop and a single hyper
//! connection type serve both.
//!
//! A Unix socket: a socket file left at the path by a server that is gone
//! (nothing accepts on it) is removed; a live one, or any other kind of
//! file, is refused and never deleted. The socket's mode is set right after
//! `bind` (`server.socket_mode`, default `0o660`); between the two the
//! process umask applies, so put the socket in a directory only the proxy
//! and the gateway can enter. The socket file is removed when the listener
//! is dropped (graceful shutdown), if it is still the one this process
//! bound.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream, UnixListener, UnixStream};

use crate::util::BoxError;

/// The prefix naming a Unix domain socket in `server.listen`.
pub const UNIX_PREFIX: &str = "unix:";

/// A parsed listening address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listen {
    /// A TCP socket address.
    Tcp(SocketAddr),
    /// The path of a Unix domain socket.
    Unix(PathBuf),
}

impl Listen {
    /// Parses `ADDR:PORT` or `unix:/path` (`what` names the setting in
    /// errors).
    pub fn parse(what: &str, text: &str) -> Result<Listen, BoxError> {
        if let Some(path) = text.strip_prefix(UNIX_PREFIX) {
            if path.is_empty() {
                return Err(format!("{what} {text:?}: no path after \"unix:\"").into());
            }
            return Ok(Listen::Unix(PathBuf::from(path)));
        }
        text.parse()
            .map(Listen::Tcp)
            .map_err(|e| format!("{what} {text:?}: {e}").into())
    }
}

impl fmt::Display for Listen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Listen::Tcp(a) => write!(f, "{a}"),
            Listen::Unix(p) => write!(f, "{UNIX_PREFIX}{}", p.display()),
        }
    }
}

/// A bound listener.
#[derive(Debug)]
pub enum Listener {
    /// TCP.
    Tcp(TcpListener),
    /// A Unix domain socket, and the file to remove when dropped.
    Unix(UnixListener, SocketFile),
}

impl Listener {
    /// Binds `at`; a Unix socket gets `mode` (permission bits).
    pub async fn bind(at: &Listen, mode: u32) -> Result<Listener, BoxError> {
        match at {
            Listen::Tcp(addr) => Ok(Listener::Tcp(
                TcpListener::bind(addr)
                    .await
                    .map_err(|e| format!("listen {at}: {e}"))?,
            )),
            Listen::Unix(path) => {
                remove_stale(path).map_err(|e| format!("listen {at}: {e}"))?;
                let listener = UnixListener::bind(path).map_err(|e| format!("listen {at}: {e}"))?;
                // From here on the file is ours: removed on drop, even if
                // setting its mode fails.
                let file = SocketFile::new(path).map_err(|e| format!("listen {at}: {e}"))?;
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
                    .map_err(|e| format!("listen {at}: mode {mode:o}: {e}"))?;
                Ok(Listener::Unix(listener, file))
            }
        }
    }

    /// The bound address (`unix:/path` for a Unix socket), for the log.
    pub fn local_addr(&self) -> io::Result<String> {
        match self {
            Listener::Tcp(l) => Ok(l.local_addr()?.to_string()),
            Listener::Unix(_, f) => Ok(format!("{UNIX_PREFIX}{}", f.path.display())),
        }
    }

    /// The next connection (TCP ones with `TCP_NODELAY`).
    pub async fn accept(&self) -> io::Result<Stream> {
        match self {
            Listener::Tcp(l) => {
                let (stream, _) = l.accept().await?;
                let _ = stream.set_nodelay(true);
                Ok(Stream::Tcp(stream))
            }
            Listener::Unix(l, _) => Ok(Stream::Unix(l.accept().await?.0)),
        }
    }
}

/// Removes a socket file at `path` that nothing accepts on any more.
/// Nothing there: fine. A live socket, or a file that is not a socket: an
/// error, and the file stays.
fn remove_stale(path: &Path) -> io::Result<()> {
    use std::os::unix::fs::FileTypeExt as _;
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    if !meta.file_type().is_socket() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            "the path exists and is not a socket (not removed)",
        ));
    }
    if std::os::unix::net::UnixStream::connect(path).is_ok() {
        return Err(io::Error::new(
            io::ErrorKind::AddrInUse,
            "another server accepts on this socket",
        ));
    }
    std::fs::remove_file(path)
}

/// The socket file a [`Listener`] bound: removed on drop if the path still
/// names that file (same device and inode), so a successor's socket is
/// never removed.
#[derive(Debug)]
pub struct SocketFile {
    path: PathBuf,
    dev: u64,
    ino: u64,
}

impl SocketFile {
    fn new(path: &Path) -> io::Result<SocketFile> {
        let m = std::fs::symlink_metadata(path)?;
        Ok(SocketFile {
            path: path.to_path_buf(),
            dev: m.dev(),
            ino: m.ino(),
        })
    }
}

impl Drop for SocketFile {
    fn drop(&mut self) {
        if let Ok(m) = std::fs::symlink_metadata(&self.path) {
            if m.dev() == self.dev && m.ino() == self.ino {
                let _ = std::fs::remove_file(&self.path);
            }
        }
    }
}

/// An accepted connection.
#[derive(Debug)]
pub enum Stream {
    /// TCP.
    Tcp(TcpStream),
    /// A Unix domain socket.
    Unix(UnixStream),
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Unix(s) => Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Unix(s) => Pin::new(s).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Stream::Unix(s) => Pin::new(s).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Stream::Tcp(s) => s.is_write_vectored(),
            Stream::Unix(s) => s.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_flush(cx),
            Stream::Unix(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Unix(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn tmp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("jg-listen-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn parses_tcp_and_unix() {
        assert_eq!(
            Listen::parse("l", "127.0.0.1:9").unwrap(),
            Listen::Tcp("127.0.0.1:9".parse().unwrap())
        );
        let u = Listen::parse("l", "unix:/run/j.sock").unwrap();
        assert_eq!(u, Listen::Unix("/run/j.sock".into()));
        assert_eq!(u.to_string(), "unix:/run/j.sock");
        assert!(Listen::parse("l", "unix:").is_err());
        assert!(Listen::parse("l", "/run/j.sock").is_err());
    }

    #[tokio::test]
    async fn unix_socket_mode_stale_file_and_removal() {
        let dir = tmp("unix");
        let path = dir.join("s.sock");
        let at = Listen::Unix(path.clone());
        let l = Listener::bind(&at, 0o600).await.unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        // A live socket is not taken over.
        assert!(Listener::bind(&at, 0o600).await.is_err());
        assert!(path.exists());
        drop(l);
        assert!(!path.exists(), "removed on drop");
        // A stale socket (bound, never removed) is replaced.
        let stale = std::os::unix::net::UnixListener::bind(&path).unwrap();
        drop(stale);
        assert!(path.exists());
        let l = Listener::bind(&at, 0o660).await.unwrap();
        drop(l);
        // A successor's socket at the path is not removed by the old one.
        let old = Listener::bind(&at, 0o660).await.unwrap();
        std::fs::remove_file(&path).unwrap();
        let successor = std::os::unix::net::UnixListener::bind(&path).unwrap();
        drop(old);
        assert!(path.exists(), "a successor's socket stays");
        drop(successor);
        std::fs::remove_file(&path).unwrap();
        // A regular file is refused and kept.
        std::fs::write(&path, "keep me").unwrap();
        let err = Listener::bind(&at, 0o660).await.unwrap_err().to_string();
        assert!(err.contains("not a socket"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "keep me");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
