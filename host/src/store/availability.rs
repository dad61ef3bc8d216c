//! Which database errors mean "not now" rather than "never": the database is
//! unreachable, restarting, or another node holds the write lock too long. The
//! API answers those 503 with `Retry-After`, so a client retries instead of
//! treating its report as refused; nothing was acknowledged, so nothing is lost.

/// PostgreSQL SQLSTATEs of a database that cannot serve now (connection
/// exceptions are class `08`).
const POSTGRES_UNAVAILABLE: &[&str] = &[
    "55P03", // lock_not_available: the write lock was not had within lock_timeout
    "25P03", // idle_in_transaction_session_timeout: this session was cut off
    "57P01", // admin_shutdown
    "57P02", // crash_shutdown
    "57P03", // cannot_connect_now
    "53300", // too_many_connections
];
/// SQLite's busy and locked result codes (primary and extended).
const SQLITE_UNAVAILABLE: &[&str] = &["5", "6", "261", "517", "262"];

/// Whether `error` says the database cannot serve now but may soon.
pub fn is_unavailable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Tls(_) => true,
        sqlx::Error::Database(database) => database.code().is_some_and(|code| {
            code.starts_with("08")
                || POSTGRES_UNAVAILABLE.contains(&code.as_ref())
                || SQLITE_UNAVAILABLE.contains(&code.as_ref())
        }),
        _ => false,
    }
}

/// An error that stands for `error` to every request of a failed batch (which
/// each need one of their own): unavailable stays unavailable.
pub fn for_each_request(error: &sqlx::Error) -> sqlx::Error {
    let message = format!("batch commit failed: {error}");
    if is_unavailable(error) {
        sqlx::Error::Io(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            message,
        ))
    } else {
        sqlx::Error::Protocol(message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dropped_connection_is_unavailable_a_bad_query_is_not() {
        let dropped = sqlx::Error::Io(std::io::ErrorKind::ConnectionReset.into());
        assert!(is_unavailable(&dropped));
        assert!(is_unavailable(&for_each_request(&dropped)));
        assert!(is_unavailable(&sqlx::Error::PoolTimedOut));
        let bad = sqlx::Error::Protocol("syntax".into());
        assert!(!is_unavailable(&bad));
        assert!(!is_unavailable(&for_each_request(&bad)));
        assert!(!is_unavailable(&sqlx::Error::RowNotFound));
    }
}
