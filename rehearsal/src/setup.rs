//! What a rehearsal starts from: a fresh Postgres database, and a copy of the
//! campaign with fewer places so that demand exceeds them.

use std::path::{Path, PathBuf};

use anyhow::Context;
use sqlx::Connection;

use crate::checks::column;

/// The database a rehearsal owns on the server it is given.
const REHEARSAL_DATABASE: &str = "temujanji_rehearsal";

/// Drops and creates the rehearsal's database on the server of `url`
/// (connecting through the database `url` names); returns its URL.
pub async fn fresh_postgres(url: &str) -> anyhow::Result<String> {
    let mut admin = sqlx::PgConnection::connect(url).await.with_context(|| format!("cannot connect to {url}"))?;
    sqlx::query("DROP DATABASE IF EXISTS temujanji_rehearsal WITH (FORCE)").execute(&mut admin).await?;
    sqlx::query("CREATE DATABASE temujanji_rehearsal").execute(&mut admin).await?;
    admin.close().await?;
    database_url_named(url, REHEARSAL_DATABASE)
}

/// `url` with its database replaced by `name` (query parameters kept).
fn database_url_named(url: &str, name: &str) -> anyhow::Result<String> {
    let after_scheme = url.find("://").context("a Postgres URL starts with postgres://")? + 3;
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let host_end = base[after_scheme..].find('/').map_or(base.len(), |i| after_scheme + i);
    Ok(match query {
        Some(query) => format!("{}/{name}?{query}", &base[..host_end]),
        None => format!("{}/{name}", &base[..host_end]),
    })
}

/// Copies the campaign in `data` to `into` with every centre's daily
/// capacity scaled by `share` (at least 1); returns `into`.
pub fn scaled_campaign(data: &Path, share: f64, into: &Path) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(into)?;
    for entry in std::fs::read_dir(data)? {
        let entry = entry?;
        if entry.file_type()?.is_file() && entry.file_name() != "centres.csv" {
            std::fs::copy(entry.path(), into.join(entry.file_name()))?;
        }
    }
    let mut reader = csv::Reader::from_path(data.join("centres.csv"))?;
    let headers = reader.headers()?.clone();
    let capacity = column(&headers, "daily_capacity")?;
    let mut writer = csv::Writer::from_path(into.join("centres.csv"))?;
    writer.write_record(&headers)?;
    for record in reader.records() {
        let record = record?;
        let places: f64 =
            record[capacity].parse().with_context(|| format!("daily_capacity {:?}", &record[capacity]))?;
        let scaled = ((places * share).round() as u64).max(1).to_string();
        writer.write_record(record.iter().enumerate().map(|(n, v)| if n == capacity { scaled.as_str() } else { v }))?;
    }
    writer.flush()?;
    Ok(into.to_owned())
}

#[cfg(test)]
mod tests {
    use super::database_url_named;

    #[test]
    fn names_another_database_on_the_same_server() {
        let named = |url| database_url_named(url, "other").expect("a URL");
        assert_eq!(named("postgres://postgres@127.0.0.1:5432/test"), "postgres://postgres@127.0.0.1:5432/other");
        assert_eq!(named("postgres://u:p@db:5432"), "postgres://u:p@db:5432/other");
        assert_eq!(named("postgres://u@db/test?sslmode=disable"), "postgres://u@db/other?sslmode=disable");
    }
}
