//! Parameter blob updates without a debug probe: two slots (A/B) in any `embedded-storage`
//! [`NorFlash`], so that a blob received over a serial line or a fieldbus replaces the old one only
//! once it has been written completely and decoded.
//!
//! [`BlobStore::install`] writes the new blob into the slot that is *not* active (erase, header, blob),
//! reads it back and decodes it with [`galling::blob::decode`] (magic, version, layout, CRC, parameter
//! validation), and only then writes the slot's commit word, which is what makes it active. A power cut
//! at any point before the commit word is complete leaves the old slot active; after it, the new one.
//! The old slot is not touched by an update: it is overwritten by the *next* update, when the new blob
//! is already committed. [`BlobStore::active`] (at boot) picks the committed slot with the highest
//! sequence number whose blob decodes.
//!
//! Slot layout: [`format`]. The flash must allow writes of 4 bytes at 4-byte offsets (`WRITE_SIZE`
//! 1, 2 or 4) and each slot must be whole erase sectors (on the STM32F407: sectors 10 and 11, 128 KiB
//! each; `memory.x`).

pub mod format;

use embedded_storage::nor_flash::NorFlash;
use galling::Package;
use galling::blob::{self, BlobError};

/// What a decoded blob gives the application. The store's only dependence on the blob format is
/// this type and [`decode`].
pub type Decoded = Package;

/// Decodes and validates a blob (`galling::blob::decode`). Not inlined, so that the calls share one
/// frame (the decoded package is 5.4 KB).
///
/// # Errors
/// The blob's [`BlobError`].
#[inline(never)]
pub fn decode(bytes: &[u8]) -> Result<Decoded, BlobError> {
    blob::decode(bytes)
}

/// Largest blob the store accepts (bytes; a blob of the current format is
/// [`galling::blob::BLOB_LEN`] = 5,432).
pub const MAX_BLOB_LEN: usize = 6144;

/// One of the two slots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, defmt::Format)]
pub enum Slot {
    /// The first slot (offset 0).
    A,
    /// The second slot (offset `slot_size`).
    B,
}

impl Slot {
    fn other(self) -> Self {
        match self {
            Self::A => Self::B,
            Self::B => Self::A,
        }
    }
}

/// The active blob: which slot, its sequence number, its decoded parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Active {
    /// The slot it is in.
    pub slot: Slot,
    /// Its sequence number.
    pub sequence: u32,
    /// The decoded, validated parameters.
    pub params: Decoded,
}

/// Why an update or a read failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, defmt::Format)]
pub enum StoreError<E> {
    /// The flash driver failed (the active slot is unchanged).
    Flash(E),
    /// The new blob is longer than [`MAX_BLOB_LEN`] or than a slot holds.
    TooLong {
        /// Its length.
        len: usize,
    },
    /// The new blob does not decode; it was written to the spare slot but not committed, so the
    /// active blob is unchanged.
    Refused(BlobError),
    /// The slot size is not a multiple of the flash's erase size, or the two slots do not fit.
    BadGeometry,
}

/// Two blob slots of `slot_size` bytes each at offsets 0 and `slot_size` of a flash `F`.
pub struct BlobStore<F> {
    flash: F,
    slot_size: u32,
}

impl<F: NorFlash> BlobStore<F> {
    /// A store over `flash` with two slots of `slot_size` bytes (whole erase sectors).
    ///
    /// # Errors
    /// [`StoreError::BadGeometry`] when the slots are not whole sectors or do not fit.
    pub fn new(flash: F, slot_size: u32) -> Result<Self, StoreError<F::Error>> {
        let sector = F::ERASE_SIZE as u32;
        let fits = slot_size
            .checked_mul(2)
            .is_some_and(|n| n as usize <= flash.capacity());
        if sector == 0
            || !slot_size.is_multiple_of(sector)
            || !fits
            || !4usize.is_multiple_of(F::WRITE_SIZE)
            || (slot_size as usize) < format::slot_len(1)
        {
            return Err(StoreError::BadGeometry);
        }
        Ok(Self { flash, slot_size })
    }

    /// The flash, back.
    pub fn release(self) -> F {
        self.flash
    }

    fn base(&self, slot: Slot) -> u32 {
        match slot {
            Slot::A => 0,
            Slot::B => self.slot_size,
        }
    }

    /// The committed, decodable blob in `slot`: its sequence number and, when `keep`, its decoded
    /// contents (a `Package` is 5 KiB: the choice between the slots keeps none of them).
    #[inline(never)]
    fn read_slot(&mut self, slot: Slot, keep: bool) -> Option<(u32, Option<Decoded>)> {
        let base = self.base(slot);
        let mut h = [0u8; format::HEADER_LEN];
        self.flash.read(base, &mut h).ok()?;
        let (sequence, len) = format::parse_header(&h)?;
        let len = len as usize;
        if len > MAX_BLOB_LEN || format::slot_len(len) > self.slot_size as usize {
            return None;
        }
        let mut commit = [0u8; 4];
        self.flash
            .read(base + format::commit_offset(len) as u32, &mut commit)
            .ok()?;
        if commit != format::commit_word(sequence) {
            return None;
        }
        let mut buf = [0u8; MAX_BLOB_LEN];
        self.flash
            .read(base + format::HEADER_LEN as u32, &mut buf[..len])
            .ok()?;
        if keep {
            Some((sequence, Some(decode(&buf[..len]).ok()?)))
        } else {
            // Only whether it is valid: checked without building the package.
            blob::check(&buf[..len]).ok()?;
            Some((sequence, None))
        }
    }

    /// The active slot and its sequence number, without keeping a decoded blob.
    fn active_slot(&mut self) -> Option<(Slot, u32)> {
        let a = self.read_slot(Slot::A, false).map(|(s, _)| (Slot::A, s));
        let b = self.read_slot(Slot::B, false).map(|(s, _)| (Slot::B, s));
        match (a, b) {
            (Some(a), Some(b)) => Some(if b.1.wrapping_sub(a.1) as i32 > 0 {
                b
            } else {
                a
            }),
            (a, b) => a.or(b),
        }
    }

    /// The active blob (at boot): the committed slot with the highest sequence number whose blob
    /// decodes; `None` when neither slot has one (the press must not run).
    pub fn active(&mut self) -> Option<Active> {
        let (slot, sequence) = self.active_slot()?;
        let (_, params) = self.read_slot(slot, true)?;
        Some(Active {
            slot,
            sequence,
            params: params?,
        })
    }

    /// Installs `new_blob` (a complete blob as received) in the spare slot and makes it active once
    /// it has been written and decoded. Returns the new active blob.
    ///
    /// # Errors
    /// Any [`StoreError`]; in every case the previously active blob stays active (also when the power
    /// fails at any point during the call).
    pub fn install(&mut self, new_blob: &[u8]) -> Result<Active, StoreError<F::Error>> {
        let len = new_blob.len();
        if len > MAX_BLOB_LEN || format::slot_len(len) > self.slot_size as usize {
            return Err(StoreError::TooLong { len });
        }
        // Refuse early what cannot decode (nothing is erased then).
        blob::check(new_blob).map_err(StoreError::Refused)?;
        let (slot, sequence) = match self.active_slot() {
            Some((slot, sequence)) => (slot.other(), sequence.wrapping_add(1)),
            None => (Slot::A, 1),
        };
        let base = self.base(slot);
        self.flash
            .erase(base, base + self.slot_size)
            .map_err(StoreError::Flash)?;
        self.flash
            .write(base, &format::header(sequence, len as u32))
            .map_err(StoreError::Flash)?;
        // The blob in 64-byte chunks, the last one padded with 0xFF to a multiple of 4.
        let mut offset = 0;
        while offset < len {
            let n = (len - offset).min(64);
            let mut chunk = [0xFF_u8; 64];
            chunk[..n].copy_from_slice(&new_blob[offset..offset + n]);
            self.flash
                .write(
                    base + (format::HEADER_LEN + offset) as u32,
                    &chunk[..format::padded(n)],
                )
                .map_err(StoreError::Flash)?;
            offset += n;
        }
        // Read back and decode what is in flash now, before committing.
        let mut buf = [0u8; MAX_BLOB_LEN];
        self.flash
            .read(base + format::HEADER_LEN as u32, &mut buf[..len])
            .map_err(StoreError::Flash)?;
        let params = decode(&buf[..len]).map_err(StoreError::Refused)?;
        self.flash
            .write(
                base + format::commit_offset(len) as u32,
                &format::commit_word(sequence),
            )
            .map_err(StoreError::Flash)?;
        Ok(Active {
            slot,
            sequence,
            params,
        })
    }
}
