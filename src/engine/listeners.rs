//! Which TCP ports a running container listens on, and on which addresses — read from the
//! container's own network namespace through the host's `/proc/<pid>/net/tcp{,6}`, so nothing
//! has to exist inside the image (no `netstat`, no `ss`, not even `cat`).
//!
//! This only works when the Engine runs on this machine and shares its process table with
//! devctl; [`read`] checks that the process really belongs to the container (its cgroup path
//! names the container id) and answers `None` otherwise (a remote Engine, Docker Desktop's VM,
//! no permission). The parsing is pure and tested.
//!
//! Why: an app bound to 127.0.0.1 inside its container passes a health check that probes
//! `localhost`, yet neither the published port nor the other services can reach it — the
//! seeds' OPS-001 ("Backend MUST bind to 0.0.0.0, not 127.0.0.1").

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// One listening TCP socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Listener {
    pub ip: IpAddr,
    pub port: u16,
}

/// How a container port is served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Binding {
    /// Something listens on an address other containers can reach (0.0.0.0, ::, an interface).
    Reachable,
    /// Only loopback addresses listen on it: reachable from inside the container only.
    LoopbackOnly(Vec<IpAddr>),
    /// Nothing listens on it (yet).
    NotListening,
}

/// Pure: the listening sockets in the text of `/proc/net/tcp` or `/proc/net/tcp6`.
/// Lines that do not parse are skipped.
pub fn parse(text: &str) -> Vec<Listener> {
    let mut out = Vec::new();
    for line in text.lines().skip(1) {
        let mut cols = line.split_whitespace();
        let (Some(_sl), Some(local), Some(_remote), Some(state)) =
            (cols.next(), cols.next(), cols.next(), cols.next())
        else {
            continue;
        };
        // 0A: TCP_LISTEN.
        if state != "0A" {
            continue;
        }
        let Some((addr, port)) = local.split_once(':') else {
            continue;
        };
        let (Some(ip), Ok(port)) = (parse_addr(addr), u16::from_str_radix(port, 16)) else {
            continue;
        };
        out.push(Listener { ip, port });
    }
    out
}

/// The kernel prints addresses as 32-bit words in host byte order (little-endian on every
/// platform Docker runs on in practice: x86-64, arm64).
fn parse_addr(hex: &str) -> Option<IpAddr> {
    let words: Option<Vec<u32>> = (0..hex.len() / 8)
        .map(|i| {
            hex.get(i * 8..i * 8 + 8)
                .and_then(|w| u32::from_str_radix(w, 16).ok())
        })
        .collect();
    let words = words?;
    match (hex.len(), words.as_slice()) {
        (8, [w]) => Some(IpAddr::V4(Ipv4Addr::from(w.to_le_bytes()))),
        (32, [a, b, c, d]) => {
            let mut bytes = [0u8; 16];
            for (i, w) in [a, b, c, d].iter().enumerate() {
                bytes[i * 4..i * 4 + 4].copy_from_slice(&w.to_le_bytes());
            }
            Some(IpAddr::V6(Ipv6Addr::from(bytes)))
        }
        _ => None,
    }
}

/// Loopback, including `::ffff:127.x.y.z`.
pub fn is_loopback(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

/// Pure: how `port` is served, given a container's listeners.
pub fn binding(listeners: &[Listener], port: u16) -> Binding {
    let on_port: Vec<IpAddr> = listeners
        .iter()
        .filter(|l| l.port == port)
        .map(|l| l.ip)
        .collect();
    if on_port.is_empty() {
        Binding::NotListening
    } else if on_port.iter().all(is_loopback) {
        let mut ips = on_port;
        ips.sort();
        ips.dedup();
        Binding::LoopbackOnly(ips)
    } else {
        Binding::Reachable
    }
}

/// Pure: does this `/proc/<pid>/cgroup` text place the process in container `id`?
pub fn cgroup_names_container(cgroup: &str, id: &str) -> bool {
    !id.is_empty() && cgroup.lines().any(|l| l.contains(id))
}

/// The listening TCP sockets of container `id` whose main process is `pid` on this machine,
/// or `None` when they cannot be read here (see the module docs).
pub fn read(id: &str, pid: i64) -> Option<Vec<Listener>> {
    if pid <= 0 {
        return None;
    }
    let cgroup = std::fs::read_to_string(format!("/proc/{pid}/cgroup")).ok()?;
    if !cgroup_names_container(&cgroup, id) {
        return None;
    }
    let mut out = parse(&std::fs::read_to_string(format!("/proc/{pid}/net/tcp")).ok()?);
    if let Ok(t6) = std::fs::read_to_string(format!("/proc/{pid}/net/tcp6")) {
        out.extend(parse(&t6));
    }
    Some(out)
}

/// Pure: the text for a port served on loopback only.
pub fn loopback_message(service: &str, port: u16, ips: &[IpAddr]) -> String {
    let addrs: Vec<String> = ips
        .iter()
        .map(|ip| match ip {
            IpAddr::V6(_) => format!("[{ip}]:{port}"),
            IpAddr::V4(_) => format!("{ip}:{port}"),
        })
        .collect();
    format!(
        "{service} listens on {} only, inside its container: its published port and the other \
         services cannot reach it (a probe of `localhost` still passes)",
        addrs.join(", ")
    )
}

/// Pure: the text for a published container port nothing listens on. `published`: how it
/// is published (`127.0.0.1:18380`), `others`: the TCP ports the container does listen on.
pub fn not_listening_message(
    service: &str,
    port: u16,
    published: Option<&str>,
    others: &[u16],
) -> String {
    let via = published.map_or(String::new(), |p| format!(" (published as {p})"));
    let hint = match others {
        [] => "nothing listens on any TCP port there".to_string(),
        ports => format!(
            "it listens on {}: publish that port or make the app listen on {port}",
            ports
                .iter()
                .map(u16::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    format!(
        "{service}: nothing listens on port {port} inside its container{via}, although the \
         compose file publishes it; {hint}"
    )
}

/// Pure: the ports the container listens on (not Docker's embedded DNS on 127.0.0.11),
/// sorted, without duplicates.
pub fn listening_ports(listeners: &[Listener]) -> Vec<u16> {
    let dns = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 11));
    let mut ports: Vec<u16> = listeners
        .iter()
        .filter(|l| l.ip != dns)
        .map(|l| l.port)
        .collect();
    ports.sort_unstable();
    ports.dedup();
    ports
}

/// Pure: the TCP port a health-check probe connects to, when its command names one: a URL
/// (`http://localhost:8080/health`; `http://host/` is 80, `https://host/` 443),
/// `localhost:8080` / `127.0.0.1 8080` (`nc -z`), `/dev/tcp/127.0.0.1/8080`, or a port option
/// (`-p 5432`, `--port 5432`, `--port=5432`). `test` is Compose's form
/// (`["CMD-SHELL", "…"]`, `["CMD", "prog", "arg", …]`).
pub fn probe_port(test: &[String]) -> Option<u16> {
    use std::sync::OnceLock;
    static RES: OnceLock<Option<[regex::Regex; 4]>> = OnceLock::new();
    let res = RES
        .get_or_init(|| {
            let url = regex::Regex::new(
                r"(?i)\b(https?|tcp|grpc)://(?:\[[0-9a-f:.]+\]|[a-z0-9_.-]+)(?::(\d{1,5}))?",
            );
            let host = regex::Regex::new(
                r"(?i)(?:^|[\s=@/])(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\]|::1)[: ](\d{1,5})\b",
            );
            let devtcp = regex::Regex::new(r"/dev/tcp/[^/\s]+/(\d{1,5})\b");
            let opt = regex::Regex::new(r"(?:^|\s)(?:-p|--port)(?:\s+|=)(\d{1,5})\b");
            match (url, host, devtcp, opt) {
                (Ok(a), Ok(b), Ok(c), Ok(d)) => Some([a, b, c, d]),
                _ => None,
            }
        })
        .as_ref()?;
    let cmd = match test.first().map(String::as_str) {
        Some("CMD" | "CMD-SHELL") => test[1..].join(" "),
        _ => test.join(" "),
    };
    if let Some(c) = res[0].captures(&cmd) {
        return match (c.get(2), c.get(1).map(|s| s.as_str().to_ascii_lowercase())) {
            (Some(p), _) => p.as_str().parse().ok(),
            (None, Some(s)) if s == "http" => Some(80),
            (None, Some(s)) if s == "https" => Some(443),
            _ => None,
        };
    }
    res[1..]
        .iter()
        .find_map(|re| re.captures(&cmd)?.get(1)?.as_str().parse().ok())
}

/// Pure: `:9090 (0.0.0.0)`, `:3000 (127.0.0.1 only)` — each listening port (Docker's embedded
/// DNS left out) with its addresses.
pub fn describe_ports(listeners: &[Listener]) -> String {
    listening_ports(listeners)
        .into_iter()
        .map(|port| {
            let mut ips: Vec<IpAddr> = listeners
                .iter()
                .filter(|l| l.port == port)
                .map(|l| l.ip)
                .collect();
            ips.sort();
            ips.dedup();
            let addrs: Vec<String> = ips.iter().map(IpAddr::to_string).collect();
            let only = if ips.iter().all(is_loopback) {
                " only"
            } else {
                ""
            };
            format!(":{port} ({}{only})", addrs.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Pure: when the probe targets `probe` and the app listens elsewhere (or nowhere), what to
/// say: `the probe targets :8080, but the app listens on :9090 (0.0.0.0)` and what to do.
/// `None` when the app listens on the probe's port (the port is not the problem).
pub fn probe_port_mismatch(probe: u16, listeners: &[Listener]) -> Option<String> {
    if binding(listeners, probe) != Binding::NotListening {
        return None;
    }
    let ports = listening_ports(listeners);
    Some(match ports.as_slice() {
        [] => format!(
            "the probe targets :{probe}, but nothing listens on any TCP port inside the \
             container: the app has not opened its port (see its log lines)"
        ),
        [one] => format!(
            "the probe targets :{probe}, but the app listens on {}: point the probe at port \
             {one} (`healthcheck.test`), or make the app listen on {probe}",
            describe_ports(listeners)
        ),
        _ => format!(
            "the probe targets :{probe}, but the app listens on {}: point the probe at the \
             app's port (`healthcheck.test`), or make the app listen on {probe}",
            describe_ports(listeners)
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(parts: &[&str]) -> Vec<String> {
        parts.iter().map(|s| (*s).to_string()).collect()
    }

    #[test]
    fn the_port_a_probe_targets() {
        for (test, want) in [
            (
                t(&[
                    "CMD-SHELL",
                    "wget -q --spider http://localhost:8080/health || exit 1",
                ]),
                Some(8080),
            ),
            (
                t(&["CMD", "curl", "-f", "http://127.0.0.1:3001/healthz"]),
                Some(3001),
            ),
            (
                t(&["CMD", "curl", "-f", "http://localhost/health"]),
                Some(80),
            ),
            (t(&["CMD", "curl", "-fk", "https://localhost/"]), Some(443)),
            (t(&["CMD-SHELL", "nc -z localhost 6379"]), Some(6379)),
            (
                t(&["CMD-SHELL", "echo > /dev/tcp/127.0.0.1/9000"]),
                Some(9000),
            ),
            (
                t(&["CMD", "pg_isready", "-U", "app", "-p", "5433"]),
                Some(5433),
            ),
            (t(&["CMD-SHELL", "redis-cli --port=6380 ping"]), Some(6380)),
            (
                t(&["CMD-SHELL", "mysqladmin ping -h localhost -psecret"]),
                None,
            ),
            (t(&["CMD", "true"]), None),
            (t(&[]), None),
        ] {
            assert_eq!(probe_port(&test), want, "{test:?}");
        }
    }

    #[test]
    fn probe_port_against_the_listeners() {
        let app = vec![
            l("0.0.0.0", 9090),
            l("127.0.0.11", 40000),
            l("127.0.0.1", 9091),
        ];
        assert_eq!(
            probe_port_mismatch(8080, &app).as_deref(),
            Some(
                "the probe targets :8080, but the app listens on :9090 (0.0.0.0), :9091 \
                 (127.0.0.1 only): point the probe at the app's port (`healthcheck.test`), or \
                 make the app listen on 8080"
            )
        );
        assert_eq!(
            probe_port_mismatch(8080, &[l("0.0.0.0", 9090)]).as_deref(),
            Some(
                "the probe targets :8080, but the app listens on :9090 (0.0.0.0): point the \
                 probe at port 9090 (`healthcheck.test`), or make the app listen on 8080"
            )
        );
        assert!(
            probe_port_mismatch(8080, &[])
                .is_some_and(|m| m.contains("nothing listens on any TCP port"))
        );
        assert_eq!(probe_port_mismatch(9090, &app), None);
        assert_eq!(probe_port_mismatch(9091, &app), None);
    }

    // Read off a real busybox `httpd -p 127.0.0.1:8080` container on this test bed, plus
    // Docker's embedded DNS (127.0.0.11) and an established connection.
    const TCP: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4999517 1 00000000a81f4a49 100 0 0 10 0
   1: 0B00007F:9FC5 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4998798 1 00000000ac453ea3 100 0 0 10 0
   2: 00000000:0BB9 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4998799 1 00000000ac453ea3 100 0 0 10 0
   3: 0200170A:0BB9 0300170A:D2F0 01 00000000:00000000 00:00000000 00000000     0        0 4998800 1 00000000ac453ea3 100 0 0 10 0
   4: garbage
";
    const TCP6: &str = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:1F91 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0
   1: 0000000000000000FFFF00000100007F:1F92 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1 0 100 0 0 10 0
   2: 00000000000000000000000000000000:1F93 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 3 1 0 100 0 0 10 0
";

    fn l(ip: &str, port: u16) -> Listener {
        Listener {
            ip: ip.parse().expect("ip"),
            port,
        }
    }

    #[test]
    fn parses_listening_sockets_only() {
        assert_eq!(
            parse(TCP),
            vec![
                l("127.0.0.1", 8080),
                l("127.0.0.11", 40901),
                l("0.0.0.0", 3001)
            ]
        );
        assert_eq!(
            parse(TCP6),
            vec![l("::1", 8081), l("::ffff:127.0.0.1", 8082), l("::", 8083)]
        );
        assert!(parse("").is_empty());
        assert!(parse("header\n 0: zz:zz 0:0 0A\n 1: 0100007F 0:0 0A\n").is_empty());
    }

    #[test]
    fn binding_of_a_port() {
        let mut all = parse(TCP);
        all.extend(parse(TCP6));
        assert_eq!(
            binding(&all, 8080),
            Binding::LoopbackOnly(vec!["127.0.0.1".parse().expect("ip")])
        );
        assert_eq!(
            binding(&all, 8081),
            Binding::LoopbackOnly(vec!["::1".parse().expect("ip")])
        );
        assert!(matches!(binding(&all, 8082), Binding::LoopbackOnly(_)));
        assert_eq!(binding(&all, 3001), Binding::Reachable);
        assert_eq!(binding(&all, 8083), Binding::Reachable);
        assert_eq!(binding(&all, 9999), Binding::NotListening);
        // Loopback and a wildcard on the same port: reachable.
        let both = vec![l("127.0.0.1", 80), l("0.0.0.0", 80)];
        assert_eq!(binding(&both, 80), Binding::Reachable);
    }

    #[test]
    fn not_listening_names_service_port_and_what_listens() {
        let ls = parse(TCP);
        assert_eq!(listening_ports(&ls), vec![3001, 8080]);
        assert_eq!(
            not_listening_message("api", 9090, Some("127.0.0.1:18380"), &listening_ports(&ls)),
            "api: nothing listens on port 9090 inside its container (published as \
             127.0.0.1:18380), although the compose file publishes it; it listens on 3001, \
             8080: publish that port or make the app listen on 9090"
        );
        assert!(not_listening_message("db", 5432, None, &[]).ends_with(
            "nothing listens on port 5432 inside its container, although the compose file \
             publishes it; nothing listens on any TCP port there"
        ));
    }

    #[test]
    fn cgroup_must_name_the_container() {
        let id = "6029abf59aceb51d3a86abbbb96729effc462b5ebac84f232a1a0a8c9fe117c0";
        let v1 = format!("4:memory:/docker/{id}\n0::/docker/{id}\n");
        let systemd = format!("0::/system.slice/docker-{id}.scope\n");
        assert!(cgroup_names_container(&v1, id));
        assert!(cgroup_names_container(&systemd, id));
        assert!(!cgroup_names_container("0::/\n", id));
        assert!(!cgroup_names_container(&v1, ""));
    }

    #[test]
    fn message_names_service_and_addresses() {
        let m = loopback_message(
            "backend-api",
            3001,
            &["127.0.0.1".parse().expect("ip"), "::1".parse().expect("ip")],
        );
        assert!(
            m.starts_with("backend-api listens on 127.0.0.1:3001, [::1]:3001 only"),
            "{m}"
        );
    }

    #[test]
    fn read_refuses_a_process_that_is_not_the_container() {
        // Our own process is not in any container's cgroup.
        assert_eq!(
            read("6029abf59aceb51d", i64::from(std::process::id())),
            None
        );
        assert_eq!(read("x", 0), None);
    }
}
