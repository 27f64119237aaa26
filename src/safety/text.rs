//! The text of a project command (`devctl.yaml` `commands:`), read for what the gate guards
//! (pure): a command line that is one Compose call goes through the gate like `devctl compose
//! -- …`; a destructive call inside a longer script (or `docker volume rm`, `docker system
//! prune --volumes`, `docker rm -v`) cannot be planned, so it is refused. A text that chooses
//! its own Engine endpoint (`DOCKER_HOST=…`, `unset DOCKER_HOST`, `docker -H …`, the Engine's
//! socket) would take the command around devctl's Engine guard: refused too. The commands of
//! `sh -c '…'` (and `bash`, `dash`, `zsh`, `eval`) are read as well.

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
    /// The text chooses its own Engine endpoint (what gave it away).
    OwnEndpoint(String),
}

/// Words that choose the Engine endpoint, or reach the Engine's socket, wherever they appear
/// in a command text (an assignment, `unset`, `env -u`, a path).
const ENDPOINT_WORDS: [&str; 6] = [
    "DOCKER_HOST",
    "DOCKER_CONTEXT",
    "DOCKER_TLS",
    "DOCKER_CERT_PATH",
    "docker.sock",
    "DOCKER_CONFIG",
];

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
        if let Some(cur) = out.last_mut()
            && !word.is_empty()
        {
            cur.push(word);
        }
        if ends {
            out.push(Vec::new());
        }
    }
    out.retain(|s| !s.is_empty());
    out
}

/// Programs that run the rest of their arguments as a command (`sudo docker …`,
/// `nice -n 5 docker …`, `xargs docker …`).
const WRAPPERS: [&str; 17] = [
    "sudo", "doas", "exec", "command", "builtin", "env", "nice", "nohup", "setsid", "time",
    "stdbuf", "ionice", "timeout", "xargs", "chrt", "taskset", "unbuffer",
];

/// The words of a simple command from its program on: leading `VAR=value` assignments and
/// wrappers ([`WRAPPERS`]) with their options are skipped.
fn command_words(words: &[String]) -> &[String] {
    let mut w: &[String] = words;
    let mut in_wrapper = false;
    while let Some(first) = w.first() {
        let word = first.as_str();
        let option_like = word.starts_with('-')
            || (in_wrapper
                && word
                    .trim_end_matches(|c: char| c.is_ascii_alphabetic())
                    .parse::<f64>()
                    .is_ok());
        if word.contains('=') && !word.starts_with('-') || (in_wrapper && option_like) {
            w = &w[1..];
        } else if WRAPPERS.contains(&program_name(word)) {
            in_wrapper = true;
            w = &w[1..];
        } else {
            break;
        }
    }
    w
}

fn program_name(word: &str) -> &str {
    word.rsplit('/').next().unwrap_or_default()
}

/// A program in the simple command that runs the rest with another environment — emptied
/// (`env -i`, `env -`, `exec -c`), reset (`sudo` without `-E`/`--preserve-env`, `doas`, `su
/// -`, `runuser -l`, `setpriv --reset-env`) or elsewhere (`ssh`, `systemd-run`): that drops
/// the guard's `DOCKER_HOST`. Wherever it stands.
fn clears_environment(words: &[String]) -> Option<String> {
    for (i, w) in words.iter().enumerate() {
        let prog = program_name(w);
        // Its options: every word that looks like one up to the next docker CLI (or the end):
        // an option's value (`env -C / -i`, `env -u FOO -i`) or a user name before `-l`
        // (`su root -l`) does not hide the ones after it.
        let next_docker = docker_positions(words)
            .find(|&d| d > i)
            .unwrap_or(words.len());
        let opts: Vec<&str> = words[i + 1..next_docker]
            .iter()
            .map(String::as_str)
            .filter(|o| o.starts_with('-'))
            .collect();
        let short = |c: char| {
            opts.iter()
                .any(|o| !o.starts_with("--") && o.len() > 1 && o[1..].contains(c))
        };
        let hit = match prog {
            "env" => {
                opts.iter()
                    .any(|o| *o == "-" || o.starts_with("--ignore-env"))
                    || short('i')
            }
            "exec" => short('c'),
            "sudo" => !(short('E') || opts.iter().any(|o| o.starts_with("--preserve-env"))),
            "doas" | "ssh" | "systemd-run" | "machinectl" | "pkexec" => true,
            "su" | "runuser" => opts.iter().any(|o| *o == "-" || *o == "--login") || short('l'),
            "setpriv" => opts.contains(&"--reset-env"),
            _ => false,
        };
        if hit {
            let shown: Vec<&str> = std::iter::once(w.as_str()).chain(opts).collect();
            return Some(shown.join(" "));
        }
    }
    None
}

fn program(words: &[String]) -> &str {
    words.first().map(|p| program_name(p)).unwrap_or_default()
}

/// The Compose argv of a simple command that runs Compose (`docker compose …`,
/// `docker-compose …`, `devctl compose -- …`, `devctl down …`, `devctl volume …`).
fn compose_argv(words: &[String]) -> Option<Vec<String>> {
    let w = command_words(words);
    match (program(w), w.get(1).map(String::as_str)) {
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
    // Wherever `docker` stands (after any wrapper: `timeout -s KILL 30 docker …`), after the
    // docker CLI's root flags (`--log-level error volume rm x`), read both ways.
    let sets: [&[crate::compose::grammar::pflag::Flag]; 1] =
        [crate::compose::grammar::pflag::DOCKER_ROOT];
    docker_positions(words).any(|i| {
        let args = &words[i + 1..];
        if program_name(&words[i]) == "docker-compose" {
            return classify(args).is_some();
        }
        [false, true].into_iter().any(|unknown_takes_value| {
            let from =
                crate::compose::grammar::pflag::leading_flags_end(args, &sets, unknown_takes_value);
            docker_subcommand_deletes(&args[from.min(args.len())..])
        })
    })
}

/// The indices of the words that run the docker CLI or Compose, wherever they stand.
fn docker_positions(words: &[String]) -> impl Iterator<Item = usize> + '_ {
    words
        .iter()
        .enumerate()
        .filter(|(_, w)| matches!(program_name(w), "docker" | "docker-compose"))
        .map(|(i, _)| i)
}

/// The docker CLI subcommand `rest` (from the subcommand on) deletes volume data.
fn docker_subcommand_deletes(rest: &[String]) -> bool {
    let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
    let short_v = |w: &&str| w.starts_with('-') && !w.starts_with("--") && w.contains('v');
    match rest.as_slice() {
        ["volume", "rm" | "remove" | "prune", ..] => true,
        ["system", "prune", args @ ..] => args.iter().any(|a| is_volumes_flag(a)),
        ["rm" | "container", ..] => {
            let args = if rest[0] == "container" {
                &rest[1..]
            } else {
                &rest[..]
            };
            matches!(args.first(), Some(&"rm") | Some(&"remove"))
                && args.iter().any(|a| is_volumes_flag(a) || short_v(a))
        }
        // `docker compose …` wherever it stands: the gate's own classification.
        ["compose", compose @ ..] => {
            let argv: Vec<String> = compose.iter().map(|a| a.to_string()).collect();
            classify(&argv).is_some()
        }
        _ => false,
    }
}

/// `--volumes`, or `--volumes=VALUE` with any value but a false one (fail closed).
fn is_volumes_flag(a: &str) -> bool {
    match a.strip_prefix("--volumes") {
        Some("") => true,
        Some(v) => v.strip_prefix('=').is_some_and(|v| {
            !matches!(v.to_ascii_lowercase().as_str(), "0" | "f" | "false" | "no")
        }),
        None => false,
    }
}

/// The endpoint a simple command chooses for itself: an endpoint root flag of the docker CLI
/// or Compose (`-H`, `--context`, `--tls…`).
fn own_endpoint_flag(words: &[String]) -> Option<String> {
    docker_positions(words).find_map(|i| {
        crate::compose::guarded::endpoint_flag(program_name(&words[i]), &words[i + 1..])
    })
}

/// The script a simple command hands to a shell (`sh -c SCRIPT`, `bash -lc SCRIPT`,
/// `eval WORDS…`), to be read as well.
fn inner_script(words: &[String]) -> Option<String> {
    let w = command_words(words);
    match program(w) {
        "sh" | "bash" | "dash" | "zsh" | "ash" | "busybox" => {
            let c = w
                .iter()
                .position(|a| a.starts_with('-') && !a.starts_with("--") && a.contains('c'))?;
            w.get(c + 1).cloned()
        }
        "eval" => Some(w[1..].join(" ")),
        _ => None,
    }
}

/// Pure: what the gate makes of command `text`.
pub fn scan(text: &str) -> TextVerdict {
    if let Some(word) = ENDPOINT_WORDS.iter().find(|w| text.contains(**w)) {
        return TextVerdict::OwnEndpoint((*word).to_string());
    }
    scan_depth(text, 0)
}

fn scan_depth(text: &str, depth: usize) -> TextVerdict {
    let segs = segments(text);
    let mut bad = None;
    for s in &segs {
        if let Some(flag) = own_endpoint_flag(s).or_else(|| clears_environment(s)) {
            return TextVerdict::OwnEndpoint(flag);
        }
        // A word holding a command line of its own, given to an option (`su -c '…'`, `env -S
        // '…'`, `script -qc '…'`), is read as a script too.
        let after_option = s
            .windows(2)
            .filter(|p| p[0].starts_with('-') && p[1].contains(char::is_whitespace))
            .map(|p| &p[1]);
        for word in after_option {
            if depth < 4 {
                match scan_depth(word, depth + 1) {
                    TextVerdict::OwnEndpoint(x) => return TextVerdict::OwnEndpoint(x),
                    TextVerdict::Unplannable(_) | TextVerdict::ComposeCall(_) => {
                        bad.get_or_insert_with(|| s.join(" "));
                    }
                    TextVerdict::Plain => {}
                }
            }
        }
        if let Some(inner) = inner_script(s) {
            // Bounded: a script nested deeper than this is refused, not read.
            match (depth < 4).then(|| scan_depth(&inner, depth + 1)) {
                None => return TextVerdict::Unplannable(s.join(" ")),
                Some(TextVerdict::Plain) => {}
                Some(TextVerdict::ComposeCall(_)) => {
                    bad.get_or_insert_with(|| s.join(" "));
                }
                Some(other) => return other,
            }
        }
        let destructive = match compose_argv(s) {
            Some(argv) => classify(&argv).is_some(),
            None => docker_deletes_volumes(s),
        };
        if destructive {
            if segs.len() == 1
                && let Some(argv) = compose_argv(s)
            {
                return TextVerdict::ComposeCall(argv);
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

    /// Found by the hostile review: env prefixes and docker root flags hid `volume rm`, and
    /// a text could choose its own Engine endpoint around the guard.
    #[test]
    fn prefixes_root_flags_and_own_endpoints() {
        let unplannable = |t: &str| matches!(scan(t), TextVerdict::Unplannable(_));
        let own = |t: &str| matches!(scan(t), TextVerdict::OwnEndpoint(_));
        for t in [
            "docker --log-level error volume rm x",
            "docker -l error volume rm x",
            "docker -D volume prune -f",
            "FOO=1 docker volume rm x",
            "env FOO=1 docker volume rm x",
            "nice -n 5 docker volume rm x",
            "xargs -0 docker volume rm",
            "sudo -E docker volume prune -f",
            "timeout -s KILL 30 docker volume rm x",
            "su -c 'docker volume rm x'",
            "./tool.sh docker rm --volumes=true x",
            "./tool.sh docker compose rm -sfv",
            "./tool.sh docker-compose down --volumes",
            "sh -c 'docker volume rm x'",
            "bash -lc \"echo hi; docker volume rm x\"",
            "eval docker volume rm x",
            "sh -c 'docker compose down -v'",
        ] {
            assert!(unplannable(t), "{t}: {:?}", scan(t));
        }
        for t in [
            "DOCKER_HOST=unix:///var/run/docker.sock docker volume rm x",
            "unset DOCKER_HOST; docker volume rm x",
            "env -u DOCKER_HOST docker volume ls",
            "docker --host unix:///x volume rm x",
            "docker -H unix:///x ps",
            "docker -DHunix:///x volume rm x",
            "docker --context prod ps",
            "docker compose -H unix:///x down -v",
            "sh -c 'docker -H unix:///x volume rm x'",
            "curl --unix-socket /var/run/docker.sock -X DELETE http://x/volumes/v",
            "export DOCKER_CONTEXT=prod && docker ps",
            "DOCKER_CONFIG=/tmp/c docker ps",
            // Found by the second hostile review: wrappers, and an emptied environment.
            "nice docker -H unix:///x volume rm v",
            "nice -n 5 docker --host unix:///x volume rm v",
            "timeout 10s docker -H unix:///x volume rm v",
            "xargs docker -H unix:///x volume rm",
            "env -i PATH=/usr/bin docker volume rm v",
            "env - PATH=/bin docker volume rm v",
            "setsid -w env -i docker volume rm v",
            "bash -c 'exec -c docker volume rm v'",
            // Found by the third hostile review.
            "timeout -s KILL 30 docker -H unix:///x volume rm v",
            "env -S 'docker -H unix:///x volume rm v'",
            "xargs -a names docker -H unix:///x volume rm",
            "busybox env -i docker volume rm v",
            "su - root -c 'docker volume rm v'",
            "setpriv --reset-env docker volume rm v",
            "runuser -l root -c 'docker volume ls'",
            "flock /tmp/lk docker -H unix:///x volume rm v",
            "script -qc 'docker -H unix:///x volume rm v' /dev/null",
            "sudo docker ps",
            "sudo docker --debug rm -fv c",
            // Found by the fourth hostile review: options before `-i`/`-l`.
            "env -C / -i docker volume rm v",
            "env -u FOO -i docker volume rm v",
            "nice -n 1 env -C / -i docker ps",
            "su root -l -c 'docker volume rm v'",
            "env -C . -i docker compose -p p down --volumes",
            "doas docker ps",
            "ssh localhost docker volume ls",
        ] {
            assert!(own(t), "{t}: {:?}", scan(t));
        }
        for t in [
            "docker ps",
            "docker --log-level error ps",
            "sh -c 'npm test'",
            "docker run --rm img sh -c 'rm -rf /tmp/x'",
            "docker compose exec api curl -H 'Accept: x' http://api",
            "nice -n 5 ./scripts/seed.sh",
            "env FOO=1 npm test",
            "timeout 30 docker compose ps",
            "sudo -E docker ps",
            "env FOO=1 docker run -i img",
            "docker rm --volumes=false x",
            "./tool.sh docker compose ps",
            "su -c 'npm test'",
            "echo 'two words'",
        ] {
            assert_eq!(scan(t), TextVerdict::Plain, "{t}");
        }
    }
}
