/* SPDX-License-Identifier: MIT */
/* A growable string for rendering commands and rule sets. */
#ifndef NSNET_UTIL_STRBUF_H
#define NSNET_UTIL_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

struct strbuf {
	char *s;	/* always NUL-terminated once anything was added */
	size_t len, cap;
	bool oom;	/* an append failed; checked once at the end */
};

void strbuf_printf(struct strbuf *sb, const char *fmt, ...) NSNET_PRINTF(2, 3);
void strbuf_free(struct strbuf *sb);
/* The content ("" when empty). */
const char *strbuf_str(const struct strbuf *sb);

#endif
