//! The error type every layer returns, and the stable exit codes users rely on.
//!
//! The codes are documented in the README ("Exit codes"); never renumber them.

use std::fmt;

/// Stable process exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Exit {
    /// 0: success.
    Ok,
    /// 1: general error (I/O, unexpected Engine answer, Compose failed without its own code).
    Error,
    /// 2: usage error (bad flags, unknown service, unknown environment).
    Usage,
    /// 3: the project could not be loaded (no compose file, broken YAML, interpolation error).
    Config,
    /// 4: refused by the safety gate (destructive action not confirmed).
    Refused,
    /// 5: the stack is not healthy after `--wait` (or the wait timed out).
    NotHealthy,
    /// 6: the Docker Engine is unreachable.
    EngineUnreachable,
    /// 7: no Docker Compose found (neither `docker compose` nor `docker-compose`).
    ComposeMissing,
}

impl Exit {
    pub fn code(self) -> u8 {
        match self {
            Exit::Ok => 0,
            Exit::Error => 1,
            Exit::Usage => 2,
            Exit::Config => 3,
            Exit::Refused => 4,
            Exit::NotHealthy => 5,
            Exit::EngineUnreachable => 6,
            Exit::ComposeMissing => 7,
        }
    }
}

/// An error with the exit code it maps to, a message naming the file/key/value
/// concerned, and an optional hint saying what to do.
#[derive(Debug)]
pub struct Error {
    pub exit: Exit,
    pub message: String,
    pub hint: Option<String>,
}

impl Error {
    pub fn new(exit: Exit, message: impl Into<String>) -> Self {
        Error {
            exit,
            message: message.into(),
            hint: None,
        }
    }
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
    pub fn general(message: impl Into<String>) -> Self {
        Error::new(Exit::Error, message)
    }
    pub fn usage(message: impl Into<String>) -> Self {
        Error::new(Exit::Usage, message)
    }
    pub fn config(message: impl Into<String>) -> Self {
        Error::new(Exit::Config, message)
    }
    pub fn refused(message: impl Into<String>) -> Self {
        Error::new(Exit::Refused, message)
    }
    pub fn not_healthy(message: impl Into<String>) -> Self {
        Error::new(Exit::NotHealthy, message)
    }
    pub fn engine(message: impl Into<String>) -> Self {
        Error::new(Exit::EngineUnreachable, message)
    }
    pub fn compose_missing(message: impl Into<String>) -> Self {
        Error::new(Exit::ComposeMissing, message)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)?;
        if let Some(h) = &self.hint {
            write!(f, "\n  hint: {h}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::general(e.to_string())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_stable() {
        let all = [
            (Exit::Ok, 0),
            (Exit::Error, 1),
            (Exit::Usage, 2),
            (Exit::Config, 3),
            (Exit::Refused, 4),
            (Exit::NotHealthy, 5),
            (Exit::EngineUnreachable, 6),
            (Exit::ComposeMissing, 7),
        ];
        for (e, c) in all {
            assert_eq!(e.code(), c, "{e:?}");
        }
    }

    #[test]
    fn display_includes_hint() {
        let e = Error::usage("unknown service `x`").with_hint("known: a, b");
        assert_eq!(e.to_string(), "unknown service `x`\n  hint: known: a, b");
    }
}
