/* Embeds replay/strokes.bin and the three blobs (.incbin, found through -Wa,-I<firmware-example>),
 * and the precursor replay generated from the real data when GALLING_PRECURSOR_REPLAY names it (a
 * string literal, the file's path: it is never checked in), and reads the replay files (layout:
 * firmware-example/replay/format.rs). See replay_data.h. */
#include "replay_data.h"

#define EMBED(name, path)                                                                          \
    ".balign 4\n"                                                                                  \
    ".global " name "\n"                                                                           \
    ".type " name ", %object\n" name ":\n"                                                         \
    ".incbin \"" path "\"\n"                                                                       \
    ".global " name "_end\n" name "_end:\n"

#ifdef GALLING_PRECURSOR_REPLAY
#define EMBED_PRECURSOR EMBED("precursor_bin", GALLING_PRECURSOR_REPLAY)
#else
#define EMBED_PRECURSOR
#endif

__asm__(".section .rodata.replay_data,\"a\"\n"                                                     \
        EMBED("replay_bin", "replay/strokes.bin")                                                  \
        EMBED_PRECURSOR                                                                            \
        EMBED("replay_blob", "blob/published_fit.glng")                                            \
        EMBED("v7_blob", "blob/v7.glng")                                                           \
        EMBED("v8p_blob", "blob/v8_precursor_fit.glng")                                            \
        ".previous\n");

extern const uint8_t replay_bin[], replay_bin_end[], replay_blob_end[], v7_blob_end[],
    v8p_blob_end[];

/* Layout constants of replay/format.rs. */
enum {
    VERSION = 2,
    HEADER_LEN = 24,
    SAMPLE_LEN = 12,
    STROKE_LEN = 84,
    FLAG_NEW_SERIES = 1,
    FLAG_HAS_REPORT = 2,
    FLAG_RESTARTED = 4,
};

static uint32_t word(replay_file_t f, uint32_t offset) {
    const uint8_t *p = f.begin + offset;
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

replay_file_t replay_strokes_file(void) {
    replay_file_t f = {replay_bin, replay_bin_end};
    return f;
}
#ifdef GALLING_PRECURSOR_REPLAY
extern const uint8_t precursor_bin[], precursor_bin_end[];
replay_file_t replay_precursor_file(void) {
    replay_file_t f = {precursor_bin, precursor_bin_end};
    return f;
}
#endif
uint32_t replay_blob_len(void) { return (uint32_t)(replay_blob_end - replay_blob); }
uint32_t v7_blob_len(void) { return (uint32_t)(v7_blob_end - v7_blob); }
uint32_t v8p_blob_len(void) { return (uint32_t)(v8p_blob_end - v8p_blob); }
uint32_t replay_sample_count(replay_file_t f) { return word(f, 8); }
uint32_t replay_stroke_count(replay_file_t f) { return word(f, 12); }
uint32_t replay_blob_id(replay_file_t f) { return word(f, 16); }
uint32_t replay_second_blob_id(replay_file_t f) { return word(f, 20); }

uint32_t replay_check(replay_file_t f) {
    uint32_t len = (uint32_t)(f.end - f.begin);
    if (len < HEADER_LEN || f.begin[0] != 'G' || f.begin[1] != 'R' || f.begin[2] != 'P' ||
        f.begin[3] != 'L')
        return 0 + 1;
    if (word(f, 4) != VERSION) return 4 + 1;
    uint64_t expected = HEADER_LEN + (uint64_t)replay_sample_count(f) * SAMPLE_LEN +
                        (uint64_t)replay_stroke_count(f) * STROKE_LEN;
    if (expected != len) return 8 + 1;
    for (uint32_t i = 0; i < replay_stroke_count(f); i++) {
        replay_stroke_t st = replay_stroke(f, i);
        if ((uint64_t)st.first + st.len > replay_sample_count(f))
            return HEADER_LEN + replay_sample_count(f) * SAMPLE_LEN + i * STROKE_LEN + 1;
    }
    return 0;
}

replay_sample_t replay_sample(replay_file_t f, uint32_t k) {
    uint32_t at = HEADER_LEN + k * SAMPLE_LEN;
    replay_sample_t s = {word(f, at), word(f, at + 4), (int32_t)word(f, at + 8)};
    return s;
}

replay_stroke_t replay_stroke(replay_file_t f, uint32_t i) {
    uint32_t at = HEADER_LEN + replay_sample_count(f) * SAMPLE_LEN + i * STROKE_LEN;
    uint32_t flags = word(f, at + 12), signals = word(f, at + 48);
    replay_stroke_t s;
    s.first = word(f, at);
    s.len = word(f, at + 4);
    s.temperature = word(f, at + 8);
    s.new_series = (flags & FLAG_NEW_SERIES) != 0;
    s.has_report = (flags & FLAG_HAS_REPORT) != 0;
    s.restarted = (flags & FLAG_RESTARTED) != 0;
    s.mean = word(f, at + 16);
    s.std = word(f, at + 20);
    s.samples = word(f, at + 24);
    s.stroke = word(f, at + 28);
    s.risk = word(f, at + 32);
    s.excess = word(f, at + 36);
    s.expected_strokes = word(f, at + 40);
    s.log_prob = word(f, at + 44);
    s.hot_die = (uint8_t)signals;
    s.onset_warning = (uint8_t)(signals >> 8);
    s.galling_detected = (uint8_t)(signals >> 16);
    s.press_must_stop = (uint8_t)(signals >> 24);
    s.fault = (uint8_t)word(f, at + 52);
    s.second_risk = word(f, at + 56);
    s.second_log_prob = word(f, at + 60);
    s.breakaway_peak = word(f, at + 64);
    s.run_in_high_share = word(f, at + 68);
    s.exit_peak = word(f, at + 72);
    s.run_in_samples = word(f, at + 76);
    s.exit_samples = word(f, at + 80);
    return s;
}
