// SPDX-License-Identifier: MIT
// Error reporting helpers (see err.h for the contract).
#include "util/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int nsnet_err_set(struct nsnet_err *err, int code, const char *fmt, ...)
{
	if (code < 0)
		code = -code;
	if (code == 0)
		code = EINVAL;
	if (err) {
		va_list ap;

		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
		err->code = code;
	}
	return -code;
}

void nsnet_err_prefix(struct nsnet_err *err, const char *fmt, ...)
{
	char ctx[NSNET_ERR_MSG_MAX], old[NSNET_ERR_MSG_MAX];
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(ctx, sizeof(ctx), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	snprintf(err->msg, sizeof(err->msg), "%s: %s", ctx, old);
}

void nsnet_err_clear(struct nsnet_err *err)
{
	if (err) {
		err->code = 0;
		err->msg[0] = '\0';
	}
}
