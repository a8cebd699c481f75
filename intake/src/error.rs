//! Every way a submission can fail, and its HTTP status: the one place where
//! errors become statuses. [`crate::answer`] turns them into bodies.

use axum::http::StatusCode;
use campaign::FieldErrors;

use crate::submission::Malformed;
use crate::writer::Unavailable;

/// Why a submission was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Fields with problems: 422 with every problem.
    #[error("invalid application: {0}")]
    Invalid(FieldErrors),
    /// Another application holds the identity document: 409.
    #[error("a different application holds this identity document")]
    IdentityTaken,
    /// No application has this reference with this identity (or none has
    /// this reference at all: the two are answered alike): 404.
    #[error("no application with this reference and identity")]
    NotFound,
    /// A decline from someone who holds no appointment (waiting, or
    /// nothing allocated yet): 409.
    #[error("no appointment to decline")]
    NoAppointment,
    /// A decline after the campaign's deadline before the appointment: 409.
    #[error("the appointment starts too soon to be declined")]
    TooLateToDecline,
    /// Before registration opens: 403.
    #[error("registration has not opened")]
    NotYetOpen,
    /// After registration closes: 403.
    #[error("registration has closed")]
    Closed,
    /// Queue full or database down: 503 with Retry-After.
    #[error(transparent)]
    Unavailable(#[from] Unavailable),
    /// Body over the limit: 413.
    #[error("the body is over the size limit")]
    TooLarge,
    /// Neither a form nor JSON: 415.
    #[error("unsupported content type")]
    UnsupportedMediaType,
    /// Not a well-formed form or JSON object: 400.
    #[error(transparent)]
    Malformed(#[from] Malformed),
    /// The body did not arrive in time: 408.
    #[error("the body did not arrive in time")]
    BodyTimeout,
    /// A fault of ours (never bad input): 500.
    #[error("internal error: {0}")]
    Internal(&'static str),
}

impl ApiError {
    /// The HTTP status for this error.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::IdentityTaken | ApiError::NoAppointment | ApiError::TooLateToDecline => StatusCode::CONFLICT,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::NotYetOpen | ApiError::Closed => StatusCode::FORBIDDEN,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Malformed(_) => StatusCode::BAD_REQUEST,
            ApiError::BodyTimeout => StatusCode::REQUEST_TIMEOUT,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A stable machine-readable code (`error.code` in JSON), also the
    /// message key under `intake.error.` in the catalogues.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Invalid(_) => "invalid",
            ApiError::IdentityTaken => "identity_taken",
            ApiError::NotFound => "not_found",
            ApiError::NoAppointment => "no_appointment",
            ApiError::TooLateToDecline => "too_late",
            ApiError::NotYetOpen => "not_open",
            ApiError::Closed => "closed",
            ApiError::Unavailable(_) => "busy",
            ApiError::TooLarge => "too_large",
            ApiError::UnsupportedMediaType => "unsupported",
            ApiError::Malformed(_) => "malformed",
            ApiError::BodyTimeout => "timeout",
            ApiError::Internal(_) => "internal",
        }
    }
}
