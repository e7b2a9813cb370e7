/* SPDX-License-Identifier: MIT */
/* A growable string for rendering commands and rule sets, and room in growable arrays. */
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

/*
 * Room for one more element in the array *@vp (a pointer to the array pointer) holding @n of
 * @size bytes each in *@cap: doubles the capacity (16 at first) when full. 0, or -ENOMEM with
 * the array untouched.
 */
int nsnet_array_room(void *vp, size_t *cap, size_t n, size_t size);

#endif
