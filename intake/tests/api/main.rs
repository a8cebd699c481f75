//! Integration tests: the real intake on 127.0.0.1:0, over HTTP, on SQLite
//! and (when configured) Postgres.

mod amendments;
mod calendar;
mod change_form;
mod cli;
mod crash;
mod declines;
mod door;
mod helpers;
mod identity;
mod operations;
mod outage;
mod overload;
mod results;
mod site;
mod submit;
