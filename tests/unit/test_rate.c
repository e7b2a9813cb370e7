// SPDX-License-Identifier: MIT
// Unit tests for model/rate.c: rates and sizes in tc's units, defaults, the JSON of limits.
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model/rate.h"
#include "unit.h"

static unsigned long long rate_of(const char *s)
{
	uint64_t v = 0;

	return rate_parse("--rate-in", s, &v, NULL) == 0 ? (unsigned long long)v : 0;
}

static unsigned long long size_of(const char *s)
{
	uint64_t v = 0;

	return size_parse("--burst", s, &v, NULL) == 0 ? (unsigned long long)v : 0;
}

TEST(test_rate_parse)
{
	CHECK(rate_of("10mbit") == 10000000ULL);
	CHECK(rate_of("500kbit") == 500000ULL);
	CHECK(rate_of("1gbit") == 1000000000ULL);
	CHECK(rate_of("1.5Mbit") == 1500000ULL);
	CHECK(rate_of("0.001mbit") == 1000ULL);
	CHECK(rate_of("8000") == 8000ULL);
	CHECK(rate_of("8000bit") == 8000ULL);
	CHECK(rate_of("1mbps") == 8000000ULL);
	CHECK(rate_of("100gbit") == 100000000000ULL);
	/* Malformed, a fraction of a bit, out of range. */
	CHECK(rate_of("") == 0);
	CHECK(rate_of("mbit") == 0);
	CHECK(rate_of("10 mbit") == 0);
	CHECK(rate_of("10mbits") == 0);
	CHECK(rate_of("-5mbit") == 0);
	CHECK(rate_of("1.5bit") == 0);
	CHECK(rate_of("999bit") == 0);
	CHECK(rate_of("101gbit") == 0);
	CHECK(rate_of("99999999999999999999999mbit") == 0);
	CHECK(rate_of("1.0000000001gbit") == 0);
}

TEST(test_rate_errors)
{
	struct nsnet_err e = { 0 };
	uint64_t v;

	CHECK_EQ_INT(rate_parse("--rate-out", "fast", &v, &e), -EINVAL);
	CHECK_EQ_STR(e.msg, "--rate-out 'fast': expected a rate from 1kbit to 100gbit such as 500kbit, 10mbit or 1gbit");
	CHECK_EQ_INT(size_parse("--burst", "1", &v, &e), -EINVAL);
	CHECK_EQ_STR(e.msg, "--burst '1': expected a size from 2kb to 256mb such as 32kb or 1mb");
}

TEST(test_size_parse)
{
	CHECK(size_of("32kb") == 32768ULL);
	CHECK(size_of("32k") == 32768ULL);
	CHECK(size_of("1mb") == 1048576ULL);
	CHECK(size_of("2.5kb") == 2560ULL);
	CHECK(size_of("1.5kb") == 0);
	CHECK(size_of("4096") == 4096ULL);
	CHECK(size_of("4096b") == 4096ULL);
	CHECK(size_of("256mb") == 268435456ULL);
	CHECK(size_of("257mb") == 0);
	CHECK(size_of("1kb") == 0);
	CHECK(size_of("32kbit") == 0);
}

TEST(test_rate_str)
{
	char b[NSNET_RATE_STRLEN];

	CHECK_EQ_STR(rate_str(8000000, b), "8mbit");
	CHECK_EQ_STR(rate_str(1500000, b), "1500kbit");
	CHECK_EQ_STR(rate_str(100000000000ULL, b), "100gbit");
	CHECK_EQ_STR(rate_str(1001, b), "1001bit");
	CHECK_EQ_STR(size_str(32768, b), "32kb");
	CHECK_EQ_STR(size_str(2097152, b), "2mb");
	CHECK_EQ_STR(size_str(1500, b), "1500b");
}

TEST(test_rate_defaults)
{
	/* 10 ms at the rate, at least 16 KiB, whole KiB; the queue adds 50 ms. */
	CHECK(rate_burst(8000000, 0) == 16384);
	CHECK(rate_burst(8000000, 4096) == 4096);
	CHECK(rate_burst(1000000000, 0) == 1250304);
	CHECK(rate_queue(8000000, 0) == 16384 + 50000);
	CHECK(rate_burst(NSNET_RATE_MAX, 0) == 125000704);
}

TEST(test_limit_json)
{
	struct nsnet_limit l = { .rate_in = 8000000, .rate_out = 4000000, .burst_out = 32768 }, back;
	struct nsnet_err e = { 0 };
	json_t *j = limit_to_json(&l, false);
	char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);

	CHECK_EQ_STR(s, "{\"burst_out\":32768,\"rate_in\":8000000,\"rate_out\":4000000}");
	CHECK_EQ_INT(limit_from_json(j, &back, &e), 0);
	CHECK(limit_eq(&l, &back));
	free(s);
	json_decref(j);
	j = limit_to_json(&l, true);
	s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	CHECK_EQ_STR(s, "{\"burst_in\":16384,\"burst_out\":32768,\"rate_in\":8000000,\"rate_out\":4000000}");
	free(s);
	json_decref(j);
	j = json_pack("{s:i}", "rate_in", 10);
	CHECK_EQ_INT(limit_from_json(j, &back, &e), -EBADMSG);
	json_decref(j);
	j = json_pack("{s:i}", "burst_in", 4096);
	CHECK_EQ_INT(limit_from_json(j, &back, &e), -EBADMSG);
	json_decref(j);
}

int main(void)
{
	RUN(test_rate_parse);
	RUN(test_rate_errors);
	RUN(test_size_parse);
	RUN(test_rate_str);
	RUN(test_rate_defaults);
	RUN(test_limit_json);
	return unit_done();
}
