// SPDX-License-Identifier: MIT
// Error reporting helpers (see err.h for the contract), with every echoed value made safe to print.
#include "util/err.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/*
 * Theory of operation. Messages name the bad value, and the value often comes from a user, a
 * CNI runtime or a file another program wrote: it may hold newlines, ESC sequences or 5,000
 * bytes. Rather than trusting every caller to quote, the formatter of this file walks the
 * format itself: each %s argument goes through nsnet_str_safe() (control bytes and malformed
 * UTF-8 as \xHH, longer than NSNET_ERR_VALUE_MAX bytes cut with "…"), every other conversion is
 * formatted by snprintf one at a time. An explicit precision (%.64s) is the caller's own bound and
 * replaces the default cut.
 */

/* Length of the well-formed UTF-8 sequence at @p (1-4), or 0; C1 controls count as malformed. */
static size_t utf8_seq(const unsigned char *p, size_t left)
{
	size_t n;
	uint32_t cp;

	if (p[0] < 0xc2 || p[0] > 0xf4)
		return 0;
	n = p[0] < 0xe0 ? 2 : p[0] < 0xf0 ? 3 : 4;
	if (n > left)
		return 0;
	cp = p[0] & (0x7f >> n);
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f))
		return 0;
	return n;
}

size_t nsnet_str_safe(char *out, size_t size, const char *s, size_t len, size_t max)
{
	static const char ell[] = "\xe2\x80\xa6";	/* U+2026 */
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0, i = 0;

	if (!size)
		return 0;
	while (i < len && p[i]) {
		size_t n = p[i] >= 0x80 ? utf8_seq(p + i, len - i) : 1;
		char esc[5];
		size_t need;

		if (i >= max) {
			if (o + sizeof(ell) - 1 < size) {
				memcpy(out + o, ell, sizeof(ell) - 1);
				o += sizeof(ell) - 1;
			}
			break;
		}
		if (n == 0 || p[i] < 0x20 || p[i] == 0x7f) {
			snprintf(esc, sizeof(esc), "\\x%02x", p[i]);
			need = 4;
			n = 1;
		} else {
			need = n;
		}
		if (o + need >= size)
			break;
		if (need == 4 && esc[0] == '\\')
			memcpy(out + o, esc, 4);
		else
			memcpy(out + o, p + i, n);
		o += need;
		i += n;
	}
	out[o] = '\0';
	return o;
}

/* The new end of a buffer of @size bytes, @o used, after snprintf wrote (wanted) @n more. */
static size_t fmt_add(size_t size, size_t o, int n)
{
	if (n < 0)
		return o;
	return o + (size_t)n >= size ? size - 1 : o + (size_t)n;
}

void nsnet_vfmt_safe(char *buf, size_t size, const char *fmt, va_list ap)
{
	size_t o = 0;

	if (!size)
		return;
	buf[0] = '\0';
	while (*fmt && o + 1 < size) {
		char spec[32], val[NSNET_ERR_MSG_MAX];
		const char *start = fmt;
		int width = -1, prec = -1, lng = 0;
		bool left = false, star_w = false, star_p = false;
		size_t sl;

		if (*fmt != '%') {
			buf[o++] = *fmt++;
			buf[o] = '\0';
			continue;
		}
		fmt++;
		if (*fmt == '%') {
			buf[o++] = '%';
			buf[o] = '\0';
			fmt++;
			continue;
		}
		while (*fmt && strchr("-+ #0", *fmt))
			left |= *fmt++ == '-';
		if (*fmt == '*') {
			star_w = true;
			fmt++;
		} else {
			for (width = 0; *fmt >= '0' && *fmt <= '9'; fmt++)
				width = width * 10 + (*fmt - '0');
			if (fmt[-1] < '0' || fmt[-1] > '9')
				width = -1;
		}
		if (*fmt == '.') {
			fmt++;
			if (*fmt == '*') {
				star_p = true;
				fmt++;
			} else {
				for (prec = 0; *fmt >= '0' && *fmt <= '9'; fmt++)
					prec = prec * 10 + (*fmt - '0');
			}
		}
		while (*fmt && strchr("hlzjt", *fmt)) {
			lng = *fmt == 'l' ? lng + 1 : *fmt == 'z' || *fmt == 'j' || *fmt == 't' ? 3 : lng;
			fmt++;
		}
		if (!*fmt)
			break;
		if (star_w)
			width = va_arg(ap, int);
		if (star_p)
			prec = va_arg(ap, int);
		sl = (size_t)(fmt - start + 1);
		if (sl >= sizeof(spec))
			sl = sizeof(spec) - 1;
		memcpy(spec, start, sl);
		spec[sl] = '\0';
		switch (*fmt++) {
		case 's': {
			const char *s = va_arg(ap, const char *);

			/* An explicit precision is the caller's own cut: no "…" then. */
			nsnet_str_safe(val, sizeof(val), s ? s : "(null)", prec >= 0 ? (size_t)prec : SIZE_MAX,
				       prec >= 0 ? SIZE_MAX : NSNET_ERR_VALUE_MAX);
			o = fmt_add(size, o, snprintf(buf + o, size - o, left ? "%-*s" : "%*s",
							    width < 0 ? 0 : width, val));
			break;
		}
		case 'c': {
			char ch = (char)va_arg(ap, int);

			nsnet_str_safe(val, sizeof(val), &ch, 1, 1);
			o = fmt_add(size, o, snprintf(buf + o, size - o, "%s", val));
			break;
		}
		case 'd': case 'i': case 'u': case 'x': case 'X': case 'o': {
			char conv = fmt[-1], num[32];
			bool is_signed = conv == 'd' || conv == 'i', zero = false;
			unsigned long long uv;
			long long sv = 0;
			size_t nl, pad;

			for (const char *f = start + 1; strchr("-+ #0", *f); f++)
				zero |= *f == '0';
			if (lng == 3)
				uv = va_arg(ap, size_t), sv = (long long)uv;
			else if (lng == 2 && is_signed)
				sv = va_arg(ap, long long), uv = 0;
			else if (lng == 2)
				uv = va_arg(ap, unsigned long long);
			else if (lng == 1 && is_signed)
				sv = va_arg(ap, long), uv = 0;
			else if (lng == 1)
				uv = va_arg(ap, unsigned long);
			else if (is_signed)
				sv = va_arg(ap, int), uv = 0;
			else
				uv = va_arg(ap, unsigned int);
			if (is_signed)
				snprintf(num, sizeof(num), "%lld", sv);
			else if (conv == 'x')
				snprintf(num, sizeof(num), "%llx", uv);
			else if (conv == 'X')
				snprintf(num, sizeof(num), "%llX", uv);
			else if (conv == 'o')
				snprintf(num, sizeof(num), "%llo", uv);
			else
				snprintf(num, sizeof(num), "%llu", uv);
			/* Flags used in messages: '-' and '0' with a width (%02x, %-5d). */
			nl = strlen(num);
			pad = width > 0 && (size_t)width > nl ? (size_t)width - nl : 0;
			if (zero && !left && pad) {
				size_t sign = num[0] == '-';

				o = fmt_add(size, o, snprintf(buf + o, size - o, "%.*s%0*d%s", (int)sign, num, (int)pad,
							      0, num + sign));
				/* (%0*d of 0 with width pad prints pad zeros) */
			} else {
				o = fmt_add(size, o, snprintf(buf + o, size - o, left ? "%-*s" : "%*s",
							      width < 0 ? 0 : width, num));
			}
			break;
		}
		case 'f': case 'g': case 'e': {
			double d = va_arg(ap, double);

			o = fmt_add(size, o, snprintf(buf + o, size - o, "%*.*f", width < 0 ? 0 : width,
							    prec < 0 ? 6 : prec, d));
			break;
		}
		case 'p':
			o = fmt_add(size, o, snprintf(buf + o, size - o, "%p", va_arg(ap, void *)));
			break;
		default:
			/* Unknown conversion: copy it as text, consume nothing (callers use none). */
			o = fmt_add(size, o, snprintf(buf + o, size - o, "%s", spec));
			break;
		}
	}
	buf[o < size ? o : size - 1] = '\0';
}

void nsnet_fmt_safe(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	nsnet_vfmt_safe(buf, size, fmt, ap);
	va_end(ap);
}

int nsnet_err_set(struct nsnet_err *err, int code, const char *fmt, ...)
{
	if (code < 0)
		code = -code;
	if (code == 0)
		code = EINVAL;
	if (err) {
		va_list ap;

		va_start(ap, fmt);
		nsnet_vfmt_safe(err->msg, sizeof(err->msg), fmt, ap);
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
	nsnet_vfmt_safe(ctx, sizeof(ctx), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	/* The old message is already safe and may be longer than one value: not cut again. */
	snprintf(err->msg, sizeof(err->msg), "%s: %s", ctx, old);
}

void nsnet_err_clear(struct nsnet_err *err)
{
	if (err) {
		err->code = 0;
		err->msg[0] = '\0';
	}
}
