//! `latch keys list|rotate|retire <kid> [--force]`.

use anyhow::bail;
use serde_json::json;

use super::{KeysCommand, operator::Operator, output};
use crate::{
    auth::tokens::keys::{KeyState, NotRetired},
    clock,
};

pub async fn run(operator: &Operator, command: &KeysCommand) -> anyhow::Result<()> {
    let json = operator.json;
    let keys = &operator.keys;
    match command {
        KeysCommand::List => {
            let statuses = keys.statuses().await?;
            output::table(json, &["KEY", "GENERATION", "CREATED", "NOW"], &statuses, |key| {
                let now = match key.state {
                    KeyState::Signing => "signs new tokens".to_string(),
                    KeyState::Verifying { until } => format!("verifies until {}", clock::rfc3339(until)),
                    KeyState::Retired => "retired: may be deleted".to_string(),
                };
                vec![
                    key.kid.clone(),
                    key.generation.to_string(),
                    clock::rfc3339(key.created_at),
                    now,
                ]
            });
        }
        KeysCommand::Rotate => {
            let kid = keys.rotate().await?;
            let sentence = format!(
                "new signing key {kid}: every instance signs with it within two minutes; older keys keep verifying what they signed"
            );
            output::done(json, &sentence, json!({ "kid": kid }));
        }
        KeysCommand::Retire { kid, force } => match keys.retire(kid, *force).await? {
            Ok(()) => {
                tracing::warn!(kid = %kid, force, "signing key retired by an operator");
                let sentence = format!(
                    "key {kid} deleted: instances stop accepting it at their next re-read (within a minute)"
                );
                output::done(json, &sentence, json!({ "kid": kid }));
            }
            Err(NotRetired::NoSuchKey) => bail!("no key has the id {kid} (see `keys list`)"),
            Err(NotRetired::Signing) => bail!("key {kid} signs new tokens: rotate first (`keys rotate`)"),
            Err(NotRetired::StillVerifying { until }) => bail!(
                "key {kid} may still verify live tokens until {}: retire it then, or now with --force \
                 (its tokens stop working at once)",
                clock::rfc3339(until)
            ),
        },
    }
    Ok(())
}
