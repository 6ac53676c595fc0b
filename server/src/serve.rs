//! The accept loop: HTTP/1.1 connections served by hyper with a request-head timeout, so a
//! client that never finishes a head, says nothing, or idles on a kept-alive connection is
//! dropped instead of holding a connection (and its file descriptor) forever. `axum::serve`
//! sets no timer, which leaves hyper's head timeout off.

use std::{future::Future, io, pin::pin, time::Duration};

use axum::{Router, extract::ConnectInfo};
use hyper::{body::Incoming, server::conn::http1, service::service_fn};
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    server::graceful::GracefulShutdown,
};
use tokio::net::TcpListener;
use tower::Service;

/// The pause after an accept error such as EMFILE, which repeats at once until a connection
/// ends and frees a descriptor: long enough not to spin, short enough to recover quickly.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Serves `router` until `shutdown` completes, then stops accepting, closes idle connections
/// and lets in-flight requests finish.
///
/// `head_timeout` runs whenever hyper waits for a request head: from the connection's start,
/// and again after each response. It is not reset by bytes arriving, so dribbling a header
/// line at a time does not extend it.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    head_timeout: Duration,
    shutdown: impl Future<Output = ()>,
) {
    // Turns every handler into a ready route once, not per connection or per request.
    let router = router.with_state(());
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(head_timeout);
    let graceful = GracefulShutdown::new();
    let mut shutdown = pin!(shutdown);

    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(err) if is_connection_error(&err) => continue,
            Err(err) => {
                tracing::error!(%err, "cannot accept connections; retrying shortly");
                tokio::select! {
                    () = tokio::time::sleep(ACCEPT_BACKOFF) => continue,
                    () = &mut shutdown => break,
                }
            }
        };
        let router = router.clone();
        let service = service_fn(move |mut request: hyper::Request<Incoming>| {
            // What `into_make_service_with_connect_info` provided: the client address code
            // reads the peer from here.
            request.extensions_mut().insert(ConnectInfo(peer));
            // A `Router` is always ready, so it can be called without `poll_ready`; the clone
            // is a reference count.
            router.clone().call(request)
        });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                // A timed-out head, a client gone mid-request: the client's doing, not ours.
                tracing::debug!(%err, %peer, "connection ended with an error");
            }
        });
    }

    drop(listener);
    graceful.shutdown().await;
}

/// Errors about one connection that ended before it was accepted; the next accept is fine.
fn is_connection_error(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
    )
}
