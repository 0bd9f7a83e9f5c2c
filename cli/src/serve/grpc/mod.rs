//! Envoy's gRPC `ext_authz` API (`envoy.service.auth.v3.Authorization/Check`)
//! on a second listener (`server.grpc_listen`, off by default): gRPC over
//! HTTP/2 cleartext, as Envoy's `envoy_grpc` cluster with
//! `http2_protocol_options` speaks it. The decision is the HTTP side's
//! ([`super::server::Shared::decide`], [`super::answer::Answer`]); a SIGHUP
//! reload reaches it through the same shared gate, and SIGTERM drains it
//! with the HTTP listener.
//!
//! - [`proto`]: the protobuf messages, kept by hand (prost's derive).
//! - [`codec`]: gRPC framing and status codes.
//! - [`check`]: one `Check` call.

pub mod check;
pub mod codec;
pub mod proto;

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use hyper::body::Incoming;
use hyper::server::conn::http2;
use hyper::service::service_fn;
use hyper::Request;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::sync::{oneshot, Semaphore};
use tokio::task::JoinHandle;

use super::accept;
use super::config::Config;
use super::listen;
use super::server::Shared;
use crate::util::BoxError;

/// Streams served at once on one HTTP/2 connection.
const MAX_STREAMS: u32 = 256;

/// The running gRPC listener.
#[derive(Debug)]
pub struct Listener {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl Listener {
    /// Stops accepting, then drains the open connections (HTTP/2 GOAWAY:
    /// calls under way finish). The caller bounds the wait.
    pub async fn stop(self) {
        drop(self.stop);
        let _ = self.task.await;
    }
}

/// Binds `server.grpc_listen` and serves it, if configured. Prints
/// `gRPC listening on ADDR` on standard error once bound.
pub async fn start(shared: &Arc<Shared>, config: &Config) -> Result<Option<Listener>, BoxError> {
    let Some(addr) = config.grpc_listen_addr()? else {
        return Ok(None);
    };
    let listener = listen::Listener::bind(&addr, config.server.socket_mode)
        .await
        .map_err(|e| format!("gRPC {e}"))?;
    eprintln!(
        "jwtgate serve: gRPC (Envoy ext_authz) listening on {}",
        listener.local_addr()?
    );
    let server = &config.server;
    let limits = Arc::new(check::Limits {
        max_message: server.grpc_max_message_bytes,
        max_headers: server.max_headers,
        read_timeout: config.header_timeout()?,
    });
    let mut h2 = http2::Builder::new(TokioExecutor::new());
    h2.timer(TokioTimer::new())
        .max_header_list_size(u32::try_from(server.max_header_bytes).unwrap_or(u32::MAX))
        .max_concurrent_streams(MAX_STREAMS)
        // A peer gone silent is noticed and its connection closed.
        .keep_alive_interval(Some(Duration::from_secs(30)))
        .keep_alive_timeout(Duration::from_secs(10));
    let (stop, stopped) = oneshot::channel();
    let task = tokio::spawn(accept(
        Arc::clone(shared),
        listener,
        h2,
        limits,
        server.max_connections,
        stopped,
    ));
    Ok(Some(Listener { stop, task }))
}

async fn accept(
    shared: Arc<Shared>,
    listener: listen::Listener,
    h2: http2::Builder<TokioExecutor>,
    limits: Arc<check::Limits>,
    max_connections: usize,
    mut stopped: oneshot::Receiver<()>,
) {
    let permits = Arc::new(Semaphore::new(max_connections));
    let graceful = GracefulShutdown::new();
    while let Some((stream, permit)) =
        accept::next(&listener, &permits, &mut stopped, "gRPC ").await
    {
        let s = Arc::clone(&shared);
        let l = Arc::clone(&limits);
        let service = service_fn(move |req: Request<Incoming>| {
            let s = Arc::clone(&s);
            let l = Arc::clone(&l);
            async move { Ok::<_, Infallible>(check::handle(&s, &l, req).await) }
        });
        let conn = graceful.watch(h2.serve_connection(TokioIo::new(stream), service));
        accept::spawn(&shared, conn, permit);
    }
    drop(listener);
    graceful.shutdown().await;
}
