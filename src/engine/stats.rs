//! CPU and memory of running containers: the arithmetic `docker stats` uses (pure, tested)
//! and one stats stream per container.

use bollard::Docker;
use bollard::models::{ContainerCpuStats, ContainerMemoryStats, ContainerStatsResponse};
use bollard::query_parameters::StatsOptions;
use futures_util::StreamExt;

use super::model::Usage;

/// CPU percent as `docker stats` computes it on Linux: the container's CPU time delta over
/// the host's CPU time delta between the previous and this sample, times the number of
/// online CPUs, times 100 (so one busy core = 100 %).
pub fn cpu_percent(cur: &ContainerCpuStats, pre: &ContainerCpuStats) -> f64 {
    let total = |s: &ContainerCpuStats| s.cpu_usage.as_ref().and_then(|u| u.total_usage);
    let cpu_delta = total(cur).unwrap_or(0) as f64 - total(pre).unwrap_or(0) as f64;
    let system_delta =
        cur.system_cpu_usage.unwrap_or(0) as f64 - pre.system_cpu_usage.unwrap_or(0) as f64;
    let mut online = f64::from(cur.online_cpus.unwrap_or(0));
    if online == 0.0 {
        online = cur
            .cpu_usage
            .as_ref()
            .and_then(|u| u.percpu_usage.as_ref())
            .map_or(0, Vec::len) as f64;
    }
    if system_delta > 0.0 && cpu_delta > 0.0 {
        cpu_delta / system_delta * online * 100.0
    } else {
        0.0
    }
}

/// Memory in use as `docker stats` shows it: usage minus the inactive page cache
/// (`total_inactive_file` on cgroup v1, `inactive_file` on cgroup v2).
pub fn mem_used(m: &ContainerMemoryStats) -> u64 {
    let usage = m.usage.unwrap_or(0);
    let stat = |k: &str| m.stats.as_ref().and_then(|s| s.get(k)).copied();
    if let Some(v) = stat("total_inactive_file")
        && v < usage
    {
        return usage - v;
    }
    match stat("inactive_file") {
        Some(v) if v < usage => usage - v,
        _ => usage,
    }
}

/// One stats sample → [`Usage`].
pub fn usage_from_stats(s: &ContainerStatsResponse) -> Usage {
    let cpu = match (&s.cpu_stats, &s.precpu_stats) {
        (Some(c), Some(p)) => cpu_percent(c, p),
        _ => 0.0,
    };
    let (mem, limit) = s
        .memory_stats
        .as_ref()
        .map_or((0, 0), |m| (mem_used(m), m.limit.unwrap_or(0)));
    Usage {
        cpu_percent: cpu,
        mem_bytes: mem,
        mem_limit: limit,
    }
}

impl Usage {
    /// Memory percent of the limit, as `docker stats` shows it (0 without a limit).
    pub fn mem_percent(&self) -> f64 {
        if self.mem_limit == 0 {
            0.0
        } else {
            self.mem_bytes as f64 / self.mem_limit as f64 * 100.0
        }
    }

    /// Sum of several containers (a scaled service).
    pub fn sum<'a>(it: impl IntoIterator<Item = &'a Usage>) -> Usage {
        it.into_iter().fold(Usage::default(), |a, u| Usage {
            cpu_percent: a.cpu_percent + u.cpu_percent,
            mem_bytes: a.mem_bytes + u.mem_bytes,
            mem_limit: a.mem_limit.max(u.mem_limit),
        })
    }
}

/// One usage sample of a running container, as `docker stats --no-stream` takes it (the
/// Engine waits for a second CPU sample, about a second). `None` when it is not running or the
/// Engine gives no CPU baseline.
pub async fn usage_once(docker: &Docker, id: &str) -> Option<Usage> {
    let opts = StatsOptions {
        stream: false,
        one_shot: false,
    };
    let s = docker.stats(id, Some(opts)).next().await?.ok()?;
    usage_with_baseline(&s)
}

/// The usage of a sample that has a previous CPU sample to compare with (`docker stats`
/// skips the others: their CPU percentage would be meaningless).
fn usage_with_baseline(s: &ContainerStatsResponse) -> Option<Usage> {
    let has_pre = s
        .precpu_stats
        .as_ref()
        .and_then(|p| p.system_cpu_usage)
        .is_some_and(|v| v > 0);
    has_pre.then(|| usage_from_stats(s))
}

/// Stream the usage of one container (about one sample per second) until it stops or
/// the connection drops. The first sample of a stream has no previous CPU sample and is
/// skipped, as `docker stats` does.
pub fn usage_stream(docker: &Docker, id: &str) -> impl futures_util::Stream<Item = Usage> + use<> {
    let opts = StatsOptions {
        stream: true,
        one_shot: false,
    };
    docker
        .stats(id, Some(opts))
        .take_while(|r| std::future::ready(r.is_ok()))
        .filter_map(|r| std::future::ready(r.ok().and_then(|s| usage_with_baseline(&s))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use bollard::models::ContainerCpuUsage;
    use std::collections::HashMap;

    fn cpu(total: u64, system: u64, online: u32, percpu: usize) -> ContainerCpuStats {
        ContainerCpuStats {
            cpu_usage: Some(ContainerCpuUsage {
                total_usage: Some(total),
                percpu_usage: (percpu > 0).then(|| vec![0; percpu]),
                ..Default::default()
            }),
            system_cpu_usage: Some(system),
            online_cpus: Some(online),
            ..Default::default()
        }
    }

    #[test]
    fn cpu_percent_table() {
        // (cur, pre, want)
        let cases = [
            // one full core of two: 1e9 ns of 2e9 system ns * 2 cpus = 100 %
            (
                cpu(2_000_000_000, 4_000_000_000, 2, 0),
                cpu(1_000_000_000, 2_000_000_000, 2, 0),
                100.0,
            ),
            // half a core on 4 cpus
            (cpu(500, 4_000, 4, 0), cpu(0, 0, 4, 0), 50.0),
            // online_cpus missing (0): falls back to len(percpu_usage)
            (cpu(500, 4_000, 0, 4), cpu(0, 0, 0, 4), 50.0),
            // no system progress → 0
            (cpu(500, 1_000, 2, 0), cpu(0, 1_000, 2, 0), 0.0),
            // counter went backwards (restart) → 0
            (cpu(100, 2_000, 2, 0), cpu(500, 1_000, 2, 0), 0.0),
        ];
        for (c, p, want) in cases {
            let got = cpu_percent(&c, &p);
            assert!((got - want).abs() < 1e-9, "{got} != {want}");
        }
    }

    fn mem(usage: u64, stats: &[(&str, u64)], limit: u64) -> ContainerMemoryStats {
        ContainerMemoryStats {
            usage: Some(usage),
            stats: Some(
                stats
                    .iter()
                    .map(|(k, v)| (k.to_string(), *v))
                    .collect::<HashMap<_, _>>(),
            ),
            limit: Some(limit),
            ..Default::default()
        }
    }

    #[test]
    fn mem_used_table() {
        let cases = [
            // cgroup v1: usage - total_inactive_file
            (
                mem(
                    1000,
                    &[("total_inactive_file", 300), ("inactive_file", 100)],
                    0,
                ),
                700,
            ),
            // cgroup v1 with inactive >= usage: falls through to the v2 key
            (
                mem(
                    1000,
                    &[("total_inactive_file", 2000), ("inactive_file", 100)],
                    0,
                ),
                900,
            ),
            // cgroup v2
            (mem(1000, &[("inactive_file", 250)], 0), 750),
            // no stats at all
            (mem(1000, &[], 0), 1000),
            (mem(100, &[("inactive_file", 250)], 0), 100),
        ];
        for (m, want) in cases {
            assert_eq!(mem_used(&m), want, "{m:?}");
        }
    }

    #[test]
    fn usage_from_captured_sample() {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/engine/stats_web.json");
        let text = std::fs::read_to_string(p).expect("fixture");
        let s: ContainerStatsResponse = serde_json::from_str(&text).expect("stats json");
        let u = usage_from_stats(&s);
        // (213566051 - 198817709) / (1007030000000 - 1005030000000) * 2 * 100
        let want_cpu = 14_748_342.0 / 2_000_000_000.0 * 2.0 * 100.0;
        assert!((u.cpu_percent - want_cpu).abs() < 1e-9, "{}", u.cpu_percent);
        // usage 663552 - total_inactive_file 0
        assert_eq!(u.mem_bytes, 663_552);
        assert_eq!(u.mem_limit, 25_276_502_016);
        assert!(u.mem_percent() < 0.01);
    }

    #[test]
    fn sum_and_percent() {
        let a = Usage {
            cpu_percent: 10.0,
            mem_bytes: 100,
            mem_limit: 1000,
        };
        let b = Usage {
            cpu_percent: 5.5,
            mem_bytes: 50,
            mem_limit: 1000,
        };
        let s = Usage::sum([&a, &b]);
        assert!((s.cpu_percent - 15.5).abs() < 1e-9);
        assert_eq!(s.mem_bytes, 150);
        assert!((s.mem_percent() - 15.0).abs() < 1e-9);
        assert_eq!(Usage::default().mem_percent(), 0.0);
    }
}
