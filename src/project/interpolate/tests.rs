use super::*;
use proptest::prelude::*;

fn env() -> Env {
    [
        ("SET", "value"),
        ("EMPTY", ""),
        ("UNI", "ünï"),
        ("PORT", "8080"),
        ("lower", "low"),
        ("DOLLAR", "$HOME"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// (template, expected). Every expected value was checked against Docker Compose v2.40.3
/// (`docker compose config` with SET=value EMPTY= …); the ones from the reference vectors
/// carry the vector number.
const OK: &[(&str, &str)] = &[
    // plain text and lone dollars
    ("", ""),
    ("no variables", "no variables"),
    ("cost $ 5 and $1 and $-", "cost $ 5 and $1 and $-"), // 19 LONE_DOLLAR
    ("a$", "a$"),
    ("$", "$"),
    // $$ escapes
    ("$$SET and $${SET}", "$SET and ${SET}"), // 19 ESCAPED
    ("$$$SET", "$value"),
    ("$$$$", "$$"),
    // named and braced
    ("$SET/path", "value/path"),      // 19 UNBRACED
    ("pre-$UNSET-post", "pre--post"), // 19 UNBRACED_UNSET
    ("${SET}", "value"),
    ("$SET$SET", "valuevalue"),
    ("${SET}${EMPTY:-e}${UNSET-u}", "valueeu"),
    ("$Set", ""), // names are case-sensitive
    ("${lower}", "low"),
    ("$SET_suffix", ""), // the name runs on
    ("${SET}_suffix", "value_suffix"),
    ("${_U:-_}", "_"),
    // values are not re-interpolated
    ("${DOLLAR}", "$HOME"),
    // :- and -
    ("${SET:-d}", "value"),
    ("${SET-d}", "value"),
    ("${EMPTY:-d}", "d"),
    ("${EMPTY-d}", ""),
    ("${UNSET:-d}", "d"),
    ("${UNSET-d}", "d"),
    ("${UNSET:-}", ""),
    ("${UNSET:-a-b}", "a-b"),
    ("${UNSET-a:-b}", "a:-b"),
    ("${UNSET:-a?b}", "a?b"),
    ("${UNSET:-http://x:8080/y}", "http://x:8080/y"), // 19 DEFAULT_WITH_COLON
    ("${UNSET:-$}", "$"),
    ("${UNSET:-$$}", "$"),
    // :+ and +
    ("${SET:+alt}", "alt"),
    ("${SET+alt}", "alt"),
    ("${EMPTY:+alt}", ""),
    ("${EMPTY+alt}", "alt"),
    ("${UNSET:+alt}", ""),
    ("${UNSET+alt}", ""),
    ("${UNSET+x}y", "y"),
    ("${SET:+[${SET}]}!", "[value]!"),
    // ? and :? when satisfied
    ("${SET:?}", "value"),
    ("${SET?x}", "value"),
    ("${EMPTY?must be set}", ""), // 19 EMPTY_qmark
    // nesting and braces
    ("${UNSET:-${ALSO_UNSET:-${SET}}}", "value"), // 19 NESTED
    ("${UNSET:-a${SET}b}c", "avaluebc"),          // 19 NESTED2
    ("${UNSET:-{json}}", "{json}"),               // 19 DEFAULT_WITH_BRACE
    ("${UNSET:-{x}y}", "{x}y"),
    ("${UNSET:-{}}", "{}"),
    ("${SET:-{x}y}", "value"),
    ("${UNSET-a}}b", "a}b"),
    ("${UNSET:-x} and ${SET}", "x and value"),
    ("${UNSET:-a}b}c}", "ab}c}"),
    ("${UNSET:-a{b}c}", "a{b}c"),
    ("${UNSET:-a{{b}c}", "a{{b}c"),
    ("${UNSET-{}x}", "{}x"),
    ("${UNSET:-${UNSET2:-${PORT}}}:80", "8080:80"),
    ("${UNSET:-a}\n${SET:-b}", "a\nvalue"),
    // unicode
    ("é${SET}ü", "évalueü"),
    ("${UNI}", "ünï"),
    ("${UNSET:-ü}", "ü"),
    ("€$€", "€$€"),
    // mixed case operators / names
    ("${set_lower:-lower-default}", "lower-default"), // 19 MIXED_CASE
];

#[test]
fn table_of_successful_interpolations() {
    assert!(OK.len() >= 40, "keep the table large");
    let env = env();
    for (template, want) in OK {
        let got = interpolate_str(template, &env);
        assert_eq!(got.as_deref(), Ok(*want), "template {template:?}");
    }
}

fn required(variable: &str, message: &str) -> InterpolationError {
    InterpolationError::Required {
        variable: variable.into(),
        message: message.into(),
    }
}

fn invalid(template: &str) -> InterpolationError {
    InterpolationError::InvalidTemplate {
        template: template.into(),
    }
}

#[test]
fn table_of_errors() {
    let env = env();
    let cases: Vec<(&str, InterpolationError)> = vec![
        // vector 20
        (
            "registry/${IMAGE_NAME:?IMAGE_NAME must be set in .env}:${TAG:-latest}",
            required("IMAGE_NAME", "IMAGE_NAME must be set in .env"),
        ),
        // vector 21
        ("img:${TAG:?}", required("TAG", "")),
        ("${EMPTY:?}", required("EMPTY", "")),
        ("${UNSET?}", required("UNSET", "")),
        ("${UNSET?need ${SET}}", required("UNSET", "need value")),
        // vector 59: the default is interpolated eagerly even though TAG is set
        (
            "app:${SET:-${FALLBACK_TAG:?FALLBACK_TAG required}}",
            required("FALLBACK_TAG", "FALLBACK_TAG required"),
        ),
        (
            "${SET:+${NOPE:?alt needs it}}",
            required("NOPE", "alt needs it"),
        ),
        // vector 43 and friends
        ("echo ${}", invalid("echo ${}")),
        ("${1x}", invalid("${1x}")),
        ("${A.B}", invalid("${A.B}")),
        ("${A:x}", invalid("${A:x}")),
        ("unterminated ${SET", invalid("unterminated ${SET")),
        ("unterminated ${SET:-x", invalid("unterminated ${SET:-x")),
        ("${SET:-x\n}", invalid("${SET:-x\n}")),
        ("${ SET}", invalid("${ SET}")),
        ("${é}", invalid("${é}")),
        // the error names the innermost template
        ("${UNSET:-${}}", invalid("${}")),
    ];
    for (template, want) in cases {
        assert_eq!(
            interpolate_str(template, &env),
            Err(want),
            "template {template:?}"
        );
    }
}

#[test]
fn error_messages_read_like_compose() {
    assert_eq!(
        required("X", "set it").to_string(),
        "required variable X is missing a value: set it"
    );
    assert_eq!(
        required("X", "").to_string(),
        "required variable X is missing a value"
    );
    assert_eq!(required("X", "").kind(), "required");
    assert_eq!(required("X", "").variable(), Some("X"));
    assert_eq!(invalid("${}").kind(), "invalid template");
    assert_eq!(invalid("${}").variable(), None);
    assert!(invalid("${}").to_string().contains("\"${}\""));
}

#[test]
fn warnings_for_unset_variables_include_eager_defaults() {
    let env = env();
    let mut w = Vec::new();
    // vector 59b: the unused default still warns
    let got = interpolate_str_with_warnings("app:${SET:-$UNUSED_DEFAULT}", &env, &mut w);
    assert_eq!(got.as_deref(), Ok("app:value"));
    assert_eq!(
        w,
        vec!["The \"UNUSED_DEFAULT\" variable is not set. Defaulting to a blank string."]
    );
    // operators that handle the unset case do not warn
    let mut w = Vec::new();
    let got = interpolate_str_with_warnings("${U1:-a}${U2-b}${U3:+c}${U4+d}$U5", &env, &mut w);
    assert_eq!(got.as_deref(), Ok("ab"));
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].contains("\"U5\""));
}

fn yaml(s: &str) -> crate::project::yaml::Value {
    crate::project::yaml::from_str(s).expect("test YAML parses")
}

#[test]
fn yaml_strings_are_interpolated_keys_are_not() {
    let mut v = yaml(
        r#"
services:
  app:
    image: "app:${SET}"
    command: ["echo", "$$SET", "${PORT}"]
    environment:
      KEY_${SET}: "${UNSET:-d}"
    ports:
      - "${PORT}:80"
      - 9000
    read_only: true
    x-tagged: !reset "${SET}"
"#,
    );
    interpolate_yaml(&mut v, &env(), Path::new("compose.yml")).expect("interpolates");
    let want = yaml(
        r#"
services:
  app:
    image: "app:value"
    command: ["echo", "$SET", "8080"]
    environment:
      KEY_${SET}: "d"
    ports:
      - "8080:80"
      - 9000
    read_only: true
    x-tagged: !reset "value"
"#,
    );
    assert_eq!(v, want);
}

#[test]
fn yaml_error_names_file_key_path_and_variable() {
    let mut v = yaml(
        "services:\n  db:\n    environment:\n      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set it in .env}\n",
    );
    let err = interpolate_yaml(&mut v, &env(), Path::new("docker-compose.yml"))
        .expect_err("required variable");
    assert_eq!(err.exit, crate::error::Exit::Config);
    assert_eq!(
        err.message,
        "docker-compose.yml: services.db.environment.POSTGRES_PASSWORD: required variable \
         POSTGRES_PASSWORD is missing a value: set it in .env"
    );
    assert!(
        err.hint
            .as_deref()
            .unwrap_or("")
            .contains("POSTGRES_PASSWORD")
    );

    let mut v = yaml("services:\n  app:\n    ports:\n      - \"80\"\n      - \"${}:80\"\n");
    let err = interpolate_yaml(&mut v, &env(), Path::new("/p/compose.yml")).expect_err("invalid");
    assert!(
        err.message
            .starts_with("/p/compose.yml: services.app.ports[1]: invalid interpolation format"),
        "{}",
        err.message
    );
    assert!(err.hint.as_deref().unwrap_or("").contains("$$"));
}

#[test]
fn yaml_warnings_are_collected() {
    let mut v = yaml("a: $NOPE\nb: [\"${NOPE2}\"]\n");
    let mut w = Vec::new();
    interpolate_yaml_with_warnings(&mut v, &env(), Path::new("c.yml"), &mut w).expect("ok");
    assert_eq!(w.len(), 2);
}

type Match<'a> = Option<(usize, usize, Token<'a>)>;

#[test]
fn scanner_tokens() {
    let cases: &[(&str, Match<'_>)] = &[
        ("x", None),
        ("$1", None),
        ("$$", Some((0, 2, Token::Escaped))),
        ("a$B c", Some((1, 3, Token::Named("B")))),
        ("${A}", Some((0, 4, Token::Braced("A")))),
        ("${A:-x}}", Some((0, 8, Token::Braced("A:-x}")))),
        ("${A:-x\n}", Some((0, 2, Token::Invalid))),
        ("${A", Some((0, 2, Token::Invalid))),
        ("$ ${}", Some((2, 4, Token::Invalid))),
    ];
    for (s, want) in cases {
        assert_eq!(scan(s, 0), *want, "{s:?}");
    }
}

/// The regular expression compose-go uses, run by the `regex` crate: the oracle for `scan`.
fn oracle() -> regex::Regex {
    regex::Regex::new(
        r"\$(?i:(?P<escaped>\$)|(?P<named>[_a-z][_a-z0-9]*)|\{(?:(?P<braced>[_a-z][_a-z0-9]*(?::?[-+?](?:.*))?)\}|(?P<invalid>)))",
    )
    .expect("the pattern compiles")
}

fn oracle_token<'a>(
    re: &regex::Regex,
    s: &'a str,
    from: usize,
) -> Option<(usize, usize, Token<'a>)> {
    let c = re.captures_at(s, from)?;
    let m = c.get(0)?;
    let t = if c.name("escaped").is_some() {
        Token::Escaped
    } else if let Some(n) = c.name("named") {
        Token::Named(n.as_str())
    } else if let Some(b) = c.name("braced") {
        Token::Braced(b.as_str())
    } else {
        Token::Invalid
    };
    Some((m.start(), m.end(), t))
}

fn template_strategy() -> impl Strategy<Value = String> {
    let atoms = prop_oneof![
        Just("$".to_owned()),
        Just("{".to_owned()),
        Just("}".to_owned()),
        Just(":".to_owned()),
        Just("-".to_owned()),
        Just("+".to_owned()),
        Just("?".to_owned()),
        Just("\n".to_owned()),
        Just("SET".to_owned()),
        Just("EMPTY".to_owned()),
        Just("X".to_owned()),
        Just("_".to_owned()),
        Just("1".to_owned()),
        Just(" ".to_owned()),
        Just("é".to_owned()),
        Just("\u{212A}".to_owned()),
        "[a-z]{1,3}",
    ];
    prop::collection::vec(atoms, 0..24).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn scanner_agrees_with_composes_regex(s in template_strategy()) {
        let re = oracle();
        let mut from = 0;
        loop {
            let mine = scan(&s, from);
            let theirs = oracle_token(&re, &s, from);
            prop_assert_eq!(mine, theirs, "in {:?} from {}", s, from);
            match mine {
                Some((_, end, _)) => from = end,
                None => break,
            }
        }
    }

    #[test]
    fn random_templates_never_panic(s in template_strategy()) {
        let _ = interpolate_str(&s, &env());
    }

    #[test]
    fn arbitrary_strings_never_panic(s in any::<String>()) {
        let out = interpolate_str(&s, &env());
        if !s.contains('$') {
            prop_assert_eq!(out, Ok(s.clone()));
        }
    }
}

/// Deeply nested defaults are refused instead of overflowing the stack, even on a thread
/// with a small (2 MiB) stack; a line with many templates side by side is no nesting.
#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let handle = std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(|| {
            let nested = |n: usize| format!("{}x{}", "${A:-".repeat(n), "}".repeat(n));
            let env = Env::new();
            let ok = interpolate_str(&nested(200), &env);
            let deep = interpolate_str(&nested(100_000), &env);
            let side_by_side = interpolate_str(&"${A:-x}".repeat(5_000), &env);
            (ok, deep, side_by_side)
        })
        .expect("spawn");
    let (ok, deep, side_by_side) = handle.join().expect("no stack overflow");
    assert_eq!(ok, Ok("x".to_string()));
    match deep {
        Err(InterpolationError::InvalidTemplate { template }) => {
            assert!(template.ends_with("(templates nested more than 256 levels deep)"))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(side_by_side, Ok("x".repeat(5_000)));
}
