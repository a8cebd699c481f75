//! The HTTP routes; each module exposes its own `router`.

pub mod amendments;
pub mod applications;
pub mod declines;
pub mod health;
pub mod results;
pub mod site;
