use super::*;

/// (name, input, sanitize_line, sanitize_keep_sgr)
const CASES: &[(&str, &[u8], &str, &str)] = &[
    ("plain ascii", b"hello world", "hello world", "hello world"),
    ("tab kept", b"a\tb", "a\tb", "a\tb"),
    ("trailing LF", b"line\n", "line", "line"),
    ("trailing CRLF (tty)", b"line\r\n", "line", "line"),
    ("trailing CR", b"line\r", "line", "line"),
    (
        "interior CR overwrite trick",
        b"good\revil",
        "good evil",
        "good evil",
    ),
    ("CR CR LF", b"x\r\r\n", "x", "x"),
    ("interior LF becomes space", b"a\nb", "a b", "a b"),
    (
        "utf-8 kept",
        "héllo ✓ 日本".as_bytes(),
        "héllo ✓ 日本",
        "héllo ✓ 日本",
    ),
    ("invalid utf-8", b"a\xffb\xc3", "a\u{fffd}b", "a\u{fffd}b"),
    (
        "truncated utf-8 mid-line",
        b"a\xe2\x9cb",
        "a\u{fffd}b",
        "a\u{fffd}b",
    ),
    ("BEL", b"ding\x07dong", "dingdong", "dingdong"),
    (
        "backspace hiding",
        b"rm -rf /\x08\x08\x08\x08safe",
        "rm -rf /safe",
        "rm -rf /safe",
    ),
    ("NUL and VT and FF", b"a\x00b\x0bc\x0cd", "abcd", "abcd"),
    ("DEL", b"a\x7fb", "ab", "ab"),
    ("SO/SI charset switch", b"a\x0eb\x0fc", "abc", "abc"),
    ("clear screen", b"\x1b[2Jhello", "hello", "hello"),
    ("cursor home + erase", b"\x1b[H\x1b[Kx", "x", "x"),
    (
        "cursor up over prefix",
        b"\x1b[1A\x1b[2Kfake",
        "fake",
        "fake",
    ),
    ("private mode (alt screen)", b"\x1b[?1049hx", "x", "x"),
    (
        "SGR red",
        b"\x1b[31mred\x1b[0m",
        "red",
        "\x1b[31mred\x1b[0m\x1b[0m",
    ),
    ("SGR empty params", b"\x1b[mx", "x", "\x1b[0mx\x1b[0m"),
    (
        "SGR 256 colour",
        b"\x1b[38;5;208mo",
        "o",
        "\x1b[38;5;208mo\x1b[0m",
    ),
    (
        "SGR colon subparams",
        b"\x1b[38:2:1:2:3mt",
        "t",
        "\x1b[38:2:1:2:3mt\x1b[0m",
    ),
    ("SGR with intermediate is not SGR", b"\x1b[1 mx", "x", "x"),
    (
        "SGR with private marker is not SGR",
        b"\x1b[>4;2mx",
        "x",
        "x",
    ),
    (
        "OSC 52 clipboard, BEL",
        b"\x1b]52;c;ZWNobyBwd25lZA==\x07ok",
        "ok",
        "ok",
    ),
    (
        "OSC 52 clipboard, ST",
        b"\x1b]52;c;ZWNobw==\x1b\\ok",
        "ok",
        "ok",
    ),
    ("OSC 0 title, BEL", b"\x1b]0;pwned\x07x", "x", "x"),
    ("OSC 2 title, ST", b"\x1b]2;pwned\x1b\\x", "x", "x"),
    (
        "OSC 8 hyperlink",
        b"\x1b]8;;http://e.x\x1b\\link\x1b]8;;\x1b\\",
        "link",
        "link",
    ),
    (
        "unterminated OSC eats rest",
        b"a\x1b]0;title no end",
        "a",
        "a",
    ),
    ("OSC aborted by CAN", b"\x1b]0;t\x18x", "x", "x"),
    ("DCS", b"\x1bP1$tx\x1b\\y", "y", "y"),
    (
        "DCS with sixel-like data",
        b"\x1bPq#0;2;0;0;0~~\x1b\\z",
        "z",
        "z",
    ),
    ("SOS", b"\x1bXhidden\x1b\\v", "v", "v"),
    ("PM", b"\x1b^hidden\x1b\\v", "v", "v"),
    ("APC", b"\x1b_Gf=100;AAAA\x1b\\v", "v", "v"),
    ("bare ESC at end", b"x\x1b", "x", "x"),
    ("bare ESC then text", b"\x1bx", "", ""),
    ("two-byte ESC (RIS reset)", b"\x1bcafter", "after", "after"),
    ("ESC with intermediate (charset)", b"\x1b(0q", "q", "q"),
    ("DECSC / DECRC", b"\x1b7a\x1b8", "a", "a"),
    ("raw C1 CSI byte", b"\x9b31mx", "31mx", "31mx"),
    ("raw C1 OSC byte", b"\x9d0;t\x9cx", "0;tx", "0;tx"),
    ("utf-8 encoded C1 CSI", "\u{9b}2Jx".as_bytes(), "2Jx", "2Jx"),
    ("utf-8 encoded NEL", "a\u{85}b".as_bytes(), "ab", "ab"),
    (
        "ESC inside CSI restarts",
        b"\x1b[3\x1b[31mx",
        "x",
        "\x1b[31mx\x1b[0m",
    ),
    ("CSI cancelled by SUB", b"\x1b[31\x1amx", "mx", "mx"),
];

#[test]
fn table_line_and_sgr() {
    for (name, input, line, sgr) in CASES {
        assert_eq!(sanitize_line(input), *line, "sanitize_line: {name}");
        assert_eq!(sanitize_keep_sgr(input), *sgr, "sanitize_keep_sgr: {name}");
    }
}

#[test]
fn sgr_with_too_many_params_is_dropped() {
    let mut input = b"\x1b[".to_vec();
    for _ in 0..40 {
        input.extend_from_slice(b"1;");
    }
    input.extend_from_slice(b"1mx");
    assert_eq!(sanitize_keep_sgr(&input), "x");
}

#[test]
fn text_mode_keeps_newlines() {
    let cases: &[(&[u8], &str)] = &[
        (b"one\ntwo\n", "one\ntwo\n"),
        (b"one\r\ntwo\r\n", "one\ntwo\n"),
        (b"a\x1b]52;c;eA==\x07b\nc", "ab\nc"),
        (b"x\ry\n", "x y\n"),
        (b"bell\x07\n", "bell\n"),
    ];
    for (input, want) in cases {
        assert_eq!(sanitize_text(input), *want, "{input:?}");
    }
}

#[test]
fn tui_mode_expands_tabs_and_has_no_controls() {
    let cases: &[(&[u8], &str)] = &[
        (b"a\tb", "a       b"),
        (b"\tx", "        x"),
        (b"1234567\tx", "1234567 x"),
        (b"12345678\tx", "12345678        x"),
        (b"\x1b[31mred\t\x1b[0m", "red     "),
    ];
    for (input, want) in cases {
        let got = sanitize_for_tui(input);
        assert_eq!(got, *want, "{input:?}");
        assert!(!got.chars().any(char::is_control), "{got:?}");
    }
}

#[test]
fn appending_variants_append() {
    let mut buf = String::from("api-1  | ");
    sanitize_line_into(b"\x1b[2Jhi", &mut buf);
    assert_eq!(buf, "api-1  | hi");
    let mut buf = String::from("> ");
    sanitize_keep_sgr_into(b"\x1b[1mbold", &mut buf);
    assert_eq!(buf, "> \x1b[1mbold\x1b[0m");
}

#[test]
fn str_variant() {
    assert_eq!(sanitize_str("ok\u{1b}]0;t\u{7}!"), "ok!");
}

#[test]
fn sgr_params_are_reformatted_from_numbers() {
    // Leading zeros and empty params are normalised; nothing but digits, ';' and ':' survive.
    assert_eq!(sanitize_keep_sgr(b"\x1b[001;;4mx"), "\x1b[1;0;4mx\x1b[0m");
    assert_eq!(itoa_u16(0).as_str(), "0");
    assert_eq!(itoa_u16(65535).as_str(), "65535");
}
