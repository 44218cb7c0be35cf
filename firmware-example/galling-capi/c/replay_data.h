/* The replays' data for the C programs: the generated files firmware-example/replay/strokes.bin
 * (checked in) and the precursor replay (generated from ../shared/galling-data at build time,
 * `cargo xtask precursor-replay`, never checked in; compiled in when GALLING_PRECURSOR_REPLAY names
 * it) (recorded raw samples and the host's f32 results; layout in
 * firmware-example/replay/format.rs, the same files the Rust press application includes) and the
 * three blobs they were computed with, embedded by replay_data.c with the assembler's .incbin
 * (assemble with -Wa,-I<firmware-example>), and read here field by field as little-endian words
 * (no alignment or byte-order assumption). */
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
    uint8_t has_report;        /* 0: the extractor refuses the stroke (too few samples) */
    uint32_t mean, std, samples;
    uint8_t restarted;         /* the monitor was restarted before this stroke */
    uint32_t stroke, risk, excess, expected_strokes, log_prob;
    uint8_t hot_die, onset_warning, galling_detected, press_must_stop, fault;
    uint32_t second_risk, second_log_prob; /* the file's second blob on the same stroke */
    uint32_t breakaway_peak, run_in_high_share, exit_peak, run_in_samples, exit_samples;
} replay_stroke_t;

/* One replay file. */
typedef struct {
    const uint8_t *begin;
    const uint8_t *end;
} replay_file_t;

/* replay/strokes.bin (40 strokes synthesised from the demo data; primary blob the published fit,
 * second blob V7) and the precursor replay (44 real strokes; primary blob V8-P, second blob the
 * published fit; only when GALLING_PRECURSOR_REPLAY is defined). */
replay_file_t replay_strokes_file(void);
#ifdef GALLING_PRECURSOR_REPLAY
replay_file_t replay_precursor_file(void);
#endif

/* The blobs (firmware-example/blob/published_fit.glng, v7.glng, v8_precursor_fit.glng) and their
 * lengths. */
extern const uint8_t replay_blob[];
extern const uint8_t v7_blob[];
extern const uint8_t v8p_blob[];
uint32_t replay_blob_len(void);
uint32_t v7_blob_len(void);
uint32_t v8p_blob_len(void);

/* 0 when the file has its magic, version and the length its counts give; else the byte offset
 * of the first field that is wrong, plus one. Call it before the functions below. */
uint32_t replay_check(replay_file_t f);
uint32_t replay_sample_count(replay_file_t f);
uint32_t replay_stroke_count(replay_file_t f);
/* The ids (CRC-32) of the blobs the host computed the file with (primary, second). */
uint32_t replay_blob_id(replay_file_t f);
uint32_t replay_second_blob_id(replay_file_t f);
/* Sample k (< replay_sample_count()) and stroke i (< replay_stroke_count()). */
replay_sample_t replay_sample(replay_file_t f, uint32_t k);
replay_stroke_t replay_stroke(replay_file_t f, uint32_t i);

#endif
