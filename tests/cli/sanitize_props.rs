//! Property tests for `devctl::sanitize`: whatever bytes a container prints, the output holds
//! no ESC, no C1 control, no C0 control except `\t` (and `\n` in text mode), and nothing panics.

use devctl::sanitize::{
    sanitize_for_tui, sanitize_keep_sgr, sanitize_line, sanitize_str, sanitize_text,
};
use proptest::prelude::*;

fn forbidden(c: char, allow_newline: bool) -> bool {
    match c {
        '\t' => false,
        '\n' => !allow_newline,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' => true,
        _ => false,
    }
}

/// Bytes biased towards the interesting ones: ESC, sequence introducers, terminators, C1.
fn hostile_bytes() -> impl Strategy<Value = Vec<u8>> {
    let interesting = prop_oneof![
        Just(0x1bu8),
        Just(b'['),
        Just(b']'),
        Just(b'P'),
        Just(b'X'),
        Just(b'^'),
        Just(b'_'),
        Just(b'\\'),
        Just(0x07),
        Just(0x18),
        Just(0x1a),
        Just(b'\r'),
        Just(b'\n'),
        Just(b';'),
        Just(b'm'),
        Just(b'5'),
        Just(b'2'),
        0x80u8..=0x9f,
        0xc2u8..=0xc2,
        0xe2u8..=0xe2,
        any::<u8>(),
    ];
    prop::collection::vec(interesting, 0..200)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn line_output_is_inert(input in hostile_bytes()) {
        let out = sanitize_line(&input);
        prop_assert!(!out.chars().any(|c| forbidden(c, false)), "{:?} -> {:?}", input, out);
    }

    #[test]
    fn text_output_is_inert(input in hostile_bytes()) {
        let out = sanitize_text(&input);
        prop_assert!(!out.chars().any(|c| forbidden(c, true)), "{:?} -> {:?}", input, out);
    }

    #[test]
    fn tui_output_has_no_controls_at_all(input in hostile_bytes()) {
        let out = sanitize_for_tui(&input);
        prop_assert!(!out.chars().any(char::is_control), "{:?} -> {:?}", input, out);
    }

    #[test]
    fn random_bytes_any(input in prop::collection::vec(any::<u8>(), 0..400)) {
        let out = sanitize_line(&input);
        prop_assert!(!out.chars().any(|c| forbidden(c, false)));
    }

    #[test]
    fn str_variant_is_inert(input in "\\PC*|[\\x00-\\x{9f}]*") {
        let out = sanitize_str(&input);
        prop_assert!(!out.chars().any(|c| forbidden(c, false)));
    }

    /// With colours kept, the only ESC left starts a well-formed SGR: `ESC [ [0-9;:]* m`,
    /// and a reset closes the line whenever a colour was kept.
    #[test]
    fn keep_sgr_only_leaves_sgr(input in hostile_bytes()) {
        let out = sanitize_keep_sgr(&input);
        let bytes = out.as_bytes();
        let mut i = 0;
        let mut saw_sgr = false;
        while i < bytes.len() {
            let b = bytes[i];
            if b == 0x1b {
                prop_assert_eq!(bytes.get(i + 1), Some(&b'['), "{:?}", out);
                let mut j = i + 2;
                while j < bytes.len() && (bytes[j].is_ascii_digit() || bytes[j] == b';' || bytes[j] == b':') {
                    j += 1;
                }
                prop_assert_eq!(bytes.get(j), Some(&b'm'), "{:?}", out);
                saw_sgr = true;
                i = j + 1;
                continue;
            }
            i += 1;
        }
        let without_sgr: String = strip_sgr(&out);
        prop_assert!(!without_sgr.chars().any(|c| forbidden(c, false)), "{:?}", out);
        if saw_sgr {
            prop_assert!(out.ends_with("\x1b[0m"), "{:?}", out);
        }
    }

    /// Printable text without controls passes through unchanged (bidi controls are controls
    /// too: they reorder what the terminal shows, so the sanitiser removes them).
    #[test]
    fn printable_text_is_unchanged(
        input in "[^\\p{Cc}\u{061C}\u{200E}\u{200F}\u{202A}-\u{202E}\u{2066}-\u{2069}]*"
    ) {
        prop_assert_eq!(sanitize_line(input.as_bytes()), input.clone());
        prop_assert_eq!(sanitize_keep_sgr(input.as_bytes()), input);
    }
}

fn strip_sgr(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for d in chars.by_ref() {
                if d == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}
