//! Secrets read from files: `DATABASE_URL_FILE` and `LATCH_SMTP_URL_FILE` name a file that
//! holds the value (systemd's `LoadCredential=`, Docker and Kubernetes secrets), so the secret
//! need not sit in the environment, where `/proc/PID/environ`, `systemctl show` and crash
//! reports can reveal it. The server secret has its own, `LATCH_SECRET_FILE`.

use std::path::{Path, PathBuf};

use clap::Args;
use secrecy::SecretString;

use super::{Config, ConfigError};

#[derive(Debug, Clone, Args)]
pub struct SecretFiles {
    /// A file holding DATABASE_URL (its first line), instead of the variable itself.
    #[arg(long, env = "DATABASE_URL_FILE", conflicts_with = "database_url")]
    pub database_url_file: Option<PathBuf>,

    /// A file holding LATCH_SMTP_URL (its first line), instead of the variable itself.
    #[arg(long, env = "LATCH_SMTP_URL_FILE", conflicts_with = "smtp_url")]
    pub smtp_url_file: Option<PathBuf>,
}

impl Config {
    /// Puts the values of the files named by `*_FILE` settings in place. Called once, right
    /// after parsing, before anything reads them.
    pub fn read_secret_files(&mut self) -> Result<(), ConfigError> {
        if let Some(path) = &self.secret_files.database_url_file {
            self.database_url = read("DATABASE_URL_FILE", path)?;
        }
        if let Some(path) = &self.secret_files.smtp_url_file {
            self.mail.smtp_url = Some(read("LATCH_SMTP_URL_FILE", path)?);
        }
        Ok(())
    }
}

/// The file's first line, without its line ending; an empty or unreadable file is an error
/// that names the setting and the path (never the content).
fn read(setting: &'static str, path: &Path) -> Result<SecretString, ConfigError> {
    let problem = |why: String| ConfigError::SecretFile {
        setting,
        path: path.display().to_string(),
        why,
    };
    let text = std::fs::read_to_string(path).map_err(|err| problem(err.to_string()))?;
    let value = text.lines().next().unwrap_or_default().trim();
    if value.is_empty() {
        return Err(problem("it is empty".into()));
    }
    Ok(SecretString::from(value))
}

#[cfg(test)]
mod tests {
    use clap::Parser;
    use secrecy::ExposeSecret;

    use super::*;

    fn parsed(args: &[&str]) -> Result<Config, ConfigError> {
        let mut config = Config::try_parse_from([&["latch"][..], args].concat()).unwrap();
        config.read_secret_files().map(|()| config)
    }

    #[test]
    fn a_secret_is_read_from_its_file_without_the_line_ending() {
        let dir = tempfile::tempdir().unwrap();
        let database = dir.path().join("database-url");
        std::fs::write(&database, "postgres://latch:s3cret@db/latch\n").unwrap();
        let smtp = dir.path().join("smtp-url");
        std::fs::write(&smtp, "smtps://mailer:pw@smtp.example.com:465\r\n").unwrap();
        let config = parsed(&[
            "--database-url-file",
            database.to_str().unwrap(),
            "--smtp-url-file",
            smtp.to_str().unwrap(),
        ])
        .unwrap();
        assert_eq!(
            config.database_url.expose_secret(),
            "postgres://latch:s3cret@db/latch"
        );
        assert_eq!(
            config.mail.smtp_url.unwrap().expose_secret(),
            "smtps://mailer:pw@smtp.example.com:465"
        );
    }

    #[test]
    fn a_missing_or_empty_file_is_an_error_naming_the_setting_and_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("absent");
        let err = parsed(&["--database-url-file", missing.to_str().unwrap()]).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("DATABASE_URL_FILE") && text.contains("absent"), "{text}");
        let empty = dir.path().join("empty");
        std::fs::write(&empty, "\n").unwrap();
        let err = parsed(&["--smtp-url-file", empty.to_str().unwrap()]).unwrap_err();
        assert!(err.to_string().contains("empty"), "{err}");
    }

    #[test]
    fn the_variable_and_its_file_together_are_refused() {
        let both = Config::try_parse_from([
            "latch",
            "--database-url",
            "sqlite:x.db",
            "--database-url-file",
            "/run/credentials/latch.service/database-url",
        ]);
        assert!(both.is_err());
    }
}
