// SPDX-License-Identifier: MIT
// IPv4/IPv6 address and prefix parsing, formatting and host-number arithmetic (see inet.h).
#include "util/inet.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/*
 * Theory of operation
 *
 * Addresses are kept as network-order bytes so that comparison is memcmp and formatting is
 * inet_ntop. Host-number arithmetic (nth, hosts, is_host) works on the low 64 bits only: an
 * IPv4 address fits, and an IPv6 pool is never walked past 2^64 addresses, so the bits above
 * 64 of an IPv6 host address are always those of the network address. Counts are capped at
 * UINT64_MAX >> 1 (2^63 - 1) so callers can add to them without overflowing.
 */

/* Longest input shown in a message; longer values are cut and marked with "...". */
#define SHOW_MAX 64
#define SHOW_BUFLEN (SHOW_MAX * 4 + 4)

/*
 * Copy @s into @buf for a one-line message: user input may hold newlines or control bytes that
 * would break the line or the terminal, so anything outside printable ASCII becomes \xHH.
 */
static const char *show(const char *s, size_t n, char buf[static SHOW_BUFLEN])
{
	size_t i, o = 0;

	for (i = 0; i < n && i < SHOW_MAX; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f)
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, SHOW_BUFLEN - o, "\\x%02x", c);
	}
	if (i < n) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

size_t nsnet_addr_len(int family)
{
	switch (family) {
	case AF_INET:
		return 4;
	case AF_INET6:
		return 16;
	default:
		return 0;
	}
}

unsigned int nsnet_family_bits(int family)
{
	return (unsigned int)nsnet_addr_len(family) * 8;
}

static const char *family_name(int family)
{
	return family == AF_INET ? "IPv4" : family == AF_INET6 ? "IPv6" : "unknown family";
}

/*
 * inet_pton() wants a NUL-terminated string, and both callers hold a part of a larger one, so
 * this copies at most INET6_ADDRSTRLEN - 1 bytes (the longest literal, an IPv4-mapped IPv6
 * address) and refuses anything longer instead of silently cutting it.
 */
static bool addr_parse_n(const char *s, size_t n, struct nsnet_addr *out)
{
	char buf[INET6_ADDRSTRLEN];
	struct nsnet_addr a;

	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, buf, a.b) == 1)
		a.family = AF_INET;
	else if (inet_pton(AF_INET6, buf, a.b) == 1)
		a.family = AF_INET6;
	else
		return false;
	*out = a;
	return true;
}

int nsnet_addr_parse(const char *s, struct nsnet_addr *out, struct nsnet_err *err)
{
	char sh[SHOW_BUFLEN];

	if (!s)
		return nsnet_err_set(err, EINVAL, "address: missing; expected an IPv4 or IPv6 address");
	if (!addr_parse_n(s, strlen(s), out))
		return nsnet_err_set(err, EINVAL, "address %s%s%s: not an IPv4 or IPv6 address",
				     *s ? "" : "'", show(s, strlen(s), sh), *s ? "" : "'");
	return 0;
}

/*
 * Strictly decimal: no sign, no spaces, no base prefix and no leading zero. strtoul() would
 * take " +24" and "0x18", and ip(8) reads "010" as octal 8, so "/010" is refused rather than
 * guessed. Returns the value, saturated at 999 so that overlong digit strings stay out of
 * range without overflowing, or -1 when @s is not a plain decimal number.
 */
static int prefix_len_parse(const char *s, size_t n)
{
	unsigned int v = 0;
	size_t i;

	if (n == 0 || (n > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (v < 1000)
			v = v * 10 + (unsigned int)(s[i] - '0');
	}
	return v > 999 ? 999 : (int)v;
}

/* Clear every bit of @a after the first @len; @len is at most the family's bit count. */
static void addr_mask(struct nsnet_addr *a, unsigned int len)
{
	size_t n = nsnet_addr_len(a->family), i;

	for (i = 0; i < n; i++) {
		unsigned int first = (unsigned int)i * 8;

		if (first >= len)
			a->b[i] = 0;
		else if (len - first < 8)
			a->b[i] &= (uint8_t)(0xff00u >> (len - first));
	}
}

int nsnet_prefix_parse(const char *s, struct nsnet_prefix *out, struct nsnet_err *err)
{
	char sh[SHOW_BUFLEN], sh2[SHOW_BUFLEN], net[NSNET_PREFIX_STRLEN];
	const char *slash, *lens;
	struct nsnet_prefix p, masked;
	unsigned int bits;
	size_t n;
	int len;

	if (!s)
		return nsnet_err_set(err, EINVAL, "subnet: missing; expected ADDRESS/LENGTH, e.g. 10.0.0.0/24");
	n = strlen(s);
	slash = strchr(s, '/');
	if (!slash || slash == s || slash[1] == '\0')
		return nsnet_err_set(err, EINVAL, "subnet %s%s%s: expected ADDRESS/LENGTH, e.g. 10.0.0.0/24",
				     n ? "" : "'", show(s, n, sh), n ? "" : "'");

	memset(&p, 0, sizeof(p));
	if (!addr_parse_n(s, (size_t)(slash - s), &p.addr))
		return nsnet_err_set(err, EINVAL, "subnet %s: '%s' is not an IPv4 or IPv6 address",
				     show(s, n, sh), show(s, (size_t)(slash - s), sh2));

	bits = nsnet_family_bits(p.addr.family);
	lens = slash + 1;
	len = prefix_len_parse(lens, strlen(lens));
	if (len < 0)
		return nsnet_err_set(err, EINVAL,
				     "subnet %s: prefix length '%s' is not a decimal number (expected 0-%u for %s)",
				     show(s, n, sh), show(lens, strlen(lens), sh2), bits,
				     family_name(p.addr.family));
	if ((unsigned int)len > bits)
		return nsnet_err_set(err, EINVAL, "subnet %s: prefix length %s is out of range for %s (0-%u)",
				     show(s, n, sh), show(lens, strlen(lens), sh2),
				     family_name(p.addr.family), bits);
	p.len = (unsigned int)len;

	masked = p;
	addr_mask(&masked.addr, masked.len);
	if (!nsnet_addr_equal(&masked.addr, &p.addr))
		return nsnet_err_set(err, EINVAL, "subnet %s: host bits are set; did you mean %s?",
				     show(s, n, sh), nsnet_prefix_str(&masked, net));
	*out = p;
	return 0;
}

/* An unset address formats as "(unset)" rather than "" so that messages still read. */
const char *nsnet_addr_str(const struct nsnet_addr *a, char *buf)
{
	if (!inet_ntop(a->family, a->b, buf, INET6_ADDRSTRLEN))
		snprintf(buf, INET6_ADDRSTRLEN, "(unset)");
	return buf;
}

const char *nsnet_prefix_str(const struct nsnet_prefix *p, char *buf)
{
	char a[INET6_ADDRSTRLEN];

	snprintf(buf, NSNET_PREFIX_STRLEN, "%s/%u", nsnet_addr_str(&p->addr, a), p->len);
	return buf;
}

/* Only the family's bytes count: an IPv4 address built by hand may hold junk in b[4..15]. */
bool nsnet_addr_equal(const struct nsnet_addr *a, const struct nsnet_addr *b)
{
	return nsnet_addr_cmp(a, b) == 0;
}

int nsnet_addr_cmp(const struct nsnet_addr *a, const struct nsnet_addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->b, b->b, nsnet_addr_len(a->family));
}

/* Are the first @len bits of @a and @b equal? @len is at most the family's bit count. */
static bool bits_equal(const uint8_t *a, const uint8_t *b, unsigned int len)
{
	unsigned int whole = len / 8, rest = len % 8;

	if (memcmp(a, b, whole) != 0)
		return false;
	return rest == 0 || ((a[whole] ^ b[whole]) & (uint8_t)(0xff00u >> rest)) == 0;
}

static bool prefix_valid(const struct nsnet_prefix *p)
{
	unsigned int bits = nsnet_family_bits(p->addr.family);

	return bits && p->len <= bits;
}

bool nsnet_prefix_contains(const struct nsnet_prefix *p, const struct nsnet_addr *a)
{
	return prefix_valid(p) && a->family == p->addr.family && bits_equal(p->addr.b, a->b, p->len);
}

/* Comparing the shorter prefix's bits also copes with prefixes whose host bits were not cleared. */
bool nsnet_prefix_overlap(const struct nsnet_prefix *a, const struct nsnet_prefix *b)
{
	if (!prefix_valid(a) || !prefix_valid(b) || a->addr.family != b->addr.family)
		return false;
	return bits_equal(a->addr.b, b->addr.b, a->len < b->len ? a->len : b->len);
}

uint64_t nsnet_addr_low64(const struct nsnet_addr *a)
{
	size_t n = nsnet_addr_len(a->family), i;
	uint64_t v = 0;

	for (i = n > 8 ? n - 8 : 0; i < n; i++)
		v = v << 8 | a->b[i];
	return v;
}

static void set_low64(struct nsnet_addr *a, uint64_t v)
{
	size_t n = nsnet_addr_len(a->family), lo = n > 8 ? n - 8 : 0, i;

	for (i = n; i > lo; i--) {
		a->b[i - 1] = (uint8_t)v;
		v >>= 8;
	}
}

/* Number of host bits of a valid prefix. */
static unsigned int host_bits(const struct nsnet_prefix *p)
{
	return nsnet_family_bits(p->addr.family) - p->len;
}

/*
 * Only the low 64 bits are added to: for an IPv6 prefix shorter than /64 the addresses reached
 * share the upper 64 bits of the network address, which is plenty for allocation.
 */
int nsnet_prefix_nth(const struct nsnet_prefix *p, uint64_t n, struct nsnet_addr *out)
{
	struct nsnet_addr a;
	unsigned int hb;

	if (!prefix_valid(p))
		return -EINVAL;
	hb = host_bits(p);
	if (hb < 64 && n >> hb != 0)
		return -ERANGE;
	a = p->addr;
	addr_mask(&a, p->len);
	/* The host bits are zero after masking, so OR is the addition without a carry. */
	set_low64(&a, nsnet_addr_low64(&a) | n);
	*out = a;
	return 0;
}

/*
 * IPv6 /127 counts 2, not the 2^1 - 1 the header's formula gives: nsnet_prefix_is_host() only
 * excludes number 0 up to /126 (RFC 6164 point-to-point links), and the two must agree.
 */
uint64_t nsnet_prefix_hosts(const struct nsnet_prefix *p)
{
	const uint64_t cap = UINT64_MAX >> 1;
	unsigned int hb;

	if (!prefix_valid(p))
		return 0;
	hb = host_bits(p);
	if (hb == 0)
		return 1;
	if (hb == 1)
		return 2;
	if (hb >= 63)
		return cap;
	if (p->addr.family == AF_INET)
		return ((uint64_t)1 << hb) - 2;
	return ((uint64_t)1 << hb) - 1;
}

bool nsnet_prefix_is_host(const struct nsnet_prefix *p, const struct nsnet_addr *a)
{
	struct nsnet_addr net, bcast;
	unsigned int hb;

	if (!nsnet_prefix_contains(p, a))
		return false;
	hb = host_bits(p);
	if (hb < 2)
		return true;
	nsnet_prefix_nth(p, 0, &net);
	if (nsnet_addr_equal(a, &net))
		return false;
	if (p->addr.family == AF_INET) {
		nsnet_prefix_nth(p, ((uint64_t)1 << hb) - 1, &bcast);
		if (nsnet_addr_equal(a, &bcast))
			return false;
	}
	return true;
}

/*
 * Address ranges that are not ordinary unicast: what an address in them is, for messages. A
 * subnet overlapping one cannot be a network (the kernel refuses some, others break routing or
 * reach the host itself); a backend or a nameserver in one reaches no namespace.
 */
static const struct {
	int family;
	uint8_t b[16];
	unsigned int len;
	const char *kind, *what;
} special_ranges[] = {
	{ AF_INET, { 0 }, 8, "'this network'", "'this network' range 0.0.0.0/8" },
	{ AF_INET, { 127 }, 8, "loopback", "loopback range 127.0.0.0/8" },
	{ AF_INET, { 169, 254 }, 16, "link-local", "link-local range 169.254.0.0/16" },
	{ AF_INET, { 224 }, 4, "multicast", "multicast range 224.0.0.0/4" },
	{ AF_INET, { 240 }, 4, "reserved", "reserved range 240.0.0.0/4" },
	{ AF_INET6, { 0 }, 128, "unspecified", "unspecified address ::" },
	{ AF_INET6, { [15] = 1 }, 128, "loopback", "loopback address ::1" },
	{ AF_INET6, { [10] = 0xff, [11] = 0xff }, 96, "IPv4-mapped", "IPv4-mapped range ::ffff:0:0/96" },
	{ AF_INET6, { 0xfe, 0x80 }, 10, "link-local", "link-local range fe80::/10" },
	{ AF_INET6, { 0xff }, 8, "multicast", "multicast range ff00::/8" },
};

const char *nsnet_addr_special(const struct nsnet_addr *a)
{
	static const uint8_t bcast[4] = { 255, 255, 255, 255 };
	bool zero = true;

	for (size_t i = 0; i < nsnet_addr_len(a->family); i++)
		zero &= a->b[i] == 0;
	if (zero)
		return "unspecified";
	if (a->family == AF_INET && !memcmp(a->b, bcast, 4))
		return "broadcast";
	for (size_t i = 0; i < sizeof(special_ranges) / sizeof(special_ranges[0]); i++) {
		struct nsnet_prefix p = { .addr.family = special_ranges[i].family, .len = special_ranges[i].len };

		memcpy(p.addr.b, special_ranges[i].b, sizeof(p.addr.b));
		if (nsnet_prefix_contains(&p, a))
			return special_ranges[i].kind;
	}
	return NULL;
}

int nsnet_subnet_check(const struct nsnet_prefix *p, struct nsnet_err *err)
{
	char buf[NSNET_PREFIX_STRLEN];

	if (p->len == 0)
		return nsnet_err_set(err, EADDRNOTAVAIL, "subnet %s is the default route (every address): not usable for a network",
				     nsnet_prefix_str(p, buf));
	for (size_t i = 0; i < sizeof(special_ranges) / sizeof(special_ranges[0]); i++) {
		struct nsnet_prefix s = { .addr.family = special_ranges[i].family, .len = special_ranges[i].len };

		memcpy(s.addr.b, special_ranges[i].b, sizeof(s.addr.b));
		if (nsnet_prefix_overlap(p, &s))
			return nsnet_err_set(err, EADDRNOTAVAIL, "subnet %s %s the %s: not usable for a network",
					     nsnet_prefix_str(p, buf),
					     p->len >= s.len ? "is in" : s.len == nsnet_family_bits(s.addr.family) ? "holds" : "overlaps",
					     special_ranges[i].what);
	}
	return 0;
}
