//! Short port syntax (`[ip:][host:]container[/proto]`, ranges) → long syntax, as compose-go
//! `types.ParsePortConfig` over go-connections `nat.ParsePortSpecs`.

use crate::project::yaml::{Map, Node};

fn parse_range(s: &str) -> Result<(u32, u32), String> {
    let bad = || format!("invalid port range: {s}");
    match s.split_once('-') {
        None => {
            let p: u32 = s.parse().map_err(|_| format!("invalid port: {s}"))?;
            if p > 65535 {
                return Err(format!("invalid port: {s}"));
            }
            Ok((p, p))
        }
        Some((a, b)) => {
            let a: u32 = a.parse().map_err(|_| bad())?;
            let b: u32 = b.parse().map_err(|_| bad())?;
            if b < a || b > 65535 {
                return Err(bad());
            }
            Ok((a, b))
        }
    }
}

/// One long-syntax port.
#[derive(Debug, Clone, PartialEq)]
pub struct LongPort {
    pub host_ip: String,
    pub target: u32,
    pub published: String,
    pub protocol: String,
}

/// Parse one short port spec into its long entries (ranges give several).
pub fn parse_port(spec: &str) -> Result<Vec<LongPort>, String> {
    let (raw, proto) = match spec.split_once('/') {
        Some((r, p)) if !p.is_empty() => (r, p.to_lowercase()),
        Some((r, _)) => (r, "tcp".to_string()),
        None => (spec, "tcp".to_string()),
    };
    if raw.is_empty() {
        return Err(format!("no port specified: {spec}<empty>"));
    }
    if !matches!(proto.as_str(), "tcp" | "udp" | "sctp") {
        return Err(format!("invalid proto: {proto}"));
    }
    let parts: Vec<&str> = raw.split(':').collect();
    let n = parts.len();
    let container = parts[n - 1];
    let (mut ip, host) = match n {
        1 => (String::new(), ""),
        2 => (String::new(), parts[0]),
        3 => (parts[0].to_string(), parts[1]),
        _ => (parts[..n - 2].join(":"), parts[n - 2]),
    };
    if ip.starts_with('[') && ip.ends_with(']') && ip.len() >= 2 {
        ip = ip[1..ip.len() - 1].to_string();
    }
    if !ip.is_empty() && ip.parse::<std::net::IpAddr>().is_err() {
        return Err(format!("invalid IP address: {ip}"));
    }
    if container.is_empty() {
        return Err(format!("no port specified: {spec}<empty>"));
    }
    let (start, end) =
        parse_range(container).map_err(|_| format!("invalid containerPort: {container}"))?;
    let (hstart, hend) = if host.is_empty() {
        (0, 0)
    } else {
        parse_range(host).map_err(|_| format!("invalid hostPort: {host}"))?
    };
    if !host.is_empty() && (end - start) != (hend - hstart) && end != start {
        return Err(format!(
            "invalid ranges specified for container and host Ports: {container} and {host}"
        ));
    }
    let mut out = Vec::new();
    for i in 0..=(end - start) {
        let published = if host.is_empty() {
            String::new()
        } else if (end - start) == (hend - hstart) {
            (hstart + i).to_string()
        } else {
            format!("{hstart}-{hend}")
        };
        out.push(LongPort {
            host_ip: ip.clone(),
            target: start + i,
            published,
            protocol: proto.clone(),
        });
    }
    // nat.ParsePortSpecs returns a map keyed by "port/proto"; compose sorts those keys as
    // strings.
    out.sort_by_key(|p| format!("{}/{}", p.target, p.protocol));
    Ok(out)
}

impl LongPort {
    pub fn to_node(&self) -> Node {
        let mut m = Map::new();
        m.insert("mode".into(), Node::Str("ingress".into()));
        if !self.host_ip.is_empty() {
            m.insert("host_ip".into(), Node::Str(self.host_ip.clone()));
        }
        m.insert("target".into(), Node::Int(i64::from(self.target)));
        if !self.published.is_empty() {
            m.insert("published".into(), Node::Str(self.published.clone()));
        }
        m.insert("protocol".into(), Node::Str(self.protocol.clone()));
        Node::Map(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(spec: &str) -> (String, u32, String, String) {
        let p = parse_port(spec).expect(spec);
        assert_eq!(p.len(), 1, "{spec}");
        let p = &p[0];
        (
            p.host_ip.clone(),
            p.target,
            p.published.clone(),
            p.protocol.clone(),
        )
    }

    #[test]
    fn port_table() {
        let s = |x: &str| x.to_string();
        assert_eq!(one("80"), (s(""), 80, s(""), s("tcp")));
        assert_eq!(one("8080:80"), (s(""), 80, s("8080"), s("tcp")));
        assert_eq!(
            one("127.0.0.1:9000:9000/udp"),
            (s("127.0.0.1"), 9000, s("9000"), s("udp"))
        );
        assert_eq!(one("127.0.0.1::80"), (s("127.0.0.1"), 80, s(""), s("tcp")));
        assert_eq!(one("[::1]:80:80"), (s("::1"), 80, s("80"), s("tcp")));
        assert_eq!(one("8000-8010:80"), (s(""), 80, s("8000-8010"), s("tcp")));
        let r = parse_port("8000-8001:80-81").expect("range");
        assert_eq!(r.len(), 2);
        assert_eq!(r[1].published, "8001");
        assert!(parse_port("a:b").is_err());
        assert!(parse_port("80-81:90-93").is_err());
        assert!(parse_port("1.2.3:80:80").is_err());
    }
}
