//! `latch sessions list --user <email>` and `latch sessions revoke --user <email> | --session <id>`.

use anyhow::{Context, bail};
use serde::Serialize;
use serde_json::json;

use super::{
    SessionsCommand,
    operator::{Operator, operator_client},
    output,
};
use crate::{auth::client::user_agent, auth::sessions::store::Which, clock, with_pool};

#[derive(Serialize)]
struct Session {
    id: String,
    device: String,
    ip: String,
    created_at: String,
    last_used_at: String,
    device_bound: bool,
}

pub async fn run(operator: &Operator, command: &SessionsCommand) -> anyhow::Result<()> {
    let json = operator.json;
    match command {
        SessionsCommand::List { user } => {
            let account = operator.account(user).await?;
            let rows: Vec<Session> = operator
                .sessions
                .list_active(&account.id)
                .await?
                .into_iter()
                .map(|session| Session {
                    device: user_agent::describe(&session.user_agent),
                    created_at: clock::rfc3339(session.created_at),
                    last_used_at: clock::rfc3339(session.last_used_at),
                    device_bound: session.dpop_jkt.is_some(),
                    id: session.id,
                    ip: session.ip,
                })
                .collect();
            let header = ["SESSION", "DEVICE", "ADDRESS", "SIGNED IN", "LAST USED"];
            output::table(json, &header, &rows, |s| {
                vec![
                    s.id.clone(),
                    s.device.clone(),
                    s.ip.clone(),
                    s.created_at.clone(),
                    s.last_used_at.clone(),
                ]
            });
        }
        SessionsCommand::Revoke { user, session } => {
            let (account, which) = match (user, session) {
                (Some(user), None) => (operator.account(user).await?.id, Which::All),
                (None, Some(session)) => (owner_of(operator, session).await?, Which::One(session)),
                _ => bail!("name the account (--user) or the session (--session), not both"),
            };
            let ended = operator
                .sessions
                .end_by_operator(&account, which, &operator_client())
                .await?;
            if ended > 0
                && let Some(user) = crate::auth::accounts::users::by_id(&operator.db, &account).await?
            {
                operator.notices.operator_action(
                    &user.email,
                    "An administrator signed you out",
                    "ended sessions of your account: sign in again on the devices that were signed out",
                );
            }
            if session.is_some() && ended == 0 {
                bail!(
                    "session {} had already ended",
                    session.as_deref().unwrap_or_default()
                );
            }
            tracing::warn!(user = %account, ended, "sessions ended by an operator");
            let sentence = format!("{ended} session{} ended", if ended == 1 { "" } else { "s" });
            output::done(json, &sentence, json!({ "ended": ended }));
        }
    }
    Ok(())
}

/// The account a session belongs to, or a clear error.
async fn owner_of(operator: &Operator, session: &str) -> anyhow::Result<String> {
    uuid::Uuid::parse_str(session).with_context(|| format!("{session:?} is not a session id"))?;
    let owner: Option<String> = with_pool!(&operator.db, |pool| {
        sqlx::query_scalar("SELECT user_id FROM sessions WHERE id = $1")
            .bind(session)
            .fetch_optional(pool)
            .await?
    });
    owner.with_context(|| format!("no session has the id {session}"))
}
