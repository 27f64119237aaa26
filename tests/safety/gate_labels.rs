//! End-to-end: the safety gate in LABEL MODE, on the real Engine with real Compose.
//!
//! `docker compose -p NAME down -v` run where no compose file is found works from the Engine's
//! labels and deletes every volume labelled `com.docker.compose.project=NAME`. devctl plans
//! from the same labels there. Each test ups a project (`devctl-it-gate2-lbl-*`) with
//! `docker compose -p NAME -f <tmp file> up -d` (named volume `data` and an anonymous volume
//! at `/anon`, each holding a file), creates a volume with the project's label by
//! `docker volume create --label …` (holding a file) and a volume of another project, then runs
//! devctl from an EMPTY directory. The Drop guard removes the containers and network
//! (`compose down` without `-v`) and exactly the volumes it recorded (by name and by the
//! anonymous ids it saw), also when the test fails.
#![allow(clippy::panic, clippy::unwrap_used)]

use crate::common;

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use common::docker::{docker, docker_checked, file_in, project_containers, volume_exists};

struct Stack {
    name: String,
    files: tempfile::TempDir,
    /// Where devctl runs: no compose file here or above.
    empty: tempfile::TempDir,
    anon: String,
}

impl Stack {
    fn up(tag: &str) -> Stack {
        let name = format!("devctl-it-gate2-lbl-{tag}-{}", std::process::id());
        let files = tempfile::tempdir().unwrap();
        let empty = tempfile::tempdir().unwrap();
        std::fs::write(
            files.path().join("stack.yaml"),
            r#"services:
  app:
    image: devctl-test/busybox:latest
    pull_policy: never
    command: ["sleep", "3600"]
    stop_signal: SIGKILL
    volumes:
      - data:/data
      - /anon
volumes:
  data: {}
"#,
        )
        .unwrap();
        let mut s = Stack {
            name,
            files,
            empty,
            anon: String::new(),
        };
        // Created first, so that Drop finds every name even if `up` fails half way.
        docker_checked(&[
            "volume",
            "create",
            "--label",
            &format!("com.docker.compose.project={}", s.name),
            &s.labelled(),
        ]);
        docker_checked(&[
            "volume",
            "create",
            "--label",
            &format!("com.docker.compose.project={}-other", s.name),
            &s.other(),
        ]);
        s.compose(&["up", "-d"]);
        let out = docker_checked(&[
            "inspect",
            &s.container(),
            "--format",
            "{{range .Mounts}}{{if eq .Destination \"/anon\"}}{{.Name}}{{end}}{{end}}",
        ]);
        s.anon = String::from_utf8_lossy(&out.stdout).trim().to_string();
        assert_eq!(s.anon.len(), 64, "anonymous volume id: {:?}", s.anon);
        s.compose(&[
            "exec",
            "-T",
            "app",
            "sh",
            "-c",
            "echo named > /data/file; echo anon > /anon/file",
        ]);
        write_file(&s.labelled(), "labelled");
        write_file(&s.other(), "other");
        s.assert_volumes_intact();
        s
    }

    fn named(&self) -> String {
        format!("{}_data", self.name)
    }
    /// Labelled with the project by `docker volume create` — what a compose file that declares
    /// it `external` cannot protect from `docker compose -p NAME down -v`.
    fn labelled(&self) -> String {
        format!("{}-extvol", self.name)
    }
    fn other(&self) -> String {
        format!("{}-other_keep", self.name)
    }
    fn container(&self) -> String {
        format!("{}-app-1", self.name)
    }
    fn file(&self) -> PathBuf {
        self.files.path().join("stack.yaml")
    }

    fn compose(&self, args: &[&str]) -> Output {
        let f = self.file();
        let mut all = vec!["compose", "-p", &self.name, "-f", f.to_str().unwrap()];
        all.extend_from_slice(args);
        docker_checked(&all)
    }

    /// Containers of the project in any state.
    fn containers(&self) -> usize {
        project_containers(&self.name, true)
    }

    fn assert_volumes_intact(&self) {
        assert_eq!(file_in(&self.named()).as_deref(), Some("named\n"));
        assert_eq!(file_in(&self.anon).as_deref(), Some("anon\n"));
        assert_eq!(file_in(&self.labelled()).as_deref(), Some("labelled\n"));
        assert_eq!(file_in(&self.other()).as_deref(), Some("other\n"));
    }

    fn devctl(&self, args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_devctl"))
            .args(args)
            .current_dir(self.empty.path())
            .env("DEVCTL_STATE_DIR", self.files.path().join("state"))
            .env("DEVCTL_DATA_DIR", self.files.path().join("data"))
            .env("NO_COLOR", "1")
            .env_remove("COMPOSE_FILE")
            .env_remove("COMPOSE_PROJECT_NAME")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .output()
            .unwrap();
        common::audit::code_and_text(&out)
    }

    fn decisions(&self) -> Vec<String> {
        common::audit::decisions(&self.files.path().join("state"))
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        let f = self.file();
        let _ = Command::new("docker")
            .args(["compose", "-p", &self.name, "-f"])
            .arg(&f)
            .args(["down", "-t", "0", "--remove-orphans"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let mut vols = vec![self.named(), self.labelled(), self.other()];
        if !self.anon.is_empty() {
            vols.push(self.anon.clone());
        }
        for v in vols {
            if volume_exists(&v) {
                let _ = docker(&["volume", "rm", "-f", &v]);
            }
        }
    }
}

fn busybox(volume: &str, ro: &str, script: &str) -> Output {
    docker_checked(&[
        "run",
        "--rm",
        "--pull",
        "never",
        "--network",
        "none",
        "-v",
        &format!("{volume}:/v{ro}"),
        "devctl-test/busybox:latest",
        "sh",
        "-c",
        script,
    ])
}

fn write_file(volume: &str, text: &str) {
    busybox(volume, "", &format!("echo {text} > /v/file"));
}

#[test]
fn down_v_without_files_plans_from_labels_and_removes_every_labelled_volume() {
    let s = Stack::up("v");
    // No terminal, no --confirm: refused; the plan lists every labelled volume and the
    // anonymous one, warns that it comes from labels, and says the views check is skipped.
    for env in [vec![], vec![("COMPOSE_PROJECT_NAME", s.name.as_str())]] {
        let args: &[&str] = if env.is_empty() {
            &["-p", &s.name, "down", "-v"]
        } else {
            &["down", "-v"]
        };
        let (code, text) = s.devctl(args, &env);
        assert_eq!(code, 4, "{args:?} {env:?}: {text}");
        assert!(
            text.contains("WILL BE DELETED by devctl, one by one (3)"),
            "{text}"
        );
        for v in [s.named(), s.labelled(), s.anon.clone()] {
            assert!(
                text.contains(&format!("  - {v}  [")),
                "{v} not planned: {text}"
            );
        }
        assert!(
            !text.contains(&s.other()),
            "another project's volume planned: {text}"
        );
        assert!(
            text.contains("this plan comes from the Engine's labels"),
            "{text}"
        );
        assert!(
            text.contains("cannot tell which of these volumes"),
            "{text}"
        );
        assert!(text.contains("without compose files: skipped"), "{text}");
        assert!(text.contains(&format!("--confirm {}", s.name)), "{text}");
        s.assert_volumes_intact();
        assert_eq!(s.containers(), 1, "the stack was touched");
    }
    // A wrong name is refused too.
    let (code, text) = s.devctl(&["-p", &s.name, "down", "-v", "--confirm", "x"], &[]);
    assert_eq!(code, 4, "{text}");
    s.assert_volumes_intact();
    // Confirmed: Compose runs `down` without -v and without files; devctl removes the planned
    // volumes; the other project's volume stays.
    let (code, text) = s.devctl(
        &[
            "-p",
            &s.name,
            "down",
            "-v",
            "--confirm",
            &s.name,
            "--no-snapshot",
        ],
        &[],
    );
    assert_eq!(code, 0, "{text}");
    let call = format!("+ docker compose -p {} --ansi never down\n", s.name);
    assert!(text.contains(&call), "missing {call:?}: {text}");
    for v in [s.named(), s.labelled(), s.anon.clone()] {
        assert!(text.contains(&format!("removed   {v}")), "{v}: {text}");
        assert!(!volume_exists(&v), "{v} still exists");
    }
    assert_eq!(s.containers(), 0, "containers left");
    assert_eq!(file_in(&s.other()).as_deref(), Some("other\n"));
    assert_eq!(
        s.decisions(),
        vec!["refused", "refused", "refused", "confirmed-flag"]
    );
    // Again: nothing carries the label any more.
    let (code, text) = s.devctl(&["-p", &s.name, "down", "-v"], &[]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains(&format!("nothing to remove for project {}", s.name)),
        "{text}"
    );
}

#[test]
fn plain_down_without_files_removes_the_containers_and_no_volume() {
    let s = Stack::up("plain");
    let (code, text) = s.devctl(&["-p", &s.name, "down"], &[]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains(&format!(
            "+ docker compose -p {} --ansi never down\n",
            s.name
        )),
        "{text}"
    );
    assert_eq!(s.containers(), 0, "containers left: {text}");
    s.assert_volumes_intact();
    // Nothing but volumes left: nothing to remove, the volumes are named as kept.
    let (code, text) = s.devctl(&["-p", &s.name, "down"], &[]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains(&format!("nothing to remove for project {}", s.name))
            && text.contains(&s.labelled())
            && text.contains("kept"),
        "{text}"
    );
    s.assert_volumes_intact();
    // A project nothing carries the label of: exit 0 for `down` and `down -v`.
    let nothing = format!("{}-nothing", s.name);
    for args in [
        vec!["-p", &nothing, "down"],
        vec!["-p", &nothing, "down", "-v"],
    ] {
        let (code, text) = s.devctl(&args, &[]);
        assert_eq!(code, 0, "{args:?}: {text}");
        assert!(
            text.contains(&format!("nothing to remove for project {nothing}")),
            "{text}"
        );
    }
    // Without a name and without a file it is still the loader's error (exit 3); so it is
    // when the name only comes from the environment and nothing carries its label (likelier
    // the wrong directory than a project to take down).
    let (code, text) = s.devctl(&["down", "-v"], &[]);
    assert_eq!(code, 3, "{text}");
    for args in [["down", "-v"].as_slice(), ["down"].as_slice()] {
        let (code, text) = s.devctl(args, &[("COMPOSE_PROJECT_NAME", &nothing)]);
        assert_eq!(code, 3, "{args:?}: {text}");
        assert!(
            text.contains("no compose file found") && text.contains("COMPOSE_PROJECT_NAME"),
            "{text}"
        );
    }
    s.assert_volumes_intact();
}
