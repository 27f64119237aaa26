//! Volume snapshots: a helper container is CREATED (never started, never pulled) from an
//! image already local, with the volume mounted read-only; its archive
//! (`GET /containers/{id}/archive`) is streamed to a tar in the user data dir, with sha256,
//! size and the volume's labels in a JSON sidecar. Restore creates the volume, a helper with
//! it mounted read-write, and `PUT`s the archive. The helper is removed on every path.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use bollard::Docker;
use bollard::models::{ContainerCreateBody, HostConfig, Mount, MountType, MountVolumeOptions};
use bollard::query_parameters::{
    CreateContainerOptions, DownloadFromContainerOptions, ListImagesOptions,
    RemoveContainerOptions, UploadToContainerOptions,
};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::engine::volumes;
use crate::error::{Error, Result};

/// Where the volume is mounted in the helper container; archive entries start with it.
const MOUNT: &str = "/devctl-volume";
/// Label on the helper containers (they live for seconds).
pub const HELPER_LABEL: &str = "devctl.snapshot-helper";
/// Label put on a restored volume, naming the snapshot.
pub const RESTORED_LABEL: &str = "devctl.restored-from";
/// Label with a one-time value put on a volume devctl creates for a restore: the Engine's
/// volume create returns the EXISTING volume when the name is taken, so only this value tells
/// that the volume is the new one.
pub const NONCE_LABEL: &str = "devctl.restore-nonce";

/// The sidecar of one snapshot (`<id>.json` beside `<id>.tar`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotMeta {
    pub id: String,
    pub volume: String,
    /// The volume's Compose project, from its labels.
    pub project: Option<String>,
    /// RFC 3339, UTC.
    pub taken_at: String,
    /// The volume's `CreatedAt` when it was archived.
    pub volume_created_at: Option<String>,
    /// The volume's labels.
    pub labels: BTreeMap<String, String>,
    /// Size of the tar in bytes.
    pub size_bytes: u64,
    /// sha256 of the tar, hex.
    pub sha256: String,
    /// File name of the tar, in the snapshots dir.
    pub archive: String,
    /// The local image the helper container was created from.
    pub image: String,
}

/// `DEVCTL_DATA_DIR`, else the platform data dir; snapshots live in `snapshots/` inside.
pub fn snapshots_dir(env: &BTreeMap<String, String>) -> Result<PathBuf> {
    let base = match env.get("DEVCTL_DATA_DIR").filter(|d| !d.is_empty()) {
        Some(d) => PathBuf::from(d),
        None => directories::ProjectDirs::from("", "", "devctl")
            .ok_or_else(|| {
                Error::general("cannot find a home directory for snapshots")
                    .with_hint("set DEVCTL_DATA_DIR to a writable directory")
            })?
            .data_dir()
            .to_path_buf(),
    };
    Ok(base.join("snapshots"))
}

/// Every snapshot, oldest first. Unreadable sidecars are skipped with a warning each.
pub fn list(env: &BTreeMap<String, String>) -> Result<(Vec<SnapshotMeta>, Vec<String>)> {
    let dir = snapshots_dir(env)?;
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((vec![], vec![])),
        Err(e) => {
            return Err(Error::general(format!(
                "cannot read {}: {e}",
                dir.display()
            )));
        }
    };
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        match std::fs::read_to_string(&path)
            .map_err(|e| e.to_string())
            .and_then(|t| serde_json::from_str::<SnapshotMeta>(&t).map_err(|e| e.to_string()))
        {
            Ok(m) => out.push(m),
            Err(e) => problems.push(format!("{}: {e}", path.display())),
        }
    }
    out.sort_by(|a, b| a.taken_at.cmp(&b.taken_at).then(a.id.cmp(&b.id)));
    Ok((out, problems))
}

/// The snapshot with this id (or the newest of this volume, when `id` names a volume).
pub fn find(env: &BTreeMap<String, String>, id: &str) -> Result<SnapshotMeta> {
    let (all, _) = list(env)?;
    if let Some(m) = all.iter().find(|m| m.id == id) {
        return Ok(m.clone());
    }
    all.iter()
        .rev()
        .find(|m| m.volume == id)
        .cloned()
        .ok_or_else(|| {
            Error::usage(format!("no snapshot `{id}`"))
                .with_hint("`devctl snapshot list` shows the snapshot ids")
        })
}

/// Pure: the id of a snapshot of `volume` taken at `now`.
pub fn snapshot_id(volume: &str, now: chrono::DateTime<chrono::Utc>) -> String {
    format!("{volume}-{}", now.format("%Y%m%dT%H%M%S%3fZ"))
}

/// Pure: the labels a restored volume gets. Compose's labels are kept only when restoring
/// under the original name (so Compose recognises its volume again).
pub fn restored_labels(meta: &SnapshotMeta, target: &str) -> BTreeMap<String, String> {
    let mut labels: BTreeMap<String, String> = meta
        .labels
        .iter()
        .filter(|(k, _)| target == meta.volume || !k.starts_with("com.docker.compose."))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    labels.insert(RESTORED_LABEL.into(), meta.id.clone());
    labels
}

fn engine_err(what: String, e: bollard::errors::Error) -> Error {
    Error::general(format!("{what}: {e}"))
}

/// The first of `preferred` that is present locally, else any local image. Never pulls.
async fn local_image(docker: &Docker, preferred: &[String]) -> Result<String> {
    for p in preferred.iter().filter(|p| !p.is_empty()) {
        if let Ok(img) = docker.inspect_image(p).await
            && let Some(id) = img.id
        {
            return Ok(id);
        }
    }
    let images = docker
        .list_images(None::<ListImagesOptions>)
        .await
        .map_err(|e| engine_err("cannot list local images".into(), e))?;
    images
        .into_iter()
        .map(|i| i.id)
        .find(|id| !id.is_empty())
        .ok_or_else(|| {
            Error::general("no local image to create the snapshot helper container from")
                .with_hint("devctl never pulls; load or build any image first")
        })
}

/// Create (never start) a helper container with `volume` mounted at [`MOUNT`].
async fn helper(docker: &Docker, image: &str, volume: &str, read_only: bool) -> Result<String> {
    let name = format!(
        "devctl-snapshot-{}-{}",
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
    );
    let body = ContainerCreateBody {
        image: Some(image.to_string()),
        // Never run; a command is required for images without CMD.
        cmd: Some(vec!["/devctl-snapshot-helper-never-started".into()]),
        labels: Some([(HELPER_LABEL.to_string(), volume.to_string())].into()),
        network_disabled: Some(true),
        host_config: Some(HostConfig {
            network_mode: Some("none".into()),
            mounts: Some(vec![Mount {
                target: Some(MOUNT.into()),
                source: Some(volume.into()),
                typ: Some(MountType::VOLUME),
                read_only: Some(read_only),
                volume_options: Some(MountVolumeOptions {
                    no_copy: Some(true),
                    ..Default::default()
                }),
                ..Default::default()
            }]),
            ..Default::default()
        }),
        ..Default::default()
    };
    let created = docker
        .create_container(
            Some(CreateContainerOptions {
                name: Some(name),
                ..Default::default()
            }),
            body,
        )
        .await
        .map_err(|e| {
            engine_err(
                format!("cannot create the helper container for `{volume}`"),
                e,
            )
        })?;
    Ok(created.id)
}

async fn drop_helper(docker: &Docker, id: &str) -> Result<()> {
    docker
        .remove_container(
            id,
            Some(RemoveContainerOptions {
                force: true,
                v: false,
                link: false,
            }),
        )
        .await
        .map_err(|e| engine_err(format!("cannot remove helper container {id}"), e))
}

/// Archive `volume` into the snapshots dir. `preferred_images`: images of containers that
/// mount it (tried first).
pub async fn create(
    docker: &Docker,
    env: &BTreeMap<String, String>,
    volume: &str,
    preferred_images: &[String],
) -> Result<SnapshotMeta> {
    let fact = volumes::inspect(docker, volume).await?.ok_or_else(|| {
        Error::usage(format!("volume `{volume}` does not exist")).with_hint("`docker volume ls`")
    })?;
    let dir = snapshots_dir(env)?;
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(|e| Error::general(format!("cannot create {}: {e}", dir.display())))?;
    let image = local_image(docker, preferred_images).await?;
    let container = helper(docker, &image, volume, true).await?;
    let now = chrono::Utc::now();
    let id = snapshot_id(volume, now);
    let archive = format!("{id}.tar");
    let result = stream_to(docker, &container, &dir.join(&archive)).await;
    let cleanup = drop_helper(docker, &container).await;
    let (size_bytes, sha256) = result?;
    cleanup?;
    let meta = SnapshotMeta {
        id: id.clone(),
        volume: volume.to_string(),
        project: fact.project().map(String::from),
        taken_at: now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        volume_created_at: fact.created_at.clone(),
        labels: fact.labels.clone(),
        size_bytes,
        sha256,
        archive,
        image,
    };
    let json = serde_json::to_string_pretty(&meta)
        .map_err(|e| Error::general(format!("cannot serialise snapshot metadata: {e}")))?;
    let side = dir.join(format!("{id}.json"));
    tokio::fs::write(&side, json)
        .await
        .map_err(|e| Error::general(format!("cannot write {}: {e}", side.display())))?;
    Ok(meta)
}

/// Stream the helper's archive of [`MOUNT`] to `dest` (via a `.partial` file), hashing it.
async fn stream_to(docker: &Docker, container: &str, dest: &Path) -> Result<(u64, String)> {
    let partial = dest.with_extension("tar.partial");
    let io_err =
        |e: std::io::Error| Error::general(format!("cannot write {}: {e}", partial.display()));
    let mut file = tokio::fs::File::create(&partial).await.map_err(io_err)?;
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    let mut stream = docker.download_from_container(
        container,
        Some(DownloadFromContainerOptions { path: MOUNT.into() }),
    );
    while let Some(chunk) = stream.next().await {
        let chunk = match chunk {
            Ok(c) => c,
            Err(e) => {
                let _ = tokio::fs::remove_file(&partial).await;
                return Err(engine_err("cannot read the volume archive".into(), e));
            }
        };
        hasher.update(&chunk);
        size += chunk.len() as u64;
        file.write_all(&chunk).await.map_err(io_err)?;
    }
    file.flush().await.map_err(io_err)?;
    file.sync_all().await.map_err(io_err)?;
    drop(file);
    tokio::fs::rename(&partial, dest).await.map_err(io_err)?;
    Ok((size, hex::encode(hasher.finalize())))
}

/// sha256 of a file, hex.
async fn file_sha256(path: &Path) -> Result<String> {
    let err = |e: std::io::Error| Error::general(format!("cannot read {}: {e}", path.display()));
    let mut f = tokio::fs::File::open(path).await.map_err(err)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = f.read(&mut buf).await.map_err(err)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

fn exists_error(target: &str) -> Error {
    Error::usage(format!("volume `{target}` already exists"))
        .with_hint("devctl restores only into a new volume: pass `--into NEW_NAME`")
}

/// A value no other volume carries (16 bytes of the OS's randomness, else time and pid).
fn nonce() -> String {
    let mut h = Sha256::new();
    if let Ok(mut f) = std::fs::File::open("/dev/urandom") {
        let mut buf = [0u8; 16];
        if std::io::Read::read_exact(&mut f, &mut buf).is_ok() {
            h.update(buf);
        }
    }
    h.update(std::process::id().to_le_bytes());
    h.update(
        chrono::Utc::now()
            .timestamp_nanos_opt()
            .unwrap_or_default()
            .to_le_bytes(),
    );
    hex::encode(&h.finalize()[..16])
}

/// Create volume `name` as a NEW volume, or fail without touching the one that exists. The
/// existence check before it is not enough: a volume of that name can appear between the
/// check and the create, and the Engine's create then answers with the existing volume. The
/// new volume carries a one-time [`NONCE_LABEL`]; an answer without it is someone else's.
pub async fn create_fresh(
    docker: &Docker,
    name: &str,
    labels: &BTreeMap<String, String>,
) -> Result<()> {
    let value = nonce();
    let mut labels = labels.clone();
    labels.insert(NONCE_LABEL.into(), value.clone());
    let made = volumes::create(docker, name, &labels).await?;
    if made.labels.get(NONCE_LABEL) != Some(&value) {
        return Err(Error::usage(format!(
            "volume `{name}` already exists (it appeared while devctl was creating it); \
             nothing was written into it"
        ))
        .with_hint("devctl restores only into a new volume: pass `--into NEW_NAME`"));
    }
    Ok(())
}

/// Restore snapshot `id` into a NEW volume (`into`, else the original name). Refuses when the
/// target exists or the archive does not match its recorded sha256. Returns the volume name.
pub async fn restore(
    docker: &Docker,
    env: &BTreeMap<String, String>,
    id: &str,
    into: Option<&str>,
) -> Result<String> {
    let meta = find(env, id)?;
    let tar = snapshots_dir(env)?.join(&meta.archive);
    let sum = file_sha256(&tar).await?;
    if sum != meta.sha256 {
        return Err(Error::general(format!(
            "{} does not match its recorded sha256 (recorded {}, now {sum})",
            tar.display(),
            meta.sha256
        ))
        .with_hint("the archive was changed or truncated; restore another snapshot"));
    }
    let target = into.unwrap_or(&meta.volume).to_string();
    if volumes::inspect(docker, &target).await?.is_some() {
        return Err(exists_error(&target));
    }
    create_fresh(docker, &target, &restored_labels(&meta, &target)).await?;
    let image = local_image(docker, std::slice::from_ref(&meta.image)).await?;
    let container = match helper(docker, &image, &target, false).await {
        Ok(c) => c,
        Err(e) => {
            let _ = volumes::remove(docker, &target).await;
            return Err(e);
        }
    };
    let upload = async {
        let file = tokio::fs::File::open(&tar)
            .await
            .map_err(|e| Error::general(format!("cannot read {}: {e}", tar.display())))?;
        let body = bollard::body_try_stream(tokio_util::io::ReaderStream::new(file));
        docker
            .upload_to_container(
                &container,
                Some(UploadToContainerOptions {
                    path: "/".into(),
                    ..Default::default()
                }),
                body,
            )
            .await
            .map_err(|e| engine_err(format!("cannot restore into `{target}`"), e))
    }
    .await;
    let cleanup = drop_helper(docker, &container).await;
    if let Err(e) = upload {
        // The volume was created by this restore and is incomplete.
        let _ = volumes::remove(docker, &target).await;
        return Err(e);
    }
    cleanup?;
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> SnapshotMeta {
        SnapshotMeta {
            id: "shop_db-20261121T195258000Z".into(),
            volume: "shop_db".into(),
            project: Some("shop".into()),
            taken_at: "2026-11-21T19:52:58.000Z".into(),
            volume_created_at: None,
            labels: [
                ("com.docker.compose.project".to_string(), "shop".to_string()),
                ("com.docker.compose.volume".to_string(), "db".to_string()),
                ("team".to_string(), "data".to_string()),
            ]
            .into(),
            size_bytes: 1,
            sha256: "00".into(),
            archive: "x.tar".into(),
            image: "sha256:1".into(),
        }
    }

    #[test]
    fn ids_sort_by_time() {
        let t = chrono::DateTime::parse_from_rfc3339("2026-11-21T19:52:58.123Z")
            .expect("time")
            .with_timezone(&chrono::Utc);
        assert_eq!(snapshot_id("shop_db", t), "shop_db-20261121T195258123Z");
    }

    #[test]
    fn restored_labels_drop_compose_labels_under_a_new_name() {
        let m = meta();
        let same = restored_labels(&m, "shop_db");
        assert_eq!(
            same.get("com.docker.compose.project").map(String::as_str),
            Some("shop")
        );
        assert_eq!(same.get(RESTORED_LABEL), Some(&m.id));
        let other = restored_labels(&m, "copy");
        assert!(other.keys().all(|k| !k.starts_with("com.docker.compose.")));
        assert_eq!(other.get("team").map(String::as_str), Some("data"));
        assert_eq!(other.get(RESTORED_LABEL), Some(&m.id));
    }

    #[test]
    fn list_and_find_from_the_data_dir() {
        let tmp = tempfile::tempdir().expect("tmp");
        let env: BTreeMap<String, String> = [(
            "DEVCTL_DATA_DIR".to_string(),
            tmp.path().display().to_string(),
        )]
        .into();
        assert!(list(&env).expect("empty").0.is_empty());
        let dir = snapshots_dir(&env).expect("dir");
        std::fs::create_dir_all(&dir).expect("mkdir");
        let mut older = meta();
        older.id = "shop_db-1".into();
        older.taken_at = "2026-01-01T00:00:00.000Z".into();
        for m in [&meta(), &older] {
            let json = serde_json::to_string(m).expect("json");
            std::fs::write(dir.join(format!("{}.json", m.id)), json).expect("write");
        }
        std::fs::write(dir.join("broken.json"), "{").expect("write");
        let (all, problems) = list(&env).expect("list");
        assert_eq!(
            all.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(),
            vec!["shop_db-1", "shop_db-20261121T195258000Z"]
        );
        assert_eq!(problems.len(), 1);
        assert_eq!(find(&env, "shop_db-1").expect("by id").id, "shop_db-1");
        // A volume name finds its newest snapshot.
        assert_eq!(find(&env, "shop_db").expect("by volume").id, meta().id);
        assert!(find(&env, "nope").is_err());
    }
}
