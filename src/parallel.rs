//! Work spread over the machine's cores, results in input order.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// `items.iter().map(f)` on every core: workers take the next item as they
/// finish one, so a few large municipalities do not hold up one worker.
pub(crate) fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(items.len());
    if workers <= 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, R)>> = Mutex::new(Vec::with_capacity(items.len()));
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                let r = f(item);
                results.lock().expect("no worker panicked holding the lock").push((i, r));
            });
        }
    });
    let mut results = results.into_inner().expect("no worker panicked holding the lock");
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

/// Runs `a` on a second thread while this one runs `b`; both results. A
/// panic in `a` is raised here, as it would be had `a` run on this thread.
pub(crate) fn both<A: Send, B>(a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B) -> (A, B) {
    std::thread::scope(|s| {
        let other = s.spawn(a);
        let b = b();
        let a = other.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
        (a, b)
    })
}

/// From this many items [`sort_by`] sorts on two cores.
const SORT_ON_TWO_FROM: usize = 1 << 14;

/// `items.sort_by(compare)`, its two halves sorted on two cores: the same
/// order, equal items kept in their order. The sort then finds the halves
/// already in order and only merges them (its scratch space, as for one
/// sort, is at most half the items).
pub(crate) fn sort_by<T: Send>(items: &mut [T], compare: impl Fn(&T, &T) -> std::cmp::Ordering + Sync) {
    if items.len() >= SORT_ON_TWO_FROM && std::thread::available_parallelism().is_ok_and(|n| n.get() > 1) {
        let (first, second) = items.split_at_mut(items.len() / 2);
        both(|| first.sort_by(&compare), || second.sort_by(&compare));
    }
    items.sort_by(compare);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_input_order() {
        let items: Vec<u64> = (0..1000).collect();
        let out = parallel_map(&items, |&n| {
            if n % 7 == 0 {
                std::thread::sleep(std::time::Duration::from_micros(50));
            }
            n * n
        });
        assert_eq!(out, items.iter().map(|n| n * n).collect::<Vec<_>>());
        assert!(parallel_map(&[] as &[u8], |_| 1).is_empty());
    }

    /// Sorted on two cores as by one sort: by key, and items of equal key
    /// (many here) in the order they came.
    #[test]
    fn a_sort_on_two_cores_is_the_stable_sort() {
        let n = 3 * SORT_ON_TWO_FROM + 7;
        let mut items: Vec<(u32, usize)> = (0..n).map(|i| ((i as u32).wrapping_mul(2_654_435_761) % 97, i)).collect();
        let mut expected = items.clone();
        expected.sort_by_key(|&(k, _)| k);
        sort_by(&mut items, |a, b| a.0.cmp(&b.0));
        assert_eq!(items, expected);
        let mut few = vec![(2, 0), (1, 1), (2, 2), (1, 3)];
        sort_by(&mut few, |a: &(u32, usize), b| a.0.cmp(&b.0));
        assert_eq!(few, [(1, 1), (1, 3), (2, 0), (2, 2)]);
    }

    #[test]
    fn both_gives_each_result() {
        let (a, b) = both(|| std::thread::current().id(), || std::thread::current().id());
        assert_ne!(a, b, "a ran on a second thread");
        assert_eq!(b, std::thread::current().id());
    }
}
