/* SPDX-License-Identifier: MIT */
/* Bandwidth limits of an attachment: rates and burst sizes, their text forms (tc's units) and JSON. */
#ifndef NSNET_MODEL_RATE_H
#define NSNET_MODEL_RATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

/* Bounds of what nsnet accepts (and a record may hold). */
#define NSNET_RATE_MIN 1000ULL			/* bits per second: 1kbit */
#define NSNET_RATE_MAX 100000000000ULL		/* 100gbit */
#define NSNET_BURST_MIN 2048ULL			/* bytes: more than one full-size frame */
#define NSNET_BURST_MAX (256ULL << 20)		/* 256 MiB */
#define NSNET_RATE_STRLEN 32

/*
 * The limits of one attachment. "in" is traffic into the namespace, "out" traffic leaving it
 * (the CNI bandwidth capability's ingress and egress). A rate of 0: that direction is not
 * limited. A burst of 0: the default for the rate (rate_burst()).
 */
struct nsnet_limit {
	uint64_t rate_in, rate_out;	/* bits per second */
	uint64_t burst_in, burst_out;	/* bytes, as given */
};

/*
 * Parse a rate as tc writes it: a number (decimals allowed) and a unit, bit kbit mbit gbit tbit
 * (powers of 1000; a bare number is bits per second) or bps kbps mbps gbps (bytes per second),
 * case-insensitive. Returns 0, or -EINVAL naming @s and the expected form (@what is the option,
 * "--rate-in"), also outside NSNET_RATE_MIN..MAX.
 */
int rate_parse(const char *what, const char *s, uint64_t *bps, struct nsnet_err *err);
/* A size: a number and b, kb/k, mb/m, gb/g (powers of 1024; bare: bytes). Bounds NSNET_BURST_*. */
int size_parse(const char *what, const char *s, uint64_t *bytes, struct nsnet_err *err);
/* "8mbit", "1500kbit", "999bit": the largest unit that is exact. @out: NSNET_RATE_STRLEN. */
const char *rate_str(uint64_t bps, char *out);
/* "32kb", "1500b". @out: NSNET_RATE_STRLEN. */
const char *size_str(uint64_t bytes, char *out);

/*
 * The burst a tbf of @bps gets for a given @burst (0: 10 ms at the rate, at least 16 KiB, at
 * most NSNET_BURST_MAX) and its queue limit (the burst plus 50 ms at the rate), both in bytes.
 */
uint64_t rate_burst(uint64_t bps, uint64_t burst);
uint64_t rate_queue(uint64_t bps, uint64_t burst);

/* Any direction limited? */
bool limit_any(const struct nsnet_limit *l);
bool limit_eq(const struct nsnet_limit *a, const struct nsnet_limit *b);

/*
 * JSON: {"rate_in": BITS/S, "burst_in": BYTES, "rate_out": ..., "burst_out": ...}, members of an
 * unlimited direction (and bursts of 0) left out. @effective: bursts as applied (rate_burst()),
 * for `ls --json`; else as given, for records. NULL on OOM. limit_from_json validates bounds and
 * returns 0 or -EBADMSG.
 */
json_t *limit_to_json(const struct nsnet_limit *l, bool effective);
int limit_from_json(const json_t *j, struct nsnet_limit *l, struct nsnet_err *err);

#endif
