/* SPDX-License-Identifier: MIT */
/* The error contract: functions return >= 0 or -errno and fill a caller-owned struct nsnet_err. */
#ifndef NSNET_UTIL_ERR_H
#define NSNET_UTIL_ERR_H

#include <errno.h>

#define NSNET_ERR_MSG_MAX 1024

/*
 * A failing function writes one message naming the object and the bad value, and the
 * positive errno in @code. Callers may prepend one piece of context with nsnet_err_prefix().
 * Only the CLI prints it, once.
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
/* Reset @err to "no error". */
void nsnet_err_clear(struct nsnet_err *err);

#endif
