//! Wiring: state, router, layers, and the server's life from start to
//! graceful shutdown.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use campaign::Catalogue;
use store::{ConnectOptions, Store};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::timeout::TimeoutLayer;

use crate::admission::AdmissionLayer;
use crate::answer::PageSettings;
use crate::clock::SharedClock;
use crate::config::ServeArgs;
use crate::metrics::{Metrics, RequestLabels};
use crate::refusals::Refusals;
use crate::routes;
use crate::writer::{WriteQueue, WriterConfig};

/// What every handler shares.
#[derive(Debug)]
pub struct AppState {
    /// The campaign and its centres.
    pub catalogue: Arc<Catalogue>,
    /// The group-commit queue.
    pub queue: WriteQueue,
    /// The database, for readiness checks (writes go through `queue`).
    pub store: Store,
    /// The one source of "now".
    pub clock: SharedClock,
    /// Metrics.
    pub metrics: Arc<Metrics>,
    /// Submissions refused with 503, for the metrics and the log.
    pub refusals: Refusals,
    /// Answer page settings.
    pub settings: PageSettings,
    /// Submissions being handled at once.
    pub in_flight: Arc<Semaphore>,
    /// Largest body.
    pub body_limit: usize,
    /// Time allowed to send the body.
    pub body_timeout: Duration,
    /// Time a submission waits for its commit.
    pub commit_timeout: Duration,
}

/// A built intake, ready to serve.
#[derive(Debug)]
pub struct Intake {
    router: Router,
    writers: Vec<JoinHandle<()>>,
    store: Store,
}

/// Headers every response carries. The CSP allows nothing from elsewhere and
/// no inline code, which also covers the static site when intake serves it.
const SECURITY_HEADERS: [(HeaderName, HeaderValue); 5] = [
    (
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
        ),
    ),
    (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
    (header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
    (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
    (
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    ),
];

/// Routes counted under their own name in the request metrics; anything
/// else (the static site, unknown paths) is counted as `other`.
const COUNTED_ROUTES: [&str; 5] =
    [routes::applications::PATH, routes::site::STYLESHEET_PATH, "/healthz", "/readyz", "/metrics"];

impl Intake {
    /// Connects to the database, migrates it, starts the writers and builds the router.
    pub async fn build(args: &ServeArgs, catalogue: Catalogue, clock: SharedClock) -> anyhow::Result<Intake> {
        let mut options = ConnectOptions::new(args.store.database_url.clone());
        options.max_connections = args.writers + 2;
        Intake::build_with(args, options, catalogue, clock).await
    }

    /// [`Intake::build`] with explicit connection options (tests pick a schema).
    pub async fn build_with(
        args: &ServeArgs,
        options: ConnectOptions,
        catalogue: Catalogue,
        clock: SharedClock,
    ) -> anyhow::Result<Intake> {
        let store = Store::connect(&options).await.context("cannot open the database")?;
        store.migrate().await.context("cannot migrate the database")?;
        let writers = match store {
            Store::Sqlite(_) => 1,
            Store::Postgres(_) => args.writers as usize,
        };
        let metrics = Arc::new(Metrics::default());
        let in_flight = Arc::new(Semaphore::new(args.max_in_flight as usize));
        let config =
            WriterConfig { queue_capacity: args.queue_capacity as usize, max_batch: args.max_batch as usize, writers };
        let (queue, handles) = WriteQueue::start(store.clone(), config, metrics.clone(), in_flight.clone())
            .await
            .context("cannot start the writers")?;
        tracing::info!(backend = store.backend(), writers, queue = config.queue_capacity, "writers started");
        let settings = PageSettings::new(
            &catalogue,
            routes::site::STYLESHEET_PATH.to_owned(),
            args.form_url.clone(),
            args.retry_after_secs,
        );
        let state = Arc::new(AppState {
            catalogue: Arc::new(catalogue),
            queue,
            store: store.clone(),
            clock,
            metrics,
            refusals: Refusals::default(),
            settings,
            in_flight,
            body_limit: args.body_limit as usize,
            body_timeout: args.body_timeout(),
            commit_timeout: args.commit_timeout(),
        });
        let router = router(state, args)?;
        Ok(Intake { router, writers: handles, store })
    }

    /// Serves on `listener` until `shutdown` resolves; then stops accepting,
    /// lets every request in progress finish, commits everything queued,
    /// and closes the database.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let Intake { router, writers, store } = self;
        let service = router.into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(listener, service).with_graceful_shutdown(shutdown).await.context("server failed")?;
        // The router (and with it every queue sender) is gone: the writers
        // drain what is left and stop.
        for writer in writers {
            if let Err(error) = writer.await {
                tracing::error!(%error, "a writer task failed");
            }
        }
        store.close().await;
        tracing::info!("stopped; every accepted application is committed");
        Ok(())
    }
}

fn router(state: Arc<AppState>, args: &ServeArgs) -> anyhow::Result<Router> {
    let mut app = routes::applications::router().merge(routes::site::router()).merge(routes::health::router());
    if let Some(site) = &args.site {
        app = app.merge(routes::site::static_site(site));
    }
    let mut app = app
        // A last guard: the handler's own body and commit timeouts come first.
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            args.body_timeout() + args.commit_timeout() + Duration::from_secs(5),
        ))
        .layer(middleware::from_fn_with_state(state.clone(), count_and_secure))
        // In front of the rest, so that a refusal costs as little as it can.
        .layer(AdmissionLayer::new(state.clone()));
    if !args.allowed_origins.is_empty() {
        let origins = args
            .allowed_origins
            .iter()
            .map(|o| HeaderValue::from_str(o).with_context(|| format!("--allowed-origin {o:?} is not a valid origin")))
            .collect::<anyhow::Result<Vec<_>>>()?;
        // Outermost, admission included: a script on the CDN's origin must
        // be allowed to read a refusal's Retry-After, or it cannot wait.
        app = app.layer(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(origins))
                .allow_methods([Method::POST])
                .allow_headers([header::CONTENT_TYPE, header::ACCEPT, header::ACCEPT_LANGUAGE])
                .expose_headers([header::RETRY_AFTER])
                .max_age(Duration::from_secs(86_400)),
        );
    }
    Ok(app.with_state(state))
}

/// Counts every request by route and status, and gives every response the
/// security headers (and API answers `no-store`), in one layer rather than
/// seven. Submissions refused at the door (`crate::admission`) never reach
/// it and are finished there by the same [`finish`].
async fn count_and_secure(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let matched = request.extensions().get::<MatchedPath>().map(MatchedPath::as_str);
    let route = COUNTED_ROUTES.into_iter().find(|r| Some(*r) == matched).unwrap_or("other");
    let started = Instant::now();
    let mut response = next.run(request).await;
    tracing::debug!(
        route,
        status = response.status().as_u16(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "request"
    );
    finish(&state, route, &mut response);
    response
}

/// What every answer gets before it leaves: counted by route and status;
/// the security headers it lacks; and `no-store` for an API answer that
/// says nothing of caching.
pub(crate) fn finish(state: &AppState, route: &'static str, response: &mut Response) {
    let status = response.status().as_u16();
    state.metrics.requests.get_or_create(&RequestLabels { route, status }).inc();
    let headers = response.headers_mut();
    for (name, value) in &SECURITY_HEADERS {
        if !headers.contains_key(name) {
            headers.insert(name.clone(), value.clone());
        }
    }
    if route.starts_with("/api/") && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in progress and committing the queue");
}
