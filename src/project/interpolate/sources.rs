//! Where the values of `${VAR}` come from, for messages: the env files devctl read (and how
//! they were chosen: the project's `.env`, `--env-file`, `COMPOSE_ENV_FILES`), the process
//! environment, or nowhere. Used by the hint of a `${VAR:?}` error (which file to edit) and by
//! `devctl config --explain` (which variable, set where).
//!
//! Discovery ([`crate::project::discover`]) records the files it read, not why; the reason is
//! told back from the files themselves: discovery reads only files named `.env` on its own,
//! so another name was given with `--env-file` (or listed in `COMPOSE_ENV_FILES`).

use std::path::{Path, PathBuf};

use super::Env;

/// How the env files were chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// devctl found them: the project's `.env` (and the current directory's).
    Default,
    /// `--env-file`.
    EnvFileFlag,
    /// `COMPOSE_ENV_FILES`.
    ComposeEnvFiles,
}

impl Via {
    /// `default`, `--env-file`, `COMPOSE_ENV_FILES` (for JSON).
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Default => "default",
            Via::EnvFileFlag => "--env-file",
            Via::ComposeEnvFiles => "COMPOSE_ENV_FILES",
        }
    }

    /// " (given with --env-file)" and the like; empty for the default.
    fn note(self) -> &'static str {
        match self {
            Via::Default => "",
            Via::EnvFileFlag => " (given with --env-file)",
            Via::ComposeEnvFiles => " (listed in COMPOSE_ENV_FILES)",
        }
    }
}

/// The env files of a project and how they were chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvSources {
    /// The env files read, in the order read (absolute).
    pub files: Vec<PathBuf>,
    pub via: Via,
    /// `<project dir>/.env`: the file to create or edit when none was given.
    pub project_env: PathBuf,
    /// `COMPOSE_DISABLE_ENV_FILE` is set: no `.env` is read.
    pub disabled: bool,
}

/// Where one variable's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The environment devctl runs in.
    Process,
    /// An env file, at this line (when found).
    File {
        path: PathBuf,
        line: Option<usize>,
        via: Via,
    },
    /// Set by devctl/Compose itself (`COMPOSE_PROJECT_NAME`, `PWD`).
    Builtin,
    /// Not set anywhere.
    Unset,
}

impl Source {
    /// `the environment`, `/p/.env:3`, `/p/prod.env:1 (given with --env-file)`, `not set`.
    pub fn describe(&self) -> String {
        match self {
            Source::Process => "the environment devctl runs in".into(),
            Source::File { path, line, via } => format!(
                "{}{}{}",
                path.display(),
                line.map_or(String::new(), |l| format!(":{l}")),
                via.note()
            ),
            Source::Builtin => "set by devctl (as Compose does)".into(),
            Source::Unset => "not set".into(),
        }
    }
}

fn truthy(v: Option<&String>) -> bool {
    matches!(
        v.map(String::as_str),
        Some("1" | "t" | "T" | "TRUE" | "true" | "True")
    )
}

impl EnvSources {
    /// From discovery's answer: the files it read, the project directory, the environment.
    pub fn new(files: &[PathBuf], project_dir: &Path, env: &Env) -> Self {
        let named_env = |p: &PathBuf| p.file_name().is_some_and(|n| n == ".env");
        let listed = env
            .get("COMPOSE_ENV_FILES")
            .is_some_and(|v| !v.trim().is_empty());
        let via = if files.is_empty() || (files.iter().all(named_env) && !listed) {
            Via::Default
        } else if listed {
            Via::ComposeEnvFiles
        } else {
            Via::EnvFileFlag
        };
        EnvSources {
            files: files.to_vec(),
            via,
            project_env: project_dir.join(".env"),
            disabled: truthy(env.get("COMPOSE_DISABLE_ENV_FILE")),
        }
    }

    /// The file that sets `var` and its line, in Compose's order of precedence: `--env-file`
    /// files, the last one wins; devctl's own, the first one (the working directory's) wins.
    pub fn file_setting(&self, var: &str) -> Option<(PathBuf, Option<usize>)> {
        let mut texts = self.files.iter().filter_map(|p| {
            let text = crate::project::read::text_lossy_opt(p)?;
            line_of(&text, var).map(|l| (p.clone(), Some(l)))
        });
        match self.via {
            Via::Default => texts.next(),
            _ => texts.next_back(),
        }
    }

    /// Where `var` came from. `process`: the environment devctl runs in, when known.
    pub fn source_of(&self, var: &str, process: Option<&Env>, env: &Env) -> Source {
        if process.is_some_and(|p| p.contains_key(var)) {
            return Source::Process;
        }
        if let Some((path, line)) = self.file_setting(var) {
            return Source::File {
                path,
                line,
                via: self.via,
            };
        }
        match (process, env.contains_key(var)) {
            _ if var == "COMPOSE_PROJECT_NAME" => Source::Builtin,
            (None, true) => Source::Process,
            (Some(_), true) if var == "PWD" => Source::Builtin,
            (Some(_), true) => Source::Process,
            (_, false) => Source::Unset,
        }
    }

    /// What to do about `${var:?}` failing: the exact file to edit (or why none is read).
    pub fn required_hint(&self, var: &str, env: &Env) -> String {
        let export = format!("export {var}=… before running devctl");
        if env.get(var).is_some_and(String::is_empty) {
            return match self.file_setting(var) {
                Some((path, line)) => format!(
                    "{var} is empty at {}{}{}: give it a value there, or {export}",
                    path.display(),
                    line.map_or(String::new(), |l| format!(":{l}")),
                    self.via.note()
                ),
                None => format!(
                    "{var} is set but empty in the environment devctl runs in: give it a value, \
                     or unset it and add `{var}=…` to {}",
                    self.target().display()
                ),
            };
        }
        if self.files.is_empty() {
            if self.disabled {
                return format!(
                    "COMPOSE_DISABLE_ENV_FILE is set, so no .env file is read: {export}, or \
                     pass the file with --env-file FILE"
                );
            }
            let mut hint = format!(
                "add `{var}=…` to {} (the project's .env, which does not exist yet), or {export}",
                self.project_env.display()
            );
            if let Some(example) = self.example_listing(var) {
                hint.push_str(&format!(
                    "; {} lists it: `cp {} {}` and fill in the values",
                    example.display(),
                    example.display(),
                    self.project_env.display()
                ));
            }
            return hint;
        }
        let target = self.target();
        let read = if self.files.len() > 1 && self.via != Via::Default {
            format!(
                "one of the files read{}: {}",
                self.via.note(),
                self.files
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        } else {
            match self.via {
                Via::Default => "read by devctl".to_string(),
                via => via.note().trim().trim_matches(['(', ')']).to_string(),
            }
        };
        format!(
            "add `{var}=…` to {} ({read}; it does not set {var}), or {export}",
            target.display()
        )
    }

    /// The file to edit: the last `--env-file`, else the project's `.env`, else the first read.
    fn target(&self) -> PathBuf {
        match self.via {
            Via::Default => self
                .files
                .iter()
                .find(|p| **p == self.project_env)
                .or(self.files.first())
                .cloned()
                .unwrap_or_else(|| self.project_env.clone()),
            _ => self
                .files
                .last()
                .cloned()
                .unwrap_or_else(|| self.project_env.clone()),
        }
    }

    /// A `.env.example` (or `.sample`/`.template`) beside the project's `.env` or one folder
    /// up (compose files in `docker/`, the template at the repository root) that lists `var`.
    fn example_listing(&self, var: &str) -> Option<PathBuf> {
        let dir = self.project_env.parent()?;
        let dirs = [Some(dir), dir.parent()];
        dirs.into_iter()
            .flatten()
            .flat_map(|d| {
                [".env.example", ".env.sample", ".env.template"]
                    .into_iter()
                    .map(move |n| d.join(n))
            })
            .find(|p| {
                crate::project::read::text_lossy_opt(p).is_some_and(|t| line_of(&t, var).is_some())
            })
    }
}

/// The line (1-based) of the last assignment of `var` in `.env` text (`VAR=`, `export VAR=`,
/// `VAR:`, spaces allowed before `=`).
pub fn line_of(text: &str, var: &str) -> Option<usize> {
    let mut found = None;
    for (i, line) in text.lines().enumerate() {
        let l = line.trim_start_matches('\u{feff}').trim_start();
        let l = l
            .strip_prefix("export")
            .filter(|r| r.starts_with([' ', '\t']))
            .map_or(l, str::trim_start);
        if let Some(rest) = l.strip_prefix(var)
            && rest.trim_start().starts_with(['=', ':'])
        {
            found = Some(i + 1);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Env {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect()
    }

    #[test]
    fn lines_of_assignments() {
        let t = "# c\nA=1\nexport B = 2\nAB=3\nC: 4\nA=5\nexported=6\n";
        assert_eq!(line_of(t, "A"), Some(6));
        assert_eq!(line_of(t, "B"), Some(3));
        assert_eq!(line_of(t, "C"), Some(5));
        assert_eq!(line_of(t, "D"), None);
        assert_eq!(line_of(t, "exported"), Some(7));
    }

    #[test]
    fn how_the_files_were_chosen() {
        let dir = Path::new("/p/docker");
        let e = env(&[]);
        assert_eq!(EnvSources::new(&[], dir, &e).via, Via::Default);
        assert_eq!(
            EnvSources::new(&[dir.join(".env")], dir, &e).via,
            Via::Default
        );
        assert_eq!(
            EnvSources::new(&[PathBuf::from("/p/prod.env")], dir, &e).via,
            Via::EnvFileFlag
        );
        let listed = env(&[("COMPOSE_ENV_FILES", "/p/a.env")]);
        assert_eq!(
            EnvSources::new(&[PathBuf::from("/p/a.env")], dir, &listed).via,
            Via::ComposeEnvFiles
        );
        let off = env(&[("COMPOSE_DISABLE_ENV_FILE", "true")]);
        assert!(EnvSources::new(&[], dir, &off).disabled);
    }

    #[test]
    fn required_hint_names_the_file_to_edit() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path();
        let docker = root.join("docker");
        std::fs::create_dir_all(&docker).expect("mkdir");
        std::fs::write(root.join(".env.example"), "DB_PASSWORD=\n").expect("write");
        let project_env = docker.join(".env");

        // No .env at all: the project's .env by its path, and the template beside it.
        let none = EnvSources::new(&[], &docker, &env(&[]));
        let h = none.required_hint("DB_PASSWORD", &env(&[]));
        assert_eq!(
            h,
            format!(
                "add `DB_PASSWORD=…` to {} (the project's .env, which does not exist yet), or \
                 export DB_PASSWORD=… before running devctl; {ex} lists it: `cp {ex} {}` and \
                 fill in the values",
                project_env.display(),
                project_env.display(),
                ex = root.join(".env.example").display()
            )
        );

        // The .env exists but sets it empty: that line.
        std::fs::write(&project_env, "A=1\nDB_PASSWORD=\n").expect("write");
        let read = EnvSources::new(std::slice::from_ref(&project_env), &docker, &env(&[]));
        let h = read.required_hint("DB_PASSWORD", &env(&[("DB_PASSWORD", "")]));
        assert!(
            h.starts_with(&format!(
                "DB_PASSWORD is empty at {}:2: give it a value there",
                project_env.display()
            )),
            "{h}"
        );
        // … or does not set it.
        let h = read.required_hint("OTHER", &env(&[]));
        assert!(
            h.starts_with(&format!(
                "add `OTHER=…` to {} (read by devctl; it does not set OTHER)",
                project_env.display()
            )),
            "{h}"
        );

        // --env-file: that file, and said so.
        let prod = root.join("prod.env");
        std::fs::write(&prod, "A=1\n").expect("write");
        let flag = EnvSources::new(std::slice::from_ref(&prod), &docker, &env(&[]));
        let h = flag.required_hint("DB_PASSWORD", &env(&[]));
        assert!(
            h.starts_with(&format!(
                "add `DB_PASSWORD=…` to {} (given with --env-file; it does not set DB_PASSWORD)",
                prod.display()
            )),
            "{h}"
        );

        let off = EnvSources::new(&[], &docker, &env(&[("COMPOSE_DISABLE_ENV_FILE", "1")]));
        assert!(
            off.required_hint("X", &env(&[]))
                .starts_with("COMPOSE_DISABLE_ENV_FILE is set, so no .env file is read"),
        );
    }

    #[test]
    fn sources_in_order_of_precedence() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let a = tmp.path().join("a.env");
        let b = tmp.path().join("b.env");
        std::fs::write(&a, "X=1\nY=1\n").expect("write");
        std::fs::write(&b, "\nX=2\n").expect("write");
        let s = EnvSources::new(&[a.clone(), b.clone()], tmp.path(), &env(&[]));
        let process = env(&[("HOME", "/root")]);
        let all = env(&[("HOME", "/root"), ("X", "2"), ("Y", "1")]);
        assert_eq!(s.source_of("HOME", Some(&process), &all), Source::Process);
        assert_eq!(
            s.source_of("X", Some(&process), &all),
            Source::File {
                path: b.clone(),
                line: Some(2),
                via: Via::EnvFileFlag
            }
        );
        assert_eq!(
            s.source_of("Y", Some(&process), &all).describe(),
            format!("{}:2 (given with --env-file)", a.display())
        );
        assert_eq!(s.source_of("Z", Some(&process), &all), Source::Unset);
    }
}
