use super::*;
use proptest::prelude::*;

fn os() -> Env {
    [("OSV", "from-os"), ("HOME", "/home/u")]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

fn parse_map(text: &str) -> Result<Env> {
    Ok(parse(text, Path::new(".env"), &os())?.into_iter().collect())
}

fn map(pairs: &[(&str, &str)]) -> Env {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// (file text, expected variables). Each expectation was observed with Docker Compose
/// v2.40.3 (`env_file:`/`.env` + `docker compose config`).
const CASES: &[(&str, &[(&str, &str)])] = &[
    ("", &[]),
    ("  # only comment", &[]),
    ("#c\n\n  B=2 # x\n", &[("B", "2")]),
    ("A=1", &[("A", "1")]),
    ("export B=2", &[("B", "2")]),
    ("export  C=3", &[("C", "3")]),
    ("exportD=4", &[("exportD", "4")]),
    ("export\nB=1", &[("B", "1")]),
    ("E: 5", &[("E", "5")]),
    ("F = 6 ", &[("F", "6")]),
    ("   A   =   1", &[("A", "1")]),
    ("A:=1", &[("A", "=1")]),
    ("A==1", &[("A", "=1")]),
    ("N=", &[("N", "")]),
    ("N=\nM=2", &[("N", ""), ("M", "2")]),
    // comments
    ("G=g #comment", &[("G", "g")]),
    ("H=h#nocomment", &[("H", "h#nocomment")]),
    ("A=a #b #c", &[("A", "a")]),
    ("A=a\t#b", &[("A", "a\t#b")]),
    ("I=\"i\" #c", &[("I", "i")]),
    ("S=  spaced value  ", &[("S", "spaced value")]),
    // line endings and BOM
    ("A=1\r\nB=2\r\n", &[("A", "1"), ("B", "2")]),
    ("\u{FEFF}BOM=1", &[("BOM", "1")]),
    // keys
    ("1A=x", &[("1A", "x")]),
    ("A.B-C[0]=1", &[("A.B-C[0]", "1")]),
    ("ü=1", &[("ü", "1")]),
    ("A\tB=1", &[("A\tB", "1")]),
    // single quotes: literal
    ("J='j\\nk'", &[("J", "j\\nk")]),
    ("P='${A}'", &[("P", "${A}")]),
    ("A='x\\'y'", &[("A", "x'y")]),
    ("A='x\\\\y'", &[("A", "x\\\\y")]),
    ("A='$x'", &[("A", "$x")]),
    ("A='multi\nline'", &[("A", "multi\nline")]),
    // double quotes: escapes then interpolation
    (
        "L=\"l\\nm\\tn\\\\o\\$OSV\\\"q\"",
        &[("L", "l\nm\tn\\o$OSV\"q")],
    ),
    ("M=\"multi\nline\"", &[("M", "multi\nline")]),
    ("A=\"x\\\"y\"", &[("A", "x\"y")]),
    ("A=\"x\\\\\"", &[("A", "x\\")]),
    ("A=\"a\\'b\"", &[("A", "a\\'b")]),
    ("A=\"\\0101\\x41\\a\"", &[("A", "A\\x41\u{7}")]),
    ("A=\"\\0\\01\\012\\0777\\c\"", &[("A", "\\\\1\\12\\777\\c")]),
    ("A=\"$$x\"", &[("A", "$x")]),
    (
        "A=\"line1\\nline2\" B=2",
        &[("A", "line1\nline2"), ("B", "2")],
    ),
    ("R=\"x\"y\n", &[("R", "x")]),
    ("R=\"x\"y", &[("R", "x"), ("", "y")]),
    // interpolation: OS environment first, then this file's earlier keys
    (
        "A=1\nO=${A}-$OSV-${A:-x}",
        &[("A", "1"), ("O", "1-from-os-1")],
    ),
    (
        "OSV=fromfile\nT=${OSV}",
        &[("OSV", "fromfile"), ("T", "from-os")],
    ),
    ("Q=\\$OSV", &[("Q", "\\from-os")]),
    ("A=$$x\\$y", &[("A", "$x\\")]),
    ("Y=${X}\nX=later", &[("Y", ""), ("X", "later")]),
    // bare keys come from the lookup environment
    ("OSV\nNOPE\n", &[("OSV", "from-os")]),
    // a last statement without `=` is the value of the empty key
    ("A=1\nLAST", &[("A", "1"), ("", "LAST")]),
    ("export A", &[("", "A")]),
    ("A=1\n=2", &[("A", "1"), ("", "2")]),
];

#[test]
fn table_of_env_files() {
    for (text, want) in CASES {
        let got = parse_map(text);
        assert_eq!(
            got.as_ref().map_err(|e| e.message.clone()),
            Ok(&map(want)),
            "{text:?}"
        );
    }
}

#[test]
fn later_assignment_wins_and_order_is_kept() {
    let got = parse("A=1\nB=2\nA=3\n", Path::new(".env"), &Env::new()).expect("parses");
    let pairs: Vec<(&str, &str)> = got.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(pairs, vec![("A", "1"), ("B", "2"), ("A", "3")]);
}

#[test]
fn earlier_files_rank_below_this_files_keys() {
    // Compose: a.env `Z=a ONLY_A=a`, b.env `Z=b W=${Z} V=${ONLY_A}` → W=b, V=a.
    let earlier = map(&[("Z", "a"), ("ONLY_A", "a")]);
    let got: Env = parse_with(
        "Z=b\nW=${Z}\nV=${ONLY_A}\n",
        Path::new("b.env"),
        &Env::new(),
        &earlier,
    )
    .expect("parses")
    .into_iter()
    .collect();
    assert_eq!(got, map(&[("Z", "b"), ("W", "b"), ("V", "a")]));
    // ...and the OS environment ranks above both.
    let got: Env = parse_with(
        "Z=b\nW=${Z}\n",
        Path::new("b.env"),
        &map(&[("Z", "os")]),
        &earlier,
    )
    .expect("parses")
    .into_iter()
    .collect();
    assert_eq!(got["W"], "os");
}

#[test]
fn bad_lines_name_file_and_line() {
    let cases: &[(&str, &str)] = &[
        (
            "OK=1\nA B=1",
            "x/.env:2: key \"A B\" cannot contain a space",
        ),
        (
            "A!=1",
            "x/.env:1: unexpected character '!' in variable name \"A!=1\"",
        ),
        (
            "# c\n\nA=\"unterminated\nB=1",
            "x/.env:3: unterminated quoted value \"unterminated",
        ),
        ("A='x", "x/.env:1: unterminated quoted value 'x"),
        (
            "A=\"a\" \"b\"",
            "x/.env:1: unexpected character '\"' in variable name \"\\\"b\\\"\"",
        ),
        (
            "\n\nA=${UNSET:?boom}",
            "x/.env:3: required variable UNSET is missing a value: boom",
        ),
        ("A=${}", "x/.env:1: invalid interpolation format in \"${}\""),
        ("A=1\nexport \t", "x/.env:2: `export` without a variable"),
    ];
    for (text, want) in cases {
        let err = parse(text, Path::new("x/.env"), &Env::new()).expect_err(text);
        assert_eq!(err.exit, crate::error::Exit::Config, "{text:?}");
        assert_eq!(err.message, *want, "{text:?}");
        assert!(err.hint.is_some());
    }
}

#[test]
fn load_files_later_file_wins_and_missing_file_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = dir.path().join("a.env");
    let b = dir.path().join("b.env");
    std::fs::write(&a, "TAG=dev\nA=dev\nB=${A}-derived\n").expect("write");
    std::fs::write(&b, "B=override\n").expect("write");
    // vector 38: ${A} inside the env file sees the OS environment first
    let got = load_files(&[a.clone(), b.clone()], &map(&[("A", "from-os")])).expect("loads");
    assert_eq!(got, map(&[("TAG", "dev"), ("A", "dev"), ("B", "override")]));
    let got = load_files(std::slice::from_ref(&a), &map(&[("A", "from-os")])).expect("loads");
    assert_eq!(got["B"], "from-os-derived");

    let missing = dir.path().join("nope.env");
    let err = load_files(&[a, missing.clone()], &Env::new()).expect_err("missing");
    assert_eq!(err.exit, crate::error::Exit::Config);
    assert!(
        err.message.contains(&missing.display().to_string()),
        "{}",
        err.message
    );
}

proptest! {
    #[test]
    fn random_text_never_panics(s in any::<String>()) {
        let _ = parse(&s, Path::new(".env"), &Env::new());
    }

    #[test]
    fn env_like_text_never_panics(s in "[A-Z=:#'\"\\\\$ {}\\-\n\t\r]{0,40}") {
        let _ = parse(&s, Path::new(".env"), &os());
    }
}

#[test]
fn entries_keep_lines_and_skip_what_compose_refuses() {
    let t = "\u{feff}# comment\nA=1\nexport B = two \nC=\"quoted # not comment\"\nD='single'\nE=plain # comment\nF=\nnot an assignment\nG=${A}x\nA=again\n";
    let (e, err) = entries(t, Path::new("/p/.env"));
    let kv: Vec<(&str, &str, usize)> = e
        .iter()
        .map(|e| (e.key.as_str(), e.value.as_str(), e.line))
        .collect();
    assert_eq!(
        kv,
        vec![
            ("A", "1", 2),
            ("B", "two", 3),
            ("C", "quoted # not comment", 4),
            ("D", "single", 5),
            ("E", "plain", 6),
            ("F", "", 7),
            ("G", "1x", 9),
            ("A", "again", 10),
        ]
    );
    let err = err.expect("the bad line is reported");
    assert!(err.to_string().contains("/p/.env:8"), "{err}");
    assert_eq!(get(&e, "A").map(|e| e.line), Some(10));
    assert!(get(&e, "Z").is_none());
}

#[test]
fn entries_read_escapes_like_compose() {
    let (e, err) = entries("A=\"a\\\"b\\nc\"\nB='x\\y'", Path::new(".env"));
    assert!(err.is_none());
    assert_eq!(e[0].value, "a\"b\nc");
    assert_eq!(e[1].value, "x\\y");
}
