//! The public paths, known to the routes that serve them and to the layers
//! that admit requests and label their metrics.

/// The submission endpoint.
pub const APPLICATIONS: &str = "/api/v1/applications";

/// Changing an application: the same fields as a new one.
pub const APPLICATION: &str = "/api/v1/applications/{reference}";

/// Withdrawing an application.
pub const WITHDRAW: &str = "/api/v1/applications/{reference}/withdraw";

/// Changing an application from a plain HTML form, which cannot put the
/// reference in the path: the reference is a field of the body. A static
/// segment, so it wins over `{reference}` (no reference reads "change").
pub const CHANGE: &str = "/api/v1/applications/change";

/// Withdrawing an application from a plain HTML form, the reference a field of the body.
pub const WITHDRAWAL: &str = "/api/v1/applications/withdraw";

/// Declining an appointment after allocation.
pub const DECLINE: &str = "/api/v1/applications/{reference}/decline";

/// Declining from a plain HTML form (the "I cannot come" page), the reference a field of the body.
pub const DECLINING: &str = "/api/v1/applications/decline";

/// Whether a request to `path` is a submission (new, change,
/// withdrawal or decline): it passes the door and takes a slot once its body is in.
pub fn is_submission(path: &str) -> bool {
    path.strip_prefix(APPLICATIONS).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// The answer pages' stylesheet.
pub const STYLESHEET: &str = "/api/v1/style.css";

/// The result lookup of the "Check my result" form without JavaScript.
pub const RESULTS: &str = "/api/v1/results";
