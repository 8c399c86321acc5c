//! Hash maps for the hot paths (millions of rows per sync): std's maps
//! with foldhash instead of SipHash, several times faster on short keys,
//! still seeded at random per process so that input chosen to collide does
//! not make a lookup linear. Nothing written depends on their order.
//!
//! And the one content hash of keys and fingerprints: SHA-256 in hex.

/// A `HashMap` with foldhash; build it with `default()` or `with_capacity_and_hasher`.
pub type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// A `HashSet` with foldhash; build it with `default()`.
pub type HashSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

/// The SHA-256 of `bytes` in hex: how content is named in the keys of what
/// is kept from one run for the next and in fingerprints.
pub fn sha256_hex(bytes: impl AsRef<[u8]>) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}
