//! Wall-clock time as the database stores it: Unix milliseconds, UTC.

use time::{OffsetDateTime, format_description::well_known::Rfc3339};

pub fn now_millis() -> i64 {
    (OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// Unix seconds, for what counts in whole seconds (challenges, nonces).
pub fn now_secs() -> u64 {
    u64::try_from(now_millis() / 1000).unwrap_or(0)
}

/// RFC 3339 for API responses; a value out of range renders as the epoch rather than failing.
pub fn rfc3339(millis: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .format(&Rfc3339)
        .unwrap_or_default()
}
