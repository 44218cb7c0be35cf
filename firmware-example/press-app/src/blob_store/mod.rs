//! Parameter blob updates without a debug probe: two slots (A/B) in any `embedded-storage`
//! [`NorFlash`] that is also memory-mapped ([`Mapped`]), so that a blob received over a serial line
//! or a fieldbus replaces the old one only once it has been written completely and checked, and
//! the monitor then runs the blob where it lies: the active blob is a [`PackageView`] borrowed from
//! the slot (checked once, nothing copied).
//!
//! [`BlobStore::install`] writes the new blob into the slot that is *not* active (erase, header, blob),
//! checks what is now in flash with [`PackageView::new`] (magic, version, layout, CRC, structure,
//! parameter validation), and only then writes the slot's commit word, which is what makes it
//! active. A power cut at any point before the commit word is complete leaves the old slot active;
//! after it, the new one. The old slot is not touched by an update: it is overwritten by the *next*
//! update, when the new blob is already committed. [`BlobStore::active`] (at boot; [`active_in`]
//! over a `'static` flash region) picks the committed slot with the highest sequence number whose
//! blob checks.
//!
//! Slot layout: [`format`]. The flash must allow writes of 4 bytes at 4-byte offsets (`WRITE_SIZE`
//! 1, 2 or 4) and each slot must be whole erase sectors (on the STM32F407: sectors 10 and 11, 128 KiB
//! each; `memory.x`).

pub mod format;

use embedded_storage::nor_flash::NorFlash;
use galling::blob::{BlobError, PackageView};

/// A flash whose whole contents can be read in place (memory-mapped NOR flash, or its simulation):
/// the store checks and views blobs where they lie instead of copying them out.
pub trait Mapped {
    /// The flash contents, from offset 0 to its capacity.
    fn mapped(&self) -> &[u8];
}

impl<T: Mapped + ?Sized> Mapped for &mut T {
    fn mapped(&self) -> &[u8] {
        (**self).mapped()
    }
}

/// Largest blob the store accepts (bytes): [`galling::blob::MAX_BLOB_LEN`], the longest blob of
/// any variant this build knows.
pub const MAX_BLOB_LEN: usize = galling::blob::MAX_BLOB_LEN;

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

/// The active blob: which slot, its sequence number, and the checked blob, read in place.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Active<'a> {
    /// The slot it is in.
    pub slot: Slot,
    /// Its sequence number.
    pub sequence: u32,
    /// The checked blob, borrowed from the slot.
    pub package: PackageView<'a>,
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
    /// The committed slot does not read back as committed (a flash fault after the commit word).
    ReadBack,
    /// The slot size is not a multiple of the flash's erase size, or the two slots do not fit.
    BadGeometry,
}

/// Two blob slots of `slot_size` bytes each at offsets 0 and `slot_size` of a flash `F`.
pub struct BlobStore<F> {
    flash: F,
    slot_size: u32,
}

/// Where the blob of `slot` lies in `flash` (slots of `slot_size` bytes), if the slot has a
/// well-formed header, fits, and carries its commit word.
fn committed(flash: &[u8], slot_size: u32, slot: Slot) -> Option<(u32, &[u8])> {
    let base = match slot {
        Slot::A => 0,
        Slot::B => slot_size as usize,
    };
    let region = flash.get(base..base.checked_add(slot_size as usize)?)?;
    let h: &[u8; format::HEADER_LEN] = region.get(..format::HEADER_LEN)?.try_into().ok()?;
    let (sequence, len) = format::parse_header(h)?;
    let len = len as usize;
    if len > MAX_BLOB_LEN || format::slot_len(len) > region.len() {
        return None;
    }
    let commit = region.get(format::commit_offset(len)..format::slot_len(len))?;
    if commit != format::commit_word(sequence) {
        return None;
    }
    Some((
        sequence,
        region.get(format::HEADER_LEN..format::HEADER_LEN + len)?,
    ))
}

/// The active blob of the two slots of `slot_size` bytes at the start of `flash` (read in place):
/// the committed slot with the highest sequence number whose blob checks (a slot whose blob is
/// refused does not count); `None` when neither slot has one (the press must not run). The view
/// borrows `flash`: over the board's memory-mapped flash (`&'static`) it lives for the whole run.
pub fn active_in(flash: &[u8], slot_size: u32) -> Option<Active<'_>> {
    let view = |slot| {
        let (sequence, bytes) = committed(flash, slot_size, slot)?;
        let package = PackageView::new(bytes).ok()?;
        Some(Active {
            slot,
            sequence,
            package,
        })
    };
    match (view(Slot::A), view(Slot::B)) {
        (Some(a), Some(b)) => Some(if b.sequence.wrapping_sub(a.sequence) as i32 > 0 {
            b
        } else {
            a
        }),
        (a, b) => a.or(b),
    }
}

impl<F: NorFlash + Mapped> BlobStore<F> {
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

    /// The active blob (at boot): [`active_in`] over this store's flash.
    pub fn active(&self) -> Option<Active<'_>> {
        active_in(self.flash.mapped(), self.slot_size)
    }

    /// Installs `new_blob` (a complete blob as received) in the spare slot and makes it active once
    /// it has been written and checked in place. Returns the new active blob, read from the slot.
    ///
    /// # Errors
    /// Any [`StoreError`]; in every case the previously active blob stays active (also when the power
    /// fails at any point during the call).
    pub fn install(&mut self, new_blob: &[u8]) -> Result<Active<'_>, StoreError<F::Error>> {
        let len = new_blob.len();
        if len > MAX_BLOB_LEN || format::slot_len(len) > self.slot_size as usize {
            return Err(StoreError::TooLong { len });
        }
        // Refuse early what does not check (nothing is erased then).
        PackageView::new(new_blob).map_err(StoreError::Refused)?;
        let (slot, sequence) = match self.active() {
            Some(a) => (a.slot.other(), a.sequence.wrapping_add(1)),
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
        // Check what is in flash now, in place, before committing.
        let start = (base as usize) + format::HEADER_LEN;
        let written = self.flash.mapped().get(start..start + len).unwrap_or(&[]);
        PackageView::new(written).map_err(StoreError::Refused)?;
        self.flash
            .write(
                base + format::commit_offset(len) as u32,
                &format::commit_word(sequence),
            )
            .map_err(StoreError::Flash)?;
        let (_, bytes) =
            committed(self.flash.mapped(), self.slot_size, slot).ok_or(StoreError::ReadBack)?;
        let package = PackageView::new(bytes).map_err(StoreError::Refused)?;
        Ok(Active {
            slot,
            sequence,
            package,
        })
    }
}
