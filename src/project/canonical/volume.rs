//! Short volume syntax (`src:dst[:opts]`) → long syntax, as compose-go `format.ParseVolume`.

use crate::project::yaml::{Map, Node};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ShortVolume {
    pub kind: &'static str,
    pub source: String,
    pub target: String,
    pub read_only: bool,
    pub nocopy: bool,
    pub propagation: Option<String>,
    pub selinux: Option<String>,
}

fn is_windows_drive(buffer: &[char], c: char) -> bool {
    c == ':' && buffer.len() == 1 && buffer[0].is_ascii_alphabetic()
}

/// Parse a short volume spec. Errors read like compose-go's.
pub fn parse_volume(spec: &str) -> Result<ShortVolume, String> {
    let mut v = ShortVolume::default();
    let n = spec.chars().count();
    if n == 0 {
        return Err("invalid empty volume spec".into());
    }
    if n <= 2 {
        v.target = spec.to_string();
        v.kind = "volume";
        return Ok(v);
    }
    let mut buffer: Vec<char> = Vec::new();
    for c in spec.chars() {
        if is_windows_drive(&buffer, c) {
            buffer.push(c);
        } else if c == ':' {
            if let Err(e) = populate(&buffer, false, &mut v) {
                populate_type(&mut v);
                return Err(format!("invalid spec: {spec}: {e}"));
            }
            buffer.clear();
        } else {
            buffer.push(c);
        }
    }
    if let Err(e) = populate(&buffer, true, &mut v) {
        return Err(format!("invalid spec: {spec}: {e}"));
    }
    populate_type(&mut v);
    Ok(v)
}

fn populate(buffer: &[char], end: bool, v: &mut ShortVolume) -> Result<(), String> {
    let s: String = buffer.iter().collect();
    if buffer.is_empty() {
        return Err("empty section between colons".into());
    }
    if v.source.is_empty() && end {
        v.target = s;
        return Ok(());
    }
    if v.source.is_empty() {
        v.source = s;
        return Ok(());
    }
    if v.target.is_empty() {
        v.target = s;
        return Ok(());
    }
    if !end {
        return Err("too many colons".into());
    }
    for option in s.split(',') {
        match option {
            "ro" => v.read_only = true,
            "rw" => v.read_only = false,
            "nocopy" => v.nocopy = true,
            "rprivate" | "private" | "rshared" | "shared" | "rslave" | "slave" => {
                v.propagation = Some(option.to_string())
            }
            "z" | "Z" => v.selinux = Some(option.to_string()),
            _ => {}
        }
    }
    Ok(())
}

/// Is this volume source a host path (bind mount)?
pub fn is_file_path(source: &str) -> bool {
    let mut chars = source.chars();
    match chars.next() {
        None => false,
        Some('.') | Some('/') | Some('~') => true,
        Some(first) => {
            source.starts_with("\\\\") || (first.is_ascii_alphabetic() && chars.next() == Some(':'))
        }
    }
}

fn populate_type(v: &mut ShortVolume) {
    v.kind = if is_file_path(&v.source) {
        "bind"
    } else {
        "volume"
    };
}

/// `path.Clean` for slash paths.
pub fn clean_path(p: &str) -> String {
    if p.is_empty() {
        return String::new();
    }
    let rooted = p.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if out.last().is_some_and(|l| *l != "..") {
                    out.pop();
                } else if !rooted {
                    out.push("..");
                }
            }
            s => out.push(s),
        }
    }
    let joined = out.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

/// The long-syntax mapping Compose encodes for a short spec.
pub fn to_long(spec: &str) -> Result<Node, String> {
    let v = parse_volume(spec)?;
    let mut m = Map::new();
    m.insert("type".into(), Node::Str(v.kind.into()));
    if !v.source.is_empty() {
        m.insert("source".into(), Node::Str(v.source.clone()));
    }
    let target = clean_path(&v.target);
    if !target.is_empty() {
        m.insert("target".into(), Node::Str(target));
    }
    if v.read_only {
        m.insert("read_only".into(), Node::Bool(true));
    }
    if v.kind == "bind" {
        let mut b = Map::new();
        if let Some(p) = &v.propagation {
            b.insert("propagation".into(), Node::Str(p.clone()));
        }
        b.insert("create_host_path".into(), Node::Bool(true));
        if let Some(s) = &v.selinux {
            b.insert("selinux".into(), Node::Str(s.clone()));
        }
        m.insert("bind".into(), Node::Map(b));
    } else {
        let mut vol = Map::new();
        if v.nocopy {
            vol.insert("nocopy".into(), Node::Bool(true));
        }
        m.insert("volume".into(), Node::Map(vol));
        if v.propagation.is_some() || v.selinux.is_some() {
            let mut b = Map::new();
            if let Some(p) = &v.propagation {
                b.insert("propagation".into(), Node::Str(p.clone()));
            }
            if let Some(s) = &v.selinux {
                b.insert("selinux".into(), Node::Str(s.clone()));
            }
            m.insert("bind".into(), Node::Map(b));
        }
    }
    Ok(Node::Map(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_volume_table() {
        // spec, type, source, target, read_only
        let cases = [
            (
                "data:/var/lib/data",
                "volume",
                "data",
                "/var/lib/data",
                false,
            ),
            ("./src:/app:ro", "bind", "./src", "/app", true),
            ("/data", "volume", "", "/data", false),
            ("~/x:/x:rw", "bind", "~/x", "/x", false),
            ("C:\\x:/x", "bind", "C:\\x", "/x", false),
        ];
        for (spec, kind, source, target, ro) in cases {
            let v = parse_volume(spec).expect(spec);
            assert_eq!(
                (v.kind, v.source.as_str(), v.target.as_str(), v.read_only),
                (kind, source, target, ro),
                "{spec}"
            );
        }
        assert!(parse_volume("vol::/x").is_err());
        assert!(parse_volume("v1:/y1:ro:zz").is_err());
    }

    #[test]
    fn clean_path_table() {
        for (p, want) in [
            ("/data/", "/data"),
            ("/a/./b/../c", "/a/c"),
            ("a/..", "."),
            ("/..", "/"),
        ] {
            assert_eq!(clean_path(p), want, "{p}");
        }
    }
}
