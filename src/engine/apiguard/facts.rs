//! The Engine facts the guard reads before it forwards a container removal: which containers
//! exist, what they mount, which remove themselves (see `rules::orphaned_by`). Read over a
//! connection of its own to the same upstream, with bounded answers.

use std::collections::BTreeSet;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Limited};
use hyper::Request;

use super::rules::{ContainerFacts, ServiceFacts};
use super::upstream::Upstream;

/// An answer bigger than this is not read (the guard then refuses: it fails closed).
const MAX_ANSWER: usize = 64 << 20;

async fn get_json(up: &Upstream, path: &str) -> Result<serde_json::Value, String> {
    let mut sender = up.connect_with::<Empty<Bytes>>(false).await?;
    let req = Request::get(path)
        .header(hyper::header::HOST, "docker")
        .body(Empty::new())
        .map_err(|e| e.to_string())?;
    let resp = sender.send_request(req).await.map_err(|e| e.to_string())?;
    let status = resp.status();
    let body = Limited::new(resp.into_body(), MAX_ANSWER)
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    if !status.is_success() {
        return Err(format!(
            "GET {path}: {status}: {}",
            String::from_utf8_lossy(&body)
                .chars()
                .take(200)
                .collect::<String>()
        ));
    }
    serde_json::from_slice(&body).map_err(|e| format!("GET {path}: {e}"))
}

fn strs(v: &serde_json::Value) -> impl Iterator<Item = &str> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(serde_json::Value::as_str)
}

/// The mount points a container's own spec names a source for: `HostConfig.Binds`
/// (`name:/dst[:opts]`, a source not starting with `/`) and `HostConfig.Mounts` of type
/// `volume` with a `Source`, as (volume name, destination).
fn spec_named(inspect: &serde_json::Value) -> BTreeSet<(String, String)> {
    let hc = &inspect["HostConfig"];
    let mut out = BTreeSet::new();
    for b in strs(&hc["Binds"]) {
        let mut parts = b.splitn(3, ':');
        if let (Some(src), Some(dst)) = (parts.next(), parts.next())
            && !src.is_empty()
            && !src.starts_with('/')
        {
            out.insert((src.to_string(), dst.to_string()));
        }
    }
    for m in hc["Mounts"].as_array().into_iter().flatten() {
        let ty = m["Type"].as_str().unwrap_or("volume");
        if let (Some(src), Some(dst)) = (m["Source"].as_str(), m["Target"].as_str())
            && ty == "volume"
            && !src.is_empty()
        {
            out.insert((src.to_string(), dst.to_string()));
        }
    }
    out
}

fn encode(reference: &str) -> String {
    reference
        .bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Every container with its volumes; the ones that share a volume with `wanted` (and those
/// they take volumes from) are inspected for `AutoRemove` and their named sources. `wanted`
/// picks, from the whole list, the containers the removal takes away.
pub(super) async fn read(
    up: &Upstream,
    wanted: impl Fn(&[ContainerFacts]) -> Vec<String>,
) -> Result<Vec<ContainerFacts>, String> {
    let list = get_json(up, "/containers/json?all=1").await?;
    let mut all: Vec<ContainerFacts> = list
        .as_array()
        .ok_or("GET /containers/json: not a list")?
        .iter()
        .map(|c| ContainerFacts {
            id: c["Id"].as_str().unwrap_or_default().to_string(),
            names: strs(&c["Names"])
                .map(|n| n.trim_start_matches('/').to_string())
                .collect(),
            running: matches!(
                c["State"].as_str(),
                Some("running" | "paused" | "restarting")
            ),
            auto_remove: false,
            volumes: c["Mounts"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|m| m["Type"].as_str() == Some("volume"))
                .filter_map(|m| {
                    let name = m["Name"].as_str()?;
                    let dst = m["Destination"].as_str().unwrap_or_default();
                    Some((name.to_string(), dst.to_string()))
                })
                .collect(),
            named: BTreeSet::new(),
        })
        .collect();
    let removed = wanted(&all);
    let volumes: BTreeSet<String> = all
        .iter()
        .filter(|c| removed.contains(&c.id))
        .flat_map(|c| c.volumes.iter().map(|(n, _)| n.clone()))
        .collect();
    // Only the containers sharing a volume with a removed one matter.
    let sharers: Vec<usize> = (0..all.len())
        .filter(|&i| {
            !removed.contains(&all[i].id) && all[i].volumes.iter().any(|(v, _)| volumes.contains(v))
        })
        .collect();
    for i in sharers {
        // Gone meanwhile: it holds nothing any more.
        if let Some(c) = container(up, &all[i].id).await? {
            all[i].auto_remove = c.auto_remove;
            all[i].named = c.named;
        }
    }
    Ok(all)
}

/// A Swarm service's name and the anonymous volumes of its task template. A service that
/// does not exist has none (the Engine answers the removal itself).
pub(super) async fn service(up: &Upstream, id: &str) -> Result<ServiceFacts, String> {
    let path = format!("/services/{}", encode(id));
    let v = match get_json(up, &path).await {
        Ok(v) => v,
        Err(e) if e.contains("404") => return Ok(ServiceFacts::default()),
        Err(e) => return Err(e),
    };
    let spec = &v["Spec"];
    let anonymous = spec["TaskTemplate"]["ContainerSpec"]["Mounts"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| m["Type"].as_str().unwrap_or("volume") == "volume")
        .filter(|m| m["Source"].as_str().unwrap_or("").is_empty())
        .map(|m| m["Target"].as_str().unwrap_or("?").to_string())
        .collect();
    Ok(ServiceFacts {
        name: spec["Name"].as_str().unwrap_or(id).to_string(),
        anonymous,
    })
}

/// One container, inspected: what [`read`] knows of a sharer, and its mount points. `None`:
/// no such container.
pub(super) async fn container(up: &Upstream, id: &str) -> Result<Option<ContainerFacts>, String> {
    let inspect = match get_json(up, &format!("/containers/{}/json", encode(id))).await {
        Ok(v) => v,
        Err(e) if e.contains("404") => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut named = spec_named(&inspect);
    for from in strs(&inspect["HostConfig"]["VolumesFrom"]) {
        let source = from.split(':').next().unwrap_or(from);
        if let Ok(src) = get_json(up, &format!("/containers/{}/json", encode(source))).await {
            named.extend(spec_named(&src));
        }
    }
    Ok(Some(ContainerFacts {
        id: inspect["Id"].as_str().unwrap_or(id).to_string(),
        names: inspect["Name"]
            .as_str()
            .map(|n| vec![n.trim_start_matches('/').to_string()])
            .unwrap_or_default(),
        running: inspect["State"]["Running"].as_bool().unwrap_or(false),
        auto_remove: inspect["HostConfig"]["AutoRemove"]
            .as_bool()
            .unwrap_or(false),
        volumes: inspect["Mounts"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|m| m["Type"].as_str() == Some("volume"))
            .filter_map(|m| {
                let name = m["Name"].as_str()?;
                let dst = m["Destination"].as_str().unwrap_or_default();
                Some((name.to_string(), dst.to_string()))
            })
            .collect(),
        named,
    }))
}

/// Remove container `id` without its volumes (`DELETE /containers/{id}?force=1`, no `v`):
/// what the Engine itself does with a self-removing container whose start failed.
pub(super) async fn remove_without_volumes(up: &Upstream, id: &str) -> Result<(), String> {
    let mut sender = up.connect_with::<Empty<Bytes>>(false).await?;
    let req = Request::delete(format!("/containers/{}?force=1", encode(id)))
        .header(hyper::header::HOST, "docker")
        .body(Empty::new())
        .map_err(|e| e.to_string())?;
    let resp = sender.send_request(req).await.map_err(|e| e.to_string())?;
    if resp.status().is_success() || resp.status() == hyper::StatusCode::NOT_FOUND {
        Ok(())
    } else {
        Err(format!("DELETE /containers/{id}: {}", resp.status()))
    }
}
