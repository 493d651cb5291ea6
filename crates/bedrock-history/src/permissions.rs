//! Owner-only permissions for the history file, its directory and SQLite's `-wal`/`-shm` files.

use std::fs::{DirBuilder, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

/// Creates `dir` and its missing parents, new ones readable by the owner only (0700 on Unix).
pub(crate) fn create_private_dir_all(dir: &Path) -> io::Result<()> {
    let mut builder = DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Creates `path` if it does not exist, readable and writable by the owner only (0600 on Unix),
/// before SQLite opens it, so the file is never visible with wider permissions. An existing file
/// keeps its content and permissions.
pub(crate) fn create_private_file(path: &Path) -> io::Result<()> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map(drop)
}

/// The `-wal` and `-shm` files SQLite keeps next to a WAL-mode database.
pub(crate) fn sidecar_paths(path: &Path) -> [PathBuf; 2] {
    ["-wal", "-shm"].map(|suffix| {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name)
    })
}

/// Sets the sidecar files that exist to owner-only. SQLite gives them the database file's
/// permissions already; this keeps them private when the umask or an older file differs.
pub(crate) fn restrict_sidecars(path: &Path) -> io::Result<()> {
    for sidecar in sidecar_paths(path) {
        restrict_file(&sidecar)?;
    }
    Ok(())
}

#[cfg(unix)]
fn restrict_file(path: &Path) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    match std::fs::metadata(path) {
        Ok(meta) if meta.permissions().mode() & 0o077 != 0 => {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        }
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(not(unix))]
fn restrict_file(_path: &Path) -> io::Result<()> {
    Ok(())
}
