//! `loadgen`: tools that play the public for benchmarks and rehearsals. None
//! of it runs in production, so none of it is in the `intake` server.
//!
//! - [`synth`] and the `synth` binary: synthetic, valid, realistic
//!   applications stored straight into the database.
//! - `loadgen`: a bounded load generator posting such applications over HTTP.
//! - `flood`: an open-loop flood on raw sockets, to overload the server.
//! - `hostile`: connections that hold the door without finishing a request.
//! - [`cluster`] and [`outage`]: a failover cluster to kill a primary in, and
//!   what a crowd saw of it.

pub mod answer_head;
pub mod cluster;
pub mod latency;
pub mod outage;
pub mod submission;
pub mod synth;
