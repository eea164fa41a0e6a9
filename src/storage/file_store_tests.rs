use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use super::*;

/// A fresh storage directory below the system's temporary folder, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("hu-file-store-{tag}-{}-{}", std::process::id(), random_name("d").unwrap()));
        fs::create_dir_all(&dir).unwrap();
        Scratch(fs::canonicalize(dir).unwrap())
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn put(dir: &Path, key: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(key);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, bytes).unwrap();
    path
}

fn wait_for(mut ok: impl FnMut() -> bool) -> bool {
    let until = Instant::now() + Duration::from_secs(5);
    while Instant::now() < until {
        if ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    false
}

#[test]
fn meta_path_is_the_wrappers() {
    // lib/file-storage.js: sha256 of the key, its first two hex digits as a folder.
    let store = FileStore::new("/srv/files");
    let h = hex::encode(Sha256::digest(b"bundles/a/bundle.zip"));
    assert_eq!(store.meta_path("bundles/a/bundle.zip"), PathBuf::from(format!("/srv/files/.hot-updater/meta/{}/{h}.json", &h[..2])));
}

#[test]
fn open_refuses_what_is_not_a_regular_file_inside() {
    let s = Scratch::new("open");
    let outside = Scratch::new("outside");
    let store = FileStore::new(&s.0);
    let file = put(&s.0, "a/b.zip", b"zip");
    let opened = store.open(&file).unwrap().expect("a regular file inside opens");
    assert_eq!(opened.size, 3);
    assert!(store.open(&s.0.join("a/missing.zip")).unwrap().is_none());
    assert!(store.open(&s.0.join("a/b.zip/below")).unwrap().is_none(), "a path through a file is missing");
    assert!(store.open(&s.0.join("a")).unwrap().is_none(), "a folder is not a file");
    #[cfg(unix)]
    {
        let secret = put(&outside.0, "secret.txt", b"secret");
        std::os::unix::fs::symlink(&secret, s.0.join("escape.txt")).unwrap();
        std::os::unix::fs::symlink(&outside.0, s.0.join("escape-dir")).unwrap();
        std::os::unix::fs::symlink(s.0.join("loop"), s.0.join("loop")).unwrap();
        std::os::unix::fs::symlink(&file, s.0.join("inner-link.zip")).unwrap();
        assert!(store.open(&s.0.join("escape.txt")).unwrap().is_none());
        assert!(store.open(&s.0.join("escape-dir/secret.txt")).unwrap().is_none());
        assert!(store.open(&s.0.join("loop")).unwrap().is_none(), "a symlink loop is missing, not an error");
        assert_eq!(store.open(&s.0.join("inner-link.zip")).unwrap().expect("a link to a file inside opens").size, 3);
    }
}

#[cfg(unix)]
#[test]
fn etag_comes_from_a_fresh_record_and_a_missing_one_is_hashed_in_the_background() {
    let s = Scratch::new("etag");
    let store = FileStore::new(&s.0);
    let bytes = vec![7u8; 300 * 1024 + 5];
    let path = put(&s.0, "bundles/x/bundle.zip", &bytes);
    let opened = store.open(&path).unwrap().unwrap();
    assert_eq!(store.etag_of("bundles/x/bundle.zip", &opened), None, "no record yet");
    let record = store.meta_path("bundles/x/bundle.zip");
    assert!(wait_for(|| record.exists()), "the background hash writes a record");
    let opened = store.open(&path).unwrap().unwrap();
    let want = format!("\"{}\"", hex::encode(Sha256::digest(&bytes)));
    assert_eq!(store.etag_of("bundles/x/bundle.zip", &opened).as_deref(), Some(want.as_str()));
    // The record is the wrapper's format: strings, in its order.
    let text = fs::read_to_string(&record).unwrap();
    assert!(text.starts_with(r#"{"sha256":""#) && text.contains(r#","size":"307205","ino":""#) && text.contains(r#"","mtimeNs":""#), "{text}");
    assert!(fs::read_dir(s.0.join(".hot-updater/tmp")).unwrap().next().is_none(), "no temporary file is left");

    // The file replaced behind the server's back (another inode): the record no longer counts.
    let replacement = s.0.join("replacement.zip");
    fs::write(&replacement, b"other bytes").unwrap();
    fs::rename(&replacement, &path).unwrap();
    let opened = store.open(&path).unwrap().unwrap();
    assert_eq!(store.read_record("bundles/x/bundle.zip", &opened), None);

    // Records that are not the wrapper's shape give no ETag.
    for bad in ["not json", r#"{"sha256":"XYZ"}"#, "[]"] {
        fs::write(&record, bad).unwrap();
        assert_eq!(store.read_record("bundles/x/bundle.zip", &opened), None, "{bad}");
    }
}

#[cfg(unix)]
#[test]
fn a_record_written_by_the_wrapper_is_read() {
    // The record lib/file-storage.js writes for a file (JSON.stringify of bigint stat fields).
    use std::os::unix::fs::MetadataExt;
    let s = Scratch::new("wrapper-record");
    let store = FileStore::new(&s.0);
    let path = put(&s.0, "k.zip", b"abc");
    let meta = fs::metadata(&path).unwrap();
    let sha = hex::encode(Sha256::digest(b"abc"));
    let mtime_ns = i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec());
    let record = format!(r#"{{"sha256":"{sha}","size":"3","ino":"{}","mtimeNs":"{mtime_ns}"}}"#, meta.ino());
    let target = store.meta_path("k.zip");
    fs::create_dir_all(target.parent().unwrap()).unwrap();
    fs::write(&target, record).unwrap();
    let opened = store.open(&path).unwrap().unwrap();
    assert_eq!(store.etag_of("k.zip", &opened), Some(format!("\"{sha}\"")));
    assert_eq!(opened.mtime_ms, (mtime_ns / 1_000_000) as f64);
}

#[test]
fn remove_deletes_files_and_folders_with_their_records_and_prunes_empty_folders() {
    let s = Scratch::new("remove");
    let store = FileStore::new(&s.0);
    let a = put(&s.0, "bundles/one/bundle.zip", b"1");
    put(&s.0, "bundles/one/assets/x.png", b"2");
    put(&s.0, "bundles/two/bundle.zip", b"3");
    for key in ["bundles/one/bundle.zip", "bundles/one/assets/x.png"] {
        store.hash_file(key, &s.0.join(key)).unwrap();
        assert!(store.meta_path(key).exists());
    }
    assert!(store.remove("bundles/one/bundle.zip", &a).unwrap());
    assert!(!a.exists());
    assert!(!store.meta_path("bundles/one/bundle.zip").exists(), "its record goes with it");
    assert!(s.0.join("bundles/one/assets/x.png").exists());
    assert!(!store.remove("bundles/one/bundle.zip", &a).unwrap(), "a second delete finds nothing");

    // A folder key: everything below it, records included; then the empty parents are pruned,
    // up to (not including) the storage directory.
    assert!(store.remove("bundles/one", &s.0.join("bundles/one")).unwrap());
    assert!(!s.0.join("bundles/one").exists());
    assert!(!store.meta_path("bundles/one/assets/x.png").exists());
    assert!(s.0.join("bundles/two/bundle.zip").exists(), "siblings stay");
    assert!(store.remove("bundles/two/bundle.zip", &s.0.join("bundles/two/bundle.zip")).unwrap());
    assert!(!s.0.join("bundles").exists(), "empty folders are pruned");
    assert!(s.0.exists(), "the storage directory stays");
}

#[cfg(unix)]
#[test]
fn remove_never_reaches_outside_through_symlinks() {
    let s = Scratch::new("remove-links");
    let outside = Scratch::new("remove-outside");
    let store = FileStore::new(&s.0);
    let secret = put(&outside.0, "secret.txt", b"secret");
    std::os::unix::fs::symlink(&outside.0, s.0.join("escape-dir")).unwrap();
    assert!(!store.remove("escape-dir/secret.txt", &s.0.join("escape-dir/secret.txt")).unwrap());
    assert!(secret.exists());
    // A symlink itself is removed as a file; what it points to stays.
    std::os::unix::fs::symlink(&secret, s.0.join("link.txt")).unwrap();
    assert!(store.remove("link.txt", &s.0.join("link.txt")).unwrap());
    assert!(secret.exists());
    // A folder holding a symlink to a folder outside: the link goes, the folder outside stays whole.
    fs::create_dir(s.0.join("box")).unwrap();
    std::os::unix::fs::symlink(&outside.0, s.0.join("box/out")).unwrap();
    assert!(store.remove("box", &s.0.join("box")).unwrap());
    assert!(secret.exists() && !s.0.join("box").exists());
}

#[cfg(unix)]
#[test]
fn mkdir_inside_creates_only_inside() {
    let s = Scratch::new("mkdir");
    let outside = Scratch::new("mkdir-outside");
    std::os::unix::fs::symlink(&outside.0, s.0.join("out")).unwrap();
    fs::create_dir(s.0.join("real")).unwrap();
    std::os::unix::fs::symlink(s.0.join("real"), s.0.join("alias")).unwrap();
    fs::write(s.0.join("file"), b"x").unwrap();

    assert_eq!(mkdir_inside(&s.0, &s.0, &s.0.join("a/b/c")).unwrap(), s.0.join("a/b/c"));
    assert_eq!(mkdir_inside(&s.0, &s.0, &s.0.join("alias/x")).unwrap(), s.0.join("real/x"), "a link to a folder inside is followed");
    assert!(matches!(mkdir_inside(&s.0, &s.0, &s.0.join("out/x")), Err(MkdirError::Outside)));
    assert!(fs::read_dir(&outside.0).unwrap().next().is_none(), "nothing was created outside");
    assert!(matches!(mkdir_inside(&s.0, &s.0, &s.0.join("file/x")), Err(MkdirError::Blocked)));
    assert!(matches!(mkdir_inside(&s.0, &s.0, Path::new("/elsewhere")), Err(MkdirError::Outside)));
}
