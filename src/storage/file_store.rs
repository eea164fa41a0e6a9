//! `fileStorage`'s directory on disk, for the native listener: opening a key's file, its ETag
//! record, hashing files that have none, and deletion. The layout and rules are the wrapper's
//! (lib/file-storage.js), so `handler()` and `listen()` serve one directory side by side:
//!
//! ```text
//! <dir>/<key>                                   the file
//! <dir>/.hot-updater/tmp/                       uploads and records being written
//! <dir>/.hot-updater/meta/<h[..2]>/<h>.json     { sha256, size, ino, mtimeNs } (h = sha256 of the key)
//! ```
//!
//! A record gives the file's ETag only while its size, inode and modification time still match
//! the file, so a file replaced behind the server's back never gets another file's ETag. A file
//! with no valid record (copied in by hand) is served without an ETag and hashed in the
//! background, at most two at a time.
//!
//! Every function here blocks: callers run them on tokio's blocking pool. The record names the
//! inode, which only Unix gives Rust: elsewhere the listener hands these routes to the wrapper.

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};

use super::file::RESERVED_SEGMENT;

/// Background hashes running at once.
const MAX_HASHING: usize = 2;

/// A key's file, opened: a regular file whose real path is inside the storage.
#[derive(Debug)]
pub struct Opened {
    pub file: File,
    pub size: u64,
    /// Modification time in whole milliseconds (as Node's bigint `mtimeMs`).
    pub mtime_ms: f64,
    ino: u64,
    mtime_ns: i128,
    real: PathBuf,
}

/// Inode and modification time in nanoseconds, as Node's bigint `stat` gives them.
#[cfg(unix)]
fn identity(meta: &fs::Metadata) -> (u64, i128) {
    use std::os::unix::fs::MetadataExt;
    (meta.ino(), i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec()))
}

/// No inode here: records never match, so nothing gets an ETag (the listener does not use this).
#[cfg(not(unix))]
fn identity(meta: &fs::Metadata) -> (u64, i128) {
    let ns = meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map_or(0, |d| d.as_nanos() as i128);
    (0, ns)
}

/// `EPERM`, which `rename` gives on some systems for a folder in the way.
const EPERM: i32 = 1;

/// Why an upload could not be put in place.
#[derive(Debug)]
pub enum CommitError {
    /// The key cannot be stored (400).
    BadKey(&'static str),
    /// Something is in the way of the key (409).
    Conflict(&'static str),
    Io(io::Error),
}

impl From<io::Error> for CommitError {
    fn from(e: io::Error) -> Self {
        CommitError::Io(e)
    }
}

/// Why a folder could not be created inside the storage.
#[derive(Debug)]
pub enum MkdirError {
    /// A level resolves outside the storage.
    Outside,
    /// A file is where a folder should be.
    Blocked,
    Io(io::Error),
}

impl From<io::Error> for MkdirError {
    fn from(e: io::Error) -> Self {
        MkdirError::Io(e)
    }
}

fn is_missing(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::NotFound | io::ErrorKind::NotADirectory)
}

/// `Ok(None)` for a path that does not exist (or runs through a file).
fn missing_as_none<T>(r: io::Result<T>) -> io::Result<Option<T>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if is_missing(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The real path of `path`; `None` when it is missing or a symlink loop.
fn real_path(path: &Path) -> io::Result<Option<PathBuf>> {
    match fs::canonicalize(path) {
        Ok(p) => Ok(Some(p)),
        Err(e) if is_missing(&e) || e.raw_os_error() == Some(libc_eloop()) => Ok(None),
        Err(e) => Err(e),
    }
}

/// `ELOOP` (40 on Linux, 62 on the BSDs and macOS).
const fn libc_eloop() -> i32 {
    if cfg!(any(target_os = "macos", target_os = "ios", target_os = "freebsd", target_os = "openbsd", target_os = "netbsd")) {
        62
    } else {
        40
    }
}

/// Whether `candidate` is strictly below `root` (both real paths).
fn is_inside(root: &Path, candidate: &Path) -> bool {
    candidate != root && candidate.starts_with(root)
}

fn random_name(ext: &str) -> io::Result<String> {
    let mut bytes = [0u8; 16];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes).map_err(|_| io::Error::other("no randomness for a temporary name"))?;
    Ok(format!("{}.{ext}", hex::encode(bytes)))
}

/// The storage directory of one `fileStorage`.
#[derive(Debug)]
pub struct FileStore {
    dir: PathBuf,
    hashing: Mutex<HashSet<String>>,
}

impl FileStore {
    /// The store of `dir` (an absolute path, as the wrapper resolves it).
    pub fn new(dir: impl Into<PathBuf>) -> Arc<Self> {
        Arc::new(FileStore { dir: dir.into(), hashing: Mutex::new(HashSet::new()) })
    }

    fn internal(&self) -> PathBuf {
        self.dir.join(RESERVED_SEGMENT)
    }

    fn tmp_dir(&self) -> PathBuf {
        self.internal().join("tmp")
    }

    /// Where the record of `key` is kept.
    pub fn meta_path(&self, key: &str) -> PathBuf {
        let h = hex::encode(Sha256::digest(key.as_bytes()));
        self.internal().join("meta").join(&h[..2]).join(format!("{h}.json"))
    }

    fn real_dir(&self) -> io::Result<PathBuf> {
        fs::canonicalize(&self.dir)
    }

    /// Opens the file at `path` (a key's lexical path) if it is a regular file whose real path
    /// is inside the storage; `None` otherwise.
    pub fn open(&self, path: &Path) -> io::Result<Option<Opened>> {
        let Some(real) = real_path(path)? else { return Ok(None) };
        let Some(real_dir) = missing_as_none(self.real_dir())? else { return Ok(None) };
        if !is_inside(&real_dir, &real) {
            return Ok(None);
        }
        let Some(file) = missing_as_none(File::open(&real))? else { return Ok(None) };
        let meta = file.metadata()?;
        if !meta.is_file() {
            return Ok(None);
        }
        let (ino, mtime_ns) = identity(&meta);
        Ok(Some(Opened { file, size: meta.len(), mtime_ms: mtime_ns.div_euclid(1_000_000) as f64, ino, mtime_ns, real }))
    }

    /// The record of `key` as the wrapper writes it (`JSON.stringify` of strings, in this order).
    fn record_of(sha256: &str, size: u64, ino: u64, mtime_ns: i128) -> String {
        serde_json::json!({ "sha256": sha256, "size": size.to_string(), "ino": ino.to_string(), "mtimeNs": mtime_ns.to_string() }).to_string()
    }

    /// The sha256 a valid record of `key` gives the opened file.
    fn read_record(&self, key: &str, opened: &Opened) -> Option<String> {
        let text = fs::read_to_string(self.meta_path(key)).ok()?;
        let record: serde_json::Value = serde_json::from_str(&text).ok()?;
        let field = |name: &str| record.get(name).and_then(|v| v.as_str());
        let fresh = field("size") == Some(opened.size.to_string().as_str())
            && field("ino") == Some(opened.ino.to_string().as_str())
            && field("mtimeNs") == Some(opened.mtime_ns.to_string().as_str());
        let sha = field("sha256")?;
        (fresh && sha.len() == 64 && sha.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))).then(|| sha.to_string())
    }

    /// The ETag of an opened file from its record; with none, a background hash is started.
    pub fn etag_of(self: &Arc<Self>, key: &str, opened: &Opened) -> Option<String> {
        match self.read_record(key, opened) {
            Some(sha) => Some(format!("\"{sha}\"")),
            None => {
                self.schedule_hash(key, &opened.real);
                None
            }
        }
    }

    fn schedule_hash(self: &Arc<Self>, key: &str, real: &Path) {
        {
            let Ok(mut hashing) = self.hashing.lock() else { return };
            if hashing.contains(key) || hashing.len() >= MAX_HASHING {
                return;
            }
            hashing.insert(key.to_string());
        }
        let (store, key, real) = (self.clone(), key.to_string(), real.to_path_buf());
        let spawned = std::thread::Builder::new().name("hot-updater-hash".into()).spawn({
            let (store, key) = (store.clone(), key.clone());
            move || {
                // Best effort, as in the wrapper: a file that cannot be hashed stays without ETag.
                let _ = store.hash_file(&key, &real);
                if let Ok(mut hashing) = store.hashing.lock() {
                    hashing.remove(&key);
                }
            }
        });
        if spawned.is_err() {
            if let Ok(mut hashing) = store.hashing.lock() {
                hashing.remove(&key);
            }
        }
    }

    /// Hashes the file at `real` and writes the record of `key` for it.
    pub fn hash_file(&self, key: &str, real: &Path) -> io::Result<()> {
        let mut file = File::open(real)?;
        let meta = file.metadata()?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            let n = file.read(&mut buf)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
        let (ino, mtime_ns) = identity(&meta);
        let record = Self::record_of(&hex::encode(hasher.finalize()), meta.len(), ino, mtime_ns);
        self.write_atomically(&self.meta_path(key), record.as_bytes())
    }

    /// Writes `data` to `target` (under `.hot-updater/`) through a temporary file and a rename.
    fn write_atomically(&self, target: &Path, data: &[u8]) -> io::Result<()> {
        let internal_err = |e: MkdirError| match e {
            MkdirError::Io(e) => e,
            MkdirError::Outside => io::Error::other(format!("fileStorage: {} resolves outside the storage directory", target.display())),
            MkdirError::Blocked => io::Error::other(format!("fileStorage: a file is in the way of {}", target.display())),
        };
        let real_dir = self.real_dir()?;
        let parent = target.parent().ok_or_else(|| io::Error::other("fileStorage: record path has no folder"))?;
        let folder = mkdir_inside(&self.dir, &real_dir, parent).map_err(internal_err)?;
        let tmp = mkdir_inside(&self.dir, &real_dir, &self.tmp_dir()).map_err(internal_err)?.join(random_name("meta")?);
        let written = (|| {
            let mut f = fs::OpenOptions::new().write(true).create_new(true).open(&tmp)?;
            f.write_all(data)?;
            drop(f);
            let name = target.file_name().ok_or_else(|| io::Error::other("fileStorage: record path has no name"))?;
            fs::rename(&tmp, folder.join(name))
        })();
        if written.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        written
    }

    /// A new temporary file for an upload (`.hot-updater/tmp/<random>.part`) and its path.
    pub fn create_upload_file(&self) -> io::Result<(File, PathBuf)> {
        let tmp_dir = mkdir_inside(&self.dir, &self.real_dir()?, &self.tmp_dir()).map_err(|e| match e {
            MkdirError::Io(e) => e,
            _ => io::Error::other("fileStorage: the temporary folder resolves outside the storage directory"),
        })?;
        let path = tmp_dir.join(random_name("part")?);
        let file = fs::OpenOptions::new().write(true).create_new(true).open(&path)?;
        Ok((file, path))
    }

    /// The real path a file at `target` (a key's lexical path) is to be renamed to, its parent
    /// folders created inside the storage only.
    fn upload_destination(&self, target: &Path) -> Result<PathBuf, CommitError> {
        let parent = target.parent().ok_or(CommitError::BadKey("Invalid storage key: outside the storage"))?;
        let name = target.file_name().ok_or(CommitError::BadKey("Invalid storage key: outside the storage"))?;
        match mkdir_inside(&self.dir, &self.real_dir()?, parent) {
            Ok(real_parent) => Ok(real_parent.join(name)),
            Err(MkdirError::Outside) => Err(CommitError::BadKey("Invalid storage key: outside the storage")),
            Err(MkdirError::Blocked) => Err(CommitError::Conflict("A file is in the way of this key")),
            Err(MkdirError::Io(e)) => Err(CommitError::Io(e)),
        }
    }

    /// Puts a complete upload (the temporary file `tmp`, open as `file`, whose content hashes to
    /// `sha256`) in place as `key`, at the key's lexical path `target`. The record is written
    /// first: it names the file's inode, so it becomes valid exactly when the rename lands.
    pub fn commit_upload(&self, file: File, tmp: &Path, sha256: &str, key: &str, target: &Path) -> Result<(), CommitError> {
        file.sync_all()?;
        let meta = file.metadata()?;
        drop(file);
        let destination = self.upload_destination(target)?;
        let (ino, mtime_ns) = identity(&meta);
        self.write_atomically(&self.meta_path(key), Self::record_of(sha256, meta.len(), ino, mtime_ns).as_bytes())?;
        let renamed = match fs::rename(tmp, &destination) {
            // A concurrent delete pruned the now-empty parent folder: create it again, once.
            Err(e) if e.kind() == io::ErrorKind::NotFound => fs::rename(tmp, self.upload_destination(target)?),
            other => other,
        };
        match renamed {
            Ok(()) => Ok(()),
            Err(e)
                if matches!(e.kind(), io::ErrorKind::IsADirectory | io::ErrorKind::DirectoryNotEmpty | io::ErrorKind::AlreadyExists)
                    || e.raw_os_error() == Some(EPERM) =>
            {
                Err(CommitError::Conflict("A folder exists at this key"))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Deletes the file at `key` (lexical path `target`), or the folder there with everything in
    /// it, with their records, then prunes the folders it left empty. `false`: nothing to delete
    /// (missing, or reached through a folder outside the storage).
    pub fn remove(&self, key: &str, target: &Path) -> io::Result<bool> {
        let real_dir = self.real_dir()?;
        let Some(parent) = target.parent() else { return Ok(false) };
        let Some(real_parent) = real_path(parent)? else { return Ok(false) };
        if real_parent != real_dir && !is_inside(&real_dir, &real_parent) {
            return Ok(false);
        }
        let Some(st) = missing_as_none(fs::symlink_metadata(target))? else { return Ok(false) };
        let keys = if st.is_dir() {
            let mut keys = Vec::new();
            keys_below(target, key, &mut keys)?;
            fs::remove_dir_all(target)?;
            keys
        } else {
            fs::remove_file(target)?;
            vec![key.to_string()]
        };
        for k in keys {
            let _ = fs::remove_file(self.meta_path(&k));
        }
        let mut p = target.parent();
        while let Some(folder) = p {
            if folder == self.dir || !folder.starts_with(&self.dir) || fs::remove_dir(folder).is_err() {
                break;
            }
            p = folder.parent();
        }
        Ok(true)
    }
}

/// Every file key below `folder` (symlinks count as files: they are removed, never followed).
fn keys_below(folder: &Path, key: &str, out: &mut Vec<String>) -> io::Result<()> {
    for entry in fs::read_dir(folder)? {
        let entry = entry?;
        let child = format!("{key}/{}", entry.file_name().to_string_lossy());
        if entry.file_type()?.is_dir() {
            keys_below(&entry.path(), &child, out)?;
        } else {
            out.push(child);
        }
    }
    Ok(())
}

/// Creates the folder `target` (at or below `dir`) one level at a time and returns its real
/// path. Each existing level must be a folder whose real path is inside `real_dir` (a symlink to
/// a folder inside is followed, one leading elsewhere refused), and a missing level is created
/// inside the level just checked, so nothing is ever created outside the storage.
pub fn mkdir_inside(dir: &Path, real_dir: &Path, target: &Path) -> Result<PathBuf, MkdirError> {
    let rel = target.strip_prefix(dir).map_err(|_| MkdirError::Outside)?;
    let mut current = real_dir.to_path_buf();
    for segment in rel.components() {
        let std::path::Component::Normal(segment) = segment else { return Err(MkdirError::Outside) };
        let next = current.join(segment);
        let st = match missing_as_none(fs::symlink_metadata(&next))? {
            Some(st) => st,
            None => match fs::create_dir(&next) {
                Ok(()) => {
                    current = next;
                    continue;
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => fs::symlink_metadata(&next)?,
                Err(e) => return Err(e.into()),
            },
        };
        if st.file_type().is_symlink() {
            let real = real_path(&next)?.ok_or(MkdirError::Outside)?;
            if real != real_dir && !is_inside(real_dir, &real) {
                return Err(MkdirError::Outside);
            }
            if !fs::metadata(&real)?.is_dir() {
                return Err(MkdirError::Blocked);
            }
            current = real;
        } else if st.is_dir() {
            current = next;
        } else {
            return Err(MkdirError::Blocked);
        }
    }
    Ok(current)
}

#[cfg(test)]
#[path = "file_store_tests.rs"]
mod tests;
