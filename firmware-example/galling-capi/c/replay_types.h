/* Types of replay_data.h (generated): recorded raw samples and the host's f32 results. */
#ifndef REPLAY_TYPES_H
#define REPLAY_TYPES_H
#include <stdint.h>

/* One raw sample: forces as IEEE-754 bit patterns, position in encoder counts (1 nm). */
typedef struct {
    uint32_t force_y;
    uint32_t force_z;
    int32_t position;
} replay_sample_t;

/* One recorded stroke and what the host computed for it (float fields are bit patterns). */
typedef struct {
    uint32_t first;            /* index of its first sample in REPLAY_SAMPLES */
    uint32_t len;              /* number of samples */
    uint32_t temperature;      /* die temperature, degC */
    uint8_t new_series;        /* first stroke after a die change */
    uint8_t has_report;        /* 0: the averager refuses the stroke (too few samples) */
    uint32_t mean, std, samples;
    uint8_t restarted;         /* the monitor was restarted before this stroke */
    uint32_t stroke, risk, excess, expected_strokes, log_prob;
    uint8_t hot_die, onset_warning, galling_detected, press_must_stop, fault;
} replay_stroke_t;

#endif
