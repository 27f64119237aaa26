use super::*;

fn origin(file: &str, path: &str) -> Vec<Origin> {
    vec![Origin {
        file: PathBuf::from(file),
        path: path.into(),
        value: String::new(),
    }]
}

fn model() -> Value {
    json!({
        "name": "shop",
        "services": {
            "api": {
                "build": {"context": "/p", "dockerfile": "Dockerfile"},
                "image": "img:1",
                "restart": "unless-stopped",
                "container_name": "api1",
                "depends_on": {
                    "db": {"condition": "service_healthy", "required": true},
                    "cache": {"condition": "service_started", "required": true}
                },
                "ports": [{"mode": "ingress", "protocol": "tcp", "published": "8080", "target": 80, "host_ip": "0.0.0.0"}],
                "mem_limit": "512m",
                "command": null,
                "networks": {"default": null}
            },
            "db": {
                "image": "db:1",
                "privileged": true,
                "volumes": [{"type": "volume", "source": "data", "target": "/data", "volume": {}}],
                "healthcheck": {"test": ["CMD", "true"], "start_interval": "1s"}
            }
        },
        "volumes": {
            "data": {"name": "shop_data"},
            "keep": {"name": "keep-me", "external": true}
        },
        "networks": {"default": {"name": "shop_default", "ipam": {}}}
    })
}

fn prov() -> BTreeMap<String, Vec<Origin>> {
    let mut p = BTreeMap::new();
    p.insert(
        "services.api.build.context".into(),
        origin("/p/docker-compose.yml", "services.api.build"),
    );
    p.insert(
        "services.api.restart".into(),
        origin("/p/docker-compose.prod.yml", "services.api.restart"),
    );
    p.insert(
        "services.api.depends_on.db.condition".into(),
        origin(
            "/p/docker-compose.yml",
            "services.api.depends_on.db.condition",
        ),
    );
    p
}

fn present(_: &str) -> ImageFact {
    ImageFact {
        missing_on: vec![],
        checked: 3,
    }
}

#[test]
fn stack_file_translates_and_drops_with_provenance() {
    let r = render(
        &model(),
        &prov(),
        "shop",
        &[PathBuf::from("/p/.env")],
        &present,
    );
    let api = &r.stack["services"]["api"];
    assert_eq!(api["deploy"]["restart_policy"]["condition"], "any");
    assert_eq!(api["deploy"]["resources"]["limits"]["memory"], "512m");
    assert_eq!(
        api["ports"][0],
        json!({"mode": "ingress", "protocol": "tcp", "published": 8080, "target": 80})
    );
    for gone in [
        "build",
        "restart",
        "container_name",
        "depends_on",
        "mem_limit",
        "command",
    ] {
        assert!(api.get(gone).is_none(), "{gone} still in {api}");
    }
    assert!(
        r.stack["services"]["db"]["healthcheck"]
            .get("start_interval")
            .is_none()
    );
    // Compose's derived names go (Swarm prefixes the stack); the external volume keeps its name.
    assert_eq!(r.stack["volumes"]["data"], json!({}));
    assert_eq!(
        r.stack["volumes"]["keep"],
        json!({"name": "keep-me", "external": true})
    );
    assert_eq!(r.stack["networks"]["default"], json!({}));

    let find = |k: &str| {
        r.findings
            .iter()
            .find(|f| f.key == k)
            .unwrap_or_else(|| panic!("no finding {k}: {:?}", r.findings))
    };
    let restart = find("services.api.restart");
    assert_eq!(restart.severity, Severity::Translated);
    assert_eq!(
        restart.file,
        Some(PathBuf::from("/p/docker-compose.prod.yml"))
    );
    let cond = find("services.api.depends_on.db.condition");
    assert_eq!(cond.severity, Severity::Refused);
    assert_eq!(cond.accept.as_deref(), Some("depends_on"));
    assert_eq!(
        find("services.api.depends_on.cache").severity,
        Severity::Ignored
    );
    assert_eq!(
        find("services.api.container_name").severity,
        Severity::Ignored
    );
    let build = find("services.api.build");
    assert_eq!(build.severity, Severity::Ignored);
    assert_eq!(build.file, Some(PathBuf::from("/p/docker-compose.yml")));
    assert_eq!(
        find("services.db.privileged").accept.as_deref(),
        Some("privileged")
    );
    assert!(find("(interpolation)").meaning.contains("moby#29133"));

    let open: Vec<&str> = unaccepted(&r.findings, &[])
        .iter()
        .map(|f| f.key.as_str())
        .collect();
    assert_eq!(
        open,
        vec![
            "services.api.depends_on.db.condition",
            "services.db.privileged"
        ]
    );
    assert_eq!(
        unaccepted(&r.findings, &["depends_on".into(), "privileged".into()]).len(),
        0
    );
    assert_eq!(unaccepted(&r.findings, &["all".into()]).len(), 0);
}

#[test]
fn build_is_refused_when_a_node_lacks_the_image_or_there_is_none() {
    let missing = |_: &str| ImageFact {
        missing_on: vec!["n2".into()],
        checked: 3,
    };
    let r = render(&model(), &prov(), "shop", &[], &missing);
    let b = r
        .findings
        .iter()
        .find(|f| f.key == "services.api.build")
        .expect("build");
    assert_eq!(b.severity, Severity::Refused);
    assert!(b.meaning.contains("missing on node(s) n2"), "{}", b.meaning);
    let mut m = model();
    m["services"]["api"]
        .as_object_mut()
        .expect("api")
        .remove("image");
    let r = render(&m, &prov(), "shop", &[], &present);
    let b = r
        .findings
        .iter()
        .find(|f| f.key == "services.api.build")
        .expect("build");
    assert_eq!(b.severity, Severity::Refused);
    assert!(b.meaning.contains("names no image"), "{}", b.meaning);
}
