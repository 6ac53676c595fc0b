//! `latch events --user <email> [--since <time>]`: the account's security events as JSON
//! lines, oldest first, for a log pipeline or `jq`.

use anyhow::{Context, bail};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

use super::operator::Operator;
use crate::{auth::accounts::events, clock};

/// A page read at a time, newest first, as the security page reads them.
const PAGE: i64 = 500;

pub async fn run(operator: &Operator, user: &str, since: Option<&str>) -> anyhow::Result<()> {
    let since = since.map(parse_since).transpose()?.unwrap_or(i64::MIN);
    let account = operator.account(user).await?;
    let mut newest_first = Vec::new();
    let mut before: Option<events::Cursor> = None;
    loop {
        let page = events::list(&operator.db, &account.id, before.as_ref(), PAGE).await?;
        let last_page = page.len() < PAGE as usize;
        let mut older = false;
        for event in page {
            if event.at < since {
                older = true;
                break;
            }
            before = Some(event.cursor());
            newest_first.push(event);
        }
        if last_page || older {
            break;
        }
    }
    for event in newest_first.iter().rev() {
        let line = serde_json::json!({
            "at": clock::rfc3339(event.at),
            "kind": event.kind,
            "count": event.count,
            "ip": event.ip,
            "user_agent": event.user_agent,
            "session_id": event.session_id,
            "user": account.email,
        });
        println!("{line}");
    }
    Ok(())
}

/// RFC 3339, or an age before now: `90s`, `30m`, `24h`, `7d`. Unix ms.
fn parse_since(text: &str) -> anyhow::Result<i64> {
    if let Ok(at) = OffsetDateTime::parse(text, &Rfc3339) {
        return Ok((at.unix_timestamp_nanos() / 1_000_000) as i64);
    }
    let (number, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len()));
    let seconds: i64 = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => bail!("--since {text:?}: give a time (2026-12-07T10:00:00Z) or an age (30m, 24h, 7d)"),
    };
    let count: i64 = number.parse().with_context(|| {
        format!("--since {text:?}: give a time (2026-12-07T10:00:00Z) or an age (30m, 24h, 7d)")
    })?;
    Ok(clock::now_millis() - count.saturating_mul(seconds).saturating_mul(1000))
}

#[cfg(test)]
mod tests {
    use super::parse_since;

    #[test]
    fn since_takes_a_time_or_an_age_and_nothing_else() {
        assert_eq!(parse_since("1970-01-01T00:00:01Z").unwrap(), 1000);
        let hour_ago = parse_since("1h").unwrap();
        assert!((crate::clock::now_millis() - hour_ago - 3_600_000).abs() < 5_000);
        for bad in ["", "yesterday", "5", "h", "-1h", "1w", "2026-13-01"] {
            assert!(parse_since(bad).is_err(), "{bad}");
        }
    }
}
