//! Two views must agree: before executing, the volume names and `external` flags of devctl's
//! model are compared with Compose's own `config --format json` of the same files. Pure.

use serde::Serialize;

use super::plan::declared_volumes;
use crate::project::Project;

/// The two views of the project's volumes, when they disagree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Disagreement {
    /// (key, Engine name, external) per view.
    pub devctl: Vec<(String, String, bool)>,
    pub compose: Vec<(String, String, bool)>,
    pub differences: Vec<String>,
}

/// Compare the volume names and `external` flags of devctl's model with Compose's own
/// `config --format json` view of the same files. Any difference refuses.
pub fn check_views(ours: &Project, compose: &Project) -> Result<(), Disagreement> {
    let a = declared_volumes(ours);
    let b = declared_volumes(compose);
    let mut differences = Vec::new();
    if ours.name != compose.name {
        differences.push(format!(
            "project name: devctl `{}`, Compose `{}`",
            ours.name, compose.name
        ));
    }
    for (k, n, e) in &a {
        match b.iter().find(|(k2, _, _)| k2 == k) {
            None => differences.push(format!("volume `{k}`: only devctl declares it")),
            Some((_, n2, e2)) => {
                if n != n2 {
                    differences.push(format!("volume `{k}`: name devctl `{n}`, Compose `{n2}`"));
                }
                if e != e2 {
                    differences.push(format!("volume `{k}`: external devctl {e}, Compose {e2}"));
                }
            }
        }
    }
    for (k, _, _) in &b {
        if !a.iter().any(|(k2, _, _)| k2 == k) {
            differences.push(format!("volume `{k}`: only Compose declares it"));
        }
    }
    if differences.is_empty() {
        Ok(())
    } else {
        Err(Disagreement {
            devctl: a,
            compose: b,
            differences,
        })
    }
}
