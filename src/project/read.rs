//! The one bounded reader for every file devctl reads from a project or its own
//! configuration (compose files, `env_file`, `extends`/`include` targets, `.env`,
//! `devctl.yaml`, the dashboard config, doctor's reads).
//!
//! Only regular files are read, and at most [`MAX_BYTES`]: `/dev/zero`, `/dev/urandom`, a
//! FIFO or a directory named where a file is expected gets a clear error (exit 3) instead of
//! eating memory or blocking forever. The file is opened non-blocking (opening a FIFO with no
//! writer would otherwise wait) and checked with `fstat` on the open handle, so it cannot be
//! swapped between the check and the read.

use std::fs::{File, OpenOptions};
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

use crate::error::{Error, Result};

/// The largest file devctl reads (16 MiB): compose and env files are kilobytes; a 100,000-key
/// environment file is about 3 MiB.
pub const MAX_BYTES: u64 = 16 << 20;

/// What kind of file-system object `meta` describes, for the error message.
fn kind(meta: &std::fs::Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

/// Why `path` (a `what`, e.g. "env_file") cannot be read as a regular file, if it cannot.
fn not_regular(what: &str, path: &Path, meta: &std::fs::Metadata) -> Option<Error> {
    if meta.is_file() {
        return None;
    }
    Some(
        Error::config(format!(
            "{what} {} is not a regular file ({})",
            path.display(),
            kind(meta)
        ))
        .with_hint("devctl reads only regular files; point the path at a file"),
    )
}

fn too_large(what: &str, path: &Path) -> Error {
    Error::config(format!(
        "{what} {} is larger than {} MiB",
        path.display(),
        MAX_BYTES >> 20
    ))
    .with_hint("devctl refuses files this large; check that the path names the intended file")
}

fn open(path: &Path) -> std::io::Result<File> {
    OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

/// Read the bytes of the regular file `path`. I/O errors keep their [`std::io::ErrorKind`]
/// in the message; a missing file is "not found".
pub fn bytes(what: &str, path: &Path) -> Result<Vec<u8>> {
    match try_bytes(what, path) {
        Ok(b) => Ok(b),
        Err(ReadError::Io(e)) => Err(io_error(what, path, &e)),
        Err(ReadError::Refused(e)) => Err(e),
    }
}

/// Read the regular file `path` as UTF-8 text.
pub fn text(what: &str, path: &Path) -> Result<String> {
    let b = bytes(what, path)?;
    String::from_utf8(b).map_err(|e| {
        Error::config(format!(
            "{what} {} is not valid UTF-8 (first bad byte at offset {})",
            path.display(),
            e.utf8_error().valid_up_to()
        ))
        .with_hint("save the file as UTF-8")
    })
}

/// Like [`text`], but a missing file is `Ok(None)`.
pub fn text_if_exists(what: &str, path: &Path) -> Result<Option<String>> {
    match try_bytes(what, path) {
        Ok(b) => String::from_utf8(b).map(Some).map_err(|e| {
            Error::config(format!(
                "{what} {} is not valid UTF-8 (first bad byte at offset {})",
                path.display(),
                e.utf8_error().valid_up_to()
            ))
        }),
        Err(ReadError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(ReadError::Io(e)) => Err(io_error(what, path, &e)),
        Err(ReadError::Refused(e)) => Err(e),
    }
}

/// Best effort (doctor's reads): the text, or None when the file is missing, not regular,
/// too large or unreadable.
pub fn text_lossy_opt(path: &Path) -> Option<String> {
    try_bytes("file", path)
        .ok()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// Is `path` a regular file that [`bytes`] would read (exists, regular, not too large)?
pub fn is_readable_file(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() <= MAX_BYTES)
}

/// The reason `path` cannot be read as a `what`, checked on its metadata only (no open):
/// for paths that are checked before being read later.
pub fn check(what: &str, path: &Path) -> Result<()> {
    match std::fs::metadata(path) {
        Ok(m) => match not_regular(what, path, &m) {
            Some(e) => Err(e),
            None if m.len() > MAX_BYTES => Err(too_large(what, path)),
            None => Ok(()),
        },
        Err(e) => Err(io_error(what, path, &e)),
    }
}

enum ReadError {
    Io(std::io::Error),
    Refused(Error),
}

fn try_bytes(what: &str, path: &Path) -> std::result::Result<Vec<u8>, ReadError> {
    let f = open(path).map_err(ReadError::Io)?;
    let meta = f.metadata().map_err(ReadError::Io)?;
    if let Some(e) = not_regular(what, path, &meta) {
        return Err(ReadError::Refused(e));
    }
    if meta.len() > MAX_BYTES {
        return Err(ReadError::Refused(too_large(what, path)));
    }
    let mut buf = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    // The size can change after fstat (a file being written): never read past the limit.
    f.take(MAX_BYTES + 1)
        .read_to_end(&mut buf)
        .map_err(ReadError::Io)?;
    if buf.len() as u64 > MAX_BYTES {
        return Err(ReadError::Refused(too_large(what, path)));
    }
    Ok(buf)
}

fn io_error(what: &str, path: &Path, e: &std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::NotFound {
        Error::config(format!("{what} {} not found", path.display()))
    } else {
        Error::config(format!("cannot read {what} {}: {e}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_and_directories_are_refused_with_their_kind() {
        let e = bytes("env_file", Path::new("/dev/zero")).expect_err("device");
        assert_eq!(e.exit, crate::error::Exit::Config);
        assert!(
            e.message
                .contains("env_file /dev/zero is not a regular file (a character device)"),
            "{}",
            e.message
        );
        let e = bytes("extends file", Path::new("/tmp")).expect_err("dir");
        assert!(e.message.contains("(a directory)"), "{}", e.message);
    }

    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = dir.path().join("fifo");
        let st = std::process::Command::new("mkfifo")
            .arg(&p)
            .status()
            .expect("mkfifo");
        assert!(st.success());
        let e = bytes("env_file", &p).expect_err("fifo");
        assert!(e.message.contains("a FIFO"), "{}", e.message);
    }

    #[test]
    fn too_large_names_the_limit_and_missing_is_not_found() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = dir.path().join("big");
        let f = File::create(&p).expect("create");
        f.set_len(MAX_BYTES + 1).expect("sparse");
        let e = bytes("compose file", &p).expect_err("big");
        assert!(e.message.contains("is larger than 16 MiB"), "{}", e.message);
        let e = bytes("env_file", &dir.path().join("nope")).expect_err("missing");
        assert!(e.message.ends_with("nope not found"), "{}", e.message);
        assert_eq!(
            text_if_exists("x", &dir.path().join("nope")).ok(),
            Some(None)
        );
    }
}
