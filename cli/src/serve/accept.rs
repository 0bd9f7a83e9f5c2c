//! The accept loop's steps, shared by the HTTP and the gRPC listener: a
//! connection slot, the next connection (TCP or Unix socket: [`Listener`]), and the connection's task
//! (counted in `jwtgate_serve_http_open_connections`).

use std::future::Future;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::listen::{Listener, Stream};
use super::server::Shared;

/// Waits for a free slot among `permits`, then for the next connection;
/// `None` once `stop` completes (or the semaphore is closed). An accept
/// error (out of descriptors and the like) is logged and retried after
/// 50 ms: it never ends the loop.
pub async fn next<S: Future + Unpin>(
    listener: &Listener,
    permits: &Arc<Semaphore>,
    stop: &mut S,
    what: &str,
) -> Option<(Stream, OwnedSemaphorePermit)> {
    let permit = tokio::select! {
        p = Arc::clone(permits).acquire_owned() => p.ok()?,
        _ = &mut *stop => return None,
    };
    loop {
        tokio::select! {
            r = listener.accept() => match r {
                Ok(stream) => return Some((stream, permit)),
                Err(e) => {
                    eprintln!("jwtgate serve: {what}accept: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            _ = &mut *stop => return None,
        }
    }
}

/// Runs a (watched) connection on its own task, counted as open while it
/// runs; its slot is given back when it ends.
pub fn spawn<C>(shared: &Arc<Shared>, conn: C, permit: OwnedSemaphorePermit)
where
    C: Future + Send + 'static,
{
    let s = Arc::clone(shared);
    tokio::spawn(async move {
        s.metrics.open_connections.fetch_add(1, Relaxed);
        let _ = conn.await;
        s.metrics.open_connections.fetch_sub(1, Relaxed);
        drop(permit);
    });
}
