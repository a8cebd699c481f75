//! Integration tests: the real intake on 127.0.0.1:0, over HTTP, on SQLite
//! and (when configured) Postgres.

mod helpers;
mod operations;
mod overload;
mod submit;
