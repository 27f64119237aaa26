//! Volume sizes from the Engine's `GET /system/df`, read in both of its shapes.
//!
//! Engines before API 1.52 answer with a top-level `Volumes` list; newer ones put the list under
//! `VolumeUsage.Items`. The typed client only knows the newer shape, so on the Engines most users
//! run it would drop every size. devctl asks for the raw answer and reads whichever shape came.

use std::collections::HashMap;
use std::time::Duration;

use bollard::Docker;
use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Limited};
use serde::Deserialize;

use crate::engine::apiguard::Upstream;
use crate::engine::connect::Endpoint;

/// Sizes by volume name: (bytes, reference count); the Engine's `-1` means "not computed".
pub type Usage = HashMap<String, (i64, i64)>;

/// How long `system df` may take (it walks every volume on big hosts).
const DF_TIMEOUT: Duration = Duration::from_secs(30);

/// The largest answer devctl reads (a host with many thousands of volumes stays far below).
const DF_LIMIT: usize = 64 * 1024 * 1024;

#[derive(Deserialize)]
struct Answer {
    #[serde(rename = "Volumes", default)]
    volumes: Option<Vec<Entry>>,
    #[serde(rename = "VolumeUsage", default)]
    volume_usage: Option<VolumeUsage>,
}

#[derive(Deserialize)]
struct VolumeUsage {
    #[serde(rename = "Items", default)]
    items: Option<Vec<Entry>>,
}

#[derive(Deserialize)]
struct Entry {
    #[serde(rename = "Name", default)]
    name: String,
    #[serde(rename = "UsageData", default)]
    usage_data: Option<UsageData>,
}

#[derive(Deserialize)]
struct UsageData {
    #[serde(rename = "Size", default = "unknown")]
    size: i64,
    #[serde(rename = "RefCount", default = "unknown")]
    ref_count: i64,
}

fn unknown() -> i64 {
    -1
}

/// Pure: sizes by volume name from a `system df` answer in either shape; anything unreadable
/// gives no sizes (the plan then says "size unknown").
pub fn usage_from_df(body: &[u8]) -> Usage {
    let Ok(answer) = serde_json::from_slice::<Answer>(body) else {
        return Usage::new();
    };
    let old = answer.volumes.unwrap_or_default();
    let new = answer
        .volume_usage
        .and_then(|u| u.items)
        .unwrap_or_default();
    old.into_iter()
        .chain(new)
        .filter(|e| !e.name.is_empty())
        .filter_map(|e| {
            let u = e.usage_data?;
            Some((e.name, (u.size, u.ref_count)))
        })
        .collect()
}

/// Ask the Engine at `ep` for volume sizes, with the API version `docker` negotiated. Failures
/// (slow Engine, refused request, odd answer) give no sizes rather than an error.
pub async fn volume_sizes(docker: &Docker, ep: &Endpoint) -> Usage {
    match tokio::time::timeout(DF_TIMEOUT, fetch(docker, ep)).await {
        Ok(Some(body)) => usage_from_df(&body),
        _ => Usage::new(),
    }
}

async fn fetch(docker: &Docker, ep: &Endpoint) -> Option<Bytes> {
    let upstream = Upstream::for_endpoint(ep).ok()?;
    let mut sender = upstream.connect_with::<Empty<Bytes>>(false).await.ok()?;
    let uri = format!("/v{}/system/df?type=volume", docker.client_version());
    let req = hyper::Request::get(uri)
        .header(hyper::header::HOST, "docker")
        .body(Empty::new())
        .ok()?;
    let resp = sender.send_request(req).await.ok()?;
    if !resp.status().is_success() {
        return None;
    }
    let body = Limited::new(resp.into_body(), DF_LIMIT)
        .collect()
        .await
        .ok()?;
    Some(body.to_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_answer_of_engines_before_api_1_52() {
        let body = br#"{"LayersSize":0,"Volumes":[
            {"Name":"a","UsageData":{"Size":4096,"RefCount":1}},
            {"Name":"b","UsageData":{"Size":-1,"RefCount":-1}},
            {"Name":"c"}]}"#;
        let u = usage_from_df(body);
        assert_eq!(u.get("a"), Some(&(4096, 1)));
        assert_eq!(u.get("b"), Some(&(-1, -1)));
        assert_eq!(u.get("c"), None);
    }

    #[test]
    fn reads_the_answer_of_engines_from_api_1_52() {
        let body = br#"{"VolumeUsage":{"ActiveCount":1,"TotalCount":1,"Items":[
            {"Name":"data","Driver":"local","UsageData":{"Size":123,"RefCount":2}}]}}"#;
        assert_eq!(usage_from_df(body).get("data"), Some(&(123, 2)));
    }

    #[test]
    fn garbage_gives_no_sizes() {
        assert!(usage_from_df(b"not json").is_empty());
        assert!(usage_from_df(br#"{"Volumes":"x"}"#).is_empty());
    }
}
