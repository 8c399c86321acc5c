//! Kept forms packed for the store: a value in postcard, then LZ4
//! (`lz4_flex`, block format) after its unpacked length. A national
//! platform summary is 34 MB in postcard and 2 MB packed; SQLite copied
//! every byte of it three times on the way in and wrote it twice (WAL,
//! checkpoint), and read it back through its overflow pages.
//!
//! A stored value is the store's own, but is still read as if hostile: the
//! length it declares must fit what LZ4 can unpack from its bytes before
//! anything is allocated, and anything that does not unpack or decode is an
//! error the caller treats as a miss.

use serde::de::DeserializeOwned;
use serde::Serialize;

/// LZ4 unpacks at most this many bytes from each packed byte.
const MOST_PER_BYTE: usize = 255;

/// Why a packed value could not be read back.
#[derive(Debug, thiserror::Error)]
pub enum UnpackError {
    /// Too short to hold its length.
    #[error("a packed value of {packed} bytes is too short to hold its length")]
    Short {
        /// The bytes there are.
        packed: usize,
    },
    /// Declares more than its bytes can unpack to.
    #[error("a packed value of {packed} bytes cannot unpack to the {declared} it declares")]
    Length {
        /// The bytes there are.
        packed: usize,
        /// The unpacked length it declares.
        declared: u64,
    },
    /// The LZ4 block is broken or unpacks to another length.
    #[error("the packed bytes do not unpack: {0}")]
    Lz4(String),
    /// Unpacked, but not a value of this program's form.
    #[error("{0}")]
    Postcard(#[from] postcard::Error),
}

/// Packs `value`: its postcard bytes, LZ4-compressed after their length.
pub fn pack<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    // Sized first: grown by doubling, 34 MB of postcard took 64 MB of fresh pages and copies.
    let serialises = "kept forms serialise (no maps with non-string keys)";
    let size = postcard::experimental::serialized_size(value).expect(serialises);
    let plain = postcard::to_extend(value, Vec::with_capacity(size)).expect(serialises);
    let mut out = Vec::with_capacity(8 + lz4_flex::block::get_maximum_output_size(plain.len()));
    out.extend_from_slice(&(plain.len() as u64).to_le_bytes());
    out.extend_from_slice(&lz4_flex::block::compress(&plain));
    out
}

/// Reads back what [`pack`] made.
pub fn unpack<T: DeserializeOwned>(packed: &[u8]) -> Result<T, UnpackError> {
    let length = |declared| UnpackError::Length { packed: packed.len(), declared };
    let (head, block) = packed.split_first_chunk::<8>().ok_or(UnpackError::Short { packed: packed.len() })?;
    let declared = u64::from_le_bytes(*head);
    let size = usize::try_from(declared).map_err(|_| length(declared))?;
    if size > block.len().saturating_mul(MOST_PER_BYTE) {
        return Err(length(declared));
    }
    let mut plain = vec![0; size];
    let got = lz4_flex::block::decompress_into(block, &mut plain).map_err(|e| UnpackError::Lz4(e.to_string()))?;
    if got != size {
        return Err(UnpackError::Lz4(format!("{got} bytes instead of {size}")));
    }
    Ok(postcard::from_bytes(&plain)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Kept {
        names: Vec<String>,
        days: Vec<u32>,
    }

    fn kept() -> Kept {
        Kept {
            names: (0..2000).map(|i| format!("Avvikelse {i}: deltagaren saknas i Totara")).collect(),
            days: (0..5000).collect(),
        }
    }

    #[test]
    fn a_packed_value_reads_back_as_itself_and_smaller() {
        let packed = pack(&kept());
        let plain = postcard::to_allocvec(&kept()).unwrap();
        assert!(packed.len() * 3 < plain.len(), "{} packed, {} plain", packed.len(), plain.len());
        assert_eq!(unpack::<Kept>(&packed).unwrap(), kept());
        assert_eq!(unpack::<Vec<u8>>(&pack(&Vec::<u8>::new())).unwrap(), Vec::<u8>::new());
    }

    #[test]
    fn a_declared_length_its_bytes_cannot_hold_allocates_nothing() {
        let mut packed = pack(&kept());
        let honest = u64::from_le_bytes(packed[..8].try_into().unwrap());
        // Larger than the block can unpack to: refused before allocating.
        packed[..8].copy_from_slice(&(1u64 << 40).to_le_bytes());
        assert!(matches!(unpack::<Kept>(&packed), Err(UnpackError::Length { declared, .. }) if declared == 1 << 40));
        // Possible, but not what the block unpacks to.
        packed[..8].copy_from_slice(&(honest + 1).to_le_bytes());
        assert!(matches!(unpack::<Kept>(&packed), Err(UnpackError::Lz4(_))));
        packed[..8].copy_from_slice(&(honest - 1).to_le_bytes());
        assert!(matches!(unpack::<Kept>(&packed), Err(UnpackError::Lz4(_))));
        assert!(matches!(unpack::<Kept>(&packed[..5]), Err(UnpackError::Short { packed: 5 })));
    }

    #[test]
    fn an_unpacked_value_of_another_form_is_an_error_not_a_panic() {
        // A value kept by an earlier program: plain postcard, no length or LZ4.
        let plain = postcard::to_allocvec(&kept()).unwrap();
        assert!(unpack::<Kept>(&plain).is_err());
        // Packed, but of another type.
        assert!(unpack::<Kept>(&pack(&vec![7u64; 100])).is_err());
        // Every truncation and every flipped byte is an error or a value, never a panic.
        let packed = pack(&kept());
        for cut in (0..packed.len()).step_by(97) {
            let _ = unpack::<Kept>(&packed[..cut]);
        }
        for at in (8..packed.len()).step_by(61) {
            let mut bad = packed.clone();
            bad[at] ^= 0x5a;
            let _ = unpack::<Kept>(&bad);
        }
    }
}
