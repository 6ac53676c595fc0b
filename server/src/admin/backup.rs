//! `latch backup <file>`: a consistent copy of the SQLite database, taken while the server
//! runs. `VACUUM INTO` reads one snapshot (readers never block the writer in WAL mode), so the
//! copy holds whole transactions only; every session in it refreshes on the restored file.
//! PostgreSQL has its own tools for this (`pg_dump`, or base backups with WAL archiving).

use std::path::Path;

use anyhow::{Context, bail};
use serde_json::json;

use super::{operator::Operator, output};
use crate::db::Db;

pub async fn run(operator: &Operator, to: &Path) -> anyhow::Result<()> {
    let Db::Sqlite(pool) = &operator.db else {
        bail!("backup copies SQLite databases; for PostgreSQL use pg_dump or a base backup");
    };
    if to.exists() {
        bail!("{} exists: back up to a new file", to.display());
    }
    let target = to.to_str().context("the backup path is not UTF-8")?;
    sqlx::query("VACUUM INTO $1")
        .bind(target)
        .execute(pool)
        .await
        .with_context(|| format!("cannot write the backup to {}", to.display()))?;
    let bytes = std::fs::metadata(to).map(|meta| meta.len()).unwrap_or(0);
    let sentence = format!("backed up to {} ({bytes} bytes)", to.display());
    output::done(
        operator.json,
        &sentence,
        json!({ "path": target, "bytes": bytes }),
    );
    Ok(())
}
