//! The report: JSON (the documented `devctl.doctor/v1` schema) and text for a terminal.

use std::path::Path;

use serde::Serialize;

use super::environment::EnvReport;
use super::{Finding, Severity, Skipped};

#[derive(Debug, Clone, Serialize)]
pub struct ProjectInfo {
    pub name: String,
    pub project_dir: String,
    pub files: Vec<String>,
    pub environment: Option<String>,
    pub protected: bool,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub error: usize,
    pub warning: usize,
    pub info: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema: &'static str,
    pub project: Option<ProjectInfo>,
    pub environment: EnvReport,
    pub skipped: Vec<Skipped>,
    pub findings: Vec<Finding>,
    pub summary: Summary,
}

impl Report {
    pub fn new(
        project: Option<ProjectInfo>,
        environment: EnvReport,
        skipped: Vec<Skipped>,
        findings: Vec<Finding>,
    ) -> Report {
        let mut summary = Summary::default();
        for f in &findings {
            match f.severity {
                Severity::Error => summary.error += 1,
                Severity::Warning => summary.warning += 1,
                Severity::Info => summary.info += 1,
            }
        }
        Report {
            schema: "devctl.doctor/v1",
            project,
            environment,
            skipped,
            findings,
            summary,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }

    /// Human-readable report. `cwd` shortens paths; `color` adds ANSI colours.
    pub fn to_text(&self, cwd: &Path, color: bool) -> String {
        let prefix = format!("{}/", cwd.display());
        let short = |s: &str| clean(s).replace(&prefix, "");
        let paint = |code: &str, s: &str| {
            if color {
                format!("\x1b[{code}m{s}\x1b[0m")
            } else {
                s.to_string()
            }
        };
        let mut o = String::new();
        match &self.project {
            Some(p) => {
                let files: Vec<String> = p.files.iter().map(|f| rel(cwd, f)).collect();
                o.push_str(&format!(
                    "devctl doctor: project `{}` ({}){}\n",
                    clean(&p.name),
                    clean(&files.join(" + ")),
                    p.environment
                        .as_deref()
                        .map(|e| format!(
                            ", environment `{}`{}",
                            clean(e),
                            if p.protected { " (protected)" } else { "" }
                        ))
                        .unwrap_or_default()
                ));
            }
            None => o.push_str("devctl doctor: the project did not load\n"),
        }
        let e = &self.environment;
        let engine = match e.engine.status.as_str() {
            "ok" => format!(
                "{} (API {}){}",
                e.engine.version.as_deref().unwrap_or("?"),
                e.engine.api_version.as_deref().unwrap_or("?"),
                e.engine
                    .host
                    .as_deref()
                    .map(|h| format!(" at {h}"))
                    .unwrap_or_default()
            ),
            "offline" => "not contacted (--offline)".to_string(),
            _ => format!(
                "unreachable: {}",
                e.engine.error.as_deref().unwrap_or("no answer")
            ),
        };
        let compose = match (&e.compose.version, &e.compose.command) {
            (Some(v), Some(c)) => format!("{v} ({c})"),
            _ => "missing".to_string(),
        };
        o.push_str(&format!("  Engine   {}\n", clean(&engine)));
        o.push_str(&format!("  Compose  {}\n", clean(&compose)));
        o.push_str(&format!(
            "  Context  {}\n\n",
            clean(e.context.as_deref().unwrap_or("?"))
        ));
        for f in &self.findings {
            let (code, label) = match f.severity {
                Severity::Error => ("1;31", "error  "),
                Severity::Warning => ("1;33", "warning"),
                Severity::Info => ("1;36", "info   "),
            };
            o.push_str(&format!(
                "{} {}\n",
                paint(code, label),
                paint("1", &clean(&f.id))
            ));
            let loc = match (&f.file, &f.key_path) {
                (Some(file), Some(k)) => format!("{}: {}", rel(cwd, file), k),
                (Some(file), None) => rel(cwd, file),
                (None, Some(k)) => k.clone(),
                (None, None) => String::new(),
            };
            if !loc.is_empty() {
                o.push_str(&format!("        at   {}\n", clean(&loc)));
            }
            o.push_str(&format!(
                "        {}\n",
                short(&f.message).replace('\n', "\n        ")
            ));
            if !f.why.is_empty() {
                o.push_str(&format!("        why  {}\n", short(&f.why)));
            }
            if !f.fix.is_empty() {
                let fix = short(&f.fix).replace('\n', "\n             ");
                o.push_str(&format!("        fix  {fix}\n"));
            }
        }
        // One line per reason, in the order the reasons first appear.
        let mut reasons: Vec<&str> = Vec::new();
        for s in &self.skipped {
            if !reasons.contains(&s.reason.as_str()) {
                reasons.push(&s.reason);
            }
        }
        if !reasons.is_empty() {
            o.push('\n');
        }
        for reason in reasons {
            let names: Vec<&str> = self
                .skipped
                .iter()
                .filter(|s| s.reason == reason)
                .map(|s| s.check.as_str())
                .collect();
            o.push_str(&format!(
                "skipped: {} — {}\n",
                clean(reason),
                names.join(", ")
            ));
        }
        let s = &self.summary;
        let line = format!(
            "{} error(s), {} warning(s), {} info",
            s.error, s.warning, s.info
        );
        o.push('\n');
        o.push_str(&if s.error > 0 {
            paint("1;31", &line)
        } else {
            paint("1;32", &line)
        });
        o.push('\n');
        o
    }
}

/// A path relative to `cwd` when it is below it.
fn rel(cwd: &Path, p: &str) -> String {
    Path::new(p)
        .strip_prefix(cwd)
        .map(|r| r.display().to_string())
        .unwrap_or_else(|_| p.to_string())
}

/// Neutralise terminal control sequences in text that comes from files or the Engine
/// (keeps newlines): [`crate::sanitize::sanitize_text`].
pub fn clean(s: &str) -> String {
    crate::sanitize::sanitize_text(s.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> Report {
        let f = Finding::new(
            "DATA-001-db-volume-not-external",
            Severity::Error,
            "volume `pg` holds data\x1b[2J",
        )
        .file(Some("/p/docker/docker-compose.yml"))
        .key("services.db.volumes[0]")
        .why("down -v deletes it")
        .fix("external: true");
        let mut env = EnvReport::default();
        env.engine.status = "unreachable".into();
        env.engine.error = Some("no socket".into());
        Report::new(
            Some(ProjectInfo {
                name: "docker".into(),
                project_dir: "/p/docker".into(),
                files: vec!["/p/docker/docker-compose.yml".into()],
                environment: Some("prod".into()),
                protected: true,
            }),
            env,
            vec![Skipped {
                check: "drift of running containers".into(),
                reason: "Engine unreachable".into(),
            }],
            vec![f],
        )
    }

    #[test]
    fn text_report() {
        let t = report().to_text(Path::new("/p"), false);
        assert!(
            t.contains(
                "project `docker` (docker/docker-compose.yml), environment `prod` (protected)"
            ),
            "{t}"
        );
        assert!(t.contains("error   DATA-001-db-volume-not-external"), "{t}");
        assert!(
            t.contains("at   docker/docker-compose.yml: services.db.volumes[0]"),
            "{t}"
        );
        assert!(!t.contains('\x1b'), "control sequences neutralised: {t:?}");
        assert!(
            t.contains("skipped: Engine unreachable — drift of running containers"),
            "{t}"
        );
        assert!(t.contains("1 error(s), 0 warning(s), 0 info"), "{t}");
        let c = report().to_text(Path::new("/p"), true);
        assert!(c.contains("\x1b[1;31merror  \x1b[0m"), "{c:?}");
    }

    #[test]
    fn json_report_follows_the_schema() {
        let v: serde_json::Value = serde_json::from_str(&report().to_json()).expect("valid JSON");
        assert_eq!(v["schema"], "devctl.doctor/v1");
        assert_eq!(v["summary"]["error"], 1);
        assert_eq!(v["findings"][0]["severity"], "error");
        assert_eq!(v["findings"][0]["key_path"], "services.db.volumes[0]");
        assert_eq!(v["environment"]["engine"]["status"], "unreachable");
        assert_eq!(v["skipped"][0]["reason"], "Engine unreachable");
        assert_eq!(v["project"]["protected"], true);
        for k in [
            "id", "severity", "file", "key_path", "message", "why", "fix",
        ] {
            assert!(v["findings"][0].get(k).is_some(), "finding has {k}");
        }
    }
}
