//! The load loop: `CONNECTIONS` tasks send requests back to back for a fixed time, each
//! timing its own; the result is throughput, latency percentiles and the server's CPU time
//! per request over the same interval.

use std::{
    future::Future,
    sync::Arc,
    time::{Duration, Instant},
};

use super::instance::Instance;

pub const CONNECTIONS: usize = 16;

pub struct Outcome {
    pub requests: usize,
    pub per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// Server CPU time per request, µs.
    pub cpu_us: f64,
    /// Every request's time, sorted; the run's length and the server's CPU seconds in it.
    samples: Vec<Duration>,
    elapsed: f64,
    cpu: f64,
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index].as_secs_f64() * 1000.0
}

/// Runs `request(connection, n)` from `CONNECTIONS` tasks for `length`, against `servers`
/// (whose CPU time is summed). Each request must succeed; a failure panics with its status.
pub async fn run<F, Fut>(servers: &[&Instance], length: Duration, request: F) -> Outcome
where
    F: Fn(usize, usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send,
{
    let request = Arc::new(request);
    let cpu_before: f64 = servers.iter().map(|server| server.cpu_seconds()).sum();
    let started = Instant::now();
    let deadline = started + length;
    let tasks: Vec<_> = (0..CONNECTIONS)
        .map(|connection| {
            let request = request.clone();
            tokio::spawn(async move {
                let mut samples = Vec::new();
                while Instant::now() < deadline {
                    let sent = Instant::now();
                    request(connection, samples.len()).await;
                    samples.push(sent.elapsed());
                }
                samples
            })
        })
        .collect();
    let mut samples = Vec::new();
    for task in tasks {
        samples.extend(task.await.unwrap());
    }
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = servers.iter().map(|server| server.cpu_seconds()).sum::<f64>() - cpu_before;
    Outcome::of(samples, elapsed, cpu)
}

impl Outcome {
    fn of(mut samples: Vec<Duration>, elapsed: f64, cpu: f64) -> Self {
        samples.sort();
        Outcome {
            requests: samples.len(),
            per_second: samples.len() as f64 / elapsed,
            p50_ms: percentile(&samples, 0.5),
            p99_ms: percentile(&samples, 0.99),
            cpu_us: cpu * 1e6 / samples.len().max(1) as f64,
            samples,
            elapsed,
            cpu,
        }
    }

    /// Several runs of one scenario as one: their requests, time and CPU added up.
    pub fn merged(runs: &[Outcome]) -> Self {
        let samples = runs.iter().flat_map(|run| run.samples.iter().copied()).collect();
        let elapsed = runs.iter().map(|run| run.elapsed).sum();
        Outcome::of(samples, elapsed, runs.iter().map(|run| run.cpu).sum())
    }

    pub fn row(&self, backend: &str, scenario: &str) -> String {
        format!(
            "| {backend} | {scenario} | {:.0} | {:.2} ms | {:.2} ms | {:.1} µs |",
            self.per_second, self.p50_ms, self.p99_ms, self.cpu_us
        )
    }
}
