/* SPDX-License-Identifier: MIT */
/* The error contract: functions return >= 0 or -errno and fill a caller-owned struct nsnet_err. */
#ifndef NSNET_UTIL_ERR_H
#define NSNET_UTIL_ERR_H

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>

#define NSNET_ERR_MSG_MAX 1024
/* Bytes of one echoed value (%s) kept in a message; the rest is cut with "…". */
#define NSNET_ERR_VALUE_MAX 200

/*
 * A failing function writes one message naming the object and the bad value, and the
 * positive errno in @code. Callers may prepend one piece of context with nsnet_err_prefix().
 * Only the CLI prints it, once (the CNI front end as its error JSON).
 */
struct nsnet_err {
	int code;
	char msg[NSNET_ERR_MSG_MAX];
};

#define NSNET_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* Fill @err (may be NULL) and return -@code (code given as a positive errno). */
int nsnet_err_set(struct nsnet_err *err, int code, const char *fmt, ...) NSNET_PRINTF(3, 4);
/* Prepend "context: " to the message already in @err. */
void nsnet_err_prefix(struct nsnet_err *err, const char *fmt, ...) NSNET_PRINTF(2, 3);
/*
 * Copy at most @len bytes of @s (up to its NUL) into @out (@size bytes, always NUL-terminated),
 * safe to print on a terminal and in one line: control bytes, DEL and malformed UTF-8 as \xHH;
 * past @max input bytes the rest is replaced by "…". Returns the bytes written.
 */
size_t nsnet_str_safe(char *out, size_t size, const char *s, size_t len, size_t max);
/*
 * vsnprintf for messages: every %s argument through nsnet_str_safe() (cut at NSNET_ERR_VALUE_MAX
 * bytes unless the format gives a precision), %c escaped; d i u x X o (h l ll z), f, p as usual.
 * nsnet_err_set() and nsnet_err_prefix() format with it.
 */
void nsnet_vfmt_safe(char *buf, size_t size, const char *fmt, va_list ap);
void nsnet_fmt_safe(char *buf, size_t size, const char *fmt, ...) NSNET_PRINTF(3, 4);
/* Reset @err to "no error". */
void nsnet_err_clear(struct nsnet_err *err);

#endif
