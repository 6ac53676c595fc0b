use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
    mpsc,
};

use futures::FutureExt;

use super::*;
use crate::auth::credentials::password::argon;

const LONG: Duration = Duration::from_secs(3600);

/// A job that holds its thread until `release` is sent (or dropped); returns once it runs.
async fn holding(pool: &Pool) -> (mpsc::Sender<()>, tokio::task::JoinHandle<Result<(), HashError>>) {
    let (release, held) = mpsc::channel::<()>();
    let (started, running) = oneshot::channel::<()>();
    let pool = pool.clone();
    let job = tokio::spawn(async move {
        pool.run(move |_| {
            let _ = started.send(());
            let _ = held.recv();
        })
        .await
    });
    running.await.expect("the holding job runs on a hashing thread");
    (release, job)
}

#[tokio::test]
async fn jobs_run_on_the_hashing_threads_at_low_priority() {
    let pool = Pool::new(2, 4, LONG).unwrap();
    let (name, nice) = pool
        .run(|_| {
            let name = std::thread::current().name().map(str::to_string);
            // SAFETY: reads the calling thread's nice value; no pointers.
            let nice = unsafe { libc::getpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t) };
            (name, nice)
        })
        .await
        .unwrap();
    assert!(name.is_some_and(|name| name.starts_with("latch-hash-")));
    assert_eq!(nice, 19);
}

#[tokio::test]
async fn beyond_the_threads_and_the_queue_a_job_is_refused_at_once() {
    let pool = Pool::new(1, 1, LONG).unwrap();
    let (release, running) = holding(&pool).await;
    assert!(!pool.is_full(), "the thread is busy but the queue has room");
    let queued = tokio::spawn({
        let pool = pool.clone();
        async move { pool.run(|_| 7).await }
    });
    while !pool.is_full() {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    assert!(matches!(pool.run(|_| 8).await, Err(HashError::Busy)));
    release.send(()).unwrap();
    running.await.unwrap().unwrap();
    assert_eq!(queued.await.unwrap().unwrap(), 7);
    assert_eq!(
        pool.run(|_| 9).await.unwrap(),
        9,
        "room again once the queue drained"
    );
}

#[tokio::test]
async fn as_many_jobs_as_threads_plus_queue_are_always_taken() {
    // However quickly a burst arrives, and whether the thread is asleep or just finishing a
    // job, the places promised must not depend on when the thread takes its next job.
    let pool = Pool::new(1, 2, LONG).unwrap();
    for round in 0..100 {
        pool.run(|_| ()).await.unwrap();
        if round % 2 == 0 {
            std::thread::sleep(Duration::from_millis(2));
        }
        let burst = futures::future::join_all((0..3).map(|_| pool.run(|_| ()))).await;
        assert!(
            burst.iter().all(Result::is_ok),
            "round {round}: one running and two queued are taken"
        );
    }
}

#[tokio::test]
async fn with_no_queue_only_an_idle_thread_takes_a_job() {
    let pool = Pool::new(1, 0, LONG).unwrap();
    let (release, running) = holding(&pool).await;
    assert!(matches!(pool.run(|_| ()).await, Err(HashError::Busy)));
    drop(release);
    running.await.unwrap().unwrap();
}

#[tokio::test]
async fn a_job_whose_caller_left_is_not_run() {
    let pool = Pool::new(1, 2, LONG).unwrap();
    let (release, running) = holding(&pool).await;
    let ran = Arc::new(AtomicBool::new(false));
    let flag = ran.clone();
    // Queued, then abandoned, as when a client hangs up while waiting for a slot.
    assert!(
        pool.run(move |_| flag.store(true, Ordering::SeqCst))
            .now_or_never()
            .is_none()
    );
    drop(release);
    running.await.unwrap().unwrap();
    pool.run(|_| ()).await.unwrap();
    assert!(!ran.load(Ordering::SeqCst));
}

#[tokio::test]
async fn a_panicking_job_fails_alone_and_the_thread_lives_on() {
    let pool = Pool::new(1, 1, LONG).unwrap();
    let failed = pool.run(|_| -> u8 { panic!("a job that panics") }).await;
    assert!(matches!(failed, Err(HashError::Failed(_))));
    assert_eq!(pool.run(|_| 5).await.unwrap(), 5);
}

fn hash_and_tell(memory: &mut argon::Memory) -> usize {
    argon::hash("correct horse battery staple", memory).unwrap();
    memory.held()
}

const BUFFER: usize = argon::MEMORY_KIB as usize * 1024;

#[tokio::test]
async fn one_buffer_serves_hash_after_hash_and_goes_after_a_quiet_spell() {
    let pool = Pool::new(2, 4, Duration::from_millis(300)).unwrap();
    for _ in 0..3 {
        assert_eq!(pool.run(hash_and_tell).await.unwrap(), BUFFER);
        assert_eq!(
            pool.spare_bytes(),
            BUFFER,
            "kept for the next hash, whichever thread takes it"
        );
    }
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(pool.spare_bytes(), 0, "freed after the quiet spell");
    assert_eq!(pool.run(|memory| memory.held()).await.unwrap(), 0);
}

#[tokio::test]
async fn after_a_burst_only_one_spare_buffer_is_kept() {
    let pool = Pool::new(2, 8, LONG).unwrap();
    let burst: Vec<_> = (0..6)
        .map(|_| {
            let pool = pool.clone();
            tokio::spawn(async move { pool.run(hash_and_tell).await })
        })
        .collect();
    for hash in burst {
        assert_eq!(hash.await.unwrap().unwrap(), BUFFER);
    }
    assert_eq!(pool.spare_bytes(), BUFFER);
}
