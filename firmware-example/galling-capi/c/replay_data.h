/* The replay's data for the C programs: the generated file firmware-example/replay/strokes.bin
 * (recorded raw samples and the host's f32 results; layout in firmware-example/replay/format.rs,
 * the same file the Rust press application includes) and the two blobs it was computed with,
 * embedded by replay_data.c with the assembler's .incbin (assemble with -Wa,-I<firmware-example>),
 * and read here field by field as little-endian words (no alignment or byte-order assumption). */
#ifndef REPLAY_DATA_H
#define REPLAY_DATA_H
#include <stdint.h>

/* One raw sample: forces as IEEE-754 bit patterns, position in encoder counts (1 nm). */
typedef struct {
    uint32_t force_y;
    uint32_t force_z;
    int32_t position;
} replay_sample_t;

/* One recorded stroke and what the host computed for it (float fields are bit patterns). */
typedef struct {
    uint32_t first;            /* index of its first sample */
    uint32_t len;              /* number of samples */
    uint32_t temperature;      /* die temperature, degC */
    uint8_t new_series;        /* first stroke after a die change */
    uint8_t has_report;        /* 0: the averager refuses the stroke (too few samples) */
    uint32_t mean, std, samples;
    uint8_t restarted;         /* the monitor was restarted before this stroke */
    uint32_t stroke, risk, excess, expected_strokes, log_prob;
    uint8_t hot_die, onset_warning, galling_detected, press_must_stop, fault;
    uint32_t v7_risk, v7_log_prob; /* the V7 blob's monitor on the same stroke means (0: no report) */
} replay_stroke_t;

/* The published fit's blob (firmware-example/blob/published_fit.glng) and the V7 blob
 * (firmware-example/blob/v7.glng); their lengths are replay_blob_len() and v7_blob_len(). */
extern const uint8_t replay_blob[];
extern const uint8_t v7_blob[];
uint32_t replay_blob_len(void);
uint32_t v7_blob_len(void);

/* 0 when strokes.bin has its magic, version and the length its counts give; else the byte offset
 * of the first field that is wrong, plus one. Call it before the functions below. */
uint32_t replay_check(void);
uint32_t replay_sample_count(void);
uint32_t replay_stroke_count(void);
/* Sample k (< replay_sample_count()) and stroke i (< replay_stroke_count()). */
replay_sample_t replay_sample(uint32_t k);
replay_stroke_t replay_stroke(uint32_t i);

#endif
