use super::*;

const T1: &str = "2024-05-01T10:00:00.000000001Z";
const T2: &str = "2024-05-01T10:00:00.000000002Z";
const T3: &str = "2024-05-01T10:00:01.500000000Z";

fn ts(s: &str) -> Option<DateTime<Utc>> {
    parse_timestamp(s.as_bytes())
}

fn msg(t: &str, content: &str) -> Vec<u8> {
    format!("{t} {content}").into_bytes()
}

fn line(stream: Stream, t: &str, text: &str) -> RawLine {
    RawLine {
        stream,
        timestamp: ts(t),
        bytes: text.as_bytes().to_vec(),
    }
}

fn frames(input: &[(Stream, Vec<u8>)]) -> Vec<RawLine> {
    let mut a = Assembler::new(true);
    let mut out = Vec::new();
    for (s, f) in input {
        a.push_frame(*s, f, &mut |l| out.push(l));
    }
    a.finish(&mut |l| out.push(l));
    out
}

fn raw_chunks(chunks: &[&[u8]]) -> Vec<RawLine> {
    let mut a = Assembler::new(true);
    let mut out = Vec::new();
    for c in chunks {
        a.push_raw(c, &mut |l| out.push(l));
    }
    a.finish(&mut |l| out.push(l));
    out
}

#[test]
fn timestamps_parse() {
    let cases: &[(&str, Option<i64>)] = &[
        (
            "2024-05-01T10:00:00.000000001Z",
            Some(1_714_557_600_000_000_001),
        ),
        (
            "2024-05-01T12:00:00.000000001+02:00",
            Some(1_714_557_600_000_000_001),
        ),
        ("2024-05-01T10:00:00Z", Some(1_714_557_600_000_000_000)),
        ("2024-05-01T10:00:00.5Z", Some(1_714_557_600_500_000_000)),
        ("2024-13-01T10:00:00.000000001Z", None),
        ("2024-05-01X10:00:00.000000001Z", None),
        ("hello", None),
        ("", None),
    ];
    for (s, want) in cases {
        let got = parse_timestamp(s.as_bytes()).and_then(|t| t.timestamp_nanos_opt());
        assert_eq!(got, *want, "{s}");
    }
}

#[test]
fn split_timestamp_cases() {
    let (t, rest) = split_timestamp(b"2024-05-01T10:00:00.000000001Z hello world\n");
    assert_eq!(t, ts(T1));
    assert_eq!(rest, b"hello world\n");
    let (t, rest) = split_timestamp(b"no timestamp here");
    assert_eq!((t, rest), (None, &b"no timestamp here"[..]));
    let (t, rest) = split_timestamp(b"");
    assert_eq!((t, rest), (None, &b""[..]));
}

#[test]
fn multiplexed_frames() {
    use Stream::{Stderr, Stdout};
    type Case = (&'static str, Vec<(Stream, Vec<u8>)>, Vec<RawLine>);
    let big_a = "a".repeat(ENGINE_FRAGMENT);
    let cases: Vec<Case> = vec![
        (
            "one line each",
            vec![(Stdout, msg(T1, "one\n")), (Stderr, msg(T2, "two\n"))],
            vec![line(Stdout, T1, "one"), line(Stderr, T2, "two")],
        ),
        (
            "CRLF and empty line",
            vec![(Stdout, msg(T1, "crlf\r\n")), (Stdout, msg(T2, "\n"))],
            vec![line(Stdout, T1, "crlf"), line(Stdout, T2, "")],
        ),
        (
            "fragments of a long line are joined, first timestamp kept",
            vec![(Stdout, msg(T1, &big_a)), (Stdout, msg(T2, "tail\n"))],
            vec![line(Stdout, T1, &format!("{big_a}tail"))],
        ),
        (
            "stdout and stderr fragments interleaved",
            vec![
                (Stdout, msg(T1, "out-a")),
                (Stderr, msg(T1, "err-a")),
                (Stderr, msg(T2, "err-b\n")),
                (Stdout, msg(T3, "out-b\n")),
            ],
            vec![
                line(Stderr, T1, "err-aerr-b"),
                line(Stdout, T1, "out-aout-b"),
            ],
        ),
        (
            "trailing partial flushed at the end",
            vec![(Stdout, msg(T1, "done\n")), (Stdout, msg(T2, "no newline"))],
            vec![line(Stdout, T1, "done"), line(Stdout, T2, "no newline")],
        ),
        (
            "several lines in one frame share its timestamp",
            vec![(Stdout, msg(T1, "x\ny\n"))],
            vec![line(Stdout, T1, "x"), line(Stdout, T1, "y")],
        ),
        (
            "frame without timestamp",
            vec![(Stdout, b"plain\n".to_vec())],
            vec![RawLine {
                stream: Stdout,
                timestamp: None,
                bytes: b"plain".to_vec(),
            }],
        ),
    ];
    for (name, input, want) in cases {
        assert_eq!(frames(&input), want, "{name}");
    }
}

#[test]
fn endless_line_is_cut_at_max_line() {
    let chunk = "z".repeat(ENGINE_FRAGMENT);
    let mut input = Vec::new();
    let n = MAX_LINE / ENGINE_FRAGMENT * 2 + 1;
    for _ in 0..n {
        input.push((Stream::Stdout, msg(T1, &chunk)));
    }
    input.push((Stream::Stdout, msg(T2, "end\n")));
    let out = frames(&input);
    let lens: Vec<usize> = out.iter().map(|l| l.bytes.len()).collect();
    assert_eq!(lens, vec![MAX_LINE, MAX_LINE, ENGINE_FRAGMENT + 3]);
    assert!(out.iter().all(|l| l.timestamp == ts(T1)));
}

/// A TTY stream as the Engine sends it, for the raw tests.
fn tty_stream() -> (Vec<u8>, Vec<RawLine>) {
    let long = "x".repeat(ENGINE_FRAGMENT * 2 + 100);
    let mut s = Vec::new();
    s.extend(msg(T1, "abcdef\r\n"));
    // A long line arrives as fragments of 16 KiB, each with its own timestamp.
    s.extend(msg(T2, &long[..ENGINE_FRAGMENT]));
    s.extend(msg(T2, &long[ENGINE_FRAGMENT..ENGINE_FRAGMENT * 2]));
    s.extend(msg(T3, &format!("{}\r\n", &long[ENGINE_FRAGMENT * 2..])));
    s.extend(msg(T3, "\x1b[31mred\x1b[0m\r\n"));
    s.extend(msg(T3, "last, no newline"));
    let want = vec![
        line(Stream::Stdout, T1, "abcdef"),
        line(Stream::Stdout, T2, &long),
        line(Stream::Stdout, T3, "\x1b[31mred\x1b[0m"),
        line(Stream::Stdout, T3, "last, no newline"),
    ];
    (s, want)
}

#[test]
fn raw_stream_whole() {
    let (s, want) = tty_stream();
    assert_eq!(raw_chunks(&[&s]), want);
}

#[test]
fn raw_stream_any_chunking_gives_the_same_lines() {
    let (s, want) = tty_stream();
    // Every split into two chunks around the interesting places, and fixed-size chunkings.
    let mut points: Vec<usize> = (0..80).collect();
    for base in [31 + 8, ENGINE_FRAGMENT + 39, 2 * ENGINE_FRAGMENT + 70] {
        points.extend(base.saturating_sub(40)..(base + 40).min(s.len()));
    }
    for p in points {
        let p = p.min(s.len());
        assert_eq!(raw_chunks(&[&s[..p], &s[p..]]), want, "split at {p}");
    }
    for size in [1, 3, 7, 30, 31, 32, 1000, 4096] {
        let chunks: Vec<&[u8]> = s.chunks(size).collect();
        assert_eq!(raw_chunks(&chunks), want, "chunks of {size}");
    }
}

#[test]
fn raw_text_at_a_fragment_boundary_that_is_no_timestamp_is_kept() {
    let mut content = "y".repeat(ENGINE_FRAGMENT);
    content.push_str("2024 is not a timestamp\r\n");
    let s = msg(T1, &content);
    let out = raw_chunks(&[&s]);
    assert_eq!(out, vec![line(Stream::Stdout, T1, content.trim_end())]);
}

#[test]
fn without_requested_timestamps_content_is_never_taken_for_one() {
    let mut a = Assembler::new(false);
    let mut out = Vec::new();
    a.push_frame(Stream::Stdout, &msg(T1, "app log\n"), &mut |l| out.push(l));
    a.push_raw(&msg(T2, "tty log\n"), &mut |l| out.push(l));
    a.finish(&mut |l| out.push(l));
    assert_eq!(
        out,
        vec![
            RawLine {
                stream: Stream::Stdout,
                timestamp: None,
                bytes: format!("{T1} app log").into_bytes(),
            },
            RawLine {
                stream: Stream::Stdout,
                timestamp: None,
                bytes: format!("{T2} tty log").into_bytes(),
            },
        ]
    );
}

#[test]
fn raw_stream_without_timestamps_still_splits_lines() {
    let out = raw_chunks(&[b"hello\nwor", b"ld\n"]);
    let texts: Vec<&[u8]> = out.iter().map(|l| l.bytes.as_slice()).collect();
    assert_eq!(texts, vec![&b"hello"[..], &b"world"[..]]);
    assert!(out.iter().all(|l| l.timestamp.is_none()));
}

#[test]
fn raw_endless_line_is_cut() {
    let content = "q".repeat(MAX_LINE + 10);
    let s = msg(T1, &content);
    let chunks: Vec<&[u8]> = s.chunks(65536).collect();
    let out = raw_chunks(&chunks);
    let lens: Vec<usize> = out.iter().map(|l| l.bytes.len()).collect();
    assert_eq!(lens, vec![MAX_LINE, 10]);
    assert!(out.iter().all(|l| l.timestamp == ts(T1)));
}
