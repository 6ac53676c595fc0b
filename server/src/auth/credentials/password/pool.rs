//! The hashing threads: a fixed set (as many as hashes may run at once) fed by one queue,
//! with a fixed number of places (threads + queue) counted apart from the channel: a job
//! still in the channel because its thread has not woken yet holds a place as running, not
//! as waiting, so a burst always gets every place it was promised. A thread that finishes a
//! hash takes the next job at once, so under a burst of sign-ins the cores never wait for a
//! hand-off: with a hash handed to tokio's blocking pool behind a semaphore, each hash waited
//! for two tasks to be woken and polled before the next could start, and the cores sat idle
//! 4–9 % of a sign-in burst (measured on the two-core machine, against under 1 % for the
//! bare hashes).
//!
//! Argon2 memory (19 MiB a hash) is kept between hashes, since a fresh block costs more CPU
//! than the hash itself saves (page faults on every page): while jobs wait, every buffer is
//! kept; once the queue is empty, one spare is kept for the next sign-in and the rest freed;
//! after a quiet spell the spare goes too. So memory follows the work in hand, not the peak.

use std::{
    panic::{AssertUnwindSafe, catch_unwind},
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::anyhow;
use flume::RecvTimeoutError;
use tokio::sync::oneshot;

use super::{HashError, argon::Memory};

/// A hash to run, giving back the delivery of its answer: the thread puts the memory back
/// first, so a caller's next hash finds it.
type Job = Box<dyn FnOnce(&mut Memory) -> Answer + Send>;
type Answer = Box<dyn FnOnce() + Send>;

#[derive(Clone)]
pub struct Pool {
    jobs: flume::Sender<Job>,
    /// Jobs taken and not yet done, running or waiting: at most `places`.
    taken: Arc<AtomicUsize>,
    threads: usize,
    places: usize,
    #[cfg(test)]
    spares: Arc<Mutex<Spares>>,
}

/// Buffers no hash is using, and when one was last put back.
struct Spares {
    free: Vec<Memory>,
    last_used: Instant,
}

impl Pool {
    /// `threads` hashing threads, room for `queue` jobs waiting for one, and the spare memory
    /// freed after `release_after` without a hash.
    pub fn new(threads: usize, queue: usize, release_after: Duration) -> anyhow::Result<Self> {
        let threads = threads.max(1);
        let (jobs, receiver) = flume::unbounded::<Job>();
        let spares = Arc::new(Mutex::new(Spares {
            free: Vec::new(),
            last_used: Instant::now(),
        }));
        for n in 0..threads {
            let (receiver, spares) = (receiver.clone(), spares.clone());
            std::thread::Builder::new()
                .name(format!("latch-hash-{n}"))
                .spawn(move || work(&receiver, &spares, release_after))
                .map_err(|err| anyhow!("cannot start a hashing thread: {err}"))?;
        }
        Ok(Self {
            jobs,
            taken: Arc::default(),
            threads,
            places: threads + queue,
            #[cfg(test)]
            spares,
        })
    }

    /// Every thread busy and the queue full: a new job would be refused. A cheap look that
    /// lets a flood be turned away before any other work (`run` decides for real).
    pub fn is_full(&self) -> bool {
        self.taken.load(Ordering::Acquire) >= self.places
    }

    /// Jobs hashing now, and jobs waiting for a thread (a racy look, for the metrics).
    pub fn in_hand(&self) -> (usize, usize) {
        let taken = self.taken.load(Ordering::Acquire);
        (taken.min(self.threads), taken.saturating_sub(self.threads))
    }

    /// Runs `work` on a hashing thread, or refuses at once when the queue is full. A job whose
    /// caller has gone (its request was abandoned) is skipped, not hashed.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Memory) -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let place = self.take_place().inspect_err(|_| crate::metrics::hash_refused())?;
        let (answer, answered) = oneshot::channel();
        let queued = Instant::now();
        let job: Job = Box::new(move |memory| {
            crate::metrics::hash_waited(queued.elapsed());
            if answer.is_closed() {
                return Box::new(|| ());
            }
            let result = work(memory);
            // Given back before the answer, so the caller's next job finds it free.
            drop(place);
            Box::new(move || {
                let _ = answer.send(result);
            })
        });
        self.jobs
            .send(job)
            .map_err(|_| HashError::Failed(anyhow!("the hashing threads have stopped")))?;
        answered
            .await
            .map_err(|_| HashError::Failed(anyhow!("a hashing thread failed")))
    }

    fn take_place(&self) -> Result<Place, HashError> {
        self.taken
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |taken| {
                (taken < self.places).then_some(taken + 1)
            })
            .map_err(|_| HashError::Busy)?;
        Ok(Place(self.taken.clone()))
    }

    /// Bytes of Argon2 memory held by no running hash.
    #[cfg(test)]
    pub fn spare_bytes(&self) -> usize {
        let spares = self
            .spares
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        spares.free.iter().map(Memory::held).sum()
    }
}

/// One of the pool's places, given back when dropped: after the hash, or with the job when
/// it is skipped, panics or can no longer be sent.
struct Place(Arc<AtomicUsize>);

impl Drop for Place {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A hashing thread: jobs until every sender is gone.
fn work(jobs: &flume::Receiver<Job>, spares: &Mutex<Spares>, release_after: Duration) {
    set_own_niceness(19);
    // The lock only guards a short list: a panic cannot leave it half-changed.
    let spares = || spares.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    loop {
        match jobs.recv_timeout(release_after) {
            Ok(job) => {
                let mut memory = spares().free.pop().unwrap_or_default();
                // A panic drops the job's answer (the caller gets an error) and its memory;
                // the thread lives on.
                if let Ok(answer) = catch_unwind(AssertUnwindSafe(|| job(&mut memory))) {
                    let waiting = !jobs.is_empty();
                    let unneeded = {
                        let mut spares = spares();
                        spares.last_used = Instant::now();
                        if waiting || spares.free.is_empty() {
                            spares.free.push(memory);
                            None
                        } else {
                            Some(memory)
                        }
                    };
                    // Freed before answering (and outside the lock): once the last answer of
                    // a burst is out, the memory is already back to one spare.
                    drop(unneeded);
                    answer();
                }
            }
            Err(RecvTimeoutError::Timeout) => {
                let mut spares = spares();
                if spares.last_used.elapsed() >= release_after {
                    spares.free.clear();
                }
            }
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

/// Hashing runs at the lowest CPU priority (nice 19), so a flood of sign-ins slows sign-ins,
/// not the token checks and refreshes every signed-in page depends on. Linux keeps a nice
/// value per thread; `gettid` names this one.
fn set_own_niceness(nice: i32) {
    // SAFETY: plain system calls on the calling thread, with no pointers involved.
    unsafe {
        let _ = libc::setpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t, nice);
    }
}

#[cfg(test)]
#[path = "pool_tests.rs"]
mod tests;
