//! On-target tests of the A/B blob store (QEMU netduinoplus2, `cargo test`): updates through the
//! `NorFlash` trait on a simulated RAM flash, power cuts at every byte of an update, refusals, and
//! the factory slot of the real flash map. Output ends with `N passed, M failed`.
#![no_std]
#![no_main]

use galling::blob::{self, BlobError, PackageView};
use galling::family::ModelId;
use galling::monitor::{Monitor, MonitorState};
use galling_press_app::blob_store::{
    self, Active, BlobStore, MAX_BLOB_LEN, Mapped, Slot, StoreError, format,
};
use galling_press_app::harness::{self, Test};
use galling_press_app::ram_flash::{MappedFlash, RamFlash, RamFlashError};
use galling_press_app::{SLOT_SIZE, slots_region};

use embedded_storage::nor_flash::NorFlash;

/// Sector of the simulated flash; each slot is one sector (a slot needs 16 + the blob padded to 4
/// bytes + 4 bytes: 5,452 for the longest blob of the current format).
const SECTOR: usize = 5504;
type Flash = RamFlash<{ 2 * SECTOR }, SECTOR>;
const _: () = assert!(format::slot_len(MAX_BLOB_LEN) <= SECTOR);

/// The published fit's blob (`../blob/published_fit.glng`).
static PUBLISHED: &[u8] = include_bytes!("../../blob/published_fit.glng");

fn published() -> &'static [u8] {
    PUBLISHED
}

/// The published package, viewed in place.
fn published_package() -> Option<PackageView<'static>> {
    PackageView::new(PUBLISHED).ok()
}

/// A second valid blob (the published one with another hot-die target), encoded on the target
/// into a static buffer on first use.
fn retrained() -> Option<&'static [u8]> {
    static mut RETRAINED: [u8; MAX_BLOB_LEN] = [0; MAX_BLOB_LEN];
    static mut LEN: usize = 0;
    // SAFETY: the tests run one after the other on one core and no interrupt touches these
    // statics; the buffer is written only while LEN is 0, before any reference to it is handed out.
    #[allow(clippy::deref_addrof)]
    unsafe {
        if LEN == 0 {
            let p = published_package()?.to_package();
            let mut settings = *p.settings();
            settings.hot_die_target *= 0.5;
            let p = p.with_settings(settings).ok()?;
            LEN = blob::encode_into(&p, &mut *(&raw mut RETRAINED)).ok()?;
        }
        (&*(&raw const RETRAINED)).get(..LEN)
    }
}

/// A blob of another variant: the upstream V7 fit (`../blob/v7.glng`, from
/// `cargo xtask generate` in the repository root).
static V7: &[u8] = include_bytes!("../../blob/v7.glng");

/// The same blob: same id (its CRC) and the same content.
fn same(a: &PackageView<'_>, b: &PackageView<'_>) -> bool {
    a == b
}

/// Two flash images in static memory (11 KiB each would not fit the stack together with a
/// decode): the one under test and a copy (of the state before an update).
static mut FLASHES: [Flash; 2] = [Flash::new(), Flash::new()];

/// The three flashes, erased.
fn flashes() -> &'static mut [Flash; 2] {
    // SAFETY: the tests run one after the other on one core, no interrupt touches FLASHES, and each
    // test takes this reference once and drops it before the next test starts.
    // `&raw mut` then a reborrow is the 2024-edition way to a `static mut` without a shared
    // reference to it; clippy's suggested `FLASHES` would not compile.
    #[allow(clippy::deref_addrof)]
    let f = unsafe { &mut *(&raw mut FLASHES) };
    for x in f.iter_mut() {
        x.reset();
    }
    f
}

fn store(flash: &mut Flash) -> Result<BlobStore<&mut Flash>, &'static str> {
    BlobStore::new(flash, SECTOR as u32).map_err(|_| "a store over two sectors")
}

/// (slot, sequence, package) of the active blob after a reboot, read in place.
fn active(flash: &Flash) -> Option<(Slot, u32, PackageView<'_>)> {
    blob_store::active_in(flash.mapped(), SECTOR as u32).map(|a| (a.slot, a.sequence, a.package))
}

/// (slot, sequence, package id) of what an install returned.
fn installed<E>(r: Result<Active<'_>, E>) -> Result<(Slot, u32, u32), E> {
    r.map(|a| (a.slot, a.sequence, a.package.id()))
}

fn factory_slot_is_active_at_boot() -> Result<(), &'static str> {
    let s = BlobStore::new(MappedFlash::new(slots_region()), SLOT_SIZE)
        .map_err(|_| "the slots region makes a store")?;
    let a = s.active().ok_or("the factory slot has no valid blob")?;
    let p = published_package().ok_or("the published blob checks")?;
    if a.slot != Slot::A || a.sequence != 1 || !same(&a.package, &p) {
        return Err("the factory slot A, sequence 1, holds the published fit");
    }
    // Read in place: the view's risk table lies inside the slots region, not in RAM.
    let table = a.package.table().entries().as_ptr() as usize;
    let region = slots_region().as_ptr_range();
    if !(region.start as usize..region.end as usize).contains(&table) {
        return Err("the active package's table is read in place from the flash slot");
    }
    Ok(())
}

fn erased_flash_has_no_blob_until_one_is_installed() -> Result<(), &'static str> {
    let [flash, ..] = flashes();
    let pkg = published_package().ok_or("the published blob checks")?;
    let mut s = store(flash)?;
    if s.active().is_some() {
        return Err("erased flash has no active blob");
    }
    let a = s
        .install(published())
        .map_err(|_| "install into erased flash")?;
    if a.slot != Slot::A || a.sequence != 1 || !same(&a.package, &pkg) {
        return Err("the first blob goes to slot A with sequence 1");
    }
    match active(flash) {
        Some((Slot::A, 1, p)) if same(&p, &pkg) => Ok(()),
        _ => Err("after a reboot slot A is active"),
    }
}

fn updates_alternate_slots_and_keep_the_previous_blob() -> Result<(), &'static str> {
    let new_blob = retrained().ok_or("a second valid blob")?;
    let new_params = PackageView::new(new_blob).map_err(|_| "the second blob checks")?;
    let pkg = published_package().ok_or("the published blob checks")?;
    let [flash, a_only] = flashes();
    let mut s = store(flash)?;
    s.install(published()).map_err(|_| "first install")?;
    let b = s.install(new_blob).map_err(|_| "second install")?;
    if b.slot != Slot::B || b.sequence != 2 || !same(&b.package, &new_params) {
        return Err("the update goes to slot B with sequence 2");
    }
    // The previous blob is still intact in slot A: erase B and look again.
    a_only.copy_from(flash);
    a_only
        .erase(SECTOR as u32, 2 * SECTOR as u32)
        .map_err(|_| "erase slot B")?;
    match active(a_only) {
        Some((Slot::A, 1, p)) if same(&p, &pkg) => {}
        _ => return Err("slot A still holds the previous blob, committed"),
    }
    let mut s = store(flash)?;
    let c = installed(s.install(published())).map_err(|_| "third install")?;
    if c.0 != Slot::A || c.1 != 3 {
        return Err("the third update goes back to slot A with sequence 3");
    }
    Ok(())
}

/// An update from the V8 blob to the V7 blob (another variant, another parameter layout): it goes to
/// slot B, is active after a reboot, and the press's monitor runs it in place (the V7 kernel scores
/// the strokes; risks are probabilities).
fn a_second_variant_installs_and_runs() -> Result<(), &'static str> {
    let v7 = PackageView::new(V7).map_err(|_| "the V7 blob checks")?;
    let [flash, ..] = flashes();
    let mut s = store(flash)?;
    s.install(published()).map_err(|_| "first install (V8)")?;
    let b = installed(s.install(V7)).map_err(|_| "second install (V7)")?;
    if b != (Slot::B, 2, v7.id()) {
        return Err("the V7 update goes to slot B with sequence 2");
    }
    let Some((Slot::B, 2, params)) = active(flash) else {
        return Err("after a reboot slot B (V7) is active");
    };
    if params.params().model() != ModelId::V7 || !same(&params, &v7) {
        return Err("the active package is not V7");
    }
    let mut monitor = Monitor::new(params);
    if monitor.model().model() != ModelId::V7 {
        return Err("the monitor does not run V7");
    }
    let mut scored = 0u32;
    for (n, cof) in [0.18_f32, 0.19, 0.21, 0.35, 0.62, 0.7]
        .into_iter()
        .enumerate()
    {
        let r = monitor
            .update(n as u32, 168.0, cof)
            .map_err(|_| "the V7 monitor refused a stroke")?;
        if !(0.0..=1.0).contains(&r.risk) || r.fault.is_some() {
            return Err("the V7 monitor's risk is not a probability");
        }
        if let Some(t) = r.transition {
            if !t.log_prob.is_finite() {
                return Err("the V7 transition log-likelihood is not finite");
            }
            scored += 1;
        }
    }
    defmt::println!(
        "  V7 blob installed in slot B, active after reboot, {=u32} transitions scored",
        scored
    );
    if scored == 5 {
        Ok(())
    } else {
        Err("the V7 monitor did not score every transition")
    }
}

/// A new blob installed while the press runs: the monitor state (a small static of the monitor
/// task in the application) carries over to the new package as `MonitorState::adopt` says. The
/// galling alarm raised under the old blob stays on, the stroke counter continues (the next stroke
/// is a transition scored by the new blob, no new series), and the new blob's settings apply from
/// the next stroke on; a blob whose COF bounds exclude the last stroke restarts the series but
/// still keeps the alarm.
fn a_swapped_blob_keeps_the_signal_history() -> Result<(), &'static str> {
    let new_blob = retrained().ok_or("a second valid blob")?;
    let [flash, ..] = flashes();
    let mut s = store(flash)?;
    // The running monitor's package: the published blob (the same bytes as slot A; a view of slot
    // A itself would hold the store borrowed while the update writes slot B).
    s.install(published()).map_err(|_| "first install")?;
    let old = published_package().ok_or("the published blob checks")?;
    let mut state = MonitorState::new();
    for (n, cof) in [0.15_f32, 0.2, 0.75, 0.8].into_iter().enumerate() {
        old.update(&mut state, n as u32, 168.0, cof)
            .map_err(|_| "the published monitor refused a stroke")?;
    }
    if !state.alarms().galling.active {
        return Err("strokes above the galling threshold raise the galling alarm");
    }
    let before = state;
    let new = s.install(new_blob).map_err(|_| "second install")?.package;
    if new.id() == old.id() || new.settings() == old.settings() {
        return Err("the second blob has other settings");
    }
    state.adopt(&new);
    if !state.alarms().galling.active || state.expected_stroke() != Some(4) {
        return Err("a swap keeps the alarm and the stroke counter");
    }
    let r = new
        .update(&mut state, 4, 168.0, 0.8)
        .map_err(|_| "the new blob continues the series")?;
    if r.transition.is_none() || !r.galling.active {
        return Err("the first stroke after the swap is a transition, the alarm still on");
    }
    // The same state before the swap, continued by the old blob: both blobs hold the same model, so
    // the transition across the swap is scored as the old blob would have scored it.
    let mut kept = before;
    let r_old = old
        .update(&mut kept, 4, 168.0, 0.8)
        .map_err(|_| "the old blob continues the series")?;
    if r.transition.map(|t| t.log_prob) != r_old.transition.map(|t| t.log_prob) {
        return Err("both blobs have the same model: the same transition score");
    }
    // A blob whose COF bounds exclude the last stroke: the series restarts, the alarm stays.
    let mut narrow = before;
    let mut p = old.to_package();
    let mut settings = *p.settings();
    settings.cof_high = 0.7;
    p = p
        .with_settings(settings)
        .map_err(|_| "narrower COF bounds are valid")?;
    narrow.adopt(&p.view());
    if narrow.expected_stroke().is_some() || !narrow.alarms().galling.active {
        return Err("a last stroke outside the new bounds restarts the series, the alarm stays");
    }
    Ok(())
}

/// Cuts the power after every possible number of changed bytes during an update (erase, header,
/// blob, commit) and reboots: the old blob must be active until the commit word is complete, the new
/// one after, and a retried update must then succeed.
fn power_cut_at_every_byte_of_an_update(
    [before, flash]: &mut [Flash; 2],
    old: (Slot, u32),
    new_slot: Slot,
) -> Result<(), &'static str> {
    let new_blob = retrained().ok_or("a second valid blob")?;
    let new_id = PackageView::new(new_blob)
        .map_err(|_| "the second blob checks")?
        .id();
    let total = SECTOR + format::slot_len(new_blob.len()); // erase, then every programmed byte
    flash.copy_from(before);
    let old_id = active(flash).ok_or("a blob before the update")?.2.id();
    // Every byte of the start and the end of the erase, of the header and the start of the blob,
    // and of its end and the commit word (the boundaries where a cut changes the outcome), every
    // 37th byte of the erase's and the blob's bulk. (Every checked blob costs a CRC and a structure
    // check of 5.4 KB: a cut at every byte of the 5.5 KB erase made the run 3 minutes under QEMU.)
    let cuts = (0..=total).filter(|&c| {
        c < 128 || (SECTOR - 128..=SECTOR + 128).contains(&c) || c + 128 >= total || c % 37 == 0
    });
    for cut in cuts {
        flash.copy_from(before);
        flash.cut_after(cut);
        let result = installed(store(flash)?.install(new_blob));
        let cut_happened = flash.power_was_cut();
        flash.power_on();
        let now = active(flash).map(|(slot, seq, p)| (slot, seq, p.id()));
        if cut < total {
            if !cut_happened || result != Err(StoreError::Flash(RamFlashError::PowerLost)) {
                return Err("an update cut short reports PowerLost");
            }
            match now {
                Some((slot, seq, id)) if (slot, seq) == old && id == old_id => {}
                _ => {
                    defmt::error!("power cut after {=usize} of {=usize} bytes", cut, total);
                    return Err("the old blob stays active until the commit word is complete");
                }
            }
            let mut s = store(flash)?;
            let retry =
                installed(s.install(new_blob)).map_err(|_| "the retried update succeeds")?;
            if retry.0 != new_slot || retry.2 != new_id {
                return Err("the retried update goes to the spare slot");
            }
        } else {
            match now {
                Some((slot, seq, id)) if slot == new_slot && seq == old.1 + 1 && id == new_id => {}
                _ => return Err("a complete update is active after a reboot"),
            }
        }
    }
    defmt::println!(
        "  power cut at every byte of 0..={=usize} changed bytes near the edges of the erase and the blob, every 37th in their bulk: the old blob stayed active until the commit",
        total
    );
    Ok(())
}

fn power_cut_during_the_first_update_keeps_the_factory_blob() -> Result<(), &'static str> {
    let f = flashes();
    store(&mut f[0])?
        .install(published())
        .map_err(|_| "first install")?;
    power_cut_at_every_byte_of_an_update(f, (Slot::A, 1), Slot::B)
}

fn power_cut_overwriting_the_older_slot_keeps_the_newer_blob() -> Result<(), &'static str> {
    let f = flashes();
    let mut s = store(&mut f[0])?;
    s.install(published()).map_err(|_| "first install")?;
    s.install(published()).map_err(|_| "second install")?;
    power_cut_at_every_byte_of_an_update(f, (Slot::B, 2), Slot::A)
}

fn refused_blobs_change_nothing() -> Result<(), &'static str> {
    let [before, flash] = flashes();
    store(before)?
        .install(published())
        .map_err(|_| "first install")?;
    let mut bad = [0u8; MAX_BLOB_LEN];
    let bad = &mut bad[..published().len()];
    bad.copy_from_slice(published());
    bad[20] ^= 1;
    flash.copy_from(before);
    let mut s = store(flash)?;
    match s.install(bad) {
        Err(StoreError::Refused(BlobError::CrcMismatch { .. })) => {}
        _ => return Err("a corrupted blob is refused with its CRC mismatch"),
    }
    match s.install(&bad[..40]) {
        Err(StoreError::Refused(BlobError::Truncated { .. })) => {}
        _ => return Err("a truncated blob is refused"),
    }
    match s.install(&[0u8; MAX_BLOB_LEN + 1]) {
        Err(StoreError::TooLong { len }) if len == MAX_BLOB_LEN + 1 => {}
        _ => return Err("a too long blob is refused"),
    }
    if flash.bytes() != before.bytes() {
        return Err("a refused blob leaves the flash untouched");
    }
    Ok(())
}

/// Writes `bytes` at `offset`, the last word padded with 0xFF (writes are whole 4-byte words; a
/// blob's length is not always a multiple of 4).
fn write_padded(f: &mut Flash, offset: u32, bytes: &[u8]) -> Result<(), RamFlashError> {
    let whole = bytes.len() / 4 * 4;
    f.write(offset, &bytes[..whole])?;
    let rest = &bytes[whole..];
    if rest.is_empty() {
        return Ok(());
    }
    let mut last = [0xFF_u8; 4];
    last[..rest.len()].copy_from_slice(rest);
    f.write(offset + whole as u32, &last)
}

fn uncommitted_or_torn_slots_are_ignored() -> Result<(), &'static str> {
    let good = published();
    let [f, ..] = flashes();
    // slot B: header and blob with sequence 9 but no commit word
    f.write(SECTOR as u32, &format::header(9, good.len() as u32))
        .map_err(|_| "write header B")?;
    write_padded(f, (SECTOR + format::HEADER_LEN) as u32, good).map_err(|_| "write blob B")?;
    if active(f).is_some() {
        return Err("a slot without its commit word is not active");
    }
    // slot A: committed sequence 1; slot B: a torn header (sequence and its complement disagree)
    store(f)?.install(good).map_err(|_| "install")?;
    f.erase(SECTOR as u32, 2 * SECTOR as u32)
        .map_err(|_| "erase B")?;
    let mut torn = format::header(7, good.len() as u32);
    torn[12] ^= 0xFF;
    f.write(SECTOR as u32, &torn)
        .map_err(|_| "write torn header")?;
    match active(f) {
        Some((Slot::A, 1, _)) => Ok(()),
        _ => Err("a torn header is ignored"),
    }
}

fn sequence_numbers_compare_across_the_wrap() -> Result<(), &'static str> {
    let good = published();
    let [f, ..] = flashes();
    for (base, seq) in [(0u32, u32::MAX), (SECTOR as u32, 0u32)] {
        f.write(base, &format::header(seq, good.len() as u32))
            .map_err(|_| "write a header")?;
        write_padded(f, base + format::HEADER_LEN as u32, good).map_err(|_| "write a blob")?;
        let c = base + format::commit_offset(good.len()) as u32;
        f.write(c, &format::commit_word(seq))
            .map_err(|_| "write a commit word")?;
    }
    match active(f) {
        Some((Slot::B, 0, _)) => Ok(()),
        _ => Err("sequence 0 follows sequence u32::MAX"),
    }
}

fn simulated_flash_follows_nor_rules() -> Result<(), &'static str> {
    let [f, ..] = flashes();
    f.write(0, &[0x0F, 0xFF, 0xFF, 0xFF])
        .map_err(|_| "program erased bytes")?;
    if f.write(0, &[0xF0, 0xFF, 0xFF, 0xFF]) != Err(RamFlashError::NotErased) {
        return Err("setting a programmed bit needs an erase");
    }
    if f.write(2, &[0; 4]) != Err(RamFlashError::OutOfBoundsOrMisaligned)
        || f.erase(0, 100) != Err(RamFlashError::OutOfBoundsOrMisaligned)
        || f.write(2 * SECTOR as u32, &[0; 4]) != Err(RamFlashError::OutOfBoundsOrMisaligned)
    {
        return Err("misaligned and out-of-bounds operations are refused");
    }
    f.erase(0, SECTOR as u32).map_err(|_| "erase")?;
    if f.bytes()[0] != 0xFF {
        return Err("erase sets 0xFF");
    }
    Ok(())
}

/// Every test; `../check-test-tables.sh` (run by `../ci.sh`) fails when a test function of this
/// file is missing here.
const TESTS: &[Test] = &[
    Test {
        name: "factory_slot_is_active_at_boot",
        run: factory_slot_is_active_at_boot,
    },
    Test {
        name: "erased_flash_has_no_blob_until_one_is_installed",
        run: erased_flash_has_no_blob_until_one_is_installed,
    },
    Test {
        name: "updates_alternate_slots_and_keep_the_previous_blob",
        run: updates_alternate_slots_and_keep_the_previous_blob,
    },
    Test {
        name: "power_cut_during_the_first_update_keeps_the_factory_blob",
        run: power_cut_during_the_first_update_keeps_the_factory_blob,
    },
    Test {
        name: "power_cut_overwriting_the_older_slot_keeps_the_newer_blob",
        run: power_cut_overwriting_the_older_slot_keeps_the_newer_blob,
    },
    Test {
        name: "refused_blobs_change_nothing",
        run: refused_blobs_change_nothing,
    },
    Test {
        name: "uncommitted_or_torn_slots_are_ignored",
        run: uncommitted_or_torn_slots_are_ignored,
    },
    Test {
        name: "sequence_numbers_compare_across_the_wrap",
        run: sequence_numbers_compare_across_the_wrap,
    },
    Test {
        name: "a_second_variant_installs_and_runs",
        run: a_second_variant_installs_and_runs,
    },
    Test {
        name: "a_swapped_blob_keeps_the_signal_history",
        run: a_swapped_blob_keeps_the_signal_history,
    },
    Test {
        name: "simulated_flash_follows_nor_rules",
        run: simulated_flash_follows_nor_rules,
    },
];

#[cortex_m_rt::entry]
fn main() -> ! {
    harness::run(TESTS)
}
