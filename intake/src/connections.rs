//! The public listener's connections: how many may be open, how long one
//! may sit idle or dawdle over its request head, and which goes first when
//! the cap is reached.
//!
//! A crowd that opens sockets and sends nothing, or sends a request head a
//! byte at a time, must not be able to use up the process's file
//! descriptors or memory. So:
//! - the kernel keeps a new connection out of accept until it sends
//!   something or the defer period ends (TCP_DEFER_ACCEPT), so a silent
//!   one costs no descriptor and no work here while the kernel holds it;
//! - a connection is handed to HTTP only once its first byte has arrived,
//!   so one that never speaks costs a socket and a task, not a read buffer;
//! - a connection with no request in progress is closed after the idle
//!   timeout, and a request head must arrive whole within the header timeout;
//! - open connections are capped below the file limit; at the cap the
//!   connection idle the longest is closed to make room, and only when none
//!   is idle is the newcomer turned away. A submission in progress is never
//!   cut off to make room.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::response::Response;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use pin_project_lite::pin_project;
use rand::RngExt;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::time::Instant;
use tower::Service;

use crate::metrics::{ConnectionLabels, Metrics};
use crate::throttled_log::ThrottledLog;

/// The limits on the public listener's connections.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Connections open at once.
    pub max_open: usize,
    /// How long a connection may have no request in progress.
    pub idle_timeout: Duration,
    /// How long a client may take to send a request head, once it starts.
    pub header_timeout: Duration,
}

/// How the public listener's socket is set up.
#[derive(Debug, Clone, Copy)]
pub struct ListenOptions {
    /// Connections the kernel may queue: waiting for accept, or held back
    /// silent by the defer period.
    pub backlog: u32,
    /// How long the kernel holds a new connection that has sent nothing
    /// (zero: not at all).
    pub defer_accept: Duration,
}

/// The public listener on `address`, as `TcpListener::bind` would open it
/// but with `options`. Returns it with the defer period the kernel
/// actually applies (it rounds up to its own steps).
pub fn listen(address: SocketAddr, options: ListenOptions) -> std::io::Result<(TcpListener, Duration)> {
    let socket = if address.is_ipv4() { TcpSocket::new_v4()? } else { TcpSocket::new_v6()? };
    socket.set_reuseaddr(true)?;
    socket.bind(address)?;
    let deferred = defer_accept(&socket, options.defer_accept)?;
    Ok((socket.listen(options.backlog)?, deferred))
}

#[cfg(target_os = "linux")]
mod defer {
    // nix has no TCP_DEFER_ACCEPT of its own; this is the macro it provides
    // for socket options it does not list.
    use nix::{getsockopt_impl, setsockopt_impl, sockopt_impl};

    sockopt_impl!(
        /// Linux's TCP_DEFER_ACCEPT, in seconds.
        TcpDeferAccept,
        Both,
        libc::IPPROTO_TCP,
        libc::TCP_DEFER_ACCEPT,
        libc::c_int
    );
}

/// Asks the kernel to hold silent connections for `period`; returns the
/// period it will apply.
#[cfg(target_os = "linux")]
fn defer_accept(socket: &TcpSocket, period: Duration) -> std::io::Result<Duration> {
    use nix::sys::socket::{getsockopt, setsockopt};
    let seconds = libc::c_int::try_from(period.as_secs()).unwrap_or(libc::c_int::MAX);
    setsockopt(socket, defer::TcpDeferAccept, &seconds)?;
    let applied = getsockopt(socket, defer::TcpDeferAccept)?;
    Ok(Duration::from_secs(u64::try_from(applied).unwrap_or(0)))
}

#[cfg(not(target_os = "linux"))]
fn defer_accept(_socket: &TcpSocket, period: Duration) -> std::io::Result<Duration> {
    if !period.is_zero() {
        tracing::warn!("connections cannot be held back by the kernel on this system (TCP_DEFER_ACCEPT is Linux's)");
    }
    Ok(Duration::ZERO)
}

/// The backlog the kernel will give a listener that asks for `requested`:
/// no more than `net.core.somaxconn`.
pub fn effective_backlog(requested: u32) -> u32 {
    std::fs::read_to_string("/proc/sys/net/core/somaxconn")
        .ok()
        .and_then(|text| text.trim().parse::<u32>().ok())
        .map_or(requested, |most| requested.min(most))
}

/// Serves `router` on `listener` within `limits` until `shutdown` resolves;
/// then stops accepting, closes idle connections, lets every request in
/// progress finish, and returns once every connection is closed.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    metrics: Arc<Metrics>,
    shutdown: impl Future<Output = ()>,
) {
    let registry = Arc::new(Registry::new(limits.max_open, metrics.clone()));
    let mut http = http1::Builder::new();
    // The header timeout is ours (see `Connection::deadline`): hyper's runs
    // from the end of the previous answer, which would make it an idle
    // timeout for keep-alive connections too.
    http.timer(TokioTimer::new()).header_read_timeout(None);
    let http = Arc::new(http);
    let (stop, stopping) = watch::channel(false);
    let turned_away = ThrottledLog::default();
    tokio::pin!(shutdown);
    loop {
        let (stream, _peer): (TcpStream, SocketAddr) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    accept_failed(&error, &metrics).await;
                    continue;
                }
            },
        };
        let Some(connection) = registry.open(limits.idle_timeout) else {
            // Every connection is busy with a request: nothing can go to make
            // room, and the newcomer is closed at once rather than queued.
            metrics.connections_closed.get_or_create(&ConnectionLabels { reason: "cap" }).inc();
            turned_away.note(|count| {
                tracing::warn!(
                    max_open = limits.max_open,
                    turned_away = count,
                    "connection cap reached and none idle: closing new connections (--max-connections)"
                );
            });
            continue;
        };
        let _ = stream.set_nodelay(true);
        let task = ConnectionTask {
            connection,
            registry: registry.clone(),
            http: http.clone(),
            router: router.clone(),
            limits,
            stopping: stopping.clone(),
        };
        tokio::spawn(task.run(stream));
    }
    let _ = stop.send(true);
    drop(listener);
    registry.wait_until_all_closed().await;
}

/// Errors from `accept` are the server's own trouble (out of file
/// descriptors, most likely), not the client's: say so, and pause rather
/// than spin.
async fn accept_failed(error: &std::io::Error, metrics: &Metrics) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(error.kind(), ConnectionAborted | ConnectionRefused | ConnectionReset) {
        return;
    }
    metrics.accept_errors.inc();
    tracing::error!(%error, "cannot accept connections; pausing 50 ms (is the file limit too low for --max-connections?)");
    tokio::time::sleep(Duration::from_millis(50)).await;
}

/// One open connection's shared state.
#[derive(Debug)]
struct Connection {
    id: u64,
    /// Woken to close the connection: evicted to make room.
    evict: Notify,
    /// Woken when a request head starts, whose deadline is nearer.
    head_began: Notify,
    /// This connection's idle timeout: drawn in the last quarter of the
    /// limit, so that a crowd that arrived together is not closed, and does
    /// not come back, all in the same instant.
    idle_timeout: Duration,
    /// Whether bytes arrived since the connection last became idle: a
    /// cheap check before taking the state's lock on every read.
    head_seen: AtomicBool,
    /// Written under the registry's lock, so that it agrees with `idle`.
    state: Mutex<ConnectionState>,
}

#[derive(Debug, Clone, Copy)]
struct ConnectionState {
    /// When the last request ended (or the connection opened); `None`
    /// while a request is in progress.
    idle_since: Option<Instant>,
    /// When the first byte of the next request head arrived, if it has.
    head_started: Option<Instant>,
    /// Chosen to make room: it is no longer in the registry's idle list.
    evicted: bool,
}

impl Connection {
    fn state(&self) -> MutexGuard<'_, ConnectionState> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether no request is in progress.
    fn is_idle(&self) -> bool {
        self.state().idle_since.is_some()
    }

    /// Bytes arrived: while idle, the first of them starts the header timeout.
    fn bytes_arrived(&self) {
        if !self.head_seen.swap(true, Ordering::Relaxed) {
            let mut state = self.state();
            if state.idle_since.is_some() && state.head_started.is_none() {
                state.head_started = Some(Instant::now());
                self.head_began.notify_one();
            }
        }
    }

    /// When the connection is to be closed unless a request begins, and why.
    fn deadline(&self, limits: &ConnectionLimits) -> Option<(Instant, End)> {
        let state = *self.state();
        match (state.idle_since, state.head_started) {
            (None, _) => None,
            (Some(_), Some(head)) => Some((head + limits.header_timeout, End::HeaderTimeout)),
            (Some(idle), None) => Some((idle + self.idle_timeout, End::Idle)),
        }
    }
}

#[derive(Debug, Default)]
struct Inner {
    open: usize,
    /// Connections with no request in progress, longest idle first.
    idle: BTreeMap<(Instant, u64), Arc<Connection>>,
}

#[derive(Debug)]
struct Registry {
    inner: Mutex<Inner>,
    max_open: usize,
    next_id: AtomicU64,
    all_closed: Notify,
    metrics: Arc<Metrics>,
    evictions: ThrottledLog,
}

impl Registry {
    fn new(max_open: usize, metrics: Arc<Metrics>) -> Registry {
        Registry {
            inner: Mutex::new(Inner::default()),
            max_open: max_open.max(1),
            next_id: AtomicU64::new(0),
            all_closed: Notify::new(),
            metrics,
            evictions: ThrottledLog::default(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves plain counters: still usable.
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn publish(&self, inner: &Inner) {
        self.metrics.connections_open.set(inner.open as i64);
        self.metrics.connections_idle.set(inner.idle.len() as i64);
    }

    /// Registers a new connection, idle, making room by evicting the
    /// connection idle the longest if the cap is reached; `None` if nothing
    /// can go.
    fn open(&self, idle_timeout: Duration) -> Option<Arc<Connection>> {
        let now = Instant::now();
        let connection = Arc::new(Connection {
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            evict: Notify::new(),
            head_began: Notify::new(),
            idle_timeout: idle_timeout.mul_f64(rand::rng().random_range(0.75..=1.0)),
            head_seen: AtomicBool::new(false),
            state: Mutex::new(ConnectionState { idle_since: Some(now), head_started: None, evicted: false }),
        });
        let mut inner = self.lock();
        if inner.open >= self.max_open {
            let (_, oldest) = inner.idle.pop_first()?;
            oldest.state().evicted = true;
            oldest.evict.notify_one();
            self.metrics.connections_closed.get_or_create(&ConnectionLabels { reason: "evicted" }).inc();
            self.evictions.note(|evicted| {
                tracing::warn!(
                    max_open = self.max_open,
                    evicted,
                    "connection cap reached: closing the longest idle connections to make room (--max-connections)"
                );
            });
        }
        inner.open += 1;
        inner.idle.insert((now, connection.id), connection.clone());
        self.publish(&inner);
        Some(connection)
    }

    /// A request began on `connection`: it is no longer idle.
    fn busy(&self, connection: &Connection) {
        let mut inner = self.lock();
        let mut state = connection.state();
        state.head_started = None;
        if let Some(since) = state.idle_since.take() {
            inner.idle.remove(&(since, connection.id));
        }
        self.publish(&inner);
    }

    /// The request on `connection` was answered: idle from now.
    fn idle(&self, connection: &Arc<Connection>) {
        let now = Instant::now();
        let mut inner = self.lock();
        let mut state = connection.state();
        state.idle_since = Some(now);
        state.head_started = None;
        connection.head_seen.store(false, Ordering::Relaxed);
        if !state.evicted {
            inner.idle.insert((now, connection.id), connection.clone());
        }
        self.publish(&inner);
    }

    fn close(&self, connection: &Connection) {
        let mut inner = self.lock();
        let state = *connection.state();
        if let (Some(since), false) = (state.idle_since, state.evicted) {
            inner.idle.remove(&(since, connection.id));
        }
        inner.open -= 1;
        self.publish(&inner);
        if inner.open == 0 {
            self.all_closed.notify_waiters();
        }
    }

    async fn wait_until_all_closed(&self) {
        loop {
            let closed = self.all_closed.notified();
            tokio::pin!(closed);
            closed.as_mut().enable();
            if self.lock().open == 0 {
                return;
            }
            closed.await;
        }
    }
}

/// Why a connection ends, for the metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// The client closed it, or it ended after an answer.
    Done,
    /// No request in progress for the idle timeout.
    Idle,
    /// The request head did not arrive within the header timeout.
    HeaderTimeout,
    /// Evicted to make room (already counted by the registry).
    Evicted,
    /// Closed by the server's shutdown.
    Shutdown,
}

struct ConnectionTask {
    connection: Arc<Connection>,
    registry: Arc<Registry>,
    http: Arc<http1::Builder>,
    router: Router,
    limits: ConnectionLimits,
    stopping: watch::Receiver<bool>,
}

impl ConnectionTask {
    async fn run(mut self, stream: TcpStream) {
        let end = self.serve(stream).await;
        let reason = match end {
            End::Done | End::Evicted => None,
            End::Idle => Some("idle"),
            End::HeaderTimeout => Some("header_timeout"),
            End::Shutdown => Some("shutdown"),
        };
        if let Some(reason) = reason {
            self.registry.metrics.connections_closed.get_or_create(&ConnectionLabels { reason }).inc();
        }
        self.registry.close(&self.connection);
    }

    async fn serve(&mut self, stream: TcpStream) -> End {
        // Until the client sends something it gets no HTTP state at all.
        // `peek`, not `readable`: tokio reports a new socket readable until a
        // read says otherwise.
        let mut first = [0u8; 1];
        tokio::select! {
            peeked = stream.peek(&mut first) => if !matches!(peeked, Ok(1..)) { return End::Done },
            () = self.connection.evict.notified() => return End::Evicted,
            () = tokio::time::sleep(self.connection.idle_timeout) => return End::Idle,
            _ = self.stopping.changed() => return End::Shutdown,
        }
        // Boxed: the HTTP state is the bulk of a connection's memory, and a
        // connection that never sends a byte should not carry it.
        Box::pin(self.serve_http(stream)).await
    }

    async fn serve_http(&mut self, stream: TcpStream) -> End {
        let service = TowerToHyperService::new(Tracked {
            inner: self.router.clone(),
            connection: self.connection.clone(),
            registry: self.registry.clone(),
        });
        let io = Watched { inner: stream, connection: self.connection.clone() };
        let http = self.http.serve_connection(TokioIo::new(io), service);
        tokio::pin!(http);
        let mut shutting_down = false;
        loop {
            let deadline = self.connection.deadline(&self.limits);
            // While a request is in progress its own deadlines bound it;
            // look again after an idle timeout's time.
            let wake_at = deadline.map_or_else(|| Instant::now() + self.limits.idle_timeout, |(at, _)| at);
            tokio::select! {
                result = http.as_mut() => {
                    if let Err(error) = result {
                        tracing::debug!(%error, "connection ended with an error");
                    }
                    return End::Done;
                }
                // Closing a connection with no request in progress loses
                // nothing; one that became busy meanwhile finishes first.
                () = self.connection.evict.notified() => {
                    if self.connection.is_idle() {
                        return End::Evicted;
                    }
                    http.as_mut().graceful_shutdown();
                }
                () = self.connection.head_began.notified() => {}
                () = tokio::time::sleep_until(wake_at) => {
                    if let Some((at, end)) = self.connection.deadline(&self.limits)
                        && at <= Instant::now()
                    {
                        return end;
                    }
                }
                changed = self.stopping.changed(), if !shutting_down => {
                    shutting_down = true;
                    if changed.is_err() || self.connection.is_idle() {
                        return End::Shutdown;
                    }
                    http.as_mut().graceful_shutdown();
                }
            }
        }
    }
}

pin_project! {
    /// The socket, telling the connection when bytes arrive, so that the
    /// header timeout runs from a head's first byte.
    struct Watched {
        #[pin]
        inner: TcpStream,
        connection: Arc<Connection>,
    }
}

impl AsyncRead for Watched {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let this = self.project();
        let before = buf.filled().len();
        let polled = this.inner.poll_read(cx, buf);
        if buf.filled().len() > before {
            this.connection.bytes_arrived();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        self.project().inner.poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        self.project().inner.poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.project().inner.poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.project().inner.poll_shutdown(cx)
    }
}

/// The router, telling the registry when each request starts and ends, so
/// that it knows which connections are idle.
#[derive(Clone)]
struct Tracked {
    inner: Router,
    connection: Arc<Connection>,
    registry: Arc<Registry>,
}

impl Service<Request<Incoming>> for Tracked {
    type Response = Response;
    type Error = Infallible;
    type Future = TrackedFuture;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Service::<Request<Incoming>>::poll_ready(&mut self.inner, cx)
    }

    fn call(&mut self, request: Request<Incoming>) -> TrackedFuture {
        self.registry.busy(&self.connection);
        let busy = Busy { connection: self.connection.clone(), registry: self.registry.clone() };
        TrackedFuture { inner: self.inner.call(request.map(axum::body::Body::new)), _busy: busy }
    }
}

/// The router's answer; the connection is idle again once it is dropped.
pub struct TrackedFuture {
    inner: <Router as Service<Request>>::Future,
    _busy: Busy,
}

impl Future for TrackedFuture {
    type Output = Result<Response, Infallible>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.inner).poll(cx)
    }
}

struct Busy {
    connection: Arc<Connection>,
    registry: Arc<Registry>,
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.registry.idle(&self.connection);
    }
}

/// The largest number of connections this process can hold open: the soft
/// file limit, raised to the hard limit, less `reserve` for the database,
/// the admin listener and files.
pub fn connections_allowed_by_file_limit(reserve: u64) -> u64 {
    let limit = match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => limit,
        Err(error) => {
            tracing::warn!(%error, "cannot read or raise the file limit");
            rlimit::getrlimit(rlimit::Resource::NOFILE).map_or(1024, |(soft, _)| soft)
        }
    };
    limit.saturating_sub(reserve).max(1)
}
