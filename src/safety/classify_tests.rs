//! Table-driven classifier tests. Every row was checked against `docker compose` v2.40.3
//! (`--dry-run` on a project with a named volume) unless marked "fail closed".

use super::*;

use Action::*;

fn argv(s: &str) -> Vec<String> {
    s.split_whitespace().map(String::from).collect()
}

/// (argv, expected actions; empty = not destructive)
const CASES: &[(&str, &[Action])] = &[
    // --- down: destructive forms
    ("down -v", &[DownVolumes]),
    ("down --volumes", &[DownVolumes]),
    ("down --volumes=true", &[DownVolumes]),
    ("down --volumes=1", &[DownVolumes]),
    ("down --volumes=t", &[DownVolumes]),
    ("down --volumes=T", &[DownVolumes]),
    ("down --volumes=TRUE", &[DownVolumes]),
    ("down --volumes=True", &[DownVolumes]),
    ("down -v=true", &[DownVolumes]),
    ("down -v=1", &[DownVolumes]),
    ("down --volume", &[DownVolumes]),
    ("down --volume=true", &[DownVolumes]),
    ("down -v --remove-orphans", &[DownVolumes]),
    ("down --remove-orphans -v", &[DownVolumes]),
    ("down --remove-orphans=false -v", &[DownVolumes]),
    ("down db -v", &[DownVolumes]),
    ("down db cache --volumes", &[DownVolumes]),
    ("down -vt 3", &[DownVolumes]),
    ("down -t 3 -v", &[DownVolumes]),
    ("down --timeout=3 -v", &[DownVolumes]),
    ("down --timeout 3 --volumes", &[DownVolumes]),
    ("down --rmi local -v", &[DownVolumes]),
    ("down --rmi=all -v", &[DownVolumes]),
    ("down -v=false --volumes", &[DownVolumes]),
    ("down --volumes=false -v", &[DownVolumes]),
    ("down -v db -- other", &[DownVolumes]),
    ("down -v --help=false", &[DownVolumes]),
    ("down -v --dry-run=false", &[DownVolumes]),
    ("--dry-run down --dry-run=false -v", &[DownVolumes]),
    // --- global flags before the subcommand
    ("-f compose.yaml down -v", &[DownVolumes]),
    ("--file=compose.yaml down --volumes", &[DownVolumes]),
    ("-fcompose.yaml down -v", &[DownVolumes]),
    ("-p myproj down -v", &[DownVolumes]),
    ("-pmyproj down -v", &[DownVolumes]),
    ("-p=myproj down -v", &[DownVolumes]),
    ("--project-name myproj down -v", &[DownVolumes]),
    ("--project-name=myproj down -v", &[DownVolumes]),
    ("--profile dev --profile debug down -v", &[DownVolumes]),
    ("--env-file .env.dev down -v", &[DownVolumes]),
    ("--project-directory /srv/app down -v", &[DownVolumes]),
    ("--workdir /srv/app down -v", &[DownVolumes]),
    ("--ansi never --progress plain down -v", &[DownVolumes]),
    ("--ansi=never --parallel 2 down -v", &[DownVolumes]),
    ("--parallel -1 down -v", &[DownVolumes]),
    (
        "--compatibility --all-resources --verbose --no-ansi down -v",
        &[DownVolumes],
    ),
    ("-v down -v", &[DownVolumes]),
    ("--version down --volumes", &[DownVolumes]),
    ("--dry-run=false down -v", &[DownVolumes]),
    // fail closed: an unknown root flag may take the next word as its value
    ("--context prod down -v", &[DownVolumes]),
    ("--future-flag down -v", &[DownVolumes]),
    // fail closed: unknown subcommand flags are read as booleans
    ("down --future -v", &[DownVolumes]),
    ("down -Xv", &[DownVolumes]),
    ("down -v1", &[DownVolumes]), // Compose rejects `1`; fail closed
    // --- rm
    ("rm -v", &[RmVolumes]),
    ("rm -fsv", &[RmVolumes]),
    ("rm -vf", &[RmVolumes]),
    ("rm -sfv db", &[RmVolumes]),
    ("rm -f -s -v", &[RmVolumes]),
    ("rm --volumes", &[RmVolumes]),
    ("rm --volumes=1 -f", &[RmVolumes]),
    ("rm -f db --volumes", &[RmVolumes]),
    ("rm -a -v", &[RmVolumes]),
    ("-p x rm -fv", &[RmVolumes]),
    // --- up / create
    ("up -V", &[RenewAnonVolumes]),
    ("up -d -V", &[RenewAnonVolumes]),
    ("up -dV", &[RenewAnonVolumes]),
    ("up --renew-anon-volumes -d", &[RenewAnonVolumes]),
    ("up --renew-anon-volumes=true db", &[RenewAnonVolumes]),
    ("up -y -d", &[AssumeYes]),
    ("up --yes", &[AssumeYes]),
    ("up -dVy", &[RenewAnonVolumes, AssumeYes]),
    ("up --scale db=2 -V", &[RenewAnonVolumes]),
    ("up -t 5 -V", &[RenewAnonVolumes]),
    ("create -y", &[AssumeYes]),
    ("create --yes --build", &[AssumeYes]),
    ("create --pull never -y", &[AssumeYes]),
    // --- class 1: a root-level `--` is no end of options for cobra's Traverse
    ("-- x down -v", &[DownVolumes]),
    ("-- -- x down -v", &[DownVolumes]),
    ("-- -- -- x down --volumes", &[DownVolumes]),
    ("-- x rm -fsv", &[RmVolumes]),
    ("-- x rm -v db", &[RmVolumes]),
    ("-- x up -d -y", &[AssumeYes]),
    ("-- x up -d -V", &[RenewAnonVolumes]),
    ("-- x create --yes", &[AssumeYes]),
    ("--ansi never -- x down -v", &[DownVolumes]),
    ("--profile -- x down -v", &[DownVolumes]),
    ("--workdir -- x down -v", &[DownVolumes]),
    ("-p shop -- x down -v", &[DownVolumes]),
    ("--project-name=shop -- x down -v", &[DownVolumes]),
    ("-- -p other down -v", &[DownVolumes]),
    // --- class 2: a value flag followed by what looks like a flag
    ("--profile --confirm=x down -v", &[DownVolumes]),
    ("--profile --confirm x down -v", &[DownVolumes]),
    ("--profile --snapshot x rm -fsv", &[RmVolumes]),
    ("--profile -p x down -v", &[DownVolumes]),
    ("--profile -h down -v", &[DownVolumes]),
    ("--profile -X x down -v", &[DownVolumes]),
    ("--env-file -- x up -y", &[AssumeYes]),
    // --- class 3: `--y` is `--yes` on up/create; `--yes=…` takes Go booleans
    ("up -d --y", &[AssumeYes]),
    ("up --y=true -d", &[AssumeYes]),
    ("up --y=1", &[AssumeYes]),
    ("up --yes=1", &[AssumeYes]),
    ("up --yes=T", &[AssumeYes]),
    ("up -d -y=1", &[AssumeYes]),
    ("up -yd", &[AssumeYes]),
    ("up -d --yes=false --y", &[AssumeYes]),
    ("create --y", &[AssumeYes]),
    ("create --y=1", &[AssumeYes]),
    ("up -d --y=0", &[]),
    ("up -d --yes --y=false", &[]),
    ("up -d -y --yes=0", &[]),
    ("up -d -y=false", &[]),
    ("up --y=yes", &[]),
    ("down --y", &[]),
    // --- help anywhere it is a flag: Compose prints help, runs nothing
    ("-h down -v", &[]),
    ("--help down -v", &[]),
    ("-h x down -v", &[]),
    ("down -vh", &[]),
    ("down -hv", &[]),
    ("-- x down -v -h", &[]),
    ("--help=false down -h -v", &[]),
    ("-h down --help=false -v", &[DownVolumes]),
    ("down -h --help=false -v", &[DownVolumes]),
    ("-h=false down -v", &[DownVolumes]),
    ("down -v --help=0", &[DownVolumes]),
    // fail closed: an unknown subcommand flag may take a value in a newer Compose
    ("down -v --future --volumes=false", &[DownVolumes]),
    ("down -v -X --volumes=false", &[DownVolumes]),
    ("up -y --future --yes=false", &[AssumeYes]),
    ("down --future -v", &[DownVolumes]),
    // --- root `--` look-alikes
    ("--profile -- down -v", &[]),
    ("--profile --dry-run x down -v", &[]),
    ("-- x down -v --dry-run", &[]),
    // --- devctl's own
    ("volume rm data", &[VolumeRm]),
    ("volume rm a b --confirm p", &[VolumeRm]),
    ("volume prune", &[VolumePrune]),
    // --- look-alikes: NOT destructive
    ("down", &[]),
    ("down --remove-orphans", &[]),
    ("down v", &[]),
    ("down -- -v", &[]),
    ("down db -- -v", &[]),
    ("down --volumes=false", &[]),
    ("down --volumes=0", &[]),
    ("down --volumes=f", &[]),
    ("down --volumes=FALSE", &[]),
    ("down -v=false", &[]),
    ("down -v=0", &[]),
    ("down --volume=false", &[]),
    ("down --volumes -v=false", &[]),
    ("down -v --volumes=false", &[]),
    ("down -v --volume=0", &[]),
    ("down -t -v", &[]),
    ("down --timeout -v", &[]),
    ("down --timeout=-v", &[]),
    ("down --rmi -v", &[]),
    ("down -tv", &[]),
    ("down --volumes=yes", &[]),
    ("down --volumes=tRue", &[]),
    ("down --volumes=", &[]),
    ("down -v --help", &[]),
    ("down -v -h", &[]),
    ("down -v --dry-run", &[]),
    ("--dry-run down -v", &[]),
    ("down --dry-run --volumes", &[]),
    ("--profile -v down", &[]),
    ("-p -v down", &[]),
    ("-f -v down", &[]),
    ("--env-file -v down", &[]),
    ("-- down -v", &[]),
    ("config --volumes", &[]),
    ("config --volumes --format json", &[]),
    ("volumes", &[]),
    ("volumes -q", &[]),
    ("logs -v", &[]),
    ("logs v", &[]),
    ("run -v /tmp:/tmp db sh", &[]),
    ("run --rm db", &[]),
    ("exec db rm -rf /data", &[]),
    ("exec db sh -c down -v", &[]),
    ("stop v", &[]),
    ("kill -s KILL", &[]),
    ("ps -a", &[]),
    ("rm", &[]),
    ("rm -f", &[]),
    ("rm -fs db", &[]),
    ("rm v", &[]),
    ("rm -f -- -v", &[]),
    ("rm --volumes=false -fs", &[]),
    ("up", &[]),
    ("up -d", &[]),
    ("up -d v", &[]),
    ("up -v", &[]),
    ("up --yes=false", &[]),
    ("up -d --renew-anon-volumes=false", &[]),
    ("up --attach -V", &[]),
    ("up --scale -V", &[]),
    ("up -t -V", &[]),
    ("up -d -- -V", &[]),
    ("create", &[]),
    ("create -V", &[]),
    ("create --yes=0", &[]),
    ("pull -v", &[]),
    ("volume ls", &[]),
    ("volume", &[]),
    ("", &[]),
    ("-p x", &[]),
];

#[test]
fn classifier_table() {
    assert!(CASES.len() >= 200, "{} cases", CASES.len());
    let mut failures = Vec::new();
    for (line, want) in CASES {
        let got = classify(&argv(line));
        let got_actions: Vec<Action> = got.map(|d| d.actions).unwrap_or_default();
        if got_actions != *want {
            failures.push(format!("{line:?}: want {want:?}, got {got_actions:?}"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn globals_and_positionals_are_reported() {
    let d = classify(&argv(
        "-f a.yml --file=b.yml -p proj --profile x --env-file e --project-directory d down db -v web",
    ))
    .expect("destructive");
    assert_eq!(d.subcommand, "down");
    assert_eq!(d.sub_index, 11);
    assert_eq!(d.globals.files, vec!["a.yml", "b.yml"]);
    assert_eq!(d.globals.project_name.as_deref(), Some("proj"));
    assert_eq!(d.globals.profiles, vec!["x"]);
    assert_eq!(d.globals.env_files, vec!["e"]);
    assert_eq!(d.globals.project_directory.as_deref(), Some("d"));
    assert_eq!(d.positionals, vec!["db", "web"]);
    let d = classify(&argv("down -v")).expect("destructive");
    assert!(d.globals.is_empty());
}

#[test]
fn strip_removes_only_the_volume_flags() {
    let cases: &[(&str, &str)] = &[
        ("down -v", "down"),
        (
            "down --volumes=true --remove-orphans",
            "down --remove-orphans",
        ),
        ("down --volume", "down"),
        ("-p x down -v -t 3", "down -t 3"),
        ("down -vt 3", "down -t 3"),
        ("down -vt3", "down -t3"),
        ("down --timeout 3 -v db", "down --timeout 3 db"),
        ("down --rmi local --volumes", "down --rmi local"),
        ("down -v -- -v", "down -- -v"),
        ("down -v=true", "down"),
        ("rm -fsv", "rm -fs"),
        ("rm -vf db", "rm -f db"),
        ("rm -v", "rm"),
        ("up -dV", "up -dV"),
    ];
    for (input, want) in cases {
        let a = argv(input);
        let d = classify(&a).expect(input);
        assert_eq!(strip_volume_flags(&a, &d), argv(want), "{input}");
        // What is left is never destructive.
        assert!(
            d.subcommand == "up" || classify(&argv(want)).is_none(),
            "{input} still destructive after strip"
        );
    }
}

// Compose's argv (`compose::argv`) and the gate read an argv alike: these check the two layers
// against each other, so they live above both.

fn resolved() -> crate::project::Resolved {
    crate::project::Resolved {
        files: vec![
            std::path::PathBuf::from("/src/app/docker/docker-compose.yml"),
            std::path::PathBuf::from("/src/app/docker/docker-compose.dev.yml"),
        ],
        project_dir: std::path::PathBuf::from("/src/app/docker"),
        name: "app".into(),
        environment: Some("dev".into()),
        ..Default::default()
    }
}

fn plugin() -> crate::compose::detect::Detected {
    crate::compose::detect::Detected {
        flavor: crate::compose::detect::Flavor::Plugin,
        program: "docker".into(),
        version: "2.40.3".into(),
    }
}

/// devctl's prefix never shifts Compose's parse of the user's argv: with any profile
/// (`COMPOSE_PROFILES=-p` included), the whole argv Compose receives classifies like the
/// user's argv alone.
#[test]
fn prefix_is_inert_whatever_the_profiles() {
    for profile in [
        "-p",
        "--",
        "-X",
        "--confirm",
        "-h",
        "--dry-run",
        "-v",
        "tools",
    ] {
        let mut r = resolved();
        r.profiles = vec![profile.to_string()];
        let users = [
            "x down -v",
            "-- x down -v",
            "down -v",
            "up -d",
            "-- down -v",
        ];
        for (user, color) in users.iter().flat_map(|u| [(u, true), (u, false)]) {
            let inv = crate::compose::argv::build(&plugin(), &r, color, &argv(user));
            let whole = classify(&inv.args[1..]).map(|d| d.actions);
            let alone = classify(&argv(user)).map(|d| d.actions);
            assert_eq!(whole, alone, "profile {profile:?}, argv {user:?}: {inv:?}");
        }
    }
    let mut r = resolved();
    r.profiles = vec!["-p".into(), "tools".into()];
    let inv = crate::compose::argv::build(&plugin(), &r, true, &argv("ps"));
    assert!(
        inv.args.ends_with(&argv("--profile=-p --profile tools ps")),
        "{:?}",
        inv.args
    );
}

/// Both readers of a passthrough argv take the next argument as the flag's value, for
/// every flag of the table: the subcommand is the argument after it.
#[test]
fn argv_and_the_classifier_read_the_table_alike() {
    let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    for fl in crate::compose::globals::GLOBAL_VALUE_FLAGS {
        let names = fl
            .long
            .iter()
            .map(|l| format!("--{l}"))
            .chain(fl.short.map(|c| format!("-{c}")));
        for name in names {
            let n = name.as_str();
            // The value looks like a subcommand; the real one follows it.
            let down_v = v(&[n, "up", "down", "-v"]);
            let d = classify(&down_v);
            assert_eq!(d.map(|d| d.sub_index), Some(2), "{down_v:?}");
            assert!(!crate::compose::argv::is_interactive(&down_v), "{down_v:?}");
            let up_d = v(&[n, "down", "up", "-d", "-V"]);
            assert!(!crate::compose::argv::is_interactive(&up_d), "{up_d:?}");
            let d = classify(&up_d);
            assert_eq!(d.map(|d| d.subcommand), Some("up".to_string()), "{up_d:?}");
            let exec = v(&[n, "ps", "exec", "app", "sh"]);
            assert!(crate::compose::argv::is_interactive(&exec), "{exec:?}");
            assert!(classify(&v(&[n, "-v", "down"])).is_none(), "{n}");
        }
    }
}
