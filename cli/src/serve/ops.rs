//! Operations: request counters and latency for `/metrics`, and the JSON
//! access log (which never holds a token: no header value is logged, and
//! the URI is logged without its query).

use std::fmt::Write as _;
use std::io::Write as _;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

/// Latency bucket upper bounds, in microseconds.
const BUCKETS_US: [u64; 10] = [
    50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 50_000, 250_000,
];

/// The answer classes counted.
pub const OUTCOMES: [&str; 5] = [
    "allowed",
    "unauthorized",
    "forbidden",
    "unavailable",
    "other",
];

/// Counters of the HTTP side (the verifier counts its own).
#[derive(Debug, Default)]
pub struct ServeMetrics {
    /// Requests by outcome, in [`OUTCOMES`] order.
    outcomes: [AtomicU64; 5],
    /// Requests by status class 1xx..5xx.
    classes: [AtomicU64; 5],
    /// Cumulative latency buckets ([`BUCKETS_US`], then +Inf).
    buckets: [AtomicU64; 11],
    latency_sum_us: AtomicU64,
    /// Connections refused nothing: open right now.
    pub open_connections: AtomicU64,
    /// Reloads that worked / failed.
    pub reloads_ok: AtomicU64,
    /// Reloads refused (the old configuration stays).
    pub reloads_failed: AtomicU64,
}

impl ServeMetrics {
    /// Counts one request.
    pub fn record(&self, outcome: usize, status: u16, took: Duration) {
        if let Some(c) = self.outcomes.get(outcome) {
            c.fetch_add(1, Relaxed);
        }
        let class = usize::from(status / 100).saturating_sub(1);
        if let Some(c) = self.classes.get(class) {
            c.fetch_add(1, Relaxed);
        }
        let us = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        self.latency_sum_us.fetch_add(us, Relaxed);
        let i = BUCKETS_US
            .iter()
            .position(|&b| us <= b)
            .unwrap_or(BUCKETS_US.len());
        if let Some(c) = self.buckets.get(i) {
            c.fetch_add(1, Relaxed);
        }
    }

    /// Prometheus text for these counters, names starting with `prefix`.
    pub fn prometheus(&self, prefix: &str) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "# HELP {prefix}_http_requests_total Requests answered, by outcome."
        );
        let _ = writeln!(s, "# TYPE {prefix}_http_requests_total counter");
        for (name, c) in OUTCOMES.iter().zip(&self.outcomes) {
            let _ = writeln!(
                s,
                "{prefix}_http_requests_total{{outcome=\"{name}\"}} {}",
                c.load(Relaxed)
            );
        }
        let _ = writeln!(
            s,
            "# HELP {prefix}_http_responses_total Responses by status class."
        );
        let _ = writeln!(s, "# TYPE {prefix}_http_responses_total counter");
        for (i, c) in self.classes.iter().enumerate() {
            let _ = writeln!(
                s,
                "{prefix}_http_responses_total{{class=\"{}xx\"}} {}",
                i + 1,
                c.load(Relaxed)
            );
        }
        let _ = writeln!(
            s,
            "# HELP {prefix}_http_request_duration_seconds Time to answer."
        );
        let _ = writeln!(s, "# TYPE {prefix}_http_request_duration_seconds histogram");
        let mut cumulative = 0u64;
        for (i, c) in self.buckets.iter().enumerate() {
            cumulative = cumulative.saturating_add(c.load(Relaxed));
            let le = BUCKETS_US
                .get(i)
                .map_or_else(|| "+Inf".to_string(), |us| format!("{}", Seconds(*us)));
            let _ = writeln!(
                s,
                "{prefix}_http_request_duration_seconds_bucket{{le=\"{le}\"}} {cumulative}"
            );
        }
        let _ = writeln!(
            s,
            "{prefix}_http_request_duration_seconds_sum {}",
            Seconds(self.latency_sum_us.load(Relaxed))
        );
        let _ = writeln!(
            s,
            "{prefix}_http_request_duration_seconds_count {cumulative}"
        );
        for (name, help, v) in [
            (
                "http_open_connections",
                "Connections open now.",
                &self.open_connections,
            ),
            (
                "reloads_total",
                "Configuration reloads applied.",
                &self.reloads_ok,
            ),
            (
                "reload_failures_total",
                "Configuration reloads refused.",
                &self.reloads_failed,
            ),
        ] {
            let kind = if name.ends_with("_total") {
                "counter"
            } else {
                "gauge"
            };
            let _ = writeln!(s, "# HELP {prefix}_{name} {help}");
            let _ = writeln!(s, "# TYPE {prefix}_{name} {kind}");
            let _ = writeln!(s, "{prefix}_{name} {}", v.load(Relaxed));
        }
        s
    }
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Microseconds printed as seconds.
struct Seconds(u64);

impl std::fmt::Display for Seconds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{:06}", self.0 / 1_000_000, self.0 % 1_000_000)
    }
}

/// One access-log line's fields.
#[derive(Debug)]
pub struct AccessEntry<'a> {
    /// The request method.
    pub method: &'a str,
    /// The forwarded URI (or the request's own path); the query is cut.
    pub uri: &'a str,
    /// The status answered.
    pub status: u16,
    /// The outcome ([`OUTCOMES`]).
    pub outcome: &'static str,
    /// The verification error's code (0: none).
    pub code: u32,
    /// Why, for refusals.
    pub reason: Option<&'a str>,
    /// The token's subject, when verified.
    pub sub: Option<&'a str>,
    /// Time to answer.
    pub took: Duration,
}

/// Writes one JSON line to standard output.
pub fn log_access(e: &AccessEntry<'_>) {
    let uri = e.uri.split(['?', '#']).next().unwrap_or_default();
    let line = serde_json::json!({
        "ts_ms": now_ms(),
        "method": e.method,
        "uri": uri,
        "status": e.status,
        "outcome": e.outcome,
        "code": e.code,
        "reason": e.reason,
        "sub": e.sub,
        "us": u64::try_from(e.took.as_micros()).unwrap_or(u64::MAX),
    });
    let mut out = std::io::stdout().lock();
    // A closed stdout must not stop the gateway.
    let _ = writeln!(out, "{line}");
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn histogram_is_cumulative() {
        let m = ServeMetrics::default();
        m.record(0, 200, Duration::from_micros(40));
        m.record(1, 401, Duration::from_micros(700));
        m.record(3, 503, Duration::from_secs(1));
        let text = m.prometheus("jg");
        assert!(text.contains("jg_http_request_duration_seconds_bucket{le=\"0.000050\"} 1\n"));
        assert!(text.contains("jg_http_request_duration_seconds_bucket{le=\"0.001000\"} 2\n"));
        assert!(text.contains("jg_http_request_duration_seconds_bucket{le=\"+Inf\"} 3\n"));
        assert!(text.contains("jg_http_requests_total{outcome=\"unauthorized\"} 1\n"));
        assert!(text.contains("jg_http_responses_total{class=\"5xx\"} 1\n"));
        assert!(text.contains("jg_http_request_duration_seconds_sum 1.000740\n"));
    }
}
