use std::path::Path;

use super::*;
use crate::project::yaml::parse_plain;

fn map(text: &str) -> Map {
    parse_plain(Path::new("t.yml"), text)
        .expect("yaml")
        .as_map()
        .cloned()
        .expect("a mapping")
}

fn merged(base: &str, over: &str) -> Map {
    let mut m = merge(map(base), map(over)).expect("merge");
    enforce_unicity(&mut m).expect("unicity");
    m
}

fn at(m: &Map, path: &str) -> Node {
    Node::Map(m.clone()).at(path).cloned().expect(path)
}

fn strs(n: &Node) -> Vec<String> {
    match n {
        Node::Seq(s) => s.iter().map(go_fmt).collect(),
        other => vec![format!("not a list: {other:?}")],
    }
}

#[test]
fn merge_rules_table() {
    // (base, override, path, expected rendering of the merged value via go_fmt)
    let cases: &[(&str, &str, &str, &str)] = &[
        // scalars replace
        (
            "services: {a: {image: x}}",
            "services: {a: {image: y}}",
            "services.a.image",
            "y",
        ),
        // null keeps base
        (
            "services: {a: {image: x}}",
            "services: {a: {image: null}}",
            "services.a.image",
            "x",
        ),
        // command replaced, not appended
        (
            "services: {a: {command: [a, b]}}",
            "services: {a: {command: [c]}}",
            "services.a.command",
            "[c]",
        ),
        // healthcheck.test replaced, rest deep-merged
        (
            "services: {a: {healthcheck: {test: [CMD, x], retries: 3}}}",
            "services: {a: {healthcheck: {test: [CMD, y]}}}",
            "services.a.healthcheck",
            "map[test:[CMD y] retries:3]",
        ),
        // environment: map + map → sorted k=v list, override appended, deduped by key
        (
            "services: {a: {environment: {B: 1, A: 2}}}",
            "services: {a: {environment: {A: 3}}}",
            "services.a.environment",
            "[A=3 B=1]",
        ),
        // environment list + map
        (
            "services: {a: {environment: [X=1, Y]}}",
            "services: {a: {environment: {Y: 2}}}",
            "services.a.environment",
            "[X=1 Y=2]",
        ),
        // ports append then dedup by raw string
        (
            "services: {a: {ports: ['8080:80', 3000]}}",
            "services: {a: {ports: ['8080:80', '8081:80', 3000]}}",
            "services.a.ports",
            "[8080:80 3000 8081:80]",
        ),
        // depends_on short in override resets condition, keeps restart
        (
            "services: {a: {depends_on: {db: {condition: service_healthy, restart: true}}}}",
            "services: {a: {depends_on: [db]}}",
            "services.a.depends_on.db",
            "map[condition:service_started restart:true required:true]",
        ),
        // extra_hosts: string-identical only
        (
            "services: {a: {extra_hosts: ['h:1.2.3.4']}}",
            "services: {a: {extra_hosts: ['h:1.2.3.4', 'h=1.2.3.4']}}",
            "services.a.extra_hosts",
            "[h:1.2.3.4 h=1.2.3.4]",
        ),
        // build string in override only replaces context
        (
            "services: {a: {build: {context: ., dockerfile: D}}}",
            "services: {a: {build: ./x}}",
            "services.a.build",
            "map[context:./x dockerfile:D]",
        ),
        // logging with a different driver replaces the whole block
        (
            "services: {a: {logging: {driver: json-file, options: {max-size: 1m}}}}",
            "services: {a: {logging: {driver: syslog}}}",
            "services.a.logging",
            "map[driver:syslog]",
        ),
        // logging without driver merges
        (
            "services: {a: {logging: {driver: json-file, options: {max-size: 1m}}}}",
            "services: {a: {logging: {options: {max-file: '3'}}}}",
            "services.a.logging.options",
            "map[max-size:1m max-file:3]",
        ),
        // networks list + map
        (
            "services: {a: {networks: [front]}}",
            "services: {a: {networks: {back: {aliases: [b]}}}}",
            "services.a.networks",
            "map[front:<nil> back:map[aliases:[b]]]",
        ),
        // volumes deduped by target (later wins, first position)
        (
            "services: {a: {volumes: ['data:/data', 'e:/other']}}",
            "services: {a: {volumes: ['ff:/data']}}",
            "services.a.volumes",
            "[ff:/data e:/other]",
        ),
        // ulimits entries replaced
        (
            "services: {a: {ulimits: {nofile: {soft: 1, hard: 2}}}}",
            "services: {a: {ulimits: {nofile: {soft: 3}}}}",
            "services.a.ulimits.nofile",
            "map[soft:3]",
        ),
    ];
    for (base, over, path, want) in cases {
        let m = merged(base, over);
        assert_eq!(&go_fmt(&at(&m, path)), want, "{base} + {over} at {path}");
    }
}

#[test]
fn type_mismatch_is_an_error_naming_the_path() {
    let e = merge(
        map("services: {app: {ports: ['80:80']}}"),
        map("services: {app: {ports: '81:81'}}"),
    )
    .expect_err("mismatch");
    assert!(
        e.message.contains("cannot override services.app.ports"),
        "{e}"
    );
    assert_eq!(e.exit, crate::error::Exit::Config);
}

#[test]
fn unicity_applies_within_one_file() {
    let mut m = map("services: {a: {environment: [A=1, A=2], cap_add: [X, X]}}");
    enforce_unicity(&mut m).expect("unicity");
    assert_eq!(strs(&at(&m, "services.a.environment")), ["A=2"]);
    assert_eq!(strs(&at(&m, "services.a.cap_add")), ["X"]);
}

#[test]
fn go_float_formatting() {
    for (f, want) in [
        (1.5, "1.5"),
        (1000.0, "1000"),
        (6.02e23, "6.02e+23"),
        (1e6, "1e+06"),
        (0.0001, "0.0001"),
        (0.00001, "1e-05"),
        (f64::INFINITY, "+Inf"),
    ] {
        assert_eq!(go_float(f), want, "{f}");
    }
}
