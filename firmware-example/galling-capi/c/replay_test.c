/* The C API against the host's golden results: decodes the published blob, then replays the recorded
 * raw samples of replay/strokes.bin (replay_data.h) sample by sample through galling_averager_push/_finish and
 * galling_monitor_update, as the Rust press application does, and compares every stroke's mean and
 * report with the host's f32 computation bit for bit. Also checks refusals (corrupt blob, null and
 * uninitialised storage, bad samples). Then a second variant: decodes the V7 blob, checks its model
 * id and replays the same stroke means through its monitor, risk and log-likelihood bit-identical to
 * the host. Prints "N passed, M failed" last. */
#include "galling.h"
#include "platform.h"
#include "replay_data.h"

static GallingParams params;
static GallingMonitor monitor;
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
    const uint32_t len = replay_blob_len();
    if (!expect(len <= sizeof bad, "the published blob fits the test's buffer", 0)) return;
    for (unsigned i = 0; i < len; i++) bad[i] = replay_blob[i];
    bad[20] ^= 1;
    GallingReport r;
    expect(galling_params_decode(bad, len, &params) == GALLING_STATUS_BLOB_CRC_MISMATCH,
           "a corrupted blob is refused with BLOB_CRC_MISMATCH", 0);
    expect(galling_params_decode(replay_blob, 3, &params) == GALLING_STATUS_BLOB_TRUNCATED,
           "a truncated blob is refused", 0);
    expect(galling_params_decode(replay_blob, len, 0) == GALLING_STATUS_NULL_POINTER,
           "a null output is refused", 0);
    expect(galling_monitor_init(&monitor, &params) == GALLING_STATUS_NOT_INITIALISED,
           "a monitor from params that never decoded is refused", 0);
    expect(galling_monitor_update(&monitor, 0, 165.0f, 0.2f, &r) == GALLING_STATUS_NOT_INITIALISED,
           "an uninitialised monitor is refused", 0);
    expect(galling_averager_push(&averager, 1.0f, 2.0f, 0) == GALLING_STATUS_NOT_INITIALISED,
           "an uninitialised averager is refused", 0);
}

static void replay(void) {
    unsigned matched = 0;
    expect(galling_params_decode(replay_blob, replay_blob_len(), &params) == GALLING_STATUS_OK,
           "the published blob decodes", 0);
    expect(galling_monitor_init(&monitor, &params) == GALLING_STATUS_OK, "monitor init", 0);
    expect(galling_averager_init(&averager) == GALLING_STATUS_OK, "averager init", 0);
    const uint32_t n = replay_stroke_count();
    for (uint32_t i = 0; i < n; i++) {
        const replay_stroke_t stroke = replay_stroke(i);
        const replay_stroke_t *e = &stroke;
        for (uint32_t k = e->first; k < e->first + e->len; k++) {
            const replay_sample_t s = replay_sample(k);
            GallingStatus st = galling_averager_push(&averager, flt(s.force_y), flt(s.force_z),
                                                     s.position);
            if (st != GALLING_STATUS_OK)
                expect(st == GALLING_STATUS_SAMPLE_ZERO_NORMAL_FORCE,
                       "only zero-normal-force samples are refused", i);
        }
        GallingStrokeStats stats;
        GallingStatus st = galling_averager_finish(&averager, &stats);
        if (!e->has_report) {
            matched += expect(st == GALLING_STATUS_TOO_FEW_SAMPLES,
                              "the dead-sensor stroke has too few samples", i);
            continue;
        }
        int ok = expect(st == GALLING_STATUS_OK, "the stroke averages", i);
        ok &= expect(bits(stats.mean) == e->mean && bits(stats.std) == e->std &&
                         stats.samples == e->samples,
                     "stroke mean, std and count bit-identical to the host", i);
        uint8_t restarted = e->new_series;
        if (e->new_series) galling_monitor_restart_series(&monitor);
        GallingReport r;
        st = galling_monitor_update(&monitor, i, flt(e->temperature), stats.mean, &r);
        if (st == GALLING_STATUS_NOT_CONSECUTIVE) {
            galling_monitor_restart_series(&monitor);
            restarted = 1;
            st = galling_monitor_update(&monitor, i, flt(e->temperature), stats.mean, &r);
        }
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
    }
    out_str("replayed ");
    out_u32(n);
    out_str(" strokes through the C API: ");
    out_u32(matched);
    out_str(" bit-identical to the host, ");
    out_u32(n - matched);
    out_str(" mismatched\n");
}

/* The V7 blob through the C API: model id 4, and the monitor running it reports the host's risk and
 * transition log-likelihood for the replay's stroke means (bit patterns). */
static void replay_v7(void) {
    static GallingParams v7_params;
    static GallingMonitor v7_monitor;
    uint8_t model = 0;
    unsigned matched = 0, reports = 0;
    expect(galling_params_decode(v7_blob, v7_blob_len(), &v7_params) == GALLING_STATUS_OK,
           "the V7 blob decodes", 0);
    expect(galling_params_model(&v7_params, &model) == GALLING_STATUS_OK && model == 4,
           "the decoded blob is model 4 (V7)", 0);
    expect(galling_monitor_init(&v7_monitor, &v7_params) == GALLING_STATUS_OK, "V7 monitor init",
           0);
    const uint32_t n = replay_stroke_count();
    for (uint32_t i = 0; i < n; i++) {
        const replay_stroke_t stroke = replay_stroke(i);
        const replay_stroke_t *e = &stroke;
        if (!e->has_report) continue;
        reports++;
        if (e->new_series || e->restarted) galling_monitor_restart_series(&v7_monitor);
        GallingReport r;
        GallingStatus st =
            galling_monitor_update(&v7_monitor, i, flt(e->temperature), flt(e->mean), &r);
        matched += expect(st == GALLING_STATUS_OK && bits(r.risk) == e->v7_risk &&
                              bits(r.log_prob) == e->v7_log_prob,
                          "V7 report bit-identical to the host", i);
    }
    out_str("V7 blob: ");
    out_u32(matched);
    out_str(" of ");
    out_u32(reports);
    out_str(" strokes bit-identical to the host\n");
}

unsigned run_replay(void) {
    const uint32_t bad_byte = replay_check();
    if (!expect(bad_byte == 0, "replay/strokes.bin is well-formed (magic, version, length)",
                bad_byte ? bad_byte - 1 : 0)) {
        out_str("0 passed, 1 failed\n");
        return 1;
    }
    refusals();
    replay();
    replay_v7();
    out_u32(passed);
    out_str(" passed, ");
    out_u32(failed);
    out_str(" failed\n");
    return failed;
}
