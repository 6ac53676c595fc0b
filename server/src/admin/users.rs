//! `latch users list|show|disable|enable|delete`.

use serde::Serialize;
use serde_json::json;

use super::{
    UsersCommand,
    operator::{Operator, operator_client},
    output,
};
use crate::{clock, with_pool};

/// An account as an operator sees it.
#[derive(Serialize, sqlx::FromRow)]
struct Account {
    id: String,
    email: String,
    #[sqlx(skip)]
    created_at: String,
    #[serde(skip)]
    created_ms: i64,
    email_verified: bool,
    disabled: bool,
    has_password: bool,
    /// Sessions not ended (some may have run out without being used since).
    sessions: i64,
    passkeys: i64,
}

const ACCOUNTS: &str = "SELECT id, email, created_at AS created_ms, \
     email_verified_at IS NOT NULL AS email_verified, disabled_at IS NOT NULL AS disabled, \
     password_hash <> '' AS has_password, \
     (SELECT COUNT(*) FROM sessions s WHERE s.user_id = users.id AND s.revoked_at IS NULL) AS sessions, \
     (SELECT COUNT(*) FROM passkeys p WHERE p.user_id = users.id) AS passkeys \
     FROM users";

async fn accounts(operator: &Operator, email: Option<&str>) -> anyhow::Result<Vec<Account>> {
    let sql = match email {
        Some(_) => format!("{ACCOUNTS} WHERE email = $1"),
        None => format!("{ACCOUNTS} ORDER BY created_at, id"),
    };
    let mut rows: Vec<Account> = with_pool!(&operator.db, |pool| {
        let query = sqlx::query_as::<_, Account>(&sql);
        match email {
            Some(email) => query.bind(email).fetch_all(pool).await?,
            None => query.fetch_all(pool).await?,
        }
    });
    for row in &mut rows {
        row.created_at = clock::rfc3339(row.created_ms);
    }
    Ok(rows)
}

fn yes(flag: bool) -> String {
    if flag { "yes" } else { "no" }.into()
}

pub async fn run(operator: &Operator, command: &UsersCommand) -> anyhow::Result<()> {
    let json = operator.json;
    let client = operator_client();
    match command {
        UsersCommand::List => {
            let rows = accounts(operator, None).await?;
            let header = [
                "EMAIL",
                "CREATED",
                "CONFIRMED",
                "DISABLED",
                "SESSIONS",
                "PASSKEYS",
            ];
            output::table(json, &header, &rows, |a| {
                vec![
                    a.email.clone(),
                    a.created_at.clone(),
                    yes(a.email_verified),
                    yes(a.disabled),
                    a.sessions.to_string(),
                    a.passkeys.to_string(),
                ]
            });
        }
        UsersCommand::Show { email } => {
            let user = operator.account(email).await?;
            let rows = accounts(operator, Some(&user.email)).await?;
            let account = rows
                .first()
                .ok_or_else(|| anyhow::anyhow!("the account just went"))?;
            let fields = [
                ("email", account.email.clone()),
                ("id", account.id.clone()),
                ("created", account.created_at.clone()),
                ("confirmed", yes(account.email_verified)),
                ("disabled", yes(account.disabled)),
                ("password", yes(account.has_password)),
                ("sessions", account.sessions.to_string()),
                ("passkeys", account.passkeys.to_string()),
            ];
            output::record(json, account, &fields);
        }
        UsersCommand::Disable { email } | UsersCommand::Enable { email } => {
            let disable = matches!(command, UsersCommand::Disable { .. });
            let user = operator.account(email).await?;
            let changed = operator
                .sessions
                .set_disabled(&user.id, disable, &client)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no account has the address {email}"))?;
            let (verb, subject, what) = if disable {
                (
                    "disabled",
                    "Your Latch account was disabled",
                    "disabled your account and signed out every device",
                )
            } else {
                (
                    "enabled",
                    "Your Latch account was enabled again",
                    "enabled your account again",
                )
            };
            if changed {
                operator.notices.operator_action(&user.email, subject, what);
                tracing::warn!(user = %user.id, action = verb, "account changed by an operator");
            }
            let sentence = if changed {
                format!("{} {verb}", user.email)
            } else {
                format!("{} was already {verb}: nothing changed", user.email)
            };
            output::done(
                json,
                &sentence,
                json!({ "email": user.email, "changed": changed }),
            );
        }
        UsersCommand::Delete { email } => {
            let user = operator.account(email).await?;
            let deleted = operator.sessions.delete_account(&user.id).await?;
            let address = deleted.ok_or_else(|| anyhow::anyhow!("no account has the address {email}"))?;
            tracing::warn!(user = %user.id, "account deleted by an operator");
            operator.notices.operator_action(
                &address,
                "Your Latch account was deleted",
                "deleted your account and everything it held, and signed out every device",
            );
            output::done(json, &format!("{address} deleted"), json!({ "email": address }));
        }
    }
    Ok(())
}
