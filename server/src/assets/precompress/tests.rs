use std::{
    fs,
    io::Read,
    path::Path,
    time::{Duration, SystemTime},
};

use super::{Encoding, precompress_dir, sibling_path};

const HASHED: &str = "latch.AAAAAAAAAAAAAAAAAAAAAA.wasm";

fn site_with(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in files {
        let path = dir.path().join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, bytes).unwrap();
    }
    dir
}

fn decompressed(path: &Path, encoding: Encoding) -> Vec<u8> {
    let file = fs::File::open(path).unwrap();
    let mut out = Vec::new();
    match encoding {
        Encoding::Brotli => brotli::Decompressor::new(file, 4096).read_to_end(&mut out),
        Encoding::Gzip => flate2::read::GzDecoder::new(file).read_to_end(&mut out),
    }
    .unwrap();
    out
}

fn bundle() -> Vec<u8> {
    (0..200_000u32).flat_map(|i| (i % 251).to_le_bytes()).collect()
}

#[test]
fn hashed_files_get_siblings_that_decompress_to_them() {
    let original = bundle();
    let site = site_with(&[
        (HASHED, &original),
        ("snippets/x.BBBBBBBBBBBBBBBBBBBBBB.js", b"export {}"),
    ]);
    let report = precompress_dir(site.path()).unwrap();
    assert_eq!(report.written, 4, "{report:?}");
    for encoding in Encoding::ALL {
        let sibling = sibling_path(&site.path().join(HASHED), encoding);
        assert!(fs::metadata(&sibling).unwrap().len() < original.len() as u64 / 2);
        assert_eq!(decompressed(&sibling, encoding), original, "{encoding:?}");
    }
    let names: Vec<_> = fs::read_dir(site.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(!names.iter().any(|name| name.ends_with(".tmp")), "{names:?}");
}

#[test]
fn plain_names_and_images_are_left_alone() {
    let site = site_with(&[
        ("latch.wasm", &bundle()),
        ("logo.AAAAAAAAAAAAAAAAAAAAAA.png", &bundle()),
    ]);
    let report = precompress_dir(site.path()).unwrap();
    assert_eq!(report.written, 0);
    assert_eq!(fs::read_dir(site.path()).unwrap().count(), 2);
}

#[test]
fn fresh_siblings_are_kept_and_stale_ones_rewritten() {
    let site = site_with(&[(HASHED, &bundle())]);
    precompress_dir(site.path()).unwrap();
    let again = precompress_dir(site.path()).unwrap();
    assert_eq!((again.written, again.fresh), (0, 2));

    let source = site.path().join(HASHED);
    let newer = b"rebuilt in place".repeat(100);
    fs::write(&source, &newer).unwrap();
    fs::File::options()
        .write(true)
        .open(&source)
        .unwrap()
        .set_modified(SystemTime::now() + Duration::from_secs(5))
        .unwrap();
    let rewritten = precompress_dir(site.path()).unwrap();
    assert_eq!(rewritten.written, 2);
    assert_eq!(
        decompressed(&sibling_path(&source, Encoding::Brotli), Encoding::Brotli),
        newer
    );
}

#[test]
fn a_missing_folder_is_an_error_not_a_panic() {
    let site = tempfile::tempdir().unwrap();
    assert!(precompress_dir(&site.path().join("pkg")).is_err());
}
