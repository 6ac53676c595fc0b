//! Writes `.br` (quality 11) and `.gz` (level 9) siblings of the site's content-hashed files,
//! so `/pkg` sends the smallest encoding a browser accepts without compressing per request.
//! Brotli at quality 11 takes seconds for the WASM, far too slow per request, so it is done
//! once, at start-up, off the request path.
//!
//! Only content-hashed files get siblings: `ServeDir` serves a sibling without comparing it to
//! its source, and a file whose name pins its bytes can never be out of date with its sibling
//! while the server runs. Plain names (a watch build rewriting `latch.wasm` in place) are
//! compressed per request instead.

use std::{
    fs,
    io::{self, Write},
    path::{Path, PathBuf},
    sync::atomic::{AtomicU64, Ordering},
    time::{Duration, Instant},
};

use super::names::is_content_hashed;

/// Text and WASM; images and fonts are compressed already.
const COMPRESSIBLE: [&str; 9] = ["wasm", "js", "mjs", "css", "json", "html", "svg", "txt", "map"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Brotli,
    Gzip,
}

impl Encoding {
    pub const ALL: [Encoding; 2] = [Encoding::Brotli, Encoding::Gzip];

    pub fn extension(self) -> &'static str {
        match self {
            Encoding::Brotli => "br",
            Encoding::Gzip => "gz",
        }
    }

    fn compress(self, data: &[u8]) -> io::Result<Vec<u8>> {
        let mut out = Vec::with_capacity(data.len() / 3);
        match self {
            Encoding::Brotli => {
                let params = brotli::enc::BrotliEncoderParams {
                    quality: 11,
                    lgwin: 22,
                    size_hint: data.len(),
                    ..Default::default()
                };
                brotli::BrotliCompress(&mut &data[..], &mut out, &params)?;
            }
            Encoding::Gzip => {
                let mut encoder = flate2::write::GzEncoder::new(out, flate2::Compression::best());
                encoder.write_all(data)?;
                out = encoder.finish()?;
            }
        }
        Ok(out)
    }
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Siblings written this time.
    pub written: usize,
    /// Siblings already there and newer than their source.
    pub fresh: usize,
    pub elapsed: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum PrecompressError {
    #[error("cannot read {0}: {1}")]
    Read(PathBuf, io::Error),
    #[error("cannot write {0}: {1}")]
    Write(PathBuf, io::Error),
}

/// Brings every sibling under `dir` up to date. Stops at the first failure: a folder that
/// cannot be written to fails the same way for every file, and one warning says so.
pub fn precompress_dir(dir: &Path) -> Result<Report, PrecompressError> {
    let started = Instant::now();
    let mut report = Report::default();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = fs::read_dir(&dir).map_err(|err| PrecompressError::Read(dir.clone(), err))?;
        for entry in entries {
            let path = entry
                .map_err(|err| PrecompressError::Read(dir.clone(), err))?
                .path();
            if path.is_dir() {
                pending.push(path);
            } else if should_compress(&path) {
                precompress_file(&path, &mut report)?;
            }
        }
    }
    report.elapsed = started.elapsed();
    Ok(report)
}

fn should_compress(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|name| name.to_str())
        .unwrap_or_default();
    let extension = path.extension().and_then(|ext| ext.to_str()).unwrap_or_default();
    COMPRESSIBLE.contains(&extension) && is_content_hashed(name)
}

fn precompress_file(source: &Path, report: &mut Report) -> Result<(), PrecompressError> {
    let read_error = |err| PrecompressError::Read(source.to_path_buf(), err);
    let source_modified = fs::metadata(source)
        .and_then(|m| m.modified())
        .map_err(read_error)?;
    let mut data = None;
    for encoding in Encoding::ALL {
        let sibling = sibling_path(source, encoding);
        let sibling_modified = fs::metadata(&sibling).and_then(|m| m.modified());
        if sibling_modified.is_ok_and(|modified| modified >= source_modified) {
            report.fresh += 1;
            continue;
        }
        if data.is_none() {
            data = Some(fs::read(source).map_err(read_error)?);
        }
        let data = data.as_deref().unwrap_or_default();
        let compressed = encoding.compress(data).map_err(read_error)?;
        write_atomically(&sibling, &compressed).map_err(|err| PrecompressError::Write(sibling, err))?;
        report.written += 1;
    }
    Ok(())
}

pub fn sibling_path(source: &Path, encoding: Encoding) -> PathBuf {
    let mut name = source.as_os_str().to_owned();
    name.push(".");
    name.push(encoding.extension());
    PathBuf::from(name)
}

/// Several instances may start at once on one site folder: each writes a private temporary
/// file and renames it into place, so a reader sees a whole old sibling or a whole new one,
/// never a partly written file.
fn write_atomically(target: &Path, bytes: &[u8]) -> io::Result<()> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let file_name = target
        .file_name()
        .and_then(|name| name.to_str())
        .unwrap_or("sibling");
    let temporary = target.with_file_name(format!(
        ".{file_name}.{}-{}.tmp",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let written = fs::File::create(&temporary).and_then(|mut file| {
        file.write_all(bytes)?;
        // A sibling is trusted for as long as it is newer than its source: it must not
        // survive a crash as an empty file.
        file.sync_all()
    });
    let renamed = written.and_then(|()| fs::rename(&temporary, target));
    if renamed.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    renamed
}

#[cfg(test)]
mod tests;
