//! Pure: which Engine API requests destroy volume data, read the way the Engine's router reads
//! them. The Engine guard (`engine::apiguard`) asks [`classify_call`] about every request a
//! child process (Compose, the docker CLI) sends, and [`decide`] refuses those not in the plan
//! the user confirmed.
//!
//! How the Engine reads a request (moby's router, Go's `net/http`), and so how this reads it:
//! - the path is percent-decoded, an optional `/vX.Y` version prefix is dropped, and the
//!   router matches the cleaned path (`//`, `.` and `..` are resolved);
//! - `DELETE /volumes/{name}` removes a volume; `POST /volumes/prune` removes every unused one;
//! - `DELETE /containers/{id}?v=…` removes the container's anonymous volumes with it when `v`
//!   is true for `httputils.BoolValue`: anything except `""`, `0`, `no`, `false`, `none`
//!   (case-insensitive, trimmed).
//!
//! Where this reading is unsure it errs towards "destructive": methods and the `volumes` /
//! `containers` segments are compared without case, every `v` in the query counts (not only
//! the first), and `;` separates query parameters as well as `&`.

use std::collections::BTreeSet;
use std::fmt;

/// An Engine API call that destroys volume data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineCall {
    /// `DELETE /volumes/{name}`.
    RemoveVolume(String),
    /// `POST /volumes/prune`.
    PruneVolumes,
    /// `DELETE /containers/{id}?v=1`: the container's anonymous volumes go with it.
    RemoveContainerVolumes(String),
}

impl fmt::Display for EngineCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EngineCall::RemoveVolume(n) => write!(f, "remove volume `{n}`"),
            EngineCall::PruneVolumes => write!(f, "prune unused volumes"),
            EngineCall::RemoveContainerVolumes(c) => {
                write!(f, "remove container `{c}` with its anonymous volumes")
            }
        }
    }
}

/// What a guarded child may delete: the volumes of the plan the user confirmed (empty for
/// every ordinary run: devctl removes planned volumes itself, straight through the Engine).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Allowed {
    pub volumes: BTreeSet<String>,
    /// The user confirmed that removing Swarm services deletes their tasks' anonymous
    /// volumes (devctl's own `--ENV down` after its gate).
    pub task_volumes: bool,
}

/// The guard's answer to one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    Refuse(EngineCall),
}

/// Classify one request by method, path and query (the raw request target's parts).
///
/// ```
/// use devctl::engine::apiguard::rules::{EngineCall, classify_call};
/// assert_eq!(
///     classify_call("DELETE", "/v1.41/volumes/shop_pgdata", None),
///     Some(EngineCall::RemoveVolume("shop_pgdata".into()))
/// );
/// assert_eq!(
///     classify_call("DELETE", "/containers/abc", Some("force=1&v=1")),
///     Some(EngineCall::RemoveContainerVolumes("abc".into()))
/// );
/// assert_eq!(classify_call("GET", "/v1.41/volumes", None), None);
/// ```
pub fn classify_call(method: &str, path: &str, query: Option<&str>) -> Option<EngineCall> {
    let method = method.to_ascii_uppercase();
    let segs = route_segments(path);
    let (first, rest) = segs.split_first()?;
    if first.eq_ignore_ascii_case("volumes") {
        if method == "DELETE" && !rest.is_empty() {
            return Some(EngineCall::RemoveVolume(rest.join("/")));
        }
        if method == "POST" && rest.len() == 1 && rest[0].eq_ignore_ascii_case("prune") {
            return Some(EngineCall::PruneVolumes);
        }
        return None;
    }
    if first.eq_ignore_ascii_case("containers")
        && method == "DELETE"
        && !rest.is_empty()
        && query_values(query.unwrap_or(""), "v").any(|v| bool_value(&v))
    {
        return Some(EngineCall::RemoveContainerVolumes(rest.join("/")));
    }
    None
}

/// A request that removes containers but, by itself, no volume: `DELETE /containers/{id}`
/// (without a true `v`) and `POST /containers/prune`. It is still checked against the
/// Engine's facts ([`orphaned_by`]): a container that removes itself when it exits
/// (`--rm`, `HostConfig.AutoRemove`) deletes the anonymous volumes it mounts, and once the
/// containers they came from are gone (`--volumes-from`, `volumes_from:`), nothing stops it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Removal {
    /// `DELETE /containers/{id}`: the id, a unique id prefix or a name.
    Container(String),
    /// `POST /containers/prune`: every container that is not running.
    Prune,
    /// `DELETE /services/{id}` (Swarm): its tasks' containers go, and Swarm removes each
    /// with its anonymous volumes.
    Service(String),
}

/// What the guard reads about a Swarm service before it forwards its removal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceFacts {
    pub name: String,
    /// Targets of the task template's `volume` mounts without a source (anonymous).
    pub anonymous: Vec<String>,
}

/// The facts a removal is judged on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemovalFacts {
    Containers(Vec<ContainerFacts>),
    Service(ServiceFacts),
}

/// Pure: the refusal for a removal, given its facts (`None`: it may go).
pub fn judge_removal(
    removal: &Removal,
    facts: &RemovalFacts,
    allowed: &Allowed,
    method: &str,
    path: &str,
) -> Option<String> {
    match facts {
        RemovalFacts::Containers(all) => {
            let found = orphaned_by(removal, all, allowed);
            (!found.is_empty()).then(|| orphaning_message(&found, method, path))
        }
        RemovalFacts::Service(s) if !s.anonymous.is_empty() && !allowed.task_volumes => {
            Some(format!(
                "devctl's safety gate refused {method} {path}: Swarm removes the tasks of \
                 service `{}` with their anonymous volumes (at {}); remove the stack with \
                 `devctl --ENV down`, which lists them and asks first",
                s.name,
                s.anonymous.join(", ")
            ))
        }
        RemovalFacts::Service(_) => None,
    }
}

/// Classify a request that removes containers (see [`Removal`]).
///
/// ```
/// use devctl::engine::apiguard::rules::{Removal, classify_removal};
/// assert_eq!(
///     classify_removal("DELETE", "/v1.41/containers/shop-db-1", Some("force=1")),
///     Some(Removal::Container("shop-db-1".into()))
/// );
/// assert_eq!(classify_removal("POST", "/containers/prune", None), Some(Removal::Prune));
/// assert_eq!(classify_removal("POST", "/containers/shop-db-1/stop", None), None);
/// ```
pub fn classify_removal(method: &str, path: &str, _query: Option<&str>) -> Option<Removal> {
    let method = method.to_ascii_uppercase();
    let segs = route_segments(path);
    let (first, rest) = segs.split_first()?;
    if first.eq_ignore_ascii_case("services") && method == "DELETE" && !rest.is_empty() {
        return Some(Removal::Service(rest.join("/")));
    }
    if !first.eq_ignore_ascii_case("containers") || rest.is_empty() {
        return None;
    }
    if method == "DELETE" {
        return Some(Removal::Container(rest.join("/")));
    }
    if method == "POST" && rest.len() == 1 && rest[0].eq_ignore_ascii_case("prune") {
        return Some(Removal::Prune);
    }
    None
}

/// What the guard reads about one container (the Engine's list and inspect answers).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerFacts {
    pub id: String,
    /// Without the leading `/`.
    pub names: Vec<String>,
    pub running: bool,
    /// `HostConfig.AutoRemove` (`--rm`): the Engine removes it, with its anonymous volumes,
    /// when it exits.
    pub auto_remove: bool,
    /// Its volume mount points: (volume name, destination) of `Mounts[]` of type `volume`.
    pub volumes: Vec<(String, String)>,
    /// The mount points its spec names a source for — its own `HostConfig.Binds` /
    /// `HostConfig.Mounts`, or those of the containers it takes volumes from, whose spec the
    /// Engine copies: the Engine never deletes these with it. Every other mount point is
    /// anonymous, and the Engine deletes its volume when it removes the container with `v`
    /// (which auto-remove does), unless another container still uses it.
    pub named: BTreeSet<(String, String)>,
}

impl ContainerFacts {
    /// The name to show: the first name, else the short id.
    pub fn label(&self) -> String {
        self.names
            .first()
            .cloned()
            .unwrap_or_else(|| self.id.chars().take(12).collect())
    }

    /// Whether it mounts volume `v`.
    pub fn mounts(&self, v: &str) -> bool {
        self.volumes.iter().any(|(n, _)| n == v)
    }

    /// Whether one of its mount points of `v` is anonymous (see [`ContainerFacts::named`]).
    pub fn mounts_anonymously(&self, v: &str) -> bool {
        self.volumes
            .iter()
            .any(|m| m.0 == v && !self.named.contains(m))
    }

    /// Whether `reference` (an id, a unique id prefix is checked by the caller, or a name,
    /// with or without its `/`) means this container.
    fn is(&self, reference: &str) -> bool {
        let r = reference.trim_start_matches('/');
        self.id == r || self.names.iter().any(|n| n == r)
    }
}

/// A volume that a removal would leave to the mercy of self-removing containers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Orphaning {
    pub volume: String,
    /// The container being removed that mounts it.
    pub from: String,
    /// The self-removing containers that mount it anonymously: (name, running).
    pub borrowers: Vec<(String, bool)>,
}

/// The containers a removal takes away, as the Engine resolves the reference (an exact id,
/// an exact name, else a unique id prefix); `Prune`: every container that is not running.
pub fn removed_by<'a>(removal: &Removal, all: &'a [ContainerFacts]) -> Vec<&'a ContainerFacts> {
    match removal {
        // A service's task containers are judged on the service's own facts.
        Removal::Service(_) => vec![],
        Removal::Prune => all.iter().filter(|c| !c.running).collect(),
        Removal::Container(r) => {
            if let Some(c) = all.iter().find(|c| c.is(r)) {
                return vec![c];
            }
            let by_prefix: Vec<_> = all
                .iter()
                .filter(|c| !r.is_empty() && c.id.starts_with(r.as_str()))
                .collect();
            if by_prefix.len() == 1 {
                by_prefix
            } else {
                vec![]
            }
        }
    }
}

/// Pure: the volumes of the removed containers that a self-removing container (not removed
/// by the same request) also mounts anonymously, except those of the confirmed plan. When
/// such a container exits after every other holder is gone, the Engine deletes the volume,
/// with nobody asked. Whether another holder stays is not counted on: two removals sent at
/// once (one `docker rm A B`, or two processes) would each count on the other.
pub fn orphaned_by(removal: &Removal, all: &[ContainerFacts], allowed: &Allowed) -> Vec<Orphaning> {
    let removed = removed_by(removal, all);
    let is_removed = |c: &ContainerFacts| removed.iter().any(|r| r.id == c.id);
    let mut out: Vec<Orphaning> = Vec::new();
    for r in &removed {
        for (v, _) in &r.volumes {
            if allowed.volumes.contains(v) || out.iter().any(|o| &o.volume == v) {
                continue;
            }
            let borrowers: Vec<(String, bool)> = all
                .iter()
                .filter(|c| !is_removed(c) && c.auto_remove && c.mounts_anonymously(v))
                .map(|c| (c.label(), c.running))
                .collect();
            if !borrowers.is_empty() {
                out.push(Orphaning {
                    volume: v.clone(),
                    from: r.label(),
                    borrowers,
                });
            }
        }
    }
    out
}

/// The Engine error text for a removal refused because of [`orphaned_by`]: what is at stake
/// and, for each self-removing container, the step that takes it away while the volume is
/// still held (a running one is stopped: the Engine removes it then; one not running is
/// removed, which deletes nothing).
pub fn orphaning_message(found: &[Orphaning], method: &str, path: &str) -> String {
    let what: Vec<String> = found
        .iter()
        .map(|o| {
            let names: Vec<&str> = o.borrowers.iter().map(|(n, _)| n.as_str()).collect();
            let (them, remove) = if names.len() == 1 {
                ("removes itself", "it exits")
            } else {
                ("remove themselves", "they exit")
            };
            format!(
                "volume `{}` of `{}` is also mounted by `{}`, which {them} with its anonymous \
                 volumes when {remove}: once `{}` is gone, that deletes the volume",
                o.volume,
                o.from,
                names.join("`, `"),
                o.from
            )
        })
        .collect();
    let mut steps: Vec<String> = Vec::new();
    for (name, running) in found.iter().flat_map(|o| o.borrowers.iter()) {
        let step = if *running {
            format!("`docker stop {name}`")
        } else {
            format!("`docker rm {name}`")
        };
        if !steps.contains(&step) {
            steps.push(step);
        }
    }
    format!(
        "devctl's safety gate refused {method} {path}: {}; first run {} (the volume stays: it \
         is still in use then), then run this again",
        what.join("; "),
        steps.join(" and ")
    )
}

/// `POST /containers/{id}/start`: the container's id or name.
///
/// ```
/// use devctl::engine::apiguard::rules::classify_start;
/// assert_eq!(classify_start("POST", "/v1.41/containers/abc/start"), Some("abc".into()));
/// assert_eq!(classify_start("POST", "/containers/abc/stop"), None);
/// ```
pub fn classify_start(method: &str, path: &str) -> Option<String> {
    let segs = route_segments(path);
    match segs.as_slice() {
        [c, id, start]
            if method.eq_ignore_ascii_case("POST")
                && c.eq_ignore_ascii_case("containers")
                && start.eq_ignore_ascii_case("start") =>
        {
            Some(id.clone())
        }
        _ => None,
    }
}

/// Pure: the volumes that self-removing container `me`, once started, would be the last
/// to hold except other self-removing ones, at an anonymous mount point: when it exits, the
/// Engine deletes them (its source container was removed meanwhile).
pub fn start_orphans(me: &ContainerFacts, all: &[ContainerFacts]) -> Vec<String> {
    if !me.auto_remove {
        return Vec::new();
    }
    let mut out: Vec<String> = Vec::new();
    for (v, _) in &me.volumes {
        if out.contains(v) || !me.mounts_anonymously(v) {
            continue;
        }
        let others_all_leave = all
            .iter()
            .filter(|c| c.id != me.id && c.mounts(v))
            .all(|c| c.auto_remove);
        if others_all_leave {
            out.push(v.clone());
        }
    }
    out
}

/// The Engine error text for a start refused because of [`start_orphans`].
pub fn start_message(me: &ContainerFacts, alone: &[String], method: &str, path: &str) -> String {
    format!(
        "devctl's safety gate refused {method} {path}: `{}` removes itself with its anonymous \
         volumes when it exits, and nothing else keeps {} (the container it borrowed them from \
         is gone): starting it would delete them",
        me.label(),
        alone
            .iter()
            .map(|v| format!("volume `{v}`"))
            .collect::<Vec<_>>()
            .join(", "),
    )
}

/// Refuse every destructive call that the confirmed plan does not name.
pub fn decide(call: Option<EngineCall>, allowed: &Allowed) -> Verdict {
    match call {
        None => Verdict::Pass,
        Some(EngineCall::RemoveVolume(n)) if allowed.volumes.contains(&n) => Verdict::Pass,
        Some(c) => Verdict::Refuse(c),
    }
}

/// The Engine error text a refused child sees (Compose prints it after "Error response from
/// daemon:").
pub fn refusal_message(call: &EngineCall, method: &str, path: &str) -> String {
    format!(
        "devctl's safety gate refused {method} {path} ({call}): volume data is only deleted \
         through a plan you have seen and confirmed; run `devctl down -v`, `devctl volume rm` \
         or `devctl volume prune` to see that plan"
    )
}

fn is_version(s: &str) -> bool {
    s.strip_prefix(['v', 'V'])
        .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

/// The segments the Engine's router matches: cleaned, without the `/vX.Y` version prefix.
fn route_segments(path: &str) -> Vec<String> {
    let mut segs = clean_segments(path);
    if segs.first().is_some_and(|s| is_version(s)) {
        segs.remove(0);
    }
    segs
}

/// The path's segments after percent-decoding and cleaning (`//`, `.`, `..`).
fn clean_segments(path: &str) -> Vec<String> {
    let decoded = percent_decode(path, false);
    let mut out: Vec<String> = Vec::new();
    for seg in decoded.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s.to_string()),
        }
    }
    out
}

/// Every value of `key` in a query string (`&` and `;` separated, `+` is a space).
fn query_values<'a>(query: &'a str, key: &'a str) -> impl Iterator<Item = String> + 'a {
    query.split(['&', ';']).filter_map(move |pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (percent_decode(k, true) == key).then(|| percent_decode(v, true))
    })
}

/// The Engine's `httputils.BoolValue`.
fn bool_value(v: &str) -> bool {
    let s = v.trim().to_ascii_lowercase();
    !matches!(s.as_str(), "" | "0" | "no" | "false" | "none")
}

fn percent_decode(s: &str, plus_is_space: bool) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(v) => {
                        out.push(v);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(m: &str, target: &str) -> Option<EngineCall> {
        let (p, q) = match target.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (target, None),
        };
        classify_call(m, p, q)
    }

    #[test]
    fn volume_removal_in_every_spelling() {
        let rm = |n: &str| Some(EngineCall::RemoveVolume(n.to_string()));
        for (m, t, want) in [
            ("DELETE", "/volumes/data", rm("data")),
            ("DELETE", "/v1.41/volumes/data", rm("data")),
            ("DELETE", "/v1.51/volumes/data?force=1", rm("data")),
            ("delete", "/volumes/data", rm("data")),
            ("DELETE", "//volumes//data", rm("data")),
            ("DELETE", "/x/../volumes/./data", rm("data")),
            ("DELETE", "/%76olumes/%64ata", rm("data")),
            ("DELETE", "/VOLUMES/data", rm("data")),
            ("DELETE", "/v1.41/volumes/shop_pgdata", rm("shop_pgdata")),
            ("POST", "/volumes/prune", Some(EngineCall::PruneVolumes)),
            (
                "POST",
                "/v1.41/volumes/prune?filters=%7B%7D",
                Some(EngineCall::PruneVolumes),
            ),
            (
                "post",
                "/v1.41/volumes/Prune",
                Some(EngineCall::PruneVolumes),
            ),
            ("GET", "/volumes/data", None),
            ("GET", "/v1.41/volumes", None),
            ("POST", "/volumes/create", None),
            ("DELETE", "/volumes", None),
            ("DELETE", "/images/data", None),
            ("DELETE", "/networks/volumes", None),
        ] {
            assert_eq!(call(m, t), want, "{m} {t}");
        }
    }

    #[test]
    fn container_removal_with_volumes_by_the_engines_bool_rules() {
        let c = |id: &str| Some(EngineCall::RemoveContainerVolumes(id.to_string()));
        for (t, want) in [
            ("/containers/abc?v=1", c("abc")),
            ("/v1.41/containers/abc?force=1&v=true", c("abc")),
            ("/containers/abc?v=yes", c("abc")),
            ("/containers/abc?v=TRUE", c("abc")),
            ("/containers/abc?v=%31", c("abc")),
            ("/containers/abc?%76=1", c("abc")),
            ("/containers/abc?v=0;v=1", c("abc")),
            ("/containers/abc?v=0&v=1", c("abc")),
            ("/containers/abc?v=+1+", c("abc")),
            ("/containers/abc?v=anything", c("abc")),
            ("/containers/abc?v=0", None),
            ("/containers/abc?v=false", None),
            ("/containers/abc?v=No", None),
            ("/containers/abc?v=none", None),
            ("/containers/abc?v=", None),
            ("/containers/abc?force=1", None),
            ("/containers/abc", None),
            ("/containers/abc?vv=1", None),
        ] {
            assert_eq!(call("DELETE", t), want, "{t}");
        }
        assert_eq!(call("POST", "/containers/abc/stop?v=1"), None);
        assert_eq!(call("POST", "/containers/prune"), None);
    }

    #[test]
    fn only_planned_volumes_pass() {
        let allowed = Allowed {
            volumes: ["shop_cache".to_string()].into(),
            ..Allowed::default()
        };
        let rm = |n: &str| Some(EngineCall::RemoveVolume(n.to_string()));
        assert_eq!(decide(rm("shop_cache"), &allowed), Verdict::Pass);
        assert_eq!(
            decide(rm("shop_pgdata"), &allowed),
            Verdict::Refuse(EngineCall::RemoveVolume("shop_pgdata".into()))
        );
        assert!(matches!(
            decide(Some(EngineCall::PruneVolumes), &allowed),
            Verdict::Refuse(_)
        ));
        assert_eq!(decide(None, &Allowed::default()), Verdict::Pass);
    }

    fn facts(id: &str, name: &str, running: bool, auto: bool, vols: &[&str]) -> ContainerFacts {
        ContainerFacts {
            id: id.into(),
            names: vec![name.into()],
            running,
            auto_remove: auto,
            volumes: vols
                .iter()
                .map(|v| (v.to_string(), "/d".to_string()))
                .collect(),
            named: BTreeSet::new(),
        }
    }

    #[test]
    fn removals_are_classified_in_every_spelling() {
        let c = |r: &str| Some(Removal::Container(r.into()));
        assert_eq!(classify_removal("DELETE", "/containers/db", None), c("db"));
        assert_eq!(
            classify_removal("delete", "/v1.41/containers/db", Some("force=1")),
            c("db")
        );
        assert_eq!(
            classify_removal("DELETE", "//x/../CONTAINERS/%64b", None),
            c("db")
        );
        assert_eq!(
            classify_removal("POST", "/v1.41/containers/prune", None),
            Some(Removal::Prune)
        );
        assert_eq!(
            classify_removal("post", "/Containers/PRUNE", Some("filters=%7B%7D")),
            Some(Removal::Prune)
        );
        assert_eq!(classify_removal("POST", "/containers/db/stop", None), None);
        assert_eq!(classify_removal("DELETE", "/containers", None), None);
        assert_eq!(classify_removal("DELETE", "/volumes/db", None), None);
        assert_eq!(classify_removal("GET", "/containers/db/json", None), None);
    }

    #[test]
    fn a_removal_that_leaves_a_volume_to_a_self_removing_borrower_is_caught() {
        let none = Allowed::default();
        let rm = |r: &str| Removal::Container(r.into());
        // db holds an anonymous volume v1 and a named one; backup borrowed both
        // (`--volumes-from db --rm`); the named one's mount point is named in db's spec.
        let mut db = facts("aaa1", "shop-db-1", true, false, &["v1", "named"]);
        db.named.insert(("named".into(), "/d".into()));
        let mut backup = facts("bbb2", "shop-backup-run-1", true, true, &["v1", "named"]);
        backup.named.insert(("named".into(), "/d".into()));
        let other = facts("ccc3", "shop-api-1", true, false, &[]);
        let all = vec![db.clone(), backup.clone(), other.clone()];
        let found = orphaned_by(&rm("shop-db-1"), &all, &none);
        assert_eq!(
            found,
            vec![Orphaning {
                volume: "v1".into(),
                from: "shop-db-1".into(),
                borrowers: vec![("shop-backup-run-1".into(), true)],
            }]
        );
        // By id, id prefix and `/name` alike.
        for r in ["aaa1", "aa", "/shop-db-1"] {
            assert_eq!(orphaned_by(&rm(r), &all, &none).len(), 1, "{r}");
        }
        // The confirmed plan names it: the user agreed.
        let allowed = Allowed {
            volumes: ["v1".to_string()].into(),
            ..Allowed::default()
        };
        assert!(orphaned_by(&rm("shop-db-1"), &all, &allowed).is_empty());
        // Another holder is not counted on: it may be removed by a request sent at the same
        // time (found by the hostile review: `docker rm -f db keeper` went through).
        let keeper = facts("ddd4", "shop-keeper", true, false, &["v1"]);
        let with_keeper = vec![db.clone(), backup.clone(), keeper];
        assert_eq!(orphaned_by(&rm("shop-db-1"), &with_keeper, &none).len(), 1);
        assert_eq!(
            orphaned_by(&rm("shop-keeper"), &with_keeper, &none).len(),
            1
        );
        // A borrower that also mounts the volume by name still has the anonymous mount point
        // it borrowed: the Engine deletes the volume (found by the hostile review).
        let mut both = backup.clone();
        both.volumes.push(("v1".into(), "/y".into()));
        both.named.insert(("v1".into(), "/y".into()));
        assert_eq!(
            orphaned_by(&rm("shop-db-1"), &[db.clone(), both], &none).len(),
            1
        );
        // Only named mount points: nothing the Engine would delete.
        let mut named_only = backup.clone();
        named_only.named.insert(("v1".into(), "/d".into()));
        assert!(orphaned_by(&rm("shop-db-1"), &[db.clone(), named_only], &none).is_empty());
        // Removing the borrower itself, or a container sharing nothing, is fine.
        assert!(orphaned_by(&rm("shop-backup-run-1"), &all, &none).is_empty());
        assert!(orphaned_by(&rm("shop-api-1"), &all, &none).is_empty());
        // An ambiguous prefix or an unknown name resolves to nothing (the Engine refuses it).
        let twins = vec![
            facts("ab1", "x", false, false, &["v"]),
            facts("ab2", "y", true, true, &["v"]),
        ];
        assert!(orphaned_by(&rm("ab"), &twins, &none).is_empty());
        assert!(orphaned_by(&rm("nope"), &all, &none).is_empty());
        // Prune takes every container that is not running; a borrower that is not running
        // goes with it (prune deletes no volume).
        let stopped_db = facts("aaa1", "shop-db-1", false, false, &["v1"]);
        let created = facts("eee5", "shop-backup-run-2", false, true, &["v1"]);
        let pruned = vec![stopped_db.clone(), backup.clone(), created.clone(), other];
        let found = orphaned_by(&Removal::Prune, &pruned, &none);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            found[0].borrowers,
            vec![("shop-backup-run-1".to_string(), true)]
        );
        let m = orphaning_message(&found, "POST", "/containers/prune");
        assert!(
            m.contains("devctl's safety gate refused POST /containers/prune"),
            "{m}"
        );
        assert!(m.contains("`docker stop shop-backup-run-1`"), "{m}");
        assert!(m.contains("which removes itself"), "{m}");
        // A borrower that was created but never started is removed, not stopped.
        let found = orphaned_by(&rm("shop-db-1"), &[stopped_db, created, backup], &none);
        let m = orphaning_message(&found, "DELETE", "/containers/shop-db-1");
        assert!(m.contains("`docker rm shop-backup-run-2`"), "{m}");
        assert!(m.contains("`docker stop shop-backup-run-1`"), "{m}");
        assert!(m.contains("which remove themselves"), "{m}");
    }

    #[test]
    fn a_self_removing_borrower_starts_only_while_something_else_keeps_the_volume() {
        assert_eq!(
            classify_start("post", "/v1.41/containers/x/start"),
            Some("x".into())
        );
        assert_eq!(classify_start("POST", "/containers/x/restart"), None);
        assert_eq!(classify_start("GET", "/containers/x/start"), None);
        let db = facts("aaa1", "db", true, false, &["v1"]);
        let b = facts("bbb2", "backup", false, true, &["v1"]);
        let other = facts("ccc3", "backup2", true, true, &["v1"]);
        // The source still holds it: fine.
        assert!(start_orphans(&b, &[db.clone(), b.clone()]).is_empty());
        // The source is gone (removed at the same time): refused.
        assert_eq!(start_orphans(&b, std::slice::from_ref(&b)), vec!["v1"]);
        assert_eq!(start_orphans(&b, &[b.clone(), other]), vec!["v1"]);
        // Not self-removing, or the mount point is named: nothing to fear.
        let plain = facts("ddd4", "plain", false, false, &["v1"]);
        assert!(start_orphans(&plain, std::slice::from_ref(&plain)).is_empty());
        let mut named = b.clone();
        named.named.insert(("v1".into(), "/d".into()));
        assert!(start_orphans(&named, std::slice::from_ref(&named)).is_empty());
        let m = start_message(&b, &["v1".into()], "POST", "/containers/bbb2/start");
        assert!(
            m.contains("`backup` removes itself") && m.contains("volume `v1`"),
            "{m}"
        );
    }

    #[test]
    fn removing_a_swarm_service_with_anonymous_task_volumes_needs_the_gate() {
        let rm = Removal::Service("shop_db".into());
        assert_eq!(
            classify_removal("DELETE", "/v1.41/services/shop_db", None),
            Some(rm.clone())
        );
        assert_eq!(
            classify_removal("POST", "/services/shop_db/update", None),
            None
        );
        let with = RemovalFacts::Service(ServiceFacts {
            name: "shop_db".into(),
            anonymous: vec!["/var/lib/data".into()],
        });
        let m = judge_removal(
            &rm,
            &with,
            &Allowed::default(),
            "DELETE",
            "/services/shop_db",
        )
        .expect("refused");
        assert!(
            m.contains("/var/lib/data") && m.contains("devctl --ENV down"),
            "{m}"
        );
        let confirmed = Allowed {
            task_volumes: true,
            ..Allowed::default()
        };
        assert_eq!(
            judge_removal(&rm, &with, &confirmed, "DELETE", "/services/shop_db"),
            None
        );
        let without = RemovalFacts::Service(ServiceFacts {
            name: "shop_web".into(),
            anonymous: vec![],
        });
        assert_eq!(
            judge_removal(&rm, &without, &Allowed::default(), "DELETE", "/x"),
            None
        );
    }

    #[test]
    fn percent_decoding_keeps_broken_escapes() {
        assert_eq!(percent_decode("a%2", false), "a%2");
        assert_eq!(percent_decode("a%zz", false), "a%zz");
        assert_eq!(percent_decode("%41+b", true), "A b");
        assert_eq!(percent_decode("%41+b", false), "A+b");
    }

    #[test]
    fn the_message_names_devctl_and_what_to_run() {
        let m = refusal_message(
            &EngineCall::RemoveVolume("shop_pgdata".into()),
            "DELETE",
            "/v1.41/volumes/shop_pgdata",
        );
        assert!(m.contains("devctl's safety gate refused DELETE /v1.41/volumes/shop_pgdata"));
        assert!(m.contains("devctl down -v"));
    }
}
