//! The text of a project command (`devctl.yaml` `commands:`), read for what the gate guards
//! (pure): a command line that is one Compose call goes through the gate like `devctl compose
//! -- …`; a destructive call inside a longer script (or `docker volume rm`, `docker system
//! prune --volumes`, `docker rm -v`) cannot be planned, so it is refused.

use super::classify::classify;

/// What the gate makes of a command text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextVerdict {
    /// Nothing that deletes volume data.
    Plain,
    /// Exactly one destructive Compose call: its Compose argv (for [`super::intercept`]).
    ComposeCall(Vec<String>),
    /// A destructive call devctl cannot plan (the words of that part).
    Unplannable(String),
}

const SEPARATORS: [&str; 6] = [";", "&&", "||", "|", "&", "\n"];

/// The words of `text` split into simple commands at `;`, `&&`, `||`, `|`, `&`.
fn segments(text: &str) -> Vec<Vec<String>> {
    let words =
        shlex::split(text).unwrap_or_else(|| text.split_whitespace().map(str::to_string).collect());
    let mut out = vec![Vec::new()];
    for w in words {
        if SEPARATORS.contains(&w.as_str()) {
            out.push(Vec::new());
            continue;
        }
        let (word, ends) = match w.strip_suffix(';') {
            Some(x) => (x.to_string(), true),
            None => (w, false),
        };
        if let Some(cur) = out.last_mut() {
            if !word.is_empty() {
                cur.push(word);
            }
        }
        if ends {
            out.push(Vec::new());
        }
    }
    out.retain(|s| !s.is_empty());
    out
}

/// The Compose argv of a simple command that runs Compose (`docker compose …`,
/// `docker-compose …`, `devctl compose -- …`, `devctl down …`, `devctl volume …`).
fn compose_argv(words: &[String]) -> Option<Vec<String>> {
    let mut w: &[String] = words;
    while let Some(first) = w.first() {
        if first.contains('=') && !first.starts_with('-')
            || ["sudo", "exec", "command"].contains(&first.as_str())
        {
            w = &w[1..];
        } else {
            break;
        }
    }
    let prog = w.first()?.rsplit('/').next().unwrap_or_default();
    match (prog, w.get(1).map(String::as_str)) {
        ("docker", Some("compose")) => Some(w[2..].to_vec()),
        ("docker-compose", _) => Some(w[1..].to_vec()),
        ("devctl", Some("compose")) => {
            let rest = &w[2..];
            Some(
                rest.strip_prefix(&["--".to_string()])
                    .unwrap_or(rest)
                    .to_vec(),
            )
        }
        ("devctl", Some("down" | "rm")) => Some(w[1..].to_vec()),
        ("devctl", Some("volume")) => Some(w[1..].to_vec()),
        _ => None,
    }
}

/// `docker volume rm|prune`, `docker system prune --volumes`, `docker rm -v`.
fn docker_deletes_volumes(words: &[String]) -> bool {
    let prog = words
        .first()
        .map(|p| p.rsplit('/').next().unwrap_or_default())
        .unwrap_or_default();
    if prog != "docker" {
        return false;
    }
    let rest: Vec<&str> = words[1..].iter().map(String::as_str).collect();
    let short_v = |w: &&str| w.starts_with('-') && !w.starts_with("--") && w.contains('v');
    match rest.as_slice() {
        ["volume", "rm" | "remove" | "prune", ..] => true,
        ["system", "prune", args @ ..] => args.contains(&"--volumes"),
        ["rm" | "container", ..] => {
            let args = if rest[0] == "container" {
                &rest[1..]
            } else {
                &rest[..]
            };
            matches!(args.first(), Some(&"rm") | Some(&"remove"))
                && args.iter().any(|a| *a == "--volumes" || short_v(a))
        }
        _ => false,
    }
}

/// Pure: what the gate makes of command `text`.
pub fn scan(text: &str) -> TextVerdict {
    let segs = segments(text);
    let mut bad = None;
    for s in &segs {
        let destructive = match compose_argv(s) {
            Some(argv) => classify(&argv).is_some(),
            None => docker_deletes_volumes(s),
        };
        if destructive {
            if segs.len() == 1 {
                if let Some(argv) = compose_argv(s) {
                    return TextVerdict::ComposeCall(argv);
                }
            }
            bad.get_or_insert_with(|| s.join(" "));
        }
    }
    bad.map_or(TextVerdict::Plain, TextVerdict::Unplannable)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn verdicts() {
        assert_eq!(scan("npm run migrate"), TextVerdict::Plain);
        assert_eq!(scan("docker compose ps"), TextVerdict::Plain);
        assert_eq!(
            scan("docker compose down -v"),
            TextVerdict::ComposeCall(v("down -v"))
        );
        assert_eq!(
            scan("docker-compose down --volumes"),
            TextVerdict::ComposeCall(v("down --volumes"))
        );
        assert_eq!(
            scan("devctl compose -- rm -fsv"),
            TextVerdict::ComposeCall(v("rm -fsv"))
        );
        assert_eq!(
            scan("docker compose down -v && ./seed.sh"),
            TextVerdict::Unplannable("docker compose down -v".into())
        );
        assert_eq!(
            scan("echo reset; docker volume rm shop_pgdata"),
            TextVerdict::Unplannable("docker volume rm shop_pgdata".into())
        );
        assert_eq!(
            scan("docker system prune -af --volumes"),
            TextVerdict::Unplannable("docker system prune -af --volumes".into())
        );
        assert_eq!(
            scan("docker rm -fv x"),
            TextVerdict::Unplannable("docker rm -fv x".into())
        );
        assert_eq!(scan("docker rm -f x"), TextVerdict::Plain);
        assert_eq!(scan("echo 'docker volume rm x'"), TextVerdict::Plain);
    }
}
