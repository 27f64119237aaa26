//! Port checks: a host port published twice, a host port already in use on this machine, an
//! app that listens on loopback only inside its container.

use std::collections::BTreeMap;

use super::input::DoctorInput;
use super::{Finding, Severity};

/// One published host port: (service, index in `ports`, protocol, host ip, port).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    pub service: String,
    pub index: usize,
    pub protocol: String,
    pub host_ip: String,
    pub port: u16,
}

/// Every published host port (ranges expanded, at most 1024 per entry).
pub fn published(input: &DoctorInput) -> Vec<Published> {
    let mut out = Vec::new();
    for (name, s) in &input.project.services {
        for (i, p) in s.ports.iter().enumerate() {
            let Some(spec) = p.published.as_deref() else {
                continue;
            };
            let (lo, hi) = match spec.split_once('-') {
                Some((a, b)) => (a.trim().parse::<u16>(), b.trim().parse::<u16>()),
                None => (spec.trim().parse::<u16>(), spec.trim().parse::<u16>()),
            };
            let (Ok(lo), Ok(hi)) = (lo, hi) else { continue };
            if lo == 0 {
                continue; // ephemeral
            }
            for port in lo..=hi.min(lo.saturating_add(1023)) {
                out.push(Published {
                    service: name.clone(),
                    index: i,
                    protocol: p.protocol.clone().unwrap_or_else(|| "tcp".into()),
                    host_ip: normalise_ip(p.host_ip.as_deref()),
                    port,
                });
            }
        }
    }
    out
}

fn normalise_ip(ip: Option<&str>) -> String {
    match ip.map(|s| s.trim_matches(['[', ']'])) {
        None | Some("") | Some("0.0.0.0") | Some("::") => String::new(),
        Some(s) => s.to_string(),
    }
}

fn overlaps(a: &str, b: &str) -> bool {
    a.is_empty() || b.is_empty() || a == b
}

pub fn check(input: &DoctorInput) -> Vec<Finding> {
    let mut out = Vec::new();
    let all = published(input);
    let mut reported: BTreeMap<(String, u16), ()> = BTreeMap::new();
    for (i, a) in all.iter().enumerate() {
        for b in &all[i + 1..] {
            if a.service != b.service
                && a.port == b.port
                && a.protocol == b.protocol
                && overlaps(&a.host_ip, &b.host_ip)
                && reported.insert((a.protocol.clone(), a.port), ()).is_none()
            {
                out.push(
                    Finding::new(
                        "PORT-001-duplicate-host-port",
                        Severity::Error,
                        format!(
                            "host port {}/{} is published by both `{}` and `{}`",
                            a.port, a.protocol, a.service, b.service
                        ),
                    )
                    .file(input.locate(&["services", &b.service, "ports"]))
                    .key(format!("services.{}.ports[{}]", b.service, b.index))
                    .why("Only one of them can bind it: the second container fails to start with \"port is already allocated\".")
                    .fix("Publish one of them on another host port (`\"<other>:<container port>\"`), or not at all if only other services reach it."),
                );
            }
        }
    }
    db_ports(input, &all, &mut out);
    in_use(input, &all, &mut out);
    loopback_only(input, &mut out);
    probe_port(input, &mut out);
    out
}

/// `point the probe…` → `Point the probe….`
fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), c.as_str()),
        None => String::new(),
    }
}

/// OPS-001: a running container whose health-check probe targets a port the app does not
/// listen on, while it listens on others (read from the container's network namespace): the
/// probe can never pass, and the usual advice (listen on 0.0.0.0) does not help.
fn probe_port(input: &DoctorInput, out: &mut Vec<Finding>) {
    use crate::engine::listeners::{
        describe_ports, listening_ports, probe_port, probe_port_mismatch,
    };
    let Some(f) = input.engine.facts() else {
        return;
    };
    let mut seen = std::collections::BTreeSet::new();
    for c in &f.containers {
        let (Some(service), Some(listeners)) = (&c.service, &c.listeners) else {
            continue;
        };
        let Some(hc) = input
            .project
            .services
            .get(service)
            .and_then(|s| s.healthcheck.as_ref())
            .filter(|hc| hc.disable != Some(true) && hc.test.first().is_some_and(|t| t != "NONE"))
        else {
            continue;
        };
        let Some(port) = probe_port(&hc.test) else {
            continue;
        };
        // Nothing listens at all: the app may still be starting; the wait diagnosis covers it.
        if listening_ports(listeners).is_empty() || !seen.insert((service.clone(), port)) {
            continue;
        }
        let Some(hint) = probe_port_mismatch(port, listeners) else {
            continue;
        };
        let (what, fix) = hint.split_once(": ").unwrap_or((hint.as_str(), ""));
        out.push(
            Finding::new(
                "OPS-001-probe-port-not-listening",
                Severity::Error,
                format!("service `{service}`: {what} (container {})", c.name),
            )
            .file(input.locate(&["services", service, "healthcheck"]))
            .key(format!("services.{service}.healthcheck.test"))
            .why(format!(
                "The health check connects to port {port} inside the container, where nothing listens (the app listens on {}): it fails on every run and the service never becomes healthy, whatever address the app binds.",
                describe_ports(listeners)
            ))
            .fix(capitalized(fix)),
        );
    }
}

/// OPS-001: a running container whose app listens on 127.0.0.1/::1 only on a port the compose
/// file declares (`ports:`), read from the container's network namespace. Its health check may
/// pass (it probes `localhost` from inside), yet the published port and the other services get
/// "connection refused".
fn loopback_only(input: &DoctorInput, out: &mut Vec<Finding>) {
    use crate::engine::listeners::{Binding, binding, loopback_message};
    let Some(f) = input.engine.facts() else {
        return;
    };
    let mut seen = std::collections::BTreeSet::new();
    for c in &f.containers {
        let (Some(service), Some(listeners)) = (&c.service, &c.listeners) else {
            continue;
        };
        let Some(s) = input.project.services.get(service) else {
            continue;
        };
        for (i, p) in s.ports.iter().enumerate() {
            if p.protocol.as_deref().is_some_and(|x| x != "tcp") {
                continue;
            }
            let Ok(port) = u16::try_from(p.target) else {
                continue;
            };
            let Binding::LoopbackOnly(ips) = binding(listeners, port) else {
                continue;
            };
            if !seen.insert((service.clone(), port)) {
                continue;
            }
            out.push(
                Finding::new(
                    "OPS-001-listens-on-loopback",
                    Severity::Error,
                    format!("{} (container {})", loopback_message(service, port, &ips), c.name),
                )
                .file(input.locate(&["services", service, "ports"]))
                .key(format!("services.{service}.ports[{i}]"))
                .why("Docker forwards published ports and traffic from other containers to the container's network interface, not to its loopback: the app looks healthy from inside and refuses every connection from outside.")
                .fix(format!("Make the app listen on 0.0.0.0 (or ::) port {port}: e.g. `HOST=0.0.0.0` in `environment:`, `--host 0.0.0.0`, or `hostname: '0.0.0.0'` in the server's listen call.")),
            );
        }
    }
}

/// A database's port published on every interface of the host.
fn db_ports(input: &DoctorInput, all: &[Published], out: &mut Vec<Finding>) {
    for (name, s) in &input.project.services {
        let Some(kind) = super::data::service_db(input, name) else {
            continue;
        };
        for p in all
            .iter()
            .filter(|p| &p.service == name && p.host_ip.is_empty())
        {
            let target = s.ports.get(p.index).map(|x| x.target).unwrap_or(0);
            let sev = if input.protected {
                Severity::Warning
            } else {
                Severity::Info
            };
            out.push(
                Finding::new(
                    "PORT-003-db-port-public",
                    sev,
                    format!(
                        "{} port {target} of `{name}` is published on every interface of the host (host port {})",
                        kind.label(),
                        p.port
                    ),
                )
                .file(input.locate(&["services", name, "ports"]))
                .key(format!("services.{name}.ports[{}]", p.index))
                .why("Anyone who reaches the host reaches the database (Docker's published ports bypass most host firewalls); the other services reach it over the project network anyway.")
                .fix(format!("Publish it on loopback only (`\"127.0.0.1:{}:{target}\"`), or drop `ports:` outside development.", p.port)),
            );
        }
    }
}

fn in_use(input: &DoctorInput, all: &[Published], out: &mut Vec<Finding>) {
    let Some(f) = input.engine.facts() else {
        return;
    };
    if !f.local {
        return;
    }
    for p in all {
        let busy = f
            .busy_ports
            .contains(&(p.protocol.clone(), p.host_ip.clone(), p.port));
        let ours = f.containers.iter().any(|c| {
            c.state == "running"
                && c.published
                    .iter()
                    .any(|(proto, port)| *proto == p.protocol && *port == p.port)
        });
        if busy && !ours {
            let addr = if p.host_ip.is_empty() {
                "0.0.0.0".to_string()
            } else {
                p.host_ip.clone()
            };
            out.push(
                Finding::new(
                    "PORT-002-host-port-in-use",
                    Severity::Error,
                    format!(
                        "host port {}/{} ({addr}) of `{}` is already in use on this machine (not by this project's containers)",
                        p.port, p.protocol, p.service
                    ),
                )
                .file(input.locate(&["services", &p.service, "ports"]))
                .key(format!("services.{}.ports[{}]", p.service, p.index))
                .why("`up` fails for this service with \"address already in use\" / \"port is already allocated\".")
                .fix(format!(
                    "Find the owner (`ss -ltnp 'sport = :{}'` or `docker ps --filter publish={}`), stop it, or publish `{}` on another port.",
                    p.port, p.port, p.service
                )),
            );
        }
    }
}
