/* Embeds replay/strokes.bin and the two blobs (.incbin, found through -Wa,-I<firmware-example>)
 * and reads strokes.bin (layout: firmware-example/replay/format.rs). See replay_data.h. */
#include "replay_data.h"

__asm__(".section .rodata.replay_data,\"a\"\n"
        ".balign 4\n"
        ".global replay_bin\n"
        ".type replay_bin, %object\n"
        "replay_bin:\n"
        ".incbin \"replay/strokes.bin\"\n"
        ".global replay_bin_end\n"
        "replay_bin_end:\n"
        ".balign 4\n"
        ".global replay_blob\n"
        ".type replay_blob, %object\n"
        "replay_blob:\n"
        ".incbin \"blob/published_fit.glng\"\n"
        ".global replay_blob_end\n"
        "replay_blob_end:\n"
        ".balign 4\n"
        ".global v7_blob\n"
        ".type v7_blob, %object\n"
        "v7_blob:\n"
        ".incbin \"blob/v7.glng\"\n"
        ".global v7_blob_end\n"
        "v7_blob_end:\n"
        ".previous\n");

extern const uint8_t replay_bin[], replay_bin_end[], replay_blob_end[], v7_blob_end[];

/* Layout constants of replay/format.rs. */
enum {
    HEADER_LEN = 16,
    SAMPLE_LEN = 12,
    STROKE_LEN = 64,
    FLAG_NEW_SERIES = 1,
    FLAG_HAS_REPORT = 2,
    FLAG_RESTARTED = 4,
};

static uint32_t word(uint32_t offset) {
    const uint8_t *p = replay_bin + offset;
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint32_t replay_blob_len(void) { return (uint32_t)(replay_blob_end - replay_blob); }
uint32_t v7_blob_len(void) { return (uint32_t)(v7_blob_end - v7_blob); }
uint32_t replay_sample_count(void) { return word(8); }
uint32_t replay_stroke_count(void) { return word(12); }

uint32_t replay_check(void) {
    uint32_t len = (uint32_t)(replay_bin_end - replay_bin);
    if (len < HEADER_LEN || replay_bin[0] != 'G' || replay_bin[1] != 'R' || replay_bin[2] != 'P' ||
        replay_bin[3] != 'L')
        return 0 + 1;
    if (word(4) != 1) return 4 + 1;
    uint64_t expected = HEADER_LEN + (uint64_t)replay_sample_count() * SAMPLE_LEN +
                        (uint64_t)replay_stroke_count() * STROKE_LEN;
    if (expected != len) return 8 + 1;
    for (uint32_t i = 0; i < replay_stroke_count(); i++) {
        replay_stroke_t st = replay_stroke(i);
        if ((uint64_t)st.first + st.len > replay_sample_count())
            return HEADER_LEN + replay_sample_count() * SAMPLE_LEN + i * STROKE_LEN + 1;
    }
    return 0;
}

replay_sample_t replay_sample(uint32_t k) {
    uint32_t at = HEADER_LEN + k * SAMPLE_LEN;
    replay_sample_t s = {word(at), word(at + 4), (int32_t)word(at + 8)};
    return s;
}

replay_stroke_t replay_stroke(uint32_t i) {
    uint32_t at = HEADER_LEN + replay_sample_count() * SAMPLE_LEN + i * STROKE_LEN;
    uint32_t flags = word(at + 12), signals = word(at + 48);
    replay_stroke_t s;
    s.first = word(at);
    s.len = word(at + 4);
    s.temperature = word(at + 8);
    s.new_series = (flags & FLAG_NEW_SERIES) != 0;
    s.has_report = (flags & FLAG_HAS_REPORT) != 0;
    s.restarted = (flags & FLAG_RESTARTED) != 0;
    s.mean = word(at + 16);
    s.std = word(at + 20);
    s.samples = word(at + 24);
    s.stroke = word(at + 28);
    s.risk = word(at + 32);
    s.excess = word(at + 36);
    s.expected_strokes = word(at + 40);
    s.log_prob = word(at + 44);
    s.hot_die = (uint8_t)signals;
    s.onset_warning = (uint8_t)(signals >> 8);
    s.galling_detected = (uint8_t)(signals >> 16);
    s.press_must_stop = (uint8_t)(signals >> 24);
    s.fault = (uint8_t)word(at + 52);
    s.v7_risk = word(at + 56);
    s.v7_log_prob = word(at + 60);
    return s;
}
