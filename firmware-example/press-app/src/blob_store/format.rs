//! The byte layout of one blob slot (shared with `build.rs`, which writes the factory slot).
//!
//! ```text
//! offset 0   magic "GBS1"
//!        4   sequence number (u32 LE; the committed slot with the highest one is active)
//!        8   blob length (u32 LE)
//!        12  !sequence (u32 LE; a torn header does not match)
//!        16  the blob, padded with 0xFF to a multiple of 4 bytes
//!        16 + padded length: commit word, COMMIT ^ sequence (u32 LE), written last
//! ```

/// Magic of a slot header.
pub const SLOT_MAGIC: [u8; 4] = *b"GBS1";
/// Header bytes before the blob.
pub const HEADER_LEN: usize = 16;
/// XORed with the sequence number to form the commit word.
pub const COMMIT: u32 = 0x600D_B10B;

/// The blob length rounded up to 4 bytes.
pub const fn padded(len: usize) -> usize {
    len.div_ceil(4) * 4
}

/// Offset of the commit word in a slot holding a blob of `len` bytes.
pub const fn commit_offset(len: usize) -> usize {
    HEADER_LEN + padded(len)
}

/// Bytes a slot needs for a blob of `len` bytes.
pub const fn slot_len(len: usize) -> usize {
    commit_offset(len) + 4
}

/// The slot header for a blob of `len` bytes with sequence number `sequence`.
pub fn header(sequence: u32, len: u32) -> [u8; HEADER_LEN] {
    let mut h = [0u8; HEADER_LEN];
    h[0..4].copy_from_slice(&SLOT_MAGIC);
    h[4..8].copy_from_slice(&sequence.to_le_bytes());
    h[8..12].copy_from_slice(&len.to_le_bytes());
    h[12..16].copy_from_slice(&(!sequence).to_le_bytes());
    h
}

/// `(sequence, blob length)` of a well-formed header, `None` otherwise.
pub fn parse_header(h: &[u8; HEADER_LEN]) -> Option<(u32, u32)> {
    let word = |i: usize| u32::from_le_bytes([h[i], h[i + 1], h[i + 2], h[i + 3]]);
    (h[0..4] == SLOT_MAGIC && word(12) == !word(4)).then(|| (word(4), word(8)))
}

/// The commit word of sequence number `sequence`.
pub fn commit_word(sequence: u32) -> [u8; 4] {
    (COMMIT ^ sequence).to_le_bytes()
}
