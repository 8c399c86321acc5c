//! Which completion rows repeat an earlier row's user and course, found per
//! user. An export lists a user's courses together, so a user's run of rows
//! is checked against itself (a few courses, compared in place); the
//! courses of finished runs are kept in one flat list, and only a user met
//! again after other users gets a set of everything they had. At national
//! scale this is a few bytes per row, read in order, instead of a hash set
//! of every (user, course) pair that outgrows the caches (at 30 M rows it
//! took a third of the ingest and 600 MB).

use crate::domain::hash::{HashMap, HashSet};

/// A run compared in place up to this many courses; a set beyond (so a
/// user with a million rows cannot make the check quadratic).
const IN_PLACE: usize = 32;

/// The (user, course) pairs seen so far in one file.
#[derive(Debug, Default)]
pub(crate) struct CompletionKeys {
    /// The user of the current run and its courses.
    user: Option<u32>,
    run: Vec<u32>,
    run_set: Option<HashSet<u32>>,
    /// The courses of every user's first run, flat, and each user's
    /// (start, length) in it, by user number.
    courses: Vec<u32>,
    first: Vec<(u32, u32)>,
    /// Users met again after another user: every course they had.
    again: HashMap<u32, HashSet<u32>>,
}

impl CompletionKeys {
    /// Records `user`'s `course`; false if the pair was seen before. Users
    /// are numbered from 0 in the order they first appear.
    pub(crate) fn insert(&mut self, user: u32, course: u32) -> bool {
        if self.user != Some(user) {
            self.finish_run();
            self.start_run(user);
        }
        if let Some(all) = self.again.get_mut(&user) {
            return all.insert(course);
        }
        if let Some(set) = &mut self.run_set {
            if !set.insert(course) {
                return false;
            }
        } else if self.run.contains(&course) {
            return false;
        }
        self.run.push(course);
        if self.run_set.is_none() && self.run.len() > IN_PLACE {
            self.run_set = Some(self.run.iter().copied().collect());
        }
        true
    }

    fn start_run(&mut self, user: u32) {
        self.user = Some(user);
        let met = (user as usize) < self.first.len();
        if met && !self.again.contains_key(&user) {
            let (start, len) = self.first[user as usize];
            let had = self.courses[start as usize..(start + len) as usize].iter().copied().collect();
            self.again.insert(user, had);
        }
    }

    fn finish_run(&mut self) {
        let run = std::mem::take(&mut self.run);
        self.run_set = None;
        let Some(user) = self.user.take() else { return };
        if self.again.contains_key(&user) {
            return;
        }
        // A first run: users are numbered in order, so it is the next one.
        debug_assert_eq!(self.first.len(), user as usize);
        self.first.push((self.courses.len() as u32, run.len() as u32));
        self.courses.extend_from_slice(&run);
        self.run = run;
        self.run.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use std::collections::{HashMap as StdMap, HashSet as StdSet};

    /// Users numbered in order of first appearance, as the ingest does.
    fn numbered(rows: &[(u32, u32)]) -> Vec<(u32, u32)> {
        let mut seen = StdMap::new();
        rows.iter()
            .map(|&(u, c)| {
                let next = seen.len() as u32;
                (*seen.entry(u).or_insert(next), c)
            })
            .collect()
    }

    fn check(rows: &[(u32, u32)]) {
        let mut keys = CompletionKeys::default();
        let mut reference = StdSet::new();
        for (i, &(u, c)) in numbered(rows).iter().enumerate() {
            assert_eq!(keys.insert(u, c), reference.insert((u, c)), "row {i} ({u}, {c})");
        }
    }

    #[test]
    fn a_repeat_within_a_run_across_runs_and_in_a_long_run_is_found() {
        // Within a run; a user met again (twice); a run longer than compared in place.
        check(&[(1, 5), (1, 6), (1, 5), (2, 5), (1, 6), (1, 7), (3, 1), (1, 7), (2, 5), (2, 9)]);
        let long: Vec<(u32, u32)> = (0..100).chain(0..100).map(|c| (7, c % 70)).collect();
        check(&long);
    }

    #[test]
    fn it_agrees_with_a_set_of_every_pair_on_random_files() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(18);
        for _ in 0..200 {
            let users = rng.gen_range(1..20);
            let mut rows = Vec::new();
            for _ in 0..rng.gen_range(1..40) {
                let u = rng.gen_range(0..users);
                for _ in 0..rng.gen_range(1..50) {
                    rows.push((u, rng.gen_range(0..40)));
                }
            }
            check(&rows);
        }
    }
}
