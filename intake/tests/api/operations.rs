//! What operators rely on: health, readiness, metrics, headers, CORS, shutdown.

use serde_json::Value;
use store::testing::Backend;

use crate::helpers::{OPEN, TestApp, application};
use store::on_both_backends;

on_both_backends!(
    health_readiness_and_metrics_answer,
    every_response_carries_the_security_headers,
    cors_allows_only_the_configured_origins,
    graceful_shutdown_commits_what_was_accepted,
);

async fn health_readiness_and_metrics_answer(backend: Backend) {
    let Some(app) = TestApp::spawn(backend, OPEN, &[]).await else { return };
    let get = |path: &str| app.client.get(format!("{}{path}", app.url)).send();
    assert_eq!(get("/healthz").await.expect("sent").status(), 200);
    let ready = get("/readyz").await.expect("sent");
    assert_eq!(ready.status(), 200);
    assert!(ready.text().await.expect("text").contains("database: up"));

    assert_eq!(app.post_json(&application("600101-14-1111")).await.status(), 201);
    assert_eq!(app.post_json(&application("bad")).await.status(), 422);
    let metrics = app.metrics().await;
    // Live counts of what is accepted and refused are for operators only.
    assert_eq!(get("/metrics").await.expect("sent").status(), 404, "no /metrics on the public listener");
    let admin_ready = app.client.get(format!("{}/readyz", app.admin_url)).send().await.expect("sent");
    assert_eq!(admin_ready.status(), 200);
    for line in [
        "intake_applications_accepted_total 1",
        "intake_http_requests_total{route=\"/api/v1/applications\",status=\"201\"} 1",
        "intake_http_requests_total{route=\"/api/v1/applications\",status=\"422\"} 1",
        "intake_batch_size_count 1",
        "intake_commit_seconds_count 1",
        "intake_queue_wait_seconds_count 1",
        "intake_queue_depth 0",
        "intake_database_up 1",
    ] {
        assert!(metrics.lines().any(|l| l == line), "missing {line:?} in\n{metrics}");
    }
    app.stop().await;
}

async fn every_response_carries_the_security_headers(backend: Backend) {
    let Some(app) = TestApp::spawn(backend, OPEN, &[]).await else { return };
    for response in [
        app.post_json(&application("600101-14-1111")).await,
        app.client.get(format!("{}/nowhere", app.url)).send().await.expect("sent"),
        app.client.get(format!("{}/healthz", app.url)).send().await.expect("sent"),
    ] {
        let headers = response.headers();
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(headers["x-frame-options"], "DENY");
        assert_eq!(headers["referrer-policy"], "no-referrer");
        let csp = headers["content-security-policy"].to_str().expect("ascii");
        assert!(
            csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe")
        );
    }
    app.stop().await;
}

async fn cors_allows_only_the_configured_origins(backend: Backend) {
    let Some(app) = TestApp::spawn(backend, OPEN, &["--allowed-origin", "https://daftar.example.my"]).await else {
        return;
    };
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.endpoint())
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
    };
    let allowed = preflight("https://daftar.example.my").await.expect("sent");
    assert_eq!(allowed.headers()["access-control-allow-origin"], "https://daftar.example.my");
    // The preflight is an answer like any other: secured and counted.
    for name in ["content-security-policy", "x-content-type-options", "x-frame-options", "referrer-policy"] {
        assert!(allowed.headers().contains_key(name), "{name} on a preflight");
    }
    let counted = "intake_http_requests_total{route=\"/api/v1/applications\",status=\"200\"}";
    assert_eq!(app.metric(counted).await, 1.0, "the preflight is counted");
    let other = preflight("https://evil.example").await.expect("sent");
    assert!(other.headers().get("access-control-allow-origin").is_none());

    let posted = app
        .client
        .post(app.endpoint())
        .header("origin", "https://daftar.example.my")
        .json(&application("600101-14-1111"))
        .send()
        .await
        .expect("sent");
    assert_eq!(posted.status(), 201);
    assert_eq!(posted.headers()["access-control-allow-origin"], "https://daftar.example.my");
    assert!(posted.headers()["access-control-expose-headers"].to_str().expect("ascii").contains("retry-after"));
    app.stop().await;
}

async fn graceful_shutdown_commits_what_was_accepted(backend: Backend) {
    let Some(app) = TestApp::spawn(backend, OPEN, &[]).await else { return };
    // Many submissions in flight, then shutdown: each one that got 2xx is stored.
    let mut pending = Vec::new();
    for i in 0..50 {
        let request = app.client.post(app.endpoint()).json(&application(&format!("6001011{i:05}"))).send();
        pending.push(tokio::spawn(request));
    }
    let mut references = Vec::new();
    for request in pending {
        let response = request.await.expect("task").expect("answered before shutdown");
        assert_eq!(response.status(), 201);
        let body: Value = response.json().await.expect("json");
        references.push(body["reference"].as_str().expect("reference").to_owned());
    }
    let db = app.stop().await;
    let reopened = store::Store::connect(&db.options).await.expect("reopen");
    let stored: Vec<String> =
        reopened.all_applications().await.expect("read").into_iter().map(|r| r.reference).collect();
    references.sort();
    assert_eq!(stored, references);
}
