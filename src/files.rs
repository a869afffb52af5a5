//! Output files and report folders, replaced whole or not at all.
//!
//! A file is written beside its destination under a temporary name and renamed into place, so
//! a reader (or a run interrupted half way) sees the old file or the new one, never a part. A
//! report folder is built the same way, in a hidden staging folder inside it, and swapped in
//! by two renames (its `traces/`, then its `README.md`) once every file is complete. Writers
//! of the same report folder hold a lock on the folder for the whole command, so two sweeps
//! cannot interleave their reports: the second is refused with one line.

use anyhow::{Context, Result};
use std::fs::{File, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The prefix of every temporary name; leftovers of a killed run are removed under the lock.
const STAGING: &str = ".raceway-staging-";

fn parent_of(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// The largest file raceway reads: far above any trace or sweep it writes, far below what a
/// mistaken path (`/dev/zero`) would make it hold in memory.
pub const MAX_READ: u64 = 64 << 20;

/// Reads the text file `path`, refusing one larger than [`MAX_READ`].
pub fn read(path: &Path) -> Result<String> {
    use std::io::Read;
    let fail = || format!("cannot read {}", path.display());
    let mut text = String::new();
    File::open(path)
        .with_context(fail)?
        .take(MAX_READ + 1)
        .read_to_string(&mut text)
        .with_context(fail)?;
    anyhow::ensure!(
        text.len() as u64 <= MAX_READ,
        "{} is larger than {} MiB: not a file raceway wrote",
        path.display(),
        MAX_READ >> 20
    );
    Ok(text)
}

/// Writes `contents` to `path` atomically. A destination that exists and is not a regular
/// file (`/dev/stdout`, a pipe) cannot be replaced and is written directly.
pub fn write(path: &Path, contents: &[u8]) -> Result<()> {
    let fail = || format!("cannot write {}", path.display());
    if let Ok(meta) = std::fs::metadata(path) {
        if !meta.is_file() {
            return std::fs::write(path, contents).with_context(fail);
        }
    }
    let mut tmp = tempfile::Builder::new()
        .prefix(STAGING)
        .tempfile_in(parent_of(path))
        .with_context(fail)?;
    tmp.write_all(contents).with_context(fail)?;
    tmp.as_file().sync_all().with_context(fail)?;
    set_readable(tmp.path(), path)?;
    tmp.persist(path).map_err(|e| e.error).with_context(fail)?;
    Ok(())
}

/// A temporary file is private (0600); the result gets the old file's mode, or 0644.
#[cfg(unix)]
fn set_readable(tmp: &Path, dest: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let perm = std::fs::metadata(dest)
        .map(|m| m.permissions())
        .unwrap_or_else(|_| std::fs::Permissions::from_mode(0o644));
    std::fs::set_permissions(tmp, perm).with_context(|| format!("cannot write {}", dest.display()))
}

#[cfg(not(unix))]
fn set_readable(_: &Path, _: &Path) -> Result<()> {
    Ok(())
}

/// The exclusive right to write the report folder `dir`, held until dropped.
pub struct ReportLock {
    dir: PathBuf,
    _held: File,
}

impl ReportLock {
    /// Creates `dir` if needed and locks it; refused while another raceway holds it. Staging
    /// folders left by a killed run are removed.
    pub fn take(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let held = File::open(dir).with_context(|| format!("cannot open {}", dir.display()))?;
        match held.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => anyhow::bail!(
                "another raceway is writing the report in {}; run this one when it has finished",
                dir.display()
            ),
            Err(TryLockError::Error(e)) => {
                return Err(e).with_context(|| format!("cannot lock {}", dir.display()))
            }
        }
        for entry in std::fs::read_dir(dir)?.flatten() {
            if entry.file_name().to_string_lossy().starts_with(STAGING) {
                let p = entry.path();
                let _ = if p.is_dir() {
                    std::fs::remove_dir_all(&p)
                } else {
                    std::fs::remove_file(&p)
                };
            }
        }
        Ok(Self {
            dir: dir.to_path_buf(),
            _held: held,
        })
    }

    /// A staging folder inside the report folder, to build the new report in.
    pub fn stage(&self) -> Result<tempfile::TempDir> {
        tempfile::Builder::new()
            .prefix(STAGING)
            .tempdir_in(&self.dir)
            .with_context(|| format!("cannot write into {}", self.dir.display()))
    }

    /// Moves the staged `traces/` and `README.md` into the report folder, replacing the old
    /// ones (which go into the staging folder, deleted with it).
    pub fn commit(&self, staged: tempfile::TempDir) -> Result<()> {
        let fail = || format!("cannot replace the report in {}", self.dir.display());
        let (old, new) = (self.dir.join("traces"), staged.path().join("traces"));
        let aside = staged.path().join("old-traces");
        let had_old = old.exists();
        if had_old {
            std::fs::rename(&old, &aside).with_context(fail)?;
        }
        if let Err(e) = std::fs::rename(&new, &old) {
            if had_old {
                let _ = std::fs::rename(&aside, &old);
            }
            return Err(e).with_context(fail);
        }
        if let Err(e) = std::fs::rename(staged.path().join("README.md"), self.dir.join("README.md"))
        {
            // Put the old traces back beside the old README.
            let _ = std::fs::rename(&old, &new);
            if had_old {
                let _ = std::fs::rename(&aside, &old);
            }
            return Err(e).with_context(fail);
        }
        staged.close().with_context(fail)
    }
}
