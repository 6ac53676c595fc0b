//! The development outbox: where mail goes in a local run without a relay (the configuration
//! allows it only for a localhost origin). Each mail is written as `<time>-<random>.eml`, the
//! exact message a relay would have been given (a mail client opens it), and a `.json` beside
//! it with what `/dev/outbox` shows, so the page need not decode MIME. Names sort by time; each
//! file appears whole (written aside, then renamed), and the `.json` last.

use std::{
    fs, io,
    io::Write,
    path::{Path, PathBuf},
    sync::Arc,
};

use lettre::Message;
use serde::{Deserialize, Serialize};
use time::{OffsetDateTime, format_description::well_known::Rfc3339, macros::format_description};

use super::Mail;

#[derive(Debug, Clone)]
pub struct Outbox {
    dir: Arc<PathBuf>,
}

/// One stored mail as the outbox page and `latest.json` show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxMail {
    pub to: String,
    pub subject: String,
    /// When it was stored (RFC 3339, UTC).
    pub date: String,
    pub text: String,
}

impl Outbox {
    pub fn new(dir: PathBuf) -> Self {
        Self { dir: Arc::new(dir) }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub(super) async fn store(&self, message: &Message, mail: &Mail) -> io::Result<()> {
        let now = OffsetDateTime::now_utc();
        let stamp = format_description!("[year][month][day]T[hour][minute][second].[subsecond digits:9]Z");
        let random = uuid::Uuid::new_v4().simple().to_string();
        let name = format!(
            "{}-{}",
            now.format(stamp).map_err(io::Error::other)?,
            &random[..8]
        );
        let summary = OutboxMail {
            to: mail.to.as_str().to_string(),
            subject: mail.subject.clone(),
            date: now.format(&Rfc3339).map_err(io::Error::other)?,
            text: mail.text.clone(),
        };
        let summary = serde_json::to_vec_pretty(&summary)?;
        let eml = message.formatted();
        let dir = Arc::clone(&self.dir);
        blocking(move || {
            create_private_dir(&dir)?;
            write_whole(&dir, &format!("{name}.eml"), &eml)?;
            write_whole(&dir, &format!("{name}.json"), &summary)
        })
        .await
    }

    /// The newest mails first, at most `limit`.
    pub async fn newest(&self, limit: usize) -> io::Result<Vec<OutboxMail>> {
        let dir = Arc::clone(&self.dir);
        blocking(move || read_newest(&dir, limit, |_| true)).await
    }

    /// The newest mail to `to` (compared as account addresses are: trimmed, lower-case), or
    /// the newest of all.
    pub async fn latest(&self, to: Option<&str>) -> io::Result<Option<OutboxMail>> {
        let dir = Arc::clone(&self.dir);
        let to = to.map(|to| to.trim().to_lowercase());
        blocking(move || {
            let wanted = |mail: &OutboxMail| to.as_ref().is_none_or(|to| *to == mail.to);
            Ok(read_newest(&dir, 1, wanted)?.pop())
        })
        .await
    }
}

/// File work off the async threads.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> io::Result<T> + Send + 'static) -> io::Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(io::Error::other)?
}

fn read_newest(
    dir: &Path,
    limit: usize,
    wanted: impl Fn(&OutboxMail) -> bool,
) -> io::Result<Vec<OutboxMail>> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        // Nothing has been sent yet.
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(err) => return Err(err),
    };
    let mut names: Vec<String> = entries
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with(".json") && !name.starts_with('.'))
        .collect();
    names.sort_unstable_by(|a, b| b.cmp(a));
    // A file someone edited into something else is skipped, not an error for the whole page.
    Ok(names
        .iter()
        .filter_map(|name| serde_json::from_slice::<OutboxMail>(&fs::read(dir.join(name)).ok()?).ok())
        .filter(|mail| wanted(mail))
        .take(limit)
        .collect())
}

/// The mails hold live sign-in links: only this user may read them.
fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Writes `name` so that a reader sees all of it or nothing: aside first, then renamed.
fn write_whole(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<()> {
    let aside = dir.join(format!(".{name}.part"));
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options.open(&aside).and_then(|mut file| file.write_all(bytes));
    match written.and_then(|()| fs::rename(&aside, dir.join(name))) {
        Ok(()) => Ok(()),
        Err(err) => {
            let _ = fs::remove_file(&aside);
            Err(err)
        }
    }
}
