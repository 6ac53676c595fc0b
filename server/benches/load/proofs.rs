//! DPoP proofs signed ahead of a timed run, on both cores, each with a fresh `jti` and the
//! nonce current at the time, one stack per connection. A connection that runs out signs
//! inline, and `signed_inline` says how often that happened, so a row can say so.

use std::{
    sync::{
        Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use super::bound::Device;

/// What a run is expected to reach at first (more than the floor here); later runs of a
/// scenario go by the one before (`for_rate`).
pub const FIRST_GUESS: f64 = 30_000.0;

/// Proofs made ahead, one stack per connection; `signed_inline` counts the ones that ran out.
pub struct Proofs {
    stacks: Vec<Mutex<Vec<String>>>,
    pub signed_inline: AtomicUsize,
}

impl Proofs {
    /// Proofs for `length` at `rate` requests/s with room to spare, made by `sign` on both
    /// cores.
    pub fn ahead(
        devices: &[Device],
        length: Duration,
        rate: f64,
        sign: impl Fn(&Device) -> String + Sync,
    ) -> Self {
        let count = (2.0 * rate * length.as_secs_f64() / devices.len() as f64).ceil() as usize + 16;
        let stacks = std::thread::scope(|scope| {
            let halves: Vec<_> = devices
                .chunks(devices.len().div_ceil(2))
                .map(|half| {
                    let sign = &sign;
                    scope.spawn(move || {
                        half.iter()
                            .map(|device| (0..count).map(|_| sign(device)).collect::<Vec<_>>())
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            halves
                .into_iter()
                .flat_map(|half| half.join().unwrap())
                .map(Mutex::new)
                .collect()
        });
        Proofs {
            stacks,
            signed_inline: AtomicUsize::new(0),
        }
    }

    pub fn take(&self, connection: usize, sign: impl FnOnce() -> String) -> String {
        let ready = self.stacks[connection].lock().unwrap().pop();
        ready.unwrap_or_else(|| {
            self.signed_inline.fetch_add(1, Ordering::Relaxed);
            sign()
        })
    }
}
