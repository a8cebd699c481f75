//! The public paths, known to the routes that serve them and to the layers
//! that admit requests and label their metrics.

/// The submission endpoint.
pub const APPLICATIONS: &str = "/api/v1/applications";

/// The answer pages' stylesheet.
pub const STYLESHEET: &str = "/api/v1/style.css";

/// The result lookup of the "Check my result" form without JavaScript.
pub const RESULTS: &str = "/api/v1/results";
