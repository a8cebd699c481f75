//! `site-gen`: bakes every centre and every date of the campaign into a
//! static application form that any CDN can serve. There is no availability
//! API: the form lists everything, all open, in English and Bahasa Melayu,
//! and posts to intake.

pub mod assets;
pub mod build;
pub mod change_page;
pub mod decline_page;
pub mod pages;
pub mod report;
pub mod result_page;
pub mod rules;

pub use build::{BuildOptions, build};
pub use cli::load_catalogue;
