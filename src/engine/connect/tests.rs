use super::*;

fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("has parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

fn add_context(dir: &Path, name: &str, host: &str) -> PathBuf {
    let meta = dir
        .join("contexts/meta")
        .join(context_dir_name(name))
        .join("meta.json");
    write(
        &meta,
        &serde_json::json!({
            "Name": name,
            "Metadata": {"Description": "test"},
            "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": false}}
        })
        .to_string(),
    );
    meta
}

#[test]
fn context_dir_name_is_sha256_of_name() {
    // `docker context create desktop-linux` stores it under this id.
    assert_eq!(
        context_dir_name("desktop-linux"),
        "fe9c6bd7a66301f49ca9b6a70b217107cd1284598bfc254700c989b916da791e"
    );
}

#[test]
fn parse_host_table() {
    let cases: &[(&str, Option<Transport>)] = &[
        (
            "unix:///var/run/docker.sock",
            Some(Transport::Unix("/var/run/docker.sock".into())),
        ),
        (
            "tcp://10.0.0.2:2375",
            Some(Transport::Tcp {
                addr: "10.0.0.2:2375".into(),
                tls: None,
            }),
        ),
        (
            "tcp://docker.internal",
            Some(Transport::Tcp {
                addr: "docker.internal:2375".into(),
                tls: None,
            }),
        ),
        (
            "tcp://[::1]:2375/",
            Some(Transport::Tcp {
                addr: "[::1]:2375".into(),
                tls: None,
            }),
        ),
        (
            "tcp://[::1]",
            Some(Transport::Tcp {
                addr: "[::1]:2375".into(),
                tls: None,
            }),
        ),
        (
            "http://h:1",
            Some(Transport::Tcp {
                addr: "h:1".into(),
                tls: None,
            }),
        ),
        ("unix://", None),
        (
            "ssh://me@host",
            Some(Transport::Ssh(ssh::SshTarget {
                user: Some("me".into()),
                host: "host".into(),
                port: None,
            })),
        ),
        ("ssh://me@host/var/run/docker.sock", None),
        ("npipe:////./pipe/docker_engine", None),
        ("/var/run/docker.sock", None),
        ("tcp://", None),
        ("tcp://h:1/path", None),
    ];
    for (host, want) in cases {
        let got = parse_host(host, None, "DOCKER_HOST").ok();
        assert_eq!(&got, want, "{host}");
    }
}

#[test]
fn bad_host_error_names_the_variable_and_value() {
    let e = parse_host("npipe:////./pipe/x", None, "DOCKER_HOST").expect_err("unsupported");
    assert_eq!(e.exit, crate::error::Exit::EngineUnreachable);
    assert!(e.message.contains("DOCKER_HOST=npipe:////./pipe/x"), "{e}");
    let e = parse_host("ssh://me@host:0", None, "DOCKER_HOST").expect_err("bad port");
    assert_eq!(e.exit, crate::error::Exit::EngineUnreachable);
    assert!(e.message.contains("DOCKER_HOST=ssh://me@host:0"), "{e}");
    assert!(
        e.hint.as_deref().is_some_and(|h| h.contains("ssh://")),
        "{e}"
    );
}

#[test]
fn docker_host_wins_over_context() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().to_str().expect("utf8");
    add_context(dir.path(), "remote", "tcp://10.1.1.1:2375");
    let ep = resolve(&env(&[
        ("DOCKER_HOST", "unix:///tmp/x.sock"),
        ("DOCKER_CONTEXT", "remote"),
        ("DOCKER_CONFIG", d),
    ]))
    .expect("resolves");
    assert_eq!(ep.transport, Transport::Unix("/tmp/x.sock".into()));
    assert_eq!(ep.source, Source::DockerHost);
}

#[test]
fn docker_context_env_selects_context_meta() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().to_str().expect("utf8");
    let meta = add_context(dir.path(), "remote", "tcp://10.1.1.1:2375");
    let ep = resolve(&env(&[("DOCKER_CONTEXT", "remote"), ("DOCKER_CONFIG", d)])).expect("ok");
    assert_eq!(ep.host, "tcp://10.1.1.1:2375");
    assert_eq!(
        ep.source,
        Source::Context {
            name: "remote".into(),
            meta
        }
    );
}

#[test]
fn current_context_from_config_json_under_home() {
    let home = tempfile::tempdir().expect("tempdir");
    let docker_dir = home.path().join(".docker");
    add_context(&docker_dir, "colima", "unix:///home/u/.colima/docker.sock");
    write(
        &docker_dir.join("config.json"),
        r#"{"auths": {}, "currentContext": "colima"}"#,
    );
    let ep = resolve(&env(&[("HOME", home.path().to_str().expect("utf8"))])).expect("ok");
    assert_eq!(
        ep.transport,
        Transport::Unix("/home/u/.colima/docker.sock".into())
    );
}

#[test]
fn default_context_and_missing_config_mean_default_socket() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().to_str().expect("utf8");
    for e in [
        env(&[("DOCKER_CONFIG", d)]),
        env(&[("DOCKER_CONFIG", d), ("DOCKER_CONTEXT", "default")]),
        env(&[]),
        env(&[("DOCKER_HOST", ""), ("DOCKER_CONFIG", d)]),
    ] {
        let ep = resolve(&e).expect("ok");
        assert_eq!(ep.source, Source::Default, "{e:?}");
        assert_eq!(ep.transport, Transport::Unix("/var/run/docker.sock".into()));
    }
    write(
        &dir.path().join("config.json"),
        r#"{"currentContext": "default"}"#,
    );
    assert_eq!(
        resolve(&env(&[("DOCKER_CONFIG", d)])).expect("ok").source,
        Source::Default
    );
}

#[test]
fn unknown_context_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().to_str().expect("utf8");
    let e = resolve(&env(&[("DOCKER_CONTEXT", "nope"), ("DOCKER_CONFIG", d)])).expect_err("err");
    assert_eq!(e.exit, crate::error::Exit::EngineUnreachable);
    assert!(e.message.contains("docker context `nope` not found"), "{e}");
    assert!(
        e.hint
            .as_deref()
            .unwrap_or("")
            .contains("docker context ls"),
        "{e}"
    );
}

#[test]
fn broken_config_json_names_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().to_str().expect("utf8");
    write(&dir.path().join("config.json"), "{not json");
    let e = resolve(&env(&[("DOCKER_CONFIG", d)])).expect_err("err");
    assert!(e.message.contains("config.json is not valid JSON"), "{e}");
}

#[test]
fn tls_verify_uses_cert_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    for f in ["ca.pem", "cert.pem", "key.pem"] {
        write(&dir.path().join(f), "x");
    }
    let d = dir.path().to_str().expect("utf8");
    let ep = resolve(&env(&[
        ("DOCKER_HOST", "tcp://10.0.0.9"),
        ("DOCKER_TLS_VERIFY", "1"),
        ("DOCKER_CERT_PATH", d),
    ]))
    .expect("ok");
    assert_eq!(
        ep.transport,
        Transport::Tcp {
            addr: "10.0.0.9:2376".into(),
            tls: Some(Tls {
                ca: dir.path().join("ca.pem"),
                cert: dir.path().join("cert.pem"),
                key: dir.path().join("key.pem"),
            })
        }
    );
}

#[test]
fn tls_verify_without_certs_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().to_str().expect("utf8");
    let e = resolve(&env(&[
        ("DOCKER_HOST", "tcp://10.0.0.9:2376"),
        ("DOCKER_TLS_VERIFY", "1"),
        ("DOCKER_CERT_PATH", d),
    ]))
    .expect_err("no certs");
    assert!(e.message.contains("ca.pem does not exist"), "{e}");
}

#[test]
fn context_tls_files_are_used() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().to_str().expect("utf8");
    add_context(dir.path(), "secure", "tcp://10.2.2.2:2376");
    let tls_dir = dir
        .path()
        .join("contexts/tls")
        .join(context_dir_name("secure"))
        .join("docker");
    for f in ["ca.pem", "cert.pem", "key.pem"] {
        write(&tls_dir.join(f), "x");
    }
    let ep = resolve(&env(&[("DOCKER_CONTEXT", "secure"), ("DOCKER_CONFIG", d)])).expect("ok");
    assert_eq!(
        ep.transport,
        Transport::Tcp {
            addr: "10.2.2.2:2376".into(),
            tls: Some(Tls {
                ca: tls_dir.join("ca.pem"),
                cert: tls_dir.join("cert.pem"),
                key: tls_dir.join("key.pem"),
            })
        }
    );
}

#[tokio::test]
async fn missing_socket_fails_fast_with_exit_6() {
    let ep = resolve(&env(&[("DOCKER_HOST", "unix:///nonexistent.sock")])).expect("ok");
    let t = std::time::Instant::now();
    let e = open(&ep).await.expect_err("no engine");
    assert!(t.elapsed() < Duration::from_secs(2));
    assert_eq!(e.exit, crate::error::Exit::EngineUnreachable);
    assert!(e.message.contains("unix:///nonexistent.sock"), "{e}");
    assert!(e.message.contains("from DOCKER_HOST"), "{e}");
}

#[tokio::test]
async fn silent_tcp_endpoint_times_out_within_two_seconds() {
    // A listener that accepts but never answers.
    let l = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = l.local_addr().expect("addr").port();
    let _keep = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = l.accept().await {
            held.push(s);
        }
    });
    let host = format!("tcp://127.0.0.1:{port}");
    let ep = resolve(&env(&[("DOCKER_HOST", &host)])).expect("ok");
    let t = std::time::Instant::now();
    let e = open(&ep).await.expect_err("silent");
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    assert!(e.message.contains("did not answer"), "{e}");
}

#[test]
fn a_silence_is_remembered_for_the_next_open_only() {
    let ep = Endpoint {
        host: "unix:///devctl-test-silence.sock".into(),
        transport: Transport::Unix("/devctl-test-silence.sock".into()),
        source: Source::DockerHost,
    };
    assert!(!take_silence(&ep));
    note_silence(&ep);
    assert!(take_silence(&ep), "the next open fails at once");
    assert!(!take_silence(&ep), "a retry after that waits again");
}
