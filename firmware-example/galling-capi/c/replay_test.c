/* The C API against the host's golden results. Two replays (replay_data.h), each sample by sample
 * through galling_extractor_push/_finish and galling_monitor_update_features on a package viewed
 * in place (galling_package_init over the embedded blob) and a monitor state the test owns, as the
 * Rust press application does; every stroke's features and report are compared with the host's
 * f32 computation bit for bit, and so are the risk and transition log-likelihood of a second
 * package run on the same strokes with its own state:
 *  - replay/strokes.bin: 40 strokes synthesised from the demo data, the published fit's blob
 *    (second: V7); the plain averager (galling_averager_*) runs beside the extractor and must give
 *    the same window statistics;
 *  - the precursor replay (GALLING_PRECURSOR_REPLAY, generated from ../shared/galling-data, see
 *    run.sh): 44 real strokes, the V8-P blob, which takes each stroke's features (second: the
 *    published fit).
 * Also checks refusals (corrupt blob, null and uninitialised storage, bad samples) and a swap of
 * packages under a running state. Prints "N passed, M failed" last. */
#include "galling.h"
#include "platform.h"
#include "replay_data.h"

static GallingPackage package, second_package;
static GallingMonitorState state, second_state;
static GallingExtractor extractor;
static GallingAverager averager;

static unsigned passed, failed;

static uint32_t bits(float f) {
    uint32_t u;
    __builtin_memcpy(&u, &f, sizeof u);
    return u;
}

static float flt(uint32_t u) {
    float f;
    __builtin_memcpy(&f, &u, sizeof f);
    return f;
}

static int expect(int ok, const char *what, uint32_t stroke) {
    if (ok) {
        passed++;
    } else {
        failed++;
        out_str("FAILED: ");
        out_str(what);
        out_str(" (stroke ");
        out_u32(stroke);
        out_str(")\n");
    }
    return ok;
}

static void refusals(void) {
    static uint8_t bad[8192];
    static GallingPackage never;
    static GallingMonitorState never_state;
    const uint32_t len = replay_blob_len();
    if (!expect(len <= sizeof bad, "the published blob fits the test's buffer", 0)) return;
    for (unsigned i = 0; i < len; i++) bad[i] = replay_blob[i];
    bad[20] ^= 1;
    GallingReport r;
    expect(galling_package_init(bad, len, &package) == GALLING_STATUS_BLOB_CRC_MISMATCH,
           "a corrupted blob is refused with BLOB_CRC_MISMATCH", 0);
    expect(galling_package_init(replay_blob, 3, &package) == GALLING_STATUS_BLOB_TRUNCATED,
           "a truncated blob is refused", 0);
    expect(galling_package_init(replay_blob, len, 0) == GALLING_STATUS_NULL_POINTER,
           "a null output is refused", 0);
    expect(galling_monitor_state_init(&state) == GALLING_STATUS_OK, "state init", 0);
    expect(galling_monitor_update(&never, &state, 0, 165.0f, 0.2f, &r) ==
               GALLING_STATUS_NOT_INITIALISED,
           "a package that never checked is refused", 0);
    expect(galling_package_init(replay_blob, len, &package) == GALLING_STATUS_OK,
           "the published blob checks", 0);
    expect(galling_monitor_update(&package, &never_state, 0, 165.0f, 0.2f, &r) ==
               GALLING_STATUS_NOT_INITIALISED,
           "an uninitialised state is refused", 0);
    expect(galling_extractor_init(&extractor, &never) == GALLING_STATUS_NOT_INITIALISED,
           "an extractor from a package that never checked is refused", 0);
    expect(galling_averager_push(&averager, 1.0f, 2.0f, 0) == GALLING_STATUS_NOT_INITIALISED,
           "an uninitialised averager is refused", 0);
}

/* One stroke through a package and a state, as the press application's monitor task does it: a
 * new series restarts the series, and so does a gap in the stroke counter. */
static GallingStatus monitor_stroke(const GallingPackage *p, GallingMonitorState *s, uint32_t i,
                                    const replay_stroke_t *e, const GallingStrokeFeatures *f,
                                    GallingReport *r, uint8_t *restarted) {
    *restarted = e->new_series;
    if (e->new_series) galling_monitor_state_restart_series(s);
    GallingStatus st = galling_monitor_update_features(p, s, i, flt(e->temperature), f, r);
    if (st == GALLING_STATUS_NOT_CONSECUTIVE) {
        galling_monitor_state_restart_series(s);
        *restarted = 1;
        st = galling_monitor_update_features(p, s, i, flt(e->temperature), f, r);
    }
    return st;
}

/* Replays file `f` with the primary blob `blob` and the second blob `second`. */
static void replay(const char *name, replay_file_t f, const uint8_t *blob, uint32_t blob_len,
                   const uint8_t *second, uint32_t second_len, int with_averager) {
    unsigned matched = 0, second_matched = 0, reports = 0;
    uint32_t id = 0, second_id = 0;
    const uint32_t bad_byte = replay_check(f);
    if (!expect(bad_byte == 0, "the replay file is well-formed (magic, version, length)",
                bad_byte ? bad_byte - 1 : 0))
        return;
    expect(galling_package_init(blob, blob_len, &package) == GALLING_STATUS_OK &&
               galling_package_id(&package, &id) == GALLING_STATUS_OK &&
               id == replay_blob_id(f),
           "the primary blob checks and is the one the host used", 0);
    expect(galling_package_init(second, second_len, &second_package) == GALLING_STATUS_OK &&
               galling_package_id(&second_package, &second_id) == GALLING_STATUS_OK &&
               second_id == replay_second_blob_id(f),
           "the second blob checks and is the one the host used", 0);
    expect(galling_monitor_state_init(&state) == GALLING_STATUS_OK, "state init", 0);
    expect(galling_monitor_state_init(&second_state) == GALLING_STATUS_OK, "second state init", 0);
    expect(galling_extractor_init(&extractor, &package) == GALLING_STATUS_OK, "extractor init", 0);
    expect(galling_averager_init(&averager) == GALLING_STATUS_OK, "averager init", 0);
    const uint32_t n = replay_stroke_count(f);
    for (uint32_t i = 0; i < n; i++) {
        const replay_stroke_t stroke = replay_stroke(f, i);
        const replay_stroke_t *e = &stroke;
        for (uint32_t k = e->first; k < e->first + e->len; k++) {
            const replay_sample_t s = replay_sample(f, k);
            GallingStatus st =
                galling_extractor_push(&extractor, flt(s.force_y), flt(s.force_z), s.position);
            if (st != GALLING_STATUS_OK)
                expect(st == GALLING_STATUS_SAMPLE_ZERO_NORMAL_FORCE,
                       "only zero-normal-force samples are refused", i);
            if (with_averager)
                galling_averager_push(&averager, flt(s.force_y), flt(s.force_z), s.position);
        }
        GallingStrokeFeatures x;
        GallingStatus st = galling_extractor_finish(&extractor, &x);
        GallingStrokeStats stats;
        GallingStatus st_avg = with_averager ? galling_averager_finish(&averager, &stats) : st;
        if (!e->has_report) {
            matched += expect(st == GALLING_STATUS_TOO_FEW_SAMPLES &&
                                  st_avg == GALLING_STATUS_TOO_FEW_SAMPLES,
                              "the dead-sensor stroke has too few samples", i);
            continue;
        }
        reports++;
        int ok = expect(st == GALLING_STATUS_OK, "the stroke's features are extracted", i);
        ok &= expect(bits(x.mean) == e->mean && bits(x.std) == e->std && x.samples == e->samples,
                     "stroke mean, std and count bit-identical to the host", i);
        ok &= expect(bits(x.breakaway_peak) == e->breakaway_peak &&
                         bits(x.run_in_high_share) == e->run_in_high_share &&
                         bits(x.exit_peak) == e->exit_peak &&
                         x.run_in_samples == e->run_in_samples &&
                         x.exit_samples == e->exit_samples,
                     "stroke features bit-identical to the host", i);
        if (with_averager)
            ok &= expect(st_avg == GALLING_STATUS_OK && bits(stats.mean) == e->mean &&
                             bits(stats.std) == e->std && stats.samples == e->samples,
                         "the averager's statistics equal the extractor's", i);
        GallingReport r;
        uint8_t restarted;
        st = monitor_stroke(&package, &state, i, e, &x, &r, &restarted);
        ok &= expect(st == GALLING_STATUS_OK, "the monitor accepts the stroke", i);
        ok &= expect(restarted == e->restarted && r.stroke == e->stroke &&
                         bits(r.risk) == e->risk && bits(r.excess) == e->excess &&
                         bits(r.expected_strokes) == e->expected_strokes &&
                         bits(r.log_prob) == e->log_prob && r.hot_die == e->hot_die &&
                         r.onset_warning == e->onset_warning &&
                         r.galling_detected == e->galling_detected &&
                         r.press_must_stop == e->press_must_stop && r.fault == e->fault,
                     "report bit-identical to the host", i);
        matched += ok;
        GallingReport r2;
        st = monitor_stroke(&second_package, &second_state, i, e, &x, &r2, &restarted);
        second_matched += expect(st == GALLING_STATUS_OK && bits(r2.risk) == e->second_risk &&
                                     bits(r2.log_prob) == e->second_log_prob,
                                 "second blob's report bit-identical to the host", i);
    }
    out_str("replayed ");
    out_u32(n);
    out_str(" strokes of ");
    out_str(name);
    out_str(" through the C API: ");
    out_u32(matched);
    out_str(" bit-identical to the host, ");
    out_u32(n - matched);
    out_str(" mismatched; second blob: ");
    out_u32(second_matched);
    out_str(" of ");
    out_u32(reports);
    out_str(" bit-identical\n");
}

/* A new package swapped in under a running state (galling_monitor_state_adopt): the galling alarm
 * raised under the published blob stays on, and the next stroke continues the series under V7. */
static void swap(void) {
    GallingReport r;
    uint8_t model = 0;
    expect(galling_package_init(replay_blob, replay_blob_len(), &package) == GALLING_STATUS_OK &&
               galling_package_init(v7_blob, v7_blob_len(), &second_package) ==
                   GALLING_STATUS_OK,
           "both blobs check", 0);
    expect(galling_package_model(&second_package, &model) == GALLING_STATUS_OK && model == 4,
           "the V7 blob is model 4", 0);
    galling_monitor_state_init(&state);
    const float cof[3] = {0.2f, 0.8f, 0.85f};
    for (uint32_t i = 0; i < 3; i++)
        expect(galling_monitor_update(&package, &state, i, 168.0f, cof[i], &r) == GALLING_STATUS_OK,
               "the published blob accepts the stroke", i);
    expect(r.galling_detected == 1, "galling detected before the swap", 2);
    expect(galling_monitor_state_adopt(&state, &second_package) == GALLING_STATUS_OK,
           "the state adopts the new package", 3);
    expect(galling_monitor_update(&second_package, &state, 3, 168.0f, 0.85f, &r) ==
                   GALLING_STATUS_OK &&
               r.galling_detected == 1 && r.log_prob == r.log_prob,
           "after the swap: alarm kept, the series continues (a scored transition)", 3);
}

unsigned run_replay(void) {
    refusals();
    replay("strokes.bin (published fit)", replay_strokes_file(), replay_blob, replay_blob_len(),
           v7_blob, v7_blob_len(), 1);
#ifdef GALLING_PRECURSOR_REPLAY
    replay("precursor.bin (V8-P, real strokes)", replay_precursor_file(), v8p_blob,
           v8p_blob_len(), replay_blob, replay_blob_len(), 0);
#endif
    swap();
    out_u32(passed);
    out_str(" passed, ");
    out_u32(failed);
    out_str(" failed\n");
    return failed;
}
