//! `allocator`: after registration closes, one offline run turns every
//! stored application into an appointment or a place on a waiting list,
//! oldest first, reproducibly from a published seed.

pub mod attendance;
pub mod confirm;
pub mod export;
pub mod gsm7;
pub mod lottery;
pub mod output;
pub mod publish;
pub mod report;
pub mod result_link;
pub mod round;
pub mod round_run;
pub mod rule;
pub mod run;
pub mod seed;
pub mod send;
pub mod staff_changes;
pub mod staff_list;
pub mod workbook;

pub use cli::load_catalogue;
