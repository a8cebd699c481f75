//! Command-line flags (each with an environment variable) for `intake serve`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
pub use cli::{LogFormat, StoreArgs};

/// Everything `intake serve` can be told.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Database and campaign files.
    #[command(flatten)]
    pub store: StoreArgs,
    /// Address to listen on.
    #[arg(long, env = "INTAKE_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// An origin allowed to post from a browser (CORS), e.g. the CDN's
    /// `https://daftar.example.my`. Repeat for several.
    #[arg(long = "allowed-origin", env = "INTAKE_ALLOWED_ORIGINS", value_delimiter = ',')]
    pub allowed_origins: Vec<String>,
    /// Also serve the baked static site from this folder (local runs; production uses a CDN).
    #[arg(long, env = "INTAKE_SITE")]
    pub site: Option<PathBuf>,
    /// Answer "Check my result" without JavaScript (`POST /api/v1/results`)
    /// from the results `allocator publish` wrote: this folder or its `results/`.
    #[arg(long, env = "INTAKE_RESULTS")]
    pub results: Option<PathBuf>,
    /// Link back to the form from answer pages; `{lang}` becomes `en` or `ms`.
    #[arg(long, env = "INTAKE_FORM_URL", default_value = "/{lang}/")]
    pub form_url: String,
    /// Log format.
    #[arg(long, env = "INTAKE_LOG_FORMAT", value_enum, default_value = "human")]
    pub log_format: LogFormat,
    /// Applications that may wait for the database; beyond it, 503 at once.
    /// It bounds the wait for a commit: a full queue is a few batches' work.
    #[arg(long, env = "INTAKE_QUEUE_CAPACITY", default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub queue_capacity: u32,
    /// Most applications committed in one transaction.
    #[arg(long, env = "INTAKE_MAX_BATCH", default_value_t = 512, value_parser = clap::value_parser!(u32).range(1..=5000))]
    pub max_batch: u32,
    /// Concurrent writers (Postgres only; SQLite always has one). One writer
    /// makes the largest batches, the fastest against a nearby database
    /// (docs/performance.md); raise it when each commit waits on a long
    /// network round trip.
    #[arg(long, env = "INTAKE_WRITERS", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub writers: u32,
    /// Submission slots: a submission holds one from the moment its whole
    /// body is in until it is answered (so mostly while it waits for its
    /// commit); with none free, 503 at once. It bounds the CPU and memory
    /// that accepted work can take under a flood; a client still sending
    /// its body holds no slot. See docs/performance.md for how it was sized.
    #[arg(long, env = "INTAKE_MAX_IN_FLIGHT", default_value_t = 128, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub max_in_flight: u32,
    /// Connections open at once on the public listener; at the cap the one
    /// idle the longest is closed to make room. It is lowered, if need be,
    /// to fit under the process's file limit (raised to its hard limit at
    /// start) with room left for the database and the admin listener.
    #[arg(long, env = "INTAKE_MAX_CONNECTIONS", default_value_t = 50_000, value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
    pub max_connections: u32,
    /// Seconds a connection may stay open with nothing to do: before its
    /// first byte, and between keep-alive requests. Short, since a person
    /// sends one application and a browser reconnects at little cost; every
    /// idle socket is one an attacker can hold. Each connection's deadline
    /// is drawn in the last quarter, so a crowd that came together leaves
    /// apart.
    #[arg(long = "idle-timeout", env = "INTAKE_IDLE_TIMEOUT", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub idle_timeout_secs: u64,
    /// Seconds the kernel may hold a new connection that has sent nothing
    /// before intake accepts it (Linux's TCP_DEFER_ACCEPT); 0 turns it off.
    /// A held connection costs no file descriptor, no slot under
    /// --max-connections and none of intake's CPU, so a crowd of silent
    /// sockets mostly waits in the kernel instead of cycling through accept
    /// and the idle timeout; a client that sends its request is accepted at
    /// once. When the time is up the kernel hands the connection over
    /// anyway, and the idle timeout runs from there, so a silent socket
    /// lives at most this plus the idle timeout. The kernel rounds up to
    /// 1, 3, 7, 15, 31, 63... seconds; by default the longest of these
    /// within the idle timeout. It holds at most the listen backlog: past
    /// that, new connections come straight through (by SYN cookies) and
    /// only the idle timeout and the cap apply to them.
    #[arg(long = "defer-accept", env = "INTAKE_DEFER_ACCEPT", value_parser = clap::value_parser!(u64).range(0..=3600))]
    pub defer_accept_secs: Option<u64>,
    /// Connections the kernel may queue on the public listener: both those
    /// waiting to be accepted and the silent ones held by --defer-accept.
    /// The kernel lowers it to `net.core.somaxconn`; raise that as well
    /// (deploy/README.md) for it to hold a crowd.
    #[arg(long, env = "INTAKE_LISTEN_BACKLOG", default_value_t = 65_535, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub listen_backlog: u32,
    /// Seconds a client may take to send a request head, from its first
    /// byte. A head is under a kilobyte: seconds even on a 2G link.
    #[arg(long = "header-timeout", env = "INTAKE_HEADER_TIMEOUT", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=300))]
    pub header_timeout_secs: u64,
    /// Address of the admin listener: `/metrics`, `/healthz` and `/readyz`.
    /// Keep it on the operators' network only (loopback by default).
    #[arg(long, env = "INTAKE_ADMIN_LISTEN", default_value = "127.0.0.1:9180")]
    pub admin_listen: SocketAddr,
    /// Largest accepted body, in bytes.
    #[arg(long, env = "INTAKE_BODY_LIMIT", default_value_t = 8192, value_parser = clap::value_parser!(u32).range(1024..=1_048_576))]
    pub body_limit: u32,
    /// Seconds a client has to send its whole body, once its head is in.
    /// The body is at most `--body-limit` bytes, seconds' work on a slow
    /// phone; past it the client gets 408 and the connection is closed.
    #[arg(long = "body-timeout", env = "INTAKE_BODY_TIMEOUT", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=300))]
    pub body_timeout_secs: u64,
    /// Seconds a submission may wait for its commit before 503.
    #[arg(long = "commit-timeout", env = "INTAKE_COMMIT_TIMEOUT", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=300))]
    pub commit_timeout_secs: u64,
    /// Act as if the time were this RFC 3339 instant, running on from it
    /// (rehearsals of a campaign whose registration is not open today).
    #[arg(long, env = "INTAKE_PRETEND_NOW", value_parser = cli::parse_instant)]
    pub pretend_now: Option<time::OffsetDateTime>,
    /// Base of Retry-After on 503 (the value sent is drawn between it and twice it).
    #[arg(long = "retry-after", env = "INTAKE_RETRY_AFTER", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub retry_after_secs: u64,
}

impl ServeArgs {
    /// The connection cap: `--max-connections`, lowered to what the file
    /// limit allows.
    pub fn max_connections(&self) -> usize {
        // The database pool, the admin listener, the log and the site's files.
        let reserve = u64::from(self.writers) + 64;
        let allowed = crate::connections::connections_allowed_by_file_limit(reserve);
        let cap = u64::from(self.max_connections).min(allowed);
        if cap < u64::from(self.max_connections) {
            tracing::warn!(requested = self.max_connections, cap, "--max-connections lowered to fit the file limit");
        }
        usize::try_from(cap).unwrap_or(usize::MAX)
    }

    /// The idle timeout.
    pub fn idle_timeout(&self) -> Duration {
        Duration::from_secs(self.idle_timeout_secs)
    }

    /// How long the kernel holds a silent new connection: `--defer-accept`,
    /// or the longest period the kernel can give within the idle timeout.
    pub fn defer_accept(&self) -> Duration {
        Duration::from_secs(self.defer_accept_secs.unwrap_or_else(|| defer_period_at_most(self.idle_timeout_secs)))
    }

    /// The header timeout.
    pub fn header_timeout(&self) -> Duration {
        Duration::from_secs(self.header_timeout_secs)
    }

    /// The body timeout.
    pub fn body_timeout(&self) -> Duration {
        Duration::from_secs(self.body_timeout_secs)
    }

    /// The commit timeout.
    pub fn commit_timeout(&self) -> Duration {
        Duration::from_secs(self.commit_timeout_secs)
    }
}

/// The longest period Linux's TCP_DEFER_ACCEPT can give within `limit`
/// seconds. The kernel counts the period in retransmissions of its SYN-ACK,
/// the first after a second and each wait twice the last (at most 120 s),
/// and rounds a period given in seconds up to the next such total.
pub fn defer_period_at_most(limit: u64) -> u64 {
    let (mut period, mut wait) = (0, 1);
    while period + wait <= limit {
        period += wait;
        wait = (wait * 2).min(120);
    }
    period
}

#[cfg(test)]
mod tests {
    use super::defer_period_at_most;

    #[test]
    fn the_default_defer_period_is_a_step_the_kernel_gives_within_the_idle_timeout() {
        let periods: Vec<u64> = [0, 1, 2, 3, 6, 7, 10, 14, 15, 60, 127, 300].map(defer_period_at_most).to_vec();
        assert_eq!(periods, [0, 1, 1, 3, 3, 7, 7, 7, 15, 31, 127, 247]);
    }
}
