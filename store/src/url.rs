//! Database URLs, read as sqlx and the SQLite URI convention read them:
//! `sqlite:PATH`, `sqlite://PATH` or `sqlite:///ABSOLUTE` with an optional
//! `?mode=ro|rw|rwc`, and `postgres://` or `postgresql://` URLs, with
//! several hosts as libpq writes them (`postgres://u@h1:5432,h2:5433/db`),
//! which sqlx does not read: each host becomes a URL of its own.

use std::path::PathBuf;

use crate::StoreError;

/// How an SQLite file is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqliteMode {
    /// `mode=ro`: read only; the file must exist.
    ReadOnly,
    /// `mode=rw`: read and write; the file must exist.
    ReadWrite,
    /// `mode=rwc`, and the default: read and write, created when missing.
    ReadWriteCreate,
}

/// A parsed database URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// An SQLite file.
    Sqlite {
        /// The file, percent-decoded.
        path: PathBuf,
        /// How to open it.
        mode: SqliteMode,
    },
    /// PostgreSQL servers, one URL each (sqlx reads the rest), in the order
    /// given: the store uses whichever accepts writes.
    Postgres(Vec<String>),
}

impl DatabaseUrl {
    /// Reads `url`; an unsupported scheme or SQLite parameter is an error
    /// that says what to write instead.
    pub fn parse(url: &str) -> Result<DatabaseUrl, StoreError> {
        if let Some(scheme) = ["postgres://", "postgresql://"].into_iter().find(|s| url.starts_with(s)) {
            return postgres_hosts(url, scheme).map(DatabaseUrl::Postgres);
        }
        let Some(rest) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) else {
            return Err(StoreError::UnsupportedUrl { url: url.to_owned(), problem: "unknown scheme".into() });
        };
        let bad = |problem: String| StoreError::UnsupportedUrl { url: url.to_owned(), problem };
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        if path.is_empty() || path == ":memory:" {
            return Err(bad("an in-memory or unnamed database would lose every application: name a file".into()));
        }
        let path = percent_encoding::percent_decode_str(path)
            .decode_utf8()
            .map_err(|_| bad("the path is not UTF-8 once percent-decoded".into()))?;
        let mut mode = SqliteMode::ReadWriteCreate;
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            mode = match (key.as_ref(), value.as_ref()) {
                ("mode", "ro") => SqliteMode::ReadOnly,
                ("mode", "rw") => SqliteMode::ReadWrite,
                ("mode", "rwc") => SqliteMode::ReadWriteCreate,
                ("mode", other) => return Err(bad(format!("mode={other} is not supported: use ro, rw or rwc"))),
                (other, _) => return Err(bad(format!("the parameter {other:?} is not supported: only mode"))),
            };
        }
        Ok(DatabaseUrl::Sqlite { path: PathBuf::from(path.as_ref()), mode })
    }
}

/// One URL per host of a libpq-style multi-host URL, each with the same
/// user, database and parameters. `target_session_attrs` is dropped: the
/// store always looks for the server that accepts writes.
fn postgres_hosts(url: &str, scheme: &str) -> Result<Vec<String>, StoreError> {
    let bad = |problem: &str| StoreError::UnsupportedUrl { url: url.to_owned(), problem: problem.to_owned() };
    let rest = &url[scheme.len()..];
    let (authority, path) = rest.find(['/', '?']).map_or((rest, ""), |at| rest.split_at(at));
    let (user, hosts) = authority.rsplit_once('@').map_or(("", authority), |(u, h)| (u, h));
    let (database, query) = path.split_once('?').unwrap_or((path, ""));
    let query: Vec<&str> =
        query.split('&').filter(|p| !p.is_empty() && !p.starts_with("target_session_attrs=")).collect();
    let suffix = if query.is_empty() { String::new() } else { format!("?{}", query.join("&")) };
    let at = if user.is_empty() { "" } else { "@" };
    let urls: Vec<String> =
        hosts.split(',').map(|host| format!("{scheme}{user}{at}{host}{database}{suffix}")).collect();
    if hosts.split(',').any(str::is_empty) {
        return Err(bad("a host is empty: write host[:port] for each, separated by commas"));
    }
    Ok(urls)
}

#[cfg(test)]
mod tests {
    use super::{DatabaseUrl, SqliteMode};
    use std::path::PathBuf;

    fn sqlite(path: &str, mode: SqliteMode) -> DatabaseUrl {
        DatabaseUrl::Sqlite { path: PathBuf::from(path), mode }
    }

    #[test]
    fn sqlite_urls_read_as_sqlx_reads_them() {
        let read = |url: &str| DatabaseUrl::parse(url).expect(url);
        assert_eq!(read("sqlite:var/x.db"), sqlite("var/x.db", SqliteMode::ReadWriteCreate));
        assert_eq!(read("sqlite://var/x.db?mode=rwc"), sqlite("var/x.db", SqliteMode::ReadWriteCreate));
        assert_eq!(read("sqlite:///srv/x.db?mode=ro"), sqlite("/srv/x.db", SqliteMode::ReadOnly));
        assert_eq!(read("sqlite:var/my%20file.db?mode=rw"), sqlite("var/my file.db", SqliteMode::ReadWrite));
        assert_eq!(read("postgres://u@h/db"), DatabaseUrl::Postgres(vec!["postgres://u@h/db".into()]));
    }

    #[test]
    fn a_multi_host_url_gives_one_url_per_host_with_the_same_user_database_and_parameters() {
        let read = |url: &str| DatabaseUrl::parse(url).expect(url);
        assert_eq!(
            read(
                "postgres://intake:s%40cret@10.0.0.1:5432,[::1]:5433/temujanji?target_session_attrs=read-write&sslmode=require"
            ),
            DatabaseUrl::Postgres(vec![
                "postgres://intake:s%40cret@10.0.0.1:5432/temujanji?sslmode=require".into(),
                "postgres://intake:s%40cret@[::1]:5433/temujanji?sslmode=require".into(),
            ])
        );
        assert_eq!(
            read("postgresql://h1,h2"),
            DatabaseUrl::Postgres(vec!["postgresql://h1".into(), "postgresql://h2".into()])
        );
        let error = DatabaseUrl::parse("postgres://u@h1,,h2/db").expect_err("an empty host").to_string();
        assert!(error.contains("a host is empty"), "{error}");
    }

    #[test]
    fn what_cannot_be_honoured_is_refused_with_the_reason() {
        for (url, says) in [
            ("sqlite::memory:", "in-memory"),
            ("sqlite:", "in-memory"),
            ("sqlite:x.db?mode=memory", "mode=memory"),
            ("sqlite:x.db?cache=shared", "\"cache\""),
            ("mysql://h/db", "unknown scheme"),
        ] {
            let error = DatabaseUrl::parse(url).expect_err(url).to_string();
            assert!(error.contains(says), "{url}: {error}");
        }
    }
}
