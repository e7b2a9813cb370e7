// SPDX-License-Identifier: MIT
// Rates and sizes of bandwidth limits: parsing and printing in tc's units, defaults, JSON (see rate.h).
#include "model/rate.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

struct rate_unit {
	const char *name;
	uint64_t mult;
};

/* tc's rate units: bits (SI) and bytes (SI) per second. */
static const struct rate_unit rate_units[] = {
	{ "", 1 }, { "bit", 1 }, { "kbit", 1000 }, { "mbit", 1000000 }, { "gbit", 1000000000 },
	{ "tbit", 1000000000000ULL }, { "bps", 8 }, { "kbps", 8000 }, { "mbps", 8000000 },
	{ "gbps", 8000000000ULL }, { NULL, 0 },
};

/* tc's size units: bytes, powers of 1024. */
static const struct rate_unit size_units[] = {
	{ "", 1 }, { "b", 1 }, { "k", 1024 }, { "kb", 1024 }, { "kib", 1024 }, { "m", 1 << 20 }, { "mb", 1 << 20 },
	{ "mib", 1 << 20 }, { "g", 1 << 30 }, { "gb", 1 << 30 }, { "gib", 1 << 30 }, { NULL, 0 },
};

/*
 * "DIGITS[.DIGITS]UNIT" into *@out (exact: a fraction must come out whole). 0, or -1 when
 * malformed, not whole, or above @max.
 */
static int rate_number(const char *s, const struct rate_unit *units, uint64_t max, uint64_t *out)
{
	uint64_t whole = 0, frac = 0, scale = 1;
	const char *p = s;
	size_t digits = 0;

	for (; *p >= '0' && *p <= '9'; p++, digits++) {
		if (whole > max)
			return -1;
		whole = whole * 10 + (uint64_t)(*p - '0');
	}
	if (*p == '.') {
		p++;
		for (; *p >= '0' && *p <= '9'; p++, digits++) {
			if (scale >= 1000000000ULL)
				return -1;	/* more than 9 decimals */
			frac = frac * 10 + (uint64_t)(*p - '0');
			scale *= 10;
		}
	}
	if (!digits)
		return -1;
	for (const struct rate_unit *u = units; u->name; u++) {
		if (strcasecmp(p, u->name))
			continue;
		unsigned __int128 f = (unsigned __int128)frac * u->mult;

		if (whole > max / u->mult || f % scale)
			return -1;	/* too large, or a fraction of the smallest unit */
		*out = whole * u->mult + (uint64_t)(f / scale);
		return *out > max ? -1 : 0;
	}
	return -1;
}

int rate_parse(const char *what, const char *s, uint64_t *bps, struct nsnet_err *err)
{
	if (rate_number(s, rate_units, NSNET_RATE_MAX, bps) < 0 || *bps < NSNET_RATE_MIN)
		return nsnet_err_set(err, EINVAL, "%s '%s': expected a rate from 1kbit to 100gbit such as 500kbit, 10mbit or 1gbit",
				     what, s);
	return 0;
}

int size_parse(const char *what, const char *s, uint64_t *bytes, struct nsnet_err *err)
{
	if (rate_number(s, size_units, NSNET_BURST_MAX, bytes) < 0 || *bytes < NSNET_BURST_MIN)
		return nsnet_err_set(err, EINVAL, "%s '%s': expected a size from 2kb to 256mb such as 32kb or 1mb", what, s);
	return 0;
}

const char *rate_str(uint64_t bps, char *out)
{
	static const struct rate_unit show[] = { { "tbit", 1000000000000ULL }, { "gbit", 1000000000 },
						 { "mbit", 1000000 }, { "kbit", 1000 }, { NULL, 0 } };

	for (const struct rate_unit *u = show; u->name; u++) {
		if (bps && bps % u->mult == 0) {
			snprintf(out, NSNET_RATE_STRLEN, "%llu%s", (unsigned long long)(bps / u->mult), u->name);
			return out;
		}
	}
	snprintf(out, NSNET_RATE_STRLEN, "%llubit", (unsigned long long)bps);
	return out;
}

const char *size_str(uint64_t bytes, char *out)
{
	if (bytes && bytes % (1 << 20) == 0)
		snprintf(out, NSNET_RATE_STRLEN, "%llumb", (unsigned long long)(bytes >> 20));
	else if (bytes && bytes % 1024 == 0)
		snprintf(out, NSNET_RATE_STRLEN, "%llukb", (unsigned long long)(bytes >> 10));
	else
		snprintf(out, NSNET_RATE_STRLEN, "%llub", (unsigned long long)bytes);
	return out;
}

uint64_t rate_burst(uint64_t bps, uint64_t burst)
{
	uint64_t b;

	if (burst)
		return burst;
	/* 10 ms at the rate keeps the shaper's timer slack out of the measured rate; 16 KiB keeps a few frames. */
	b = bps / 8 / 100;
	if (b < 16384)
		b = 16384;
	return b > NSNET_BURST_MAX ? NSNET_BURST_MAX : (b + 1023) / 1024 * 1024;
}

uint64_t rate_queue(uint64_t bps, uint64_t burst)
{
	/* 50 ms of queue (tc's `latency 50ms`): room for TCP to keep the link busy, little delay added. */
	uint64_t q = rate_burst(bps, burst) + bps / 8 / 20;

	return q > UINT32_MAX ? UINT32_MAX : q;
}

bool limit_any(const struct nsnet_limit *l)
{
	return l->rate_in || l->rate_out;
}

bool limit_eq(const struct nsnet_limit *a, const struct nsnet_limit *b)
{
	return a->rate_in == b->rate_in && a->rate_out == b->rate_out && a->burst_in == b->burst_in &&
	       a->burst_out == b->burst_out;
}

json_t *limit_to_json(const struct nsnet_limit *l, bool effective)
{
	json_t *j = json_object();
	int r = 0;

	if (!j)
		return NULL;
	if (l->rate_in) {
		r |= json_object_set_new(j, "rate_in", json_integer((json_int_t)l->rate_in));
		if (effective || l->burst_in)
			r |= json_object_set_new(j, "burst_in", json_integer((json_int_t)rate_burst(l->rate_in, l->burst_in)));
	}
	if (l->rate_out) {
		r |= json_object_set_new(j, "rate_out", json_integer((json_int_t)l->rate_out));
		if (effective || l->burst_out)
			r |= json_object_set_new(j, "burst_out",
						 json_integer((json_int_t)rate_burst(l->rate_out, l->burst_out)));
	}
	if (r) {
		json_decref(j);
		return NULL;
	}
	return j;
}

/* Member @key of @j into *@out: absent is 0; else an integer within @min..@max. 0 or -1. */
static int limit_member(const json_t *j, const char *key, uint64_t min, uint64_t max, uint64_t *out)
{
	const json_t *v = json_object_get(j, key);

	*out = 0;
	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 || (uint64_t)json_integer_value(v) < min ||
	    (uint64_t)json_integer_value(v) > max)
		return -1;
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

int limit_from_json(const json_t *j, struct nsnet_limit *l, struct nsnet_err *err)
{
	memset(l, 0, sizeof(*l));
	if (!json_is_object(j) || limit_member(j, "rate_in", NSNET_RATE_MIN, NSNET_RATE_MAX, &l->rate_in) < 0 ||
	    limit_member(j, "rate_out", NSNET_RATE_MIN, NSNET_RATE_MAX, &l->rate_out) < 0 ||
	    limit_member(j, "burst_in", NSNET_BURST_MIN, NSNET_BURST_MAX, &l->burst_in) < 0 ||
	    limit_member(j, "burst_out", NSNET_BURST_MIN, NSNET_BURST_MAX, &l->burst_out) < 0 ||
	    (l->burst_in && !l->rate_in) || (l->burst_out && !l->rate_out))
		return nsnet_err_set(err, EBADMSG, "bad \"limit\": expected {\"rate_in\", \"burst_in\", \"rate_out\", \"burst_out\"} in bits per second and bytes");
	return 0;
}
