//! `allocator send`: queue the run's confirmations in the outbox and send
//! what is pending through Kannel, with delivery reports.

use std::net::SocketAddr;
use std::time::Duration;

use allocator::result_link::SiteUrl;
use allocator::send::admin::GatewayAdmin;
use allocator::send::gateway::Gateway;
use allocator::send::reports::ReportListener;
use allocator::send::{SendOptions, SendSummary, Sender};
use clap::Args;

use super::stored::{StaleArgs, Stored};

#[derive(Debug, Args)]
pub struct SendArgs {
    #[command(flatten)]
    store: cli::StoreArgs,
    #[command(flatten)]
    stale: StaleArgs,
    /// Kannel's sendsms URL, e.g. http://127.0.0.1:13013/cgi-bin/sendsms.
    #[arg(long, env = "TEMUJANJI_GATEWAY_URL")]
    gateway_url: String,
    /// The sendsms-user's name.
    #[arg(long, env = "TEMUJANJI_GATEWAY_USERNAME")]
    username: String,
    /// The sendsms-user's password.
    #[arg(long, env = "TEMUJANJI_GATEWAY_PASSWORD", hide_env_values = true)]
    password: String,
    /// The sender name or number shown on the phone (default: the gateway's).
    #[arg(long)]
    from: Option<String>,
    /// Where to listen for Kannel's delivery reports.
    #[arg(long, default_value = "127.0.0.1:13080")]
    reports_listen: SocketAddr,
    /// The address Kannel calls back (default: http://LISTEN, right when
    /// Kannel runs on the same machine).
    #[arg(long)]
    reports_url: Option<String>,
    /// Messages a second, as the operator's link allows.
    #[arg(long, default_value_t = 100.0, value_parser = positive_rate)]
    rate: f64,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=1024))]
    concurrency: u16,
    /// Queue failed messages again, then send.
    #[arg(long)]
    retry_failed: bool,
    /// Bearerbox's admin URL (e.g. http://127.0.0.1:13000), asked whether it
    /// still holds a message in doubt before that message is sent again.
    #[arg(long, env = "TEMUJANJI_GATEWAY_ADMIN_URL")]
    gateway_admin_url: Option<String>,
    /// Bearerbox's admin password.
    #[arg(long, env = "TEMUJANJI_GATEWAY_ADMIN_PASSWORD", hide_env_values = true, default_value = "")]
    gateway_admin_password: String,
    /// Seconds a message in doubt waits for a late report before the gateway is asked about it.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    in_doubt_grace: u64,
    /// Seconds to keep listening for delivery reports after the last message went out.
    #[arg(long, value_name = "SECS", default_value_t = 120)]
    drain_timeout: u64,
    /// Seconds to wait for the gateway's answer to one request.
    #[arg(long, value_name = "SECS", default_value_t = 10)]
    request_timeout: u64,
    /// The site's address: each SMS then ends with its "Check my result" link (as `confirmations`).
    #[arg(long)]
    site_url: Option<SiteUrl>,
    /// Queue only the people round N changed (as `confirmations --round N`).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    round: Option<u32>,
    /// Send although the stored run is a trial (made before registration closed).
    #[arg(long)]
    allow_trial: bool,
}

fn positive_rate(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(rate) if rate.is_finite() && rate > 0.0 => Ok(rate),
        _ => Err(format!("{text:?} is not a rate: give messages a second, more than 0")),
    }
}

pub async fn run(args: SendArgs) -> anyhow::Result<()> {
    let catalogue = cli::load_catalogue(&args.store.data)?;
    let Stored { store, run, applications, allocations } = Stored::open(&args.store, &args.stale).await?;
    anyhow::ensure!(
        !run.trial || args.allow_trial,
        "run {} is a trial run, made before registration closed: its messages would tell people a result that is not theirs (pass --allow-trial to send them anyway)",
        run.run_id
    );
    if let Some(round) = args.round {
        let last = store.rounds().await?.last().map_or(store::FIRST_ROUND, |r| r.round);
        anyhow::ensure!(round <= last, "round {round} is not stored: the last round of run {} is {last}", run.run_id);
    }
    let messages = allocator::send::queue::sms_messages(
        &catalogue,
        &applications,
        &allocations,
        &run.run_id,
        args.round,
        args.site_url.as_ref(),
    )?;
    drop((applications, allocations));
    let queued = store.queue_messages(messages, time::OffsetDateTime::now_utc()).await?;
    println!("queued {} new messages for run {} ({} were queued before)", queued.added, run.run_id, queued.already);
    if args.retry_failed {
        println!("queued again {} failed messages", store.retry_failed_messages(&run.run_id).await?);
    }

    let listener = ReportListener::start(args.reports_listen, store.clone()).await?;
    let reports_url = args.reports_url.clone().unwrap_or_else(|| format!("http://{}", listener.addr));
    let timeout = Duration::from_secs(args.request_timeout);
    let gateway =
        Gateway::new(&args.gateway_url, &args.username, &args.password, args.from.as_deref(), &reports_url, timeout)?;
    let admin = args
        .gateway_admin_url
        .as_deref()
        .map(|url| GatewayAdmin::new(url, &args.gateway_admin_password, timeout))
        .transpose()?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("stopping: no new message is sent; those on their way are settled (run again to resume)");
            let _ = stop.send(true);
        }
    });
    let sender = Sender {
        store: store.clone(),
        run_id: run.run_id.clone(),
        gateway,
        admin,
        options: SendOptions {
            rate: args.rate,
            concurrency: usize::from(args.concurrency),
            in_doubt_grace: Duration::from_secs(args.in_doubt_grace),
            drain_timeout: Duration::from_secs(args.drain_timeout),
            max_backoff: Duration::from_secs(30),
        },
        stop: stopped,
    };
    let summary = sender.run().await;
    listener.stop().await;
    let summary = summary?;
    println!("{}", outcome_line(&summary));
    if args.gateway_admin_url.is_none() && summary.open.iter().any(|(state, _)| *state == store::OutboxState::InDoubt) {
        eprintln!(
            "messages in doubt got no report: pass --gateway-admin-url so the gateway's queue decides whether they are sent again"
        );
    }
    store.close().await;
    Ok(())
}

/// The send's outcome in one line for the operator.
fn outcome_line(summary: &SendSummary) -> String {
    let rate = summary.sent as f64 / summary.sending.as_secs_f64().max(1e-3);
    let mut line = format!(
        "sent {} messages in {:.1} s ({rate:.0}/s), {} refused by the gateway; ended after {:.1} s",
        summary.sent,
        summary.sending.as_secs_f64(),
        summary.refused,
        summary.total.as_secs_f64()
    );
    if summary.found_in_doubt > 0 {
        line.push_str(&format!("; {} found in doubt", summary.found_in_doubt));
    }
    if summary.resent > 0 {
        line.push_str(&format!("; {} in doubt sent again (the gateway never had them)", summary.resent));
    }
    if summary.stopped {
        line.push_str("; stopped before the end: run again to resume");
    }
    let open: Vec<String> = summary.open.iter().map(|(state, n)| format!("{n} {}", state.code())).collect();
    line.push_str(&format!("; still open: {}", if open.is_empty() { "none".to_owned() } else { open.join(", ") }));
    line
}
