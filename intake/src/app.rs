//! Wiring: state, router, layers, and the server's life from start to
//! graceful shutdown.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::http::{HeaderValue, Method, header};
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
use crate::connections::{self, ConnectionLimits, ListenOptions};
use crate::finish::FinishLayer;
use crate::metrics::Metrics;
use crate::paths;
use crate::refusals::Refusals;
use crate::routes;
use crate::state::AppState;
use crate::writer::{WriteQueue, WriterConfig};

/// A built intake, ready to serve.
#[derive(Debug)]
pub struct Intake {
    router: Router,
    admin: Router,
    writers: Vec<JoinHandle<()>>,
    store: Store,
    limits: ConnectionLimits,
    metrics: Arc<Metrics>,
}

/// Where intake listens: the public listener (submissions, health, the
/// site) and the admin listener (metrics and health, for the operators'
/// network only).
#[derive(Debug)]
pub struct Listeners {
    /// Behind the load balancer.
    pub public: TcpListener,
    /// Never exposed to the public.
    pub admin: TcpListener,
}

impl Listeners {
    /// Opens the public listener on `--listen`, with the listen backlog and
    /// defer period of `args`, and the admin listener on `--admin-listen`.
    pub async fn bind(args: &ServeArgs) -> anyhow::Result<Listeners> {
        let options = ListenOptions { backlog: args.listen_backlog, defer_accept: args.defer_accept() };
        let (public, deferred) =
            connections::listen(args.listen, options).with_context(|| format!("cannot listen on {}", args.listen))?;
        let admin = TcpListener::bind(args.admin_listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.admin_listen))?;
        tracing::info!(
            address = %public.local_addr()?,
            admin = %admin.local_addr()?,
            backlog = connections::effective_backlog(args.listen_backlog),
            defer_accept = ?deferred,
            "listening"
        );
        Ok(Listeners { public, admin })
    }
}

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
        let writers = store.concurrent_writers(args.writers as usize);
        let metrics = Arc::new(Metrics::default());
        let in_flight = Arc::new(Semaphore::new(args.max_in_flight as usize));
        let config = WriterConfig {
            queue_capacity: args.queue_capacity as usize,
            max_batch: args.max_batch as usize,
            writers,
            commit_timeout: args.commit_timeout(),
        };
        let (queue, handles) = WriteQueue::start(store.clone(), config, metrics.clone(), in_flight.clone())
            .await
            .context("cannot start the writers")?;
        tracing::info!(backend = store.backend(), writers, queue = config.queue_capacity, "writers started");
        let settings =
            PageSettings::new(&catalogue, paths::STYLESHEET.to_owned(), args.form_url.clone(), args.retry_after_secs);
        let state = Arc::new(AppState {
            catalogue: Arc::new(catalogue),
            queue,
            clock,
            metrics: metrics.clone(),
            refusals: Refusals::default(),
            settings,
            in_flight,
            max_in_flight: args.max_in_flight as usize,
            body_limit: args.body_limit as usize,
            body_timeout: args.body_timeout(),
            commit_timeout: args.commit_timeout(),
        });
        let router = router(state.clone(), args)?;
        let admin = routes::health::admin_router().layer(FinishLayer::new(metrics.clone())).with_state(state);
        let limits = ConnectionLimits {
            max_open: args.max_connections(),
            idle_timeout: args.idle_timeout(),
            header_timeout: args.header_timeout(),
        };
        tracing::info!(
            max_connections = limits.max_open,
            idle_timeout = ?limits.idle_timeout,
            header_timeout = ?limits.header_timeout,
            "connection limits"
        );
        Ok(Intake { router, admin, writers: handles, store, limits, metrics })
    }

    /// Serves until `shutdown` resolves; then stops accepting, lets every
    /// request in progress finish, commits everything queued, and closes
    /// the database.
    pub async fn serve(
        self,
        listeners: Listeners,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let Intake { router, admin, writers, store, limits, metrics } = self;
        let (stop_admin, admin_stopped) = tokio::sync::oneshot::channel::<()>();
        let admin = tokio::spawn(async move {
            let stopped = async move {
                let _ = admin_stopped.await;
            };
            axum::serve(listeners.admin, admin).with_graceful_shutdown(stopped).await
        });
        connections::serve(listeners.public, router, limits, metrics, shutdown).await;
        let _ = stop_admin.send(());
        // The router (and with it every queue sender) is gone: the writers
        // drain what is left and stop.
        for writer in writers {
            if let Err(error) = writer.await {
                tracing::error!(%error, "a writer task failed");
            }
        }
        match admin.await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => tracing::error!(%error, "the admin listener failed"),
            Err(error) => tracing::error!(%error, "the admin listener's task failed"),
        }
        store.close().await;
        tracing::info!("stopped; every accepted application is committed");
        Ok(())
    }
}

/// The public router. Layers, outermost first: finishing (counts, security
/// headers), CORS (which answers preflights itself), the door
/// (`crate::admission`), and a last time limit in front of the handlers.
fn router(state: Arc<AppState>, args: &ServeArgs) -> anyhow::Result<Router> {
    let mut app = routes::applications::router()
        .merge(routes::amendments::router())
        .merge(routes::declines::router())
        .merge(routes::site::router())
        .merge(routes::health::router());
    if let Some(results) = &args.results {
        app = app.merge(routes::results::router(results)?);
    }
    if let Some(site) = &args.site {
        app = app.merge(routes::site::static_site(site)?);
    }
    let mut app = app
        // A last guard: the handler's own body and commit timeouts come first.
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            args.body_timeout() + args.commit_timeout() + Duration::from_secs(5),
        ))
        .layer(AdmissionLayer::new(state.clone()));
    if !args.allowed_origins.is_empty() {
        let origins = args
            .allowed_origins
            .iter()
            .map(|o| HeaderValue::from_str(o).with_context(|| format!("--allowed-origin {o:?} is not a valid origin")))
            .collect::<anyhow::Result<Vec<_>>>()?;
        // Outside the door: a script on the CDN's origin must be allowed to
        // read a refusal's Retry-After, or it cannot wait.
        app = app.layer(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(origins))
                .allow_methods([Method::POST])
                .allow_headers([header::CONTENT_TYPE, header::ACCEPT, header::ACCEPT_LANGUAGE])
                .expose_headers([header::RETRY_AFTER])
                .max_age(Duration::from_secs(86_400)),
        );
    }
    Ok(app.layer(FinishLayer::new(state.metrics.clone())).with_state(state))
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
