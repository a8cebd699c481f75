//! A real intake on 127.0.0.1:0 with a fresh database, and a client for it.

use std::path::Path;
use std::sync::Arc;

use clap::Parser;
use intake::app::{Intake, Listeners};
use intake::clock::FixedClock;
use intake::config::ServeArgs;
use result_files::write::PublishOptions;
use result_files::{ResultRecord, Secret};
use serde_json::{Value, json};
use store::Store;
use store::testing::{Backend, TestDatabase};
use time::OffsetDateTime;
use time::macros::datetime;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// While registration is open in the sample campaign.
pub const OPEN: OffsetDateTime = datetime!(2027-06-01 10:00 +08:00);

pub struct TestApp {
    pub url: String,
    /// The admin listener: metrics and health.
    pub admin_url: String,
    pub client: reqwest::Client,
    pub db: TestDatabase,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<anyhow::Result<()>>>,
}

#[derive(Parser)]
struct Flags {
    #[command(flatten)]
    serve: ServeArgs,
}

pub fn data_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../data")
}

impl TestApp {
    /// Starts intake on `backend` at `now` with extra `serve` flags; `None` if the backend is not configured.
    pub async fn spawn(backend: Backend, now: OffsetDateTime, flags: &[&str]) -> Option<TestApp> {
        let db = store::testing::fresh(backend).await?;
        let url = db.options.url.clone();
        Some(TestApp::start(db, &url, now, flags).await)
    }

    /// Starts intake on SQLite, which every test run has, while registration
    /// is open, with extra `serve` flags.
    pub async fn on_sqlite(flags: &[&str]) -> TestApp {
        TestApp::spawn(Backend::Sqlite, OPEN, flags).await.expect("SQLite needs no configuration")
    }

    /// [`TestApp::on_sqlite`], answering result look-ups from the files
    /// published in `results`.
    pub async fn serving_results(results: &Path) -> TestApp {
        TestApp::on_sqlite(&["--results", results.to_str().expect("utf-8 path")]).await
    }

    /// As [`TestApp::spawn`], but intake reaches the (fresh) database through `url`.
    pub async fn spawn_with_url(backend: Backend, url: &str, now: OffsetDateTime, flags: &[&str]) -> Option<TestApp> {
        let db = store::testing::fresh(backend).await?;
        Some(TestApp::start(db, url, now, flags).await)
    }

    async fn start(db: TestDatabase, url: &str, now: OffsetDateTime, flags: &[&str]) -> TestApp {
        let data = data_dir();
        let mut argv = vec![
            "intake",
            "--data",
            data.to_str().expect("utf-8 path"),
            "--database-url",
            url,
            "--listen",
            "127.0.0.1:0",
            "--admin-listen",
            "127.0.0.1:0",
        ];
        argv.extend_from_slice(flags);
        let args = Flags::try_parse_from(argv).expect("valid flags").serve;
        let catalogue = intake::load_catalogue(&args.store.data).expect("sample data");
        let options = store::ConnectOptions { url: url.to_owned(), ..db.options.clone() };
        let app =
            Intake::build_with(&args, options, catalogue, Arc::new(FixedClock(now))).await.expect("intake builds");
        let listeners = Listeners::bind(&args).await.expect("loopback ports");
        let url = format!("http://{}", listeners.public.local_addr().expect("bound"));
        let admin_url = format!("http://{}", listeners.admin.local_addr().expect("bound"));
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(app.serve(listeners, async move {
            let _ = stopped.await;
        }));
        TestApp { url, admin_url, client: reqwest::Client::new(), db, stop: Some(stop), server: Some(server) }
    }

    /// The Prometheus text of the admin listener's `/metrics`.
    pub async fn metrics(&self) -> String {
        let response = self.client.get(format!("{}/metrics", self.admin_url)).send().await.expect("sent");
        assert_eq!(response.status(), 200);
        response.text().await.expect("text")
    }

    /// The value of the metric line `name` (with its labels), 0 if absent.
    pub async fn metric(&self, name: &str) -> f64 {
        let text = self.metrics().await;
        text.lines().find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok()).unwrap_or(0.0)
    }

    /// Polls the admin listener until the metric `name` reaches `value`
    /// (bounded: 10 s), so a test orders events by state, not by sleeping.
    pub async fn wait_for_metric(&self, name: &str, value: f64) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let now = self.metric(name).await;
            if now >= value {
                return;
            }
            assert!(std::time::Instant::now() < deadline, "{name} stayed at {now}, below {value}");
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    }

    pub fn store(&self) -> &Store {
        &self.db.store
    }

    pub fn endpoint(&self) -> String {
        format!("{}/api/v1/applications", self.url)
    }

    pub async fn post_json(&self, body: &Value) -> reqwest::Response {
        self.post_json_to(&self.endpoint(), body).await
    }

    pub async fn post_form(&self, fields: &[(&str, &str)]) -> reqwest::Response {
        self.post_form_to(&self.endpoint(), fields).await
    }

    pub async fn post_json_to(&self, url: &str, body: &Value) -> reqwest::Response {
        self.client.post(url).json(body).send().await.expect("request sent")
    }

    pub async fn post_form_to(&self, url: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.client.post(url).form(fields).send().await.expect("request sent")
    }

    /// Submits [`application`]`(mykad)`, which must be new; its reference.
    pub async fn apply(&self, mykad: &str) -> String {
        let response = self.post_json(&application(mykad)).await;
        assert_eq!(response.status(), 201);
        let body: Value = response.json().await.expect("json");
        body["reference"].as_str().expect("a reference").to_owned()
    }

    /// Graceful shutdown; returns once the server and its writers have
    /// stopped, with the database (still there, for checking).
    pub async fn stop(mut self) -> TestDatabase {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.expect("server task").expect("clean shutdown");
        }
        self.db
    }
}

/// `results` published as the allocator publishes them, in a temporary folder.
pub fn published(results: &[(Secret, ResultRecord)]) -> tempfile::TempDir {
    let out = tempfile::tempdir().expect("temp dir");
    let options = PublishOptions {
        iterations: 1_000,
        run_id: "run".into(),
        trial: false,
        published_at: "2028-01-02T00:00:00Z".into(),
    };
    result_files::publish(results, &options, out.path()).expect("published");
    out
}

/// A valid application in JSON; `mykad` makes it unique.
pub fn application(mykad: &str) -> Value {
    json!({
        "id_type": "mykad",
        "id_number": mykad,
        "full_name": "Siti Nurhaliza binti Tarudin",
        "phone": "012-345 6789",
        "email": "",
        "lang": "en",
        "centre": "SGR-0001",
        "week1": "any",
        "week2": "any",
        "week3": "any",
        "accept_other_dates": true,
        "consent": true
    })
}

/// The same application as form fields.
pub fn form(mykad: &str, lang: &str) -> Vec<(&'static str, String)> {
    vec![
        ("id_type", "mykad".into()),
        ("id_number", mykad.into()),
        // The form asks for the full date; these test cards are from the 1900s.
        ("birth_date", format!("19{}-{}-{}", &mykad[0..2], &mykad[2..4], &mykad[4..6])),
        ("full_name", "Muthu a/l Rajan".into()),
        ("phone", "+60 12 345 6789".into()),
        ("lang", lang.into()),
        ("centre", "SGR-0001".into()),
        ("week1", "any".into()),
        ("week2", "any".into()),
        ("week3", "any".into()),
        ("accept_other_dates", "on".into()),
        ("consent", "on".into()),
    ]
}

pub fn as_pairs<'a>(fields: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// `fields` with `key` given `value` instead (added last, as a person's
/// correction would be).
pub fn with_field(
    mut fields: Vec<(&'static str, String)>,
    key: &'static str,
    value: &str,
) -> Vec<(&'static str, String)> {
    fields.retain(|(k, _)| *k != key);
    fields.push((key, value.into()));
    fields
}

/// `fields` without those named in `keys`, as if left blank.
pub fn without(mut fields: Vec<(&'static str, String)>, keys: &[&str]) -> Vec<(&'static str, String)> {
    fields.retain(|(k, _)| !keys.contains(k));
    fields
}
