//! A RAM-backed [`NorFlash`] with NOR semantics and simulated power cuts, to test
//! [`BlobStore`](crate::blob_store::BlobStore) on the emulated board.
//!
//! NOR rules enforced: erase sets a whole sector to 0xFF; a write may only clear bits (programming a
//! word that is not erased where the new value has ones is an error, as on real NOR flash).
//! A power cut is armed with [`RamFlash::cut_after`]: after that many more bytes have been
//! programmed or erased the operation in progress stops half-way (the bytes before the cut are
//! changed, the rest are not) and every later operation fails with [`RamFlashError::PowerLost`],
//! until [`RamFlash::power_on`] (a reboot) is called.

use crate::blob_store::Mapped;
use embedded_storage::nor_flash::{
    ErrorType, NorFlash, NorFlashError, NorFlashErrorKind, ReadNorFlash,
};

/// Errors of the simulated flash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, defmt::Format)]
pub enum RamFlashError {
    /// Outside the flash, or not aligned to the write or erase size.
    OutOfBoundsOrMisaligned,
    /// A write would set a bit that is 0 (the word was not erased).
    NotErased,
    /// The power was cut (the operation stopped part-way).
    PowerLost,
}

impl NorFlashError for RamFlashError {
    fn kind(&self) -> NorFlashErrorKind {
        match self {
            Self::OutOfBoundsOrMisaligned => NorFlashErrorKind::OutOfBounds,
            Self::NotErased | Self::PowerLost => NorFlashErrorKind::Other,
        }
    }
}

/// `N` bytes of simulated NOR flash with sectors of `SECTOR` bytes and 4-byte writes.
#[derive(Clone)]
pub struct RamFlash<const N: usize, const SECTOR: usize> {
    bytes: [u8; N],
    /// Bytes that may still change before the power cut (`None`: no cut armed).
    budget: Option<usize>,
    powered: bool,
}

impl<const N: usize, const SECTOR: usize> RamFlash<N, SECTOR> {
    /// Erased flash (all 0xFF), powered, no cut armed.
    pub const fn new() -> Self {
        Self {
            bytes: [0xFF; N],
            budget: None,
            powered: true,
        }
    }

    /// Back to erased, powered, no cut armed (in place: a flash image can be large for the stack).
    pub fn reset(&mut self) {
        self.bytes.fill(0xFF);
        self.power_on();
    }

    /// Makes this flash a copy of `other` (in place), powered, no cut armed.
    pub fn copy_from(&mut self, other: &Self) {
        self.bytes.copy_from_slice(&other.bytes);
        self.power_on();
    }

    /// Cuts the power after `bytes` more bytes have been erased or programmed.
    pub fn cut_after(&mut self, bytes: usize) {
        self.budget = Some(bytes);
    }

    /// Power back on (a reboot): later operations work again, no cut armed.
    pub fn power_on(&mut self) {
        self.budget = None;
        self.powered = true;
    }

    /// Whether an armed cut has happened.
    pub fn power_was_cut(&self) -> bool {
        !self.powered
    }

    /// The raw contents.
    pub fn bytes(&self) -> &[u8; N] {
        &self.bytes
    }

    /// Changes byte `i` to `value` unless the power is cut first.
    fn change(&mut self, i: usize, value: u8) -> Result<(), RamFlashError> {
        if let Some(b) = self.budget.as_mut() {
            if *b == 0 {
                self.powered = false;
                return Err(RamFlashError::PowerLost);
            }
            *b -= 1;
        }
        self.bytes[i] = value;
        Ok(())
    }

    fn check(&self, offset: u32, len: usize, align: usize) -> Result<usize, RamFlashError> {
        if !self.powered {
            return Err(RamFlashError::PowerLost);
        }
        let start = offset as usize;
        match start.checked_add(len) {
            Some(end) if end <= N && start.is_multiple_of(align) && len.is_multiple_of(align) => {
                Ok(start)
            }
            _ => Err(RamFlashError::OutOfBoundsOrMisaligned),
        }
    }
}

impl<const N: usize, const SECTOR: usize> Default for RamFlash<N, SECTOR> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize, const SECTOR: usize> Mapped for RamFlash<N, SECTOR> {
    fn mapped(&self) -> &[u8] {
        &self.bytes
    }
}

impl<const N: usize, const SECTOR: usize> ErrorType for RamFlash<N, SECTOR> {
    type Error = RamFlashError;
}

impl<const N: usize, const SECTOR: usize> ReadNorFlash for RamFlash<N, SECTOR> {
    const READ_SIZE: usize = 1;

    fn read(&mut self, offset: u32, bytes: &mut [u8]) -> Result<(), Self::Error> {
        let start = self.check(offset, bytes.len(), 1)?;
        bytes.copy_from_slice(&self.bytes[start..start + bytes.len()]);
        Ok(())
    }

    fn capacity(&self) -> usize {
        N
    }
}

impl<const N: usize, const SECTOR: usize> NorFlash for RamFlash<N, SECTOR> {
    const WRITE_SIZE: usize = 4;
    const ERASE_SIZE: usize = SECTOR;

    fn erase(&mut self, from: u32, to: u32) -> Result<(), Self::Error> {
        let len = (to as usize)
            .checked_sub(from as usize)
            .ok_or(RamFlashError::OutOfBoundsOrMisaligned)?;
        let start = self.check(from, len, SECTOR)?;
        for i in start..start + len {
            self.change(i, 0xFF)?;
        }
        Ok(())
    }

    fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), Self::Error> {
        let start = self.check(offset, bytes.len(), 4)?;
        if bytes
            .iter()
            .zip(&self.bytes[start..])
            .any(|(new, old)| new & !old != 0)
        {
            return Err(RamFlashError::NotErased);
        }
        for (i, &b) in bytes.iter().enumerate() {
            self.change(start + i, b)?;
        }
        Ok(())
    }
}

/// Read-only access to memory-mapped flash (the blob slots of the running board) through the same
/// trait ([`Mapped`] too: blobs are checked and run in place).
/// Writing and erasing fail: programming the STM32F4's flash needs its flash controller (for
/// example `stm32f4xx-hal`'s `LockedFlash`/`UnlockedFlash`, which implement `NorFlash`).
pub struct MappedFlash {
    region: &'static [u8],
}

impl MappedFlash {
    /// Over a memory-mapped region.
    pub const fn new(region: &'static [u8]) -> Self {
        Self { region }
    }
}

impl Mapped for MappedFlash {
    fn mapped(&self) -> &[u8] {
        self.region
    }
}

impl ErrorType for MappedFlash {
    type Error = RamFlashError;
}

impl ReadNorFlash for MappedFlash {
    const READ_SIZE: usize = 1;

    fn read(&mut self, offset: u32, bytes: &mut [u8]) -> Result<(), Self::Error> {
        let start = offset as usize;
        let src = start
            .checked_add(bytes.len())
            .and_then(|end| self.region.get(start..end))
            .ok_or(RamFlashError::OutOfBoundsOrMisaligned)?;
        bytes.copy_from_slice(src);
        Ok(())
    }

    fn capacity(&self) -> usize {
        self.region.len()
    }
}

impl NorFlash for MappedFlash {
    const WRITE_SIZE: usize = 4;
    const ERASE_SIZE: usize = 128 * 1024;

    fn erase(&mut self, _: u32, _: u32) -> Result<(), Self::Error> {
        Err(RamFlashError::OutOfBoundsOrMisaligned)
    }

    fn write(&mut self, _: u32, _: &[u8]) -> Result<(), Self::Error> {
        Err(RamFlashError::OutOfBoundsOrMisaligned)
    }
}
