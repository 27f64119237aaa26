//! A socket proxy in front of the Engine that a test can take down and bring back (the
//! shared Engine itself is never stopped).

use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread;

/// A Unix-socket proxy to the real Engine socket. `stop` refuses new connections and cuts
/// the open ones (as if the Engine went away); `start` serves again.
pub struct EngineProxy {
    pub path: PathBuf,
    upstream: PathBuf,
    live: Arc<Mutex<Vec<UnixStream>>>,
    running: Arc<Mutex<bool>>,
}

fn pipe(mut from: UnixStream, mut to: UnixStream) {
    let mut buf = [0u8; 16 * 1024];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown(std::net::Shutdown::Both);
    let _ = from.shutdown(std::net::Shutdown::Both);
}

impl EngineProxy {
    pub fn new(dir: &Path) -> EngineProxy {
        let p = EngineProxy {
            path: dir.join("engine.sock"),
            upstream: PathBuf::from("/var/run/docker.sock"),
            live: Arc::new(Mutex::new(Vec::new())),
            running: Arc::new(Mutex::new(false)),
        };
        p.start();
        p
    }

    pub fn docker_host(&self) -> String {
        format!("unix://{}", self.path.display())
    }

    pub fn start(&self) {
        let _ = std::fs::remove_file(&self.path);
        let listener = UnixListener::bind(&self.path).expect("bind the proxy socket");
        *self.running.lock().expect("lock") = true;
        let (live, running, upstream) = (
            self.live.clone(),
            self.running.clone(),
            self.upstream.clone(),
        );
        thread::spawn(move || {
            for conn in listener.incoming() {
                if !*running.lock().expect("lock") {
                    break;
                }
                let Ok(client) = conn else { break };
                let Ok(server) = UnixStream::connect(&upstream) else {
                    break;
                };
                if let (Ok(c2), Ok(s2)) = (client.try_clone(), server.try_clone())
                    && let Ok(mut l) = live.lock()
                {
                    l.push(c2);
                    l.push(s2);
                }
                if let (Ok(c), Ok(s)) = (client.try_clone(), server.try_clone()) {
                    thread::spawn(move || pipe(c, s));
                    thread::spawn(move || pipe(server, client));
                }
            }
        });
    }

    pub fn stop(&self) {
        *self.running.lock().expect("lock") = false;
        // Wake the accept loop so it sees `running == false` and drops the listener.
        let _ = UnixStream::connect(&self.path);
        let _ = std::fs::remove_file(&self.path);
        if let Ok(mut l) = self.live.lock() {
            for s in l.drain(..) {
                let _ = s.shutdown(std::net::Shutdown::Both);
            }
        }
    }
}

impl Drop for EngineProxy {
    fn drop(&mut self) {
        self.stop();
    }
}
