//! The share of CPU time the virtual machine's host took for other guests (`steal` in
//! /proc/stat) while a run was measured: on a shared host the same work takes longer when
//! it is high, which no estimate made beforehand can know.

/// CPU counters since boot: (all, stolen), in clock ticks.
#[derive(Clone, Copy)]
pub struct Ticks(u64, u64);

pub fn now() -> Ticks {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let fields: Vec<u64> = stat
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        // user … steal; guest time is already counted in user.
        .take(8)
        .filter_map(|f| f.parse().ok())
        .collect();
    Ticks(fields.iter().sum(), fields.get(7).copied().unwrap_or(0))
}

/// Stolen share of the CPU time since `from`, in percent.
pub fn since(from: Ticks) -> f64 {
    let to = now();
    let all = to.0.saturating_sub(from.0).max(1);
    100.0 * to.1.saturating_sub(from.1) as f64 / all as f64
}
