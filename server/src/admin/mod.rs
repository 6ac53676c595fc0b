//! Operating a deployment with its own binary: `latch users|sessions|keys|events|backup`, on
//! the deployment's `DATABASE_URL` and secret. Output is for people by default and JSON with
//! `--json` (events are always JSON lines); bad input is a clear message and a non-zero exit.
//! Every change is the same transaction the server would make, so the running instances
//! hear of it within a second (`auth::sessions::broadcast`), and each is a security event the
//! account's owner sees, with a mail.

mod backup;
mod events;
mod keys;
mod operator;
mod output;
mod sessions;
mod users;

use std::path::PathBuf;

use clap::Subcommand;

use crate::config::Config;
pub use operator::Operator;

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Accounts: list, show, disable, enable, delete.
    #[command(subcommand)]
    Users(UsersCommand),
    /// An account's signed-in sessions: list, or end them.
    #[command(subcommand)]
    Sessions(SessionsCommand),
    /// The keys that sign access tokens: list, rotate, retire.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// An account's security events, oldest first, as JSON lines.
    Events {
        /// The account's email address.
        #[arg(long)]
        user: String,
        /// Only events at or after this time: RFC 3339 (2026-12-07T10:00:00Z) or an age (30m, 24h, 7d).
        #[arg(long)]
        since: Option<String>,
    },
    /// A consistent copy of the SQLite database, taken while the server runs (VACUUM INTO).
    /// To restore, stop the server and put the copy in the database file's place.
    Backup {
        /// Where to write the copy (a new file).
        to: PathBuf,
    },
}

#[derive(Debug, Clone, Subcommand)]
pub enum UsersCommand {
    /// Every account, oldest first.
    List,
    Show {
        email: String,
    },
    /// Ends every session and refuses sign-in and refresh until enabled again.
    Disable {
        email: String,
    },
    Enable {
        email: String,
    },
    /// Deletes the account and all it owns; its sessions end at once.
    Delete {
        email: String,
    },
}

#[derive(Debug, Clone, Subcommand)]
pub enum SessionsCommand {
    /// The account's live sessions, most recently used first.
    List {
        #[arg(long)]
        user: String,
    },
    /// Ends every session of an account, or one session.
    Revoke {
        #[arg(long, required_unless_present = "session", conflicts_with = "session")]
        user: Option<String>,
        #[arg(long)]
        session: Option<String>,
    },
}

#[derive(Debug, Clone, Subcommand)]
pub enum KeysCommand {
    /// Every stored key, newest first, with what it does now.
    List,
    /// A new key signs from now on (every instance within two minutes); older ones keep
    /// verifying the tokens they signed.
    Rotate,
    /// Deletes a key that no longer signs. Refused while it may still verify a live token,
    /// unless --force (a leaked key): instances then drop it at their next re-read (a minute).
    Retire {
        /// Key ids are base64url: one may start with `-`, and is still an id, not an option.
        #[arg(allow_hyphen_values = true)]
        kid: String,
        #[arg(long)]
        force: bool,
    },
}

/// Runs `command` and reports the outcome; the process exits with its result.
pub async fn run(config: &Config, command: &Command) -> anyhow::Result<()> {
    let operator = Operator::connect(config).await?;
    let result = match command {
        Command::Users(command) => users::run(&operator, command).await,
        Command::Sessions(command) => sessions::run(&operator, command).await,
        Command::Keys(command) => keys::run(&operator, command).await,
        Command::Events { user, since } => events::run(&operator, user, since.as_deref()).await,
        Command::Backup { to } => backup::run(&operator, to).await,
    };
    operator.finish().await;
    result
}
