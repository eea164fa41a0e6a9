//! The accept loop and connections of [`Listener`]; requests are served by `serve.rs`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::auth::BearerAuth;
use super::serve;
use crate::error::Result;
use crate::http::files::FileRoutes;
use crate::http::Routes;
use crate::service::HotUpdater;
use crate::storage::file_store::FileStore;

/// A request handed to the JS `handler` whole.
#[derive(Debug, Clone)]
pub struct ForwardRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// The JS `handler`'s answer, read to the end.
#[derive(Debug, Clone)]
pub struct ForwardResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// Runs a request through the JS `handler` (the napi side implements it).
#[async_trait]
pub trait Forward: Send + Sync {
    async fn forward(&self, req: ForwardRequest) -> Result<ForwardResponse>;
}

/// The listener's limits.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Bodies of the router's routes (413 above).
    pub max_body_bytes: usize,
    /// Bodies of forwarded routes (`fileStorage` uploads).
    pub forward_body_bytes: usize,
    /// Time for a request head, and for the next one on an idle keep-alive connection.
    pub headers_timeout: Duration,
    /// Time for a request body once its head is read (408 after).
    pub body_timeout: Duration,
    pub max_headers: usize,
    /// Read buffer, and so the largest request head (at least 8 KiB, hyper's minimum).
    pub max_head_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: crate::http::MAX_BODY_BYTES,
            forward_body_bytes: crate::http::MAX_BODY_BYTES,
            headers_timeout: Duration::from_secs(30),
            body_timeout: Duration::from_secs(120),
            max_headers: 100,
            max_head_bytes: 64 * 1024,
        }
    }
}

/// What a listener serves.
pub struct App {
    pub api: Arc<HotUpdater>,
    pub base_path: String,
    pub routes: Routes,
    pub file_routes: Option<FileRoutes>,
    /// The directory of `file_routes`, when the listener serves its downloads, `readText` and
    /// `delete` itself (Unix); without it every `fileStorage` route is forwarded.
    pub file_store: Option<Arc<FileStore>>,
    /// `fileStorage`'s `maxUploadBytes`: uploads are received natively when it is given (with
    /// `file_store`), forwarded otherwise.
    pub max_upload_bytes: Option<u64>,
    pub forward: Option<Arc<dyn Forward>>,
    pub auth: Option<BearerAuth>,
    pub limits: Limits,
}

/// A running listener.
pub struct Listener {
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    done: watch::Receiver<bool>,
}

impl Listener {
    /// Binds `host:port` (port 0: any free port) and starts serving; must run on a tokio runtime.
    pub async fn bind(app: Arc<App>, host: &str, port: u16) -> std::io::Result<Listener> {
        let tcp = TcpListener::bind((host, port)).await?;
        let addr = tcp.local_addr()?;
        let (stop, stop_rx) = watch::channel(false);
        let (done_tx, done) = watch::channel(false);
        tokio::spawn(accept_loop(app, tcp, stop_rx, done_tx));
        Ok(Listener { addr, stop, done })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, closes idle connections, and returns once every in-flight request is
    /// answered and every connection closed.
    pub async fn close(&self) {
        self.stop.send_replace(true);
        let mut done = self.done.clone();
        let _ = done.wait_for(|d| *d).await;
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop.send_replace(true);
    }
}

/// Resolves once `close()` was called (or the listener dropped).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

async fn accept_loop(app: Arc<App>, tcp: TcpListener, mut stop: watch::Receiver<bool>, done: watch::Sender<bool>) {
    let mut conns = JoinSet::new();
    loop {
        // Reap finished connections so the set stays as large as the open ones.
        while conns.try_join_next().is_some() {}
        tokio::select! {
            _ = stopped(&mut stop) => break,
            accepted = tcp.accept() => match accepted {
                Ok((stream, peer)) => {
                    let _ = stream.set_nodelay(true);
                    conns.spawn(connection(app.clone(), stream, peer, stop.clone()));
                }
                // Out of descriptors and the like: wait a little instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            },
        }
    }
    drop(tcp);
    while conns.join_next().await.is_some() {}
    done.send_replace(true);
}

/// How long, and for how many bytes, a connection the server closes keeps reading (see [`linger`]).
const LINGER_TIME: Duration = Duration::from_secs(2);
const LINGER_BYTES: usize = 16 * 1024 * 1024;

/// Closes a connection the server ends (an answer with `Connection: close`, such as a refused
/// upload whose body was not read) the way HTTP servers must: the write side first, so the
/// client reads the answer to its end, then what the client is still sending is read and
/// discarded for a moment. Closing with unread data would make the kernel reset the connection,
/// and a client still writing its body would see a failed write instead of the answer.
async fn linger(mut stream: tokio::net::TcpStream) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    if stream.shutdown().await.is_err() {
        return;
    }
    let deadline = tokio::time::Instant::now() + LINGER_TIME;
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0;
    while let Ok(Ok(n)) = tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
        total += n;
        if n == 0 || total > LINGER_BYTES {
            break;
        }
    }
}

async fn connection(app: Arc<App>, stream: tokio::net::TcpStream, _peer: SocketAddr, mut stop: watch::Receiver<bool>) {
    let local = stream.local_addr().ok();
    let limits = app.limits.clone();
    let svc = hyper::service::service_fn(move |req| {
        let app = app.clone();
        // Boxed: the connection is polled without shutting its socket down, which needs an
        // `Unpin` service future.
        Box::pin(async move { Ok::<_, std::convert::Infallible>(serve::serve(app, req, local).await) })
    });
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .keep_alive(true)
        .header_read_timeout(limits.headers_timeout)
        .max_headers(limits.max_headers)
        .max_buf_size(limits.max_head_bytes.max(8192));
    let mut conn = builder.serve_connection(TokioIo::new(stream), svc);
    let stopping = tokio::select! {
        r = std::future::poll_fn(|cx| conn.poll_without_shutdown(cx)) => r.is_ok().then_some(false),
        _ = stopped(&mut stop) => {
            std::pin::Pin::new(&mut conn).graceful_shutdown();
            std::future::poll_fn(|cx| conn.poll_without_shutdown(cx)).await.is_ok().then_some(true)
        }
    };
    // A connection that ended cleanly: linger, unless the listener is closing (which must not wait
    // on clients).
    match stopping {
        Some(false) => linger(conn.into_parts().io.into_inner()).await,
        Some(true) => {
            let _ = tokio::io::AsyncWriteExt::shutdown(&mut conn.into_parts().io.into_inner()).await;
        }
        None => {}
    }
}
