//! Just enough of a Dockerfile reader to know, for the stage a service builds: its root base
//! image, the packages its `RUN` lines install, its last `USER` and its `HEALTHCHECK`.

use std::collections::BTreeSet;

/// One instruction, continuation lines joined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instr {
    /// Upper-case keyword (`FROM`, `RUN`, …).
    pub keyword: String,
    pub args: String,
    /// 1-based line where the instruction starts.
    pub line: usize,
}

/// One build stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    pub from: String,
    pub name: Option<String>,
    pub line: usize,
    pub instrs: Vec<Instr>,
}

/// Split Dockerfile text into stages.
pub fn parse(text: &str) -> Vec<Stage> {
    let mut stages: Vec<Stage> = Vec::new();
    for ins in instructions(text) {
        if ins.keyword == "FROM" {
            let words: Vec<&str> = ins
                .args
                .split_whitespace()
                .filter(|w| !w.starts_with("--"))
                .collect();
            let from = words.first().map(|s| s.to_string()).unwrap_or_default();
            let name = match words.as_slice() {
                [_, as_kw, name, ..] if as_kw.eq_ignore_ascii_case("as") => {
                    Some(name.to_ascii_lowercase())
                }
                _ => None,
            };
            stages.push(Stage {
                from,
                name,
                line: ins.line,
                instrs: Vec::new(),
            });
        } else if let Some(s) = stages.last_mut() {
            s.instrs.push(ins);
        }
    }
    stages
}

fn instructions(text: &str) -> Vec<Instr> {
    let mut out = Vec::new();
    let mut cur: Option<(usize, String)> = None;
    for (i, raw) in text.lines().enumerate() {
        let trimmed = raw.trim();
        if trimmed.starts_with('#') {
            continue;
        }
        if cur.is_none() && trimmed.is_empty() {
            continue;
        }
        let (cont, body) = match trimmed.strip_suffix('\\') {
            Some(b) => (true, b),
            None => (false, trimmed),
        };
        match &mut cur {
            Some((_, acc)) => {
                acc.push(' ');
                acc.push_str(body.trim());
            }
            None => cur = Some((i + 1, body.to_string())),
        }
        if !cont && let Some((line, acc)) = cur.take() {
            let acc = acc.trim().to_string();
            let (kw, args) = acc
                .split_once(char::is_whitespace)
                .unwrap_or((acc.as_str(), ""));
            out.push(Instr {
                keyword: kw.to_ascii_uppercase(),
                args: args.trim().to_string(),
                line,
            });
        }
    }
    out
}

/// A `HEALTHCHECK` instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HealthSpec {
    /// `HEALTHCHECK NONE`.
    Disabled,
    /// `HEALTHCHECK [opts] CMD …`: the test in Compose's form (`["CMD", …]` for exec form,
    /// `["CMD-SHELL", "…"]` for shell form).
    Test {
        test: Vec<String>,
        start_period: bool,
        line: usize,
    },
}

/// What the target stage amounts to.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StageFacts {
    /// The external image at the root of the `FROM` chain.
    pub base: String,
    /// Names of all stages in the file.
    pub stage_names: Vec<String>,
    /// Packages installed by `RUN` in the chain.
    pub packages: BTreeSet<String>,
    /// Last `USER` in the chain (None: not set, i.e. the base image's user).
    pub user: Option<String>,
    /// Last `HEALTHCHECK` in the chain.
    pub healthcheck: Option<HealthSpec>,
}

/// Facts for `target` (or the last stage). `Err` names the missing target.
pub fn facts(stages: &[Stage], target: Option<&str>) -> Result<StageFacts, String> {
    let stage_names: Vec<String> = stages.iter().filter_map(|s| s.name.clone()).collect();
    let idx = match target {
        Some(t) => stages
            .iter()
            .position(|s| s.name.as_deref() == Some(&t.to_ascii_lowercase()))
            .ok_or_else(|| t.to_string())?,
        None => match stages.len() {
            0 => return Ok(StageFacts::default()),
            n => n - 1,
        },
    };
    // Walk the chain from the target back to an external image.
    let mut chain = vec![idx];
    let mut cur = idx;
    while let Some(prev) = stages[..cur]
        .iter()
        .rposition(|s| s.name.as_deref() == Some(&stages[cur].from.to_ascii_lowercase()))
    {
        if chain.contains(&prev) {
            break;
        }
        chain.push(prev);
        cur = prev;
    }
    chain.reverse();
    let mut f = StageFacts {
        base: stages[chain[0]].from.clone(),
        stage_names,
        ..Default::default()
    };
    for &i in &chain {
        for ins in &stages[i].instrs {
            match ins.keyword.as_str() {
                "RUN" => f.packages.extend(installed_packages(&ins.args)),
                "USER" => f.user = Some(ins.args.trim().to_string()),
                "HEALTHCHECK" => f.healthcheck = Some(healthcheck(&ins.args, ins.line)),
                _ => {}
            }
        }
    }
    Ok(f)
}

fn healthcheck(args: &str, line: usize) -> HealthSpec {
    let words: Vec<&str> = args.split_whitespace().collect();
    if words
        .first()
        .is_some_and(|w| w.eq_ignore_ascii_case("none"))
    {
        return HealthSpec::Disabled;
    }
    let start_period = words.iter().any(|w| w.starts_with("--start-period"));
    let cmd_at = args.match_indices(['C', 'c']).map(|(i, _)| i).find(|&i| {
        args[i..].len() >= 3
            && args[i..i + 3].eq_ignore_ascii_case("cmd")
            && (i == 0 || args[..i].ends_with(char::is_whitespace))
            && args[i + 3..].starts_with(char::is_whitespace)
    });
    let cmd = cmd_at.map(|i| args[i + 3..].trim()).unwrap_or("");
    let test = if cmd.starts_with('[') {
        match serde_json::from_str::<Vec<String>>(cmd) {
            Ok(v) => std::iter::once("CMD".to_string()).chain(v).collect(),
            Err(_) => vec!["CMD-SHELL".to_string(), cmd.to_string()],
        }
    } else {
        vec!["CMD-SHELL".to_string(), cmd.to_string()]
    };
    HealthSpec::Test {
        test,
        start_period,
        line,
    }
}

/// Packages named by `apk add`, `apt-get install`, `apt install`, `yum/dnf/microdnf install`.
pub fn installed_packages(run: &str) -> Vec<String> {
    let mut out = Vec::new();
    for cmd in run.split(['&', ';', '|']) {
        let words: Vec<&str> = cmd.split_whitespace().collect();
        let verb_at = words
            .iter()
            .position(|w| matches!(*w, "apk" | "apt-get" | "apt" | "yum" | "dnf" | "microdnf"));
        let Some(v) = verb_at else { continue };
        let sub = if words[v] == "apk" { "add" } else { "install" };
        let Some(s) = words[v + 1..].iter().position(|w| *w == sub) else {
            continue;
        };
        out.extend(
            words[v + 1 + s + 1..]
                .iter()
                .filter(|w| !w.starts_with('-') && !w.starts_with('$'))
                .map(|w| w.trim_matches(['"', '\'']).to_string()),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const MULTI: &str = "# syntax\nFROM node:24-alpine AS base\nWORKDIR /app\nRUN corepack enable\n\nFROM base AS deps\nRUN apk add --no-cache curl \\\n    sqlite && \\\n    echo ok\n\nFROM base AS production\nUSER antone\nHEALTHCHECK --interval=30s --start-period=5s \\\n  CMD curl -f http://localhost:3001/health || exit 1\nCMD [\"node\"]\n";

    #[test]
    fn stages_and_chain() {
        let st = parse(MULTI);
        assert_eq!(st.len(), 3);
        assert_eq!(st[1].name.as_deref(), Some("deps"));
        let f = facts(&st, Some("production")).expect("target exists");
        assert_eq!(f.base, "node:24-alpine");
        assert_eq!(f.user.as_deref(), Some("antone"));
        assert!(f.packages.is_empty(), "deps is not in production's chain");
        assert_eq!(
            f.healthcheck,
            Some(HealthSpec::Test {
                test: vec![
                    "CMD-SHELL".into(),
                    "curl -f http://localhost:3001/health || exit 1".into()
                ],
                start_period: true,
                line: 13
            })
        );
        let d = facts(&st, Some("deps")).expect("deps");
        assert!(d.packages.contains("curl") && d.packages.contains("sqlite"));
        assert_eq!(
            facts(&st, Some("development")),
            Err("development".to_string())
        );
        assert_eq!(f.stage_names, vec!["base", "deps", "production"]);
    }

    #[test]
    fn healthcheck_forms() {
        let st = parse("FROM x\nHEALTHCHECK CMD [\"wget\", \"-q\", \"$URL\"]\n");
        let f = facts(&st, None).expect("last stage");
        assert_eq!(
            f.healthcheck,
            Some(HealthSpec::Test {
                test: vec!["CMD".into(), "wget".into(), "-q".into(), "$URL".into()],
                start_period: false,
                line: 2
            })
        );
        let st = parse("FROM x\nHEALTHCHECK NONE\n");
        assert_eq!(
            facts(&st, None).expect("ok").healthcheck,
            Some(HealthSpec::Disabled)
        );
        assert_eq!(facts(&[], None).expect("empty"), StageFacts::default());
    }

    #[test]
    fn packages_table() {
        let cases = [
            ("apk add --no-cache curl", vec!["curl"]),
            (
                "apt-get update && apt-get install -y --no-install-recommends wget ca-certificates && rm -rf /x",
                vec!["wget", "ca-certificates"],
            ),
            (
                "apk upgrade --no-cache && apk add --no-cache dumb-init",
                vec!["dumb-init"],
            ),
            ("npm ci", vec![]),
            ("apk --no-cache add bash", vec!["bash"]),
        ];
        for (run, want) in cases {
            assert_eq!(installed_packages(run), want, "{run}");
        }
    }
}
