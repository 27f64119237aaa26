//! Reading env files for `env_file:` and `include` through `project::dotenv`.

use std::path::Path;

use crate::error::Result;
use crate::project::interpolate::Env;

/// Parse `path`; `${VAR}` in values look up `lookup` first, then keys defined earlier in the
/// same file. Returns the pairs in file order.
pub(crate) fn read(path: &Path, lookup: &Env) -> Result<Vec<(String, String)>> {
    let bytes = crate::project::read::bytes("env_file", path)?;
    let text = String::from_utf8_lossy(&bytes);
    crate::project::dotenv::parse(&text, path, lookup)
}
