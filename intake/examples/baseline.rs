//! The ceiling of this stack on this machine, for `scripts/bench-intake`:
//! the same axum server, the same body parsing and validation, the same
//! fingerprint and reference, but answering 201 without storing anything.
//!
//! `cargo run --release -p intake --example baseline -- 127.0.0.1:8090 data`

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::post;
use campaign::{Application, Catalogue};

// The same allocator as the intake binary, so the ratio measures storage alone.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let listen = args.next().unwrap_or_else(|| "127.0.0.1:8090".into());
    let data = args.next().unwrap_or_else(|| "data".into());
    let catalogue = Arc::new(intake::load_catalogue(std::path::Path::new(&data))?);
    let app = Router::new().route("/api/v1/applications", post(accept)).with_state(catalogue);
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    println!("baseline listening on {}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}

async fn accept(State(catalogue): State<Arc<Catalogue>>, body: Bytes) -> impl IntoResponse {
    let weeks = catalogue.campaign().week_count();
    let Ok(raw) = intake::submission::parse_json(&body, weeks) else {
        return (StatusCode::BAD_REQUEST, String::new());
    };
    match Application::parse(&raw, &catalogue) {
        Ok(app) => {
            let row = store::ApplicationRow::new(
                &app,
                campaign::reference::generate_with(&mut rand::rng()),
                time::OffsetDateTime::now_utc(),
            );
            (StatusCode::CREATED, format!("{{\"reference\":\"{}\"}}", row.reference))
        }
        Err(_) => (StatusCode::UNPROCESSABLE_ENTITY, String::new()),
    }
}
