//! The guard's checks that need the Engine's facts: a container or service removal (see
//! `rules::orphaned_by`, `rules::judge_removal`) and the start of a container that removes
//! itself (`rules::start_orphans`). They are serialized — within this guard by a mutex, and
//! across devctl processes on this machine by a lock file per Engine endpoint — and the lock is
//! held until the Engine has answered the request, so that a removal and the start of a
//! self-removing borrower cannot both be judged on facts the other is about to change.

use std::sync::Arc;

use super::{Shared, facts, rules};

/// Held while a judged request is forwarded; dropped once the Engine answered it.
pub(super) struct Held {
    _local: tokio::sync::OwnedMutexGuard<()>,
    _file: Option<std::fs::File>,
}

/// The verdict on one request (`Some(message)`: refuse), whether it is a removal refused for
/// the volumes it would leave behind, and the lock to hold until the Engine answered.
pub(super) struct Judged {
    pub verdict: Option<String>,
    pub removal: bool,
    pub held: Option<Held>,
}

async fn hold(shared: &Shared) -> Held {
    let local = Arc::clone(&shared.serial).lock_owned().await;
    let endpoint = {
        use sha2::{Digest, Sha256};
        hex::encode(Sha256::digest(shared.upstream.describe().as_bytes()))
    };
    let path = std::env::temp_dir().join(format!("devctl-engine-{}.lock", &endpoint[..16]));
    // Best effort across processes (a file that cannot be opened or locked leaves the
    // in-process lock): flock, released when the file is closed.
    let file = tokio::task::spawn_blocking(move || {
        let f = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .or_else(|_| std::fs::File::open(&path))
            .ok()?;
        f.lock().ok()?;
        Some(f)
    })
    .await
    .ok()
    .flatten();
    Held {
        _local: local,
        _file: file,
    }
}

pub(super) async fn judge(
    shared: &Shared,
    method: &str,
    path: &str,
    query: Option<&str>,
) -> Judged {
    let pass = Judged {
        verdict: None,
        removal: false,
        held: None,
    };
    if let Some(removal) = rules::classify_removal(method, path, query) {
        let held = hold(shared).await;
        let wanted = |all: &[rules::ContainerFacts]| {
            rules::removed_by(&removal, all)
                .into_iter()
                .map(|c| c.id.clone())
                .collect()
        };
        let facts = match &removal {
            rules::Removal::Service(id) => facts::service(&shared.upstream, id)
                .await
                .map(rules::RemovalFacts::Service),
            _ => facts::read(&shared.upstream, wanted)
                .await
                .map(rules::RemovalFacts::Containers),
        };
        let verdict = match facts {
            Ok(f) => shared.policy.check_removal(&removal, &f, method, path),
            // Fails closed: a removal whose consequences cannot be read is not forwarded.
            Err(e) => Some(format!(
                "devctl's safety gate refused {method} {path}: it could not read the Engine's \
                 containers to check which volumes the removal leaves behind ({e})"
            )),
        };
        return Judged {
            removal: verdict.is_some(),
            verdict,
            held: Some(held),
        };
    }
    let Some(id) = rules::classify_start(method, path) else {
        return pass;
    };
    // Only a self-removing container with an anonymous mount point is judged (and locked).
    match facts::container(&shared.upstream, &id).await {
        Ok(Some(c)) if c.auto_remove && c.volumes.iter().any(|m| !c.named.contains(m)) => {}
        Ok(_) => return pass,
        Err(e) => {
            return Judged {
                verdict: Some(format!(
                    "devctl's safety gate refused {method} {path}: it could not read the \
                     container to check its volumes ({e})"
                )),
                removal: true,
                held: None,
            };
        }
    }
    let held = hold(shared).await;
    let facts = async {
        let me = facts::container(&shared.upstream, &id)
            .await?
            .ok_or("the container is gone")?;
        let mine = me.id.clone();
        let all = facts::read(&shared.upstream, move |_| vec![mine.clone()]).await?;
        Ok::<_, String>((me, all))
    }
    .await;
    let verdict = match facts {
        Ok((me, all)) => {
            let alone = rules::start_orphans(&me, &all);
            if alone.is_empty() {
                None
            } else {
                // As the Engine does when a self-removing container fails to start: remove it
                // (without its volumes: nothing is deleted). The docker CLI waits for that.
                let removed = facts::remove_without_volumes(&shared.upstream, &me.id).await;
                let mut m = rules::start_message(&me, &alone, method, path);
                m.push_str(match removed {
                    Ok(()) => "; devctl removed it, without its volumes",
                    Err(_) => "",
                });
                Some(m)
            }
        }
        Err(e) => Some(format!(
            "devctl's safety gate refused {method} {path}: it could not read the Engine's \
             containers to check the volumes this container borrows ({e})"
        )),
    };
    Judged {
        removal: verdict.is_some(),
        verdict,
        held: Some(held),
    }
}
