//! A PRIVATE dockerd for fault tests: its own socket, data root, exec root, pid file and
//! containerd namespace, no bridge and no iptables, so stopping and restarting it never
//! touches the shared Engine's containers. One side effect: dockerd with `--bridge=none`
//! deletes the `docker0` interface it finds, so after one of these ran, containers on the
//! shared Engine's default bridge cannot start — tests run their throw-away containers with
//! `--network none` (Compose projects have networks of their own). Everything is torn down on drop, even when the test fails.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct PrivateDockerd {
    pub dir: tempfile::TempDir,
    pub sock: PathBuf,
    child: Option<Child>,
    /// More dockerd arguments (e.g. a TLS listener), kept across restarts.
    extra: Vec<String>,
}

impl PrivateDockerd {
    /// Start it and wait until it answers. `Err` says exactly why it could not start.
    pub fn start(tag: &str) -> Result<Self, String> {
        Self::start_with(tag, &[])
    }

    /// [`PrivateDockerd::start`] with more dockerd arguments.
    pub fn start_with(tag: &str, extra: &[String]) -> Result<Self, String> {
        if Command::new("dockerd").arg("--version").output().is_err() {
            return Err("no `dockerd` binary on PATH".into());
        }
        let dir = tempfile::Builder::new()
            .prefix(&format!("devctl-it-engine-{tag}-"))
            .tempdir_in("/tmp")
            .map_err(|e| format!("tempdir: {e}"))?;
        let sock = dir.path().join("docker.sock");
        std::fs::write(dir.path().join("daemon.json"), "{}").map_err(|e| e.to_string())?;
        let mut d = PrivateDockerd {
            dir,
            sock,
            child: None,
            extra: extra.to_vec(),
        };
        d.launch()?;
        Ok(d)
    }

    pub fn host(&self) -> String {
        format!("unix://{}", self.sock.display())
    }

    fn launch(&mut self) -> Result<(), String> {
        let p = self.dir.path();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(p.join("dockerd.log"))
            .map_err(|e| e.to_string())?;
        let log2 = log.try_clone().map_err(|e| e.to_string())?;
        let ns = format!(
            "devctl-it-engine-{}",
            p.file_name()
                .map_or("x".into(), |n| n.to_string_lossy().to_string())
        );
        let child = Command::new("dockerd")
            .arg("-H")
            .arg(self.host())
            .arg("--data-root")
            .arg(p.join("data"))
            .arg("--exec-root")
            .arg(p.join("exec"))
            .arg("--pidfile")
            .arg(p.join("docker.pid"))
            .arg("--config-file")
            .arg(p.join("daemon.json"))
            .args(["--bridge=none", "--iptables=false", "--ip6tables=false"])
            .args(["--shutdown-timeout", "1"])
            .arg("--containerd-namespace")
            .arg(&ns)
            .arg("--containerd-plugins-namespace")
            .arg(format!("{ns}-plugins"))
            .args(&self.extra)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2)
            .spawn()
            .map_err(|e| format!("cannot spawn dockerd: {e}"))?;
        self.child = Some(child);
        let end = Instant::now() + Duration::from_secs(30);
        while Instant::now() < end {
            if let Some(c) = self.child.as_mut()
                && let Ok(Some(st)) = c.try_wait()
            {
                return Err(format!(
                    "private dockerd exited with {st} at start; its log:\n{}",
                    self.log_tail()
                ));
            }
            let ok = Command::new("docker")
                .args([
                    "-H",
                    &self.host(),
                    "version",
                    "--format",
                    "{{.Server.Version}}",
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if ok {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        Err(format!(
            "private dockerd did not answer within 30 s; its log:\n{}",
            self.log_tail()
        ))
    }

    pub fn log_tail(&self) -> String {
        let t = std::fs::read_to_string(self.dir.path().join("dockerd.log")).unwrap_or_default();
        let lines: Vec<&str> = t.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    /// SIGTERM and wait for it to exit (its containers stop with it).
    pub fn stop(&mut self) {
        let Some(mut c) = self.child.take() else {
            return;
        };
        let _ = Command::new("kill")
            .args(["-TERM", &c.id().to_string()])
            .status();
        let end = Instant::now() + Duration::from_secs(30);
        while Instant::now() < end {
            if matches!(c.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = c.kill();
        let _ = c.wait();
    }

    pub fn restart(&mut self) -> Result<(), String> {
        self.stop();
        self.launch()
    }

    /// Copy an image from the shared Engine into this one (`docker save | docker load`).
    pub fn load_image(&self, image: &str) -> Result<(), String> {
        let mut save = Command::new("docker")
            .args(["save", image])
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("docker save: {e}"))?;
        let out = save.stdout.take().ok_or("no stdout")?;
        let load = Command::new("docker")
            .args(["-H", &self.host(), "load", "-q"])
            .stdin(out)
            .output()
            .map_err(|e| format!("docker load: {e}"))?;
        let _ = save.wait();
        if !load.status.success() {
            return Err(format!(
                "docker load into the private dockerd failed: {}",
                String::from_utf8_lossy(&load.stderr)
            ));
        }
        Ok(())
    }
}

impl Drop for PrivateDockerd {
    fn drop(&mut self) {
        if self.child.is_some() {
            // Remove whatever containers it still has, then stop it.
            let ids = Command::new("docker")
                .args(["-H", &self.host(), "ps", "-aq"])
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).to_string())
                .unwrap_or_default();
            for id in ids.split_whitespace() {
                let _ = Command::new("docker")
                    .args(["-H", &self.host(), "rm", "-f", id])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status();
            }
        }
        self.stop();
        // Unmount anything left under our directory before it is deleted.
        let root = self.dir.path().to_string_lossy().to_string();
        let mounts = std::fs::read_to_string("/proc/mounts").unwrap_or_default();
        let mut ours: Vec<&str> = mounts
            .lines()
            .filter_map(|l| l.split_whitespace().nth(1))
            .filter(|m| m.starts_with(&root))
            .collect();
        ours.sort_by_key(|m| std::cmp::Reverse(m.len()));
        for m in ours {
            let _ = Command::new("umount").args(["-l", m]).status();
        }
    }
}
