/* SPDX-License-Identifier: MIT */
/* Shared by the unit tests: addresses built from bytes, address checks, and line matching in text. */
#ifndef NSNET_TESTS_FIXTURES_H
#define NSNET_TESTS_FIXTURES_H

/*
 * Expected values are built from bytes by hand, never by the parser under test, so a parser bug
 * cannot hide another one. Everything here is static inline: a test file that uses only some of
 * it still builds under -Werror.
 */

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "model/service.h"
#include "unit.h"
#include "util/inet.h"

static inline struct nsnet_addr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	struct nsnet_addr x = { .family = AF_INET, .b = { a, b, c, d } };

	return x;
}

/* An IPv6 address from its eight 16-bit words, as written: v6(0xfd00, 0, 0, 0, 0, 0, 0, 1). */
static inline struct nsnet_addr v6(unsigned w0, unsigned w1, unsigned w2, unsigned w3, unsigned w4,
				   unsigned w5, unsigned w6, unsigned w7)
{
	unsigned w[8] = { w0, w1, w2, w3, w4, w5, w6, w7 };
	struct nsnet_addr x = { .family = AF_INET6 };

	for (int i = 0; i < 8; i++) {
		x.b[2 * i] = (uint8_t)(w[i] >> 8);
		x.b[2 * i + 1] = (uint8_t)w[i];
	}
	return x;
}

static inline struct nsnet_prefix pfx(struct nsnet_addr a, unsigned int len)
{
	struct nsnet_prefix p = { .addr = a, .len = len };

	return p;
}

static inline struct nsnet_endpoint ep_of(struct nsnet_addr a, uint16_t port)
{
	struct nsnet_endpoint e = { .addr = a, .port = port };

	return e;
}

/* Pointer to a temporary, for calls that take an address: (&(a = x)) is not an lvalue in C. */
#define ADDR(x) (&(struct nsnet_addr[]){ x }[0])

/*
 * "family:hex bytes", built without the formatter under test, so a failure shows both sides. All
 * 16 bytes of anything that is not IPv4, so stray bytes behind family 0 show too.
 */
static inline const char *addr_hex(const struct nsnet_addr *a, char buf[48])
{
	size_t n = a->family == AF_INET ? 4 : 16;

	snprintf(buf, 48, "%d:", a->family);
	for (size_t i = 0; i < n; i++)
		snprintf(buf + strlen(buf), 48 - strlen(buf), "%02x", a->b[i]);
	return buf;
}

#define CHECK_ADDR(got, want)                                         \
	do {                                                          \
		struct nsnet_addr g_ = (got), w_ = (want);            \
		char gb_[48], wb_[48];                                \
		CHECK_EQ_STR(addr_hex(&g_, gb_), addr_hex(&w_, wb_)); \
	} while (0)

/* Does @text hold @line as a whole line? */
static inline int has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; (p = strstr(p, line)); p++)
		if ((p == text || p[-1] == '\n') && (p[n] == '\n' || !p[n]))
			return 1;
	return 0;
}

/* How many lines of @text start with @prefix. */
static inline int count_lines(const char *text, const char *prefix)
{
	int n = 0;

	for (const char *p = text; *p; p += strcspn(p, "\n"), p += *p == '\n')
		n += !strncmp(p, prefix, strlen(prefix));
	return n;
}

/* The text from the first line that starts with @prefix to the end ("" when there is none). */
static inline const char *from_line(const char *text, const char *prefix)
{
	size_t n = strlen(prefix);

	for (const char *p = text; *p; p += strcspn(p, "\n"), p += *p == '\n')
		if (!strncmp(p, prefix, n))
			return p;
	return "";
}

#endif
