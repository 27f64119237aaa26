//! `devctl audit [--json]` — the log of destructive actions performed or refused.

use clap::Args;

use super::Ctx;
use crate::audit;
use crate::error::{Error, Result};

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Machine-readable output (a JSON array of records).
    #[arg(long)]
    pub json: bool,
}

/// Pure: the audit table, a header row then one row per record (control characters removed).
pub fn render(records: &[audit::Record]) -> Vec<String> {
    let rows: Vec<Vec<String>> = records
        .iter()
        .map(|r| {
            let detail = match (r.result.get("removed"), r.result.get("reason")) {
                (Some(serde_json::Value::Array(rm)), _) => {
                    let names: Vec<&str> = rm.iter().filter_map(|v| v.as_str()).collect();
                    format!(
                        "removed: {}",
                        if names.is_empty() {
                            "none".into()
                        } else {
                            names.join(", ")
                        }
                    )
                }
                (_, Some(serde_json::Value::String(reason))) => reason.clone(),
                _ => String::new(),
            };
            let detail = match r.result.get("stopped").and_then(|s| s.as_str()) {
                Some(why) => format!("STOPPED: {why}; {detail}"),
                None => detail,
            };
            let argv = r.argv.iter().skip(1).cloned().collect::<Vec<_>>().join(" ");
            [
                r.time.as_str(),
                &r.user,
                &r.decision,
                &r.project,
                &format!("`{argv}`"),
                &detail,
            ]
            .iter()
            .map(|c| crate::sanitize::sanitize_str(c))
            .collect()
        })
        .collect();
    crate::format::table(
        &["TIME", "USER", "DECISION", "PROJECT", "COMMAND", "RESULT"],
        &rows,
    )
}

pub fn run(ctx: &Ctx, args: &AuditArgs) -> Result<u8> {
    let (records, problems) = audit::read(&ctx.env)?;
    for p in &problems {
        eprintln!(
            "devctl: warning: skipped {}",
            crate::sanitize::sanitize_str(p)
        );
    }
    if args.json {
        let text = serde_json::to_string_pretty(&records)
            .map_err(|e| Error::general(format!("cannot print the audit log: {e}")))?;
        println!("{}", crate::sanitize::json_safe(text));
    } else if records.is_empty() {
        let what = if problems.is_empty() {
            "is empty"
        } else {
            "holds no readable record"
        };
        eprintln!(
            "(the audit log {} {what})",
            audit::log_path(&ctx.env)?.display()
        );
    } else {
        for line in render(&records) {
            println!("{line}");
        }
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines() {
        let mut r = audit::Record::new(&Default::default(), std::path::Path::new("/w"), "shop");
        r.time = "2026-11-21T19:00:00Z".into();
        r.user = "ana".into();
        r.argv = vec!["devctl".into(), "down".into(), "-v".into()];
        r.decision = "confirmed-typed".into();
        r.result = serde_json::json!({"removed": ["shop_db"]});
        let mut refused = r.clone();
        refused.decision = "refused".into();
        refused.result = serde_json::json!({"reason": "no terminal\u{1b}[2J"});
        let lines = render(&[r, refused]);
        assert_eq!(
            lines,
            vec![
                "TIME                  USER  DECISION         PROJECT  COMMAND    RESULT",
                "2026-11-21T19:00:00Z  ana   confirmed-typed  shop     `down -v`  removed: shop_db",
                "2026-11-21T19:00:00Z  ana   refused          shop     `down -v`  no terminal",
            ]
        );
    }
}
