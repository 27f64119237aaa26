//! `.dockerignore` matching as the builder does it: Go `filepath.Match` patterns plus `**`,
//! a leading `/` ignored, `!` re-includes, the last matching line wins, and a pattern that
//! matches a parent directory excludes everything below it.

use regex::Regex;

/// Compiled ignore rules.
#[derive(Debug)]
pub struct Ignore {
    rules: Vec<(Regex, bool)>,
}

impl Ignore {
    pub fn parse(text: &str) -> Ignore {
        let mut rules = Vec::new();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (negate, pat) = match line.strip_prefix('!') {
                Some(p) => (true, p.trim()),
                None => (false, line),
            };
            let pat = clean(pat);
            if pat.is_empty() {
                continue;
            }
            if let Ok(re) = Regex::new(&to_regex(&pat)) {
                rules.push((re, negate));
            }
        }
        Ignore { rules }
    }

    /// True when `path` (relative to the context, `/`-separated) is excluded from the context.
    pub fn excludes(&self, path: &str) -> bool {
        let path = clean(path);
        let mut parents = Vec::new();
        let mut acc = String::new();
        for comp in path.split('/') {
            if !acc.is_empty() {
                acc.push('/');
            }
            acc.push_str(comp);
            parents.push(acc.clone());
        }
        let mut excluded = false;
        for (re, negate) in &self.rules {
            if parents.iter().any(|p| re.is_match(p)) {
                excluded = !negate;
            }
        }
        excluded
    }
}

fn clean(p: &str) -> String {
    let p = p.trim_start_matches("./").trim_start_matches('/');
    let mut parts: Vec<&str> = Vec::new();
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    parts.join("/")
}

fn to_regex(pat: &str) -> String {
    let mut re = String::from("^");
    let chars: Vec<char> = pat.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '*' if chars.get(i + 1) == Some(&'*') => {
                // `**/` matches zero or more directories; a trailing `**` matches anything.
                if chars.get(i + 2) == Some(&'/') {
                    re.push_str("(?:.*/)?");
                    i += 3;
                } else {
                    re.push_str(".*");
                    i += 2;
                }
                continue;
            }
            '*' => re.push_str("[^/]*"),
            '?' => re.push_str("[^/]"),
            '[' => {
                let end = chars[i + 1..]
                    .iter()
                    .position(|&c| c == ']')
                    .map(|p| p + i + 1);
                match end {
                    Some(e) => {
                        let mut class: String = chars[i + 1..e].iter().collect();
                        if let Some(rest) = class.strip_prefix('^') {
                            class = format!("^{}", rest.replace('\\', "\\\\"));
                        } else {
                            class = class.replace('\\', "\\\\");
                        }
                        re.push('[');
                        re.push_str(&class);
                        re.push(']');
                        i = e + 1;
                        continue;
                    }
                    None => re.push_str("\\["),
                }
            }
            '\\' if i + 1 < chars.len() => {
                re.push_str(&regex::escape(&chars[i + 1].to_string()));
                i += 2;
                continue;
            }
            c => re.push_str(&regex::escape(&c.to_string())),
        }
        i += 1;
    }
    re.push('$');
    re
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        let cases: &[(&str, &str, bool)] = &[
            (".env", ".env", true),
            (".env*", ".env", true),
            (".env*", ".env.local", true),
            (".env.*", ".env", false),
            ("*.env", ".env", true),
            ("**/.env", ".env", true),
            ("**/.env", "a/b/.env", true),
            (".env", "a/.env", false),
            ("node_modules", "node_modules/x/y", true),
            ("node_modules/", "node_modules/x", true),
            ("/dist", "dist", true),
            ("docs", ".env", false),
            (".env\n.env.*\n!.env.example", ".env.example", false),
            (".env\n.env.*\n!.env.example", ".env.local", true),
            (".env\n!.env", ".env", false),
            ("!.env\n.env", ".env", true),
            ("*", ".env", true),
            ("# .env", ".env", false),
            ("[.]env", ".env", true),
            ("?env", ".env", true),
        ];
        for (rules, path, want) in cases {
            assert_eq!(
                Ignore::parse(rules).excludes(path),
                *want,
                "rules {rules:?} path {path}"
            );
        }
    }
}
