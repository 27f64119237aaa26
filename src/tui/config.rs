//! The dashboard's config file (YAML): key bindings, colours, log buffer size, stats refresh.
//!
//! Location: `$DEVCTL_DASHBOARD_CONFIG`, else `dashboard.yaml` in the user config directory
//! (`directories`: `~/.config/devctl/` on Linux). A missing file means defaults; a broken one
//! is an error naming the file, the key and the value.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use ratatui::style::Color;
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::tui::keymap::{Action, KeyMap};
use crate::tui::text::parse_go_duration;

/// Lines kept per service in the log pane unless configured.
pub const DEFAULT_LOG_LINES: usize = 5_000;
/// How often CPU/memory are refreshed on screen unless configured.
pub const DEFAULT_STATS_REFRESH: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub keys: KeyMap,
    pub theme: Theme,
    pub log_buffer_lines: usize,
    /// None: no CPU/memory stats at all (no stats streams are opened).
    pub stats_refresh: Option<Duration>,
    /// Where the config came from (for the help screen).
    pub source: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            keys: KeyMap::default(),
            theme: Theme::default(),
            log_buffer_lines: DEFAULT_LOG_LINES,
            stats_refresh: Some(DEFAULT_STATS_REFRESH),
            source: None,
        }
    }
}

/// Colours of the dashboard. With colour disabled every entry is `Color::Reset` and the
/// widgets rely on text and modifiers (bold, reversed) alone.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Theme {
    pub healthy: Color,
    pub unhealthy: Color,
    pub starting: Color,
    pub running: Color,
    pub exited: Color,
    pub inactive: Color,
    pub accent: Color,
    pub protected: Color,
    pub read_only: Color,
    pub border: Color,
    pub focus: Color,
    pub search: Color,
    pub color: bool,
}

impl Default for Theme {
    fn default() -> Self {
        Theme {
            healthy: Color::Green,
            unhealthy: Color::Red,
            starting: Color::Yellow,
            running: Color::Cyan,
            exited: Color::Red,
            inactive: Color::DarkGray,
            accent: Color::Cyan,
            protected: Color::Red,
            read_only: Color::Magenta,
            border: Color::DarkGray,
            focus: Color::Cyan,
            search: Color::Yellow,
            color: true,
        }
    }
}

impl Theme {
    /// Every colour reset (`NO_COLOR`, `--no-color`).
    pub fn monochrome() -> Self {
        let r = Color::Reset;
        Theme {
            healthy: r,
            unhealthy: r,
            starting: r,
            running: r,
            exited: r,
            inactive: r,
            accent: r,
            protected: r,
            read_only: r,
            border: r,
            focus: r,
            search: r,
            color: false,
        }
    }

    /// Colour of service `i`'s log prefix (the palette Compose uses, in order).
    pub fn service_color(&self, i: usize) -> Color {
        if !self.color {
            return Color::Reset;
        }
        const PALETTE: [Color; 10] = [
            Color::Cyan,
            Color::Yellow,
            Color::Green,
            Color::Magenta,
            Color::Blue,
            Color::LightCyan,
            Color::LightYellow,
            Color::LightGreen,
            Color::LightMagenta,
            Color::LightBlue,
        ];
        PALETTE[i % PALETTE.len()]
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    keys: BTreeMap<Action, OneOrMany>,
    #[serde(default)]
    colors: BTreeMap<String, String>,
    #[serde(default)]
    log_buffer_lines: Option<usize>,
    #[serde(default)]
    stats_refresh: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

/// The default location of the config file.
pub fn default_path(env: &BTreeMap<String, String>) -> Option<PathBuf> {
    if let Some(p) = env.get("DEVCTL_DASHBOARD_CONFIG").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    directories::ProjectDirs::from("", "", "devctl").map(|d| d.config_dir().join("dashboard.yaml"))
}

/// Load the config at `path` (missing → defaults). `color` false gives the monochrome theme
/// whatever the file says.
pub fn load(path: Option<&Path>, color: bool) -> Result<Config> {
    let mut cfg = match path {
        Some(p) => match crate::project::read::text_if_exists("dashboard config", p)? {
            Some(text) => parse(&text, p)?,
            None => Config::default(),
        },
        None => Config::default(),
    };
    if !color {
        cfg.theme = Theme::monochrome();
    }
    Ok(cfg)
}

/// Parse the config text of file `path`.
pub fn parse(text: &str, path: &Path) -> Result<Config> {
    let bad = |msg: String| {
        Error::config(format!("{}: {msg}", path.display())).with_hint(
            "fix or delete the dashboard config file (keys, colors, log_buffer_lines, stats_refresh)",
        )
    };
    let raw: RawConfig = if text.trim().is_empty() {
        RawConfig::default()
    } else {
        crate::project::yaml::from_str(text).map_err(|e| bad(e.to_string()))?
    };
    let overrides: BTreeMap<Action, Vec<String>> = raw
        .keys
        .into_iter()
        .map(|(a, k)| {
            let v = match k {
                OneOrMany::One(s) => vec![s],
                OneOrMany::Many(v) => v,
            };
            (a, v)
        })
        .collect();
    let keys = KeyMap::with_overrides(&overrides).map_err(bad)?;
    let mut theme = Theme::default();
    for (name, value) in &raw.colors {
        let c = Color::from_str(value).map_err(|_| {
            bad(format!(
                "colors.{name}: `{value}` is not a colour (use a name like `red`, `light-green`, \
                 an index 0-255, or `#rrggbb`)"
            ))
        })?;
        let slot = match name.as_str() {
            "healthy" => &mut theme.healthy,
            "unhealthy" => &mut theme.unhealthy,
            "starting" => &mut theme.starting,
            "running" => &mut theme.running,
            "exited" => &mut theme.exited,
            "inactive" => &mut theme.inactive,
            "accent" => &mut theme.accent,
            "protected" => &mut theme.protected,
            "read_only" => &mut theme.read_only,
            "border" => &mut theme.border,
            "focus" => &mut theme.focus,
            "search" => &mut theme.search,
            other => {
                return Err(bad(format!(
                    "colors.{other}: unknown colour slot (known: healthy, unhealthy, starting, \
                     running, exited, inactive, accent, protected, read_only, border, focus, search)"
                )));
            }
        };
        *slot = c;
    }
    let log_buffer_lines = match raw.log_buffer_lines {
        None => DEFAULT_LOG_LINES,
        Some(0) => {
            return Err(bad(
                "log_buffer_lines: 0 keeps no log lines; use at least 1".to_string(),
            ));
        }
        Some(n) => n,
    };
    let stats_refresh = match raw.stats_refresh.as_deref() {
        None => Some(DEFAULT_STATS_REFRESH),
        Some("off" | "never" | "0") => None,
        Some(s) => match parse_go_duration(s) {
            Some(d) if d >= Duration::from_millis(250) => Some(d),
            _ => {
                return Err(bad(format!(
                    "stats_refresh: `{s}` is not a duration of at least 250ms (e.g. `2s`, or `off`)"
                )));
            }
        },
    };
    Ok(Config {
        keys,
        theme,
        log_buffer_lines,
        stats_refresh,
        source: Some(path.to_path_buf()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::keymap::KeySpec;
    use crossterm::event::{KeyCode, KeyModifiers};

    fn p() -> PathBuf {
        PathBuf::from("/home/u/.config/devctl/dashboard.yaml")
    }

    #[test]
    fn empty_file_gives_defaults() {
        let c = parse("", &p()).expect("ok");
        assert_eq!(c.log_buffer_lines, DEFAULT_LOG_LINES);
        assert_eq!(c.stats_refresh, Some(DEFAULT_STATS_REFRESH));
        assert_eq!(c.keys, KeyMap::default());
    }

    #[test]
    fn full_file() {
        let text = "keys:\n  shell: ctrl-s\n  quit: [q, Q]\ncolors:\n  healthy: light-green\n  unhealthy: '#ff0000'\nlog_buffer_lines: 200\nstats_refresh: 5s\n";
        let c = parse(text, &p()).expect("ok");
        assert_eq!(c.log_buffer_lines, 200);
        assert_eq!(c.stats_refresh, Some(Duration::from_secs(5)));
        assert_eq!(c.theme.healthy, Color::LightGreen);
        assert_eq!(c.theme.unhealthy, Color::Rgb(255, 0, 0));
        assert_eq!(
            c.keys.keys(Action::Shell),
            [KeySpec {
                code: KeyCode::Char('s'),
                mods: KeyModifiers::CONTROL
            }]
        );
        assert_eq!(c.keys.keys(Action::Quit).len(), 2);
        assert_eq!(
            parse("stats_refresh: off\n", &p())
                .expect("ok")
                .stats_refresh,
            None
        );
    }

    #[test]
    fn errors_name_file_key_and_value() {
        let cases = [
            ("colors:\n  healthy: blurple\n", "colors.healthy: `blurple`"),
            ("colors:\n  sky: red\n", "colors.sky"),
            ("log_buffer_lines: 0\n", "log_buffer_lines: 0"),
            ("stats_refresh: 10ms\n", "stats_refresh: `10ms`"),
            // Too large to represent: an error naming the value, never a panic.
            (
                "stats_refresh: 99999999999999999999h\n",
                "stats_refresh: `99999999999999999999h`",
            ),
            ("keys:\n  quit: hyper-q\n", "hyper-q"),
            ("keys:\n  frobnicate: x\n", "frobnicate"),
            ("keys:\n  build: q\n", "bound to both"),
            ("log_bufer_lines: 3\n", "log_bufer_lines"),
        ];
        for (text, want) in cases {
            let e = parse(text, &p()).expect_err(text);
            let msg = e.to_string();
            assert!(
                msg.contains("dashboard.yaml") && msg.contains(want),
                "{text}: {msg}"
            );
            assert_eq!(e.exit, crate::error::Exit::Config);
        }
    }

    #[test]
    fn missing_file_is_defaults_and_no_color_wins() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("nope.yaml");
        let c = load(Some(&path), false).expect("ok");
        assert_eq!(c.theme, Theme::monochrome());
        let f = dir.path().join("d.yaml");
        std::fs::write(&f, "colors:\n  healthy: blue\n").expect("write");
        assert_eq!(load(Some(&f), true).expect("ok").theme.healthy, Color::Blue);
        assert_eq!(
            load(Some(&f), false).expect("ok").theme.healthy,
            Color::Reset
        );
    }

    #[test]
    fn env_overrides_path() {
        let mut env = BTreeMap::new();
        env.insert(
            "DEVCTL_DASHBOARD_CONFIG".to_string(),
            "/tmp/x.yaml".to_string(),
        );
        assert_eq!(default_path(&env), Some(PathBuf::from("/tmp/x.yaml")));
    }
}
