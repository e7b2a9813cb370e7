// SPDX-License-Identifier: MIT
// Name validation for networks, namespaces and interfaces, and the kernel names nsnet derives.
#include "util/names.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/*
 * The derived names (names_bridge(), names_host_veth()) are recomputed by gc from the state
 * alone, so the hash and the layouts below must never change once released: a change would
 * orphan every interface created by an older nsnet.
 */

/* Longest input shown in a message; longer values are cut and marked with "...". */
#define SHOW_MAX NSNET_NAME_MAX
#define SHOW_BUFLEN (SHOW_MAX * 4 + 4)

/*
 * Copy @s into @buf for a one-line message: a refused name may hold newlines or control bytes
 * that would break the line or the terminal, so anything outside printable ASCII becomes \xHH.
 */
static const char *show(const char *s, char buf[static SHOW_BUFLEN])
{
	size_t i, o = 0;

	for (i = 0; s[i] && i < SHOW_MAX; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f)
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, SHOW_BUFLEN - o, "\\x%02x", c);
	}
	if (s[i]) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

/* Plain ASCII tests: <ctype.h> depends on the locale, and these names must not. */
static bool name_char_ok(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '-';
}

int names_check(const char *what, const char *name, struct nsnet_err *err)
{
	char sh[SHOW_BUFLEN];
	size_t i;

	if (!what)
		what = "object";
	if (!name || !*name)
		return nsnet_err_set(err, EINVAL, "%s name '': must not be empty (1-%d bytes)", what,
				     NSNET_NAME_MAX);
	if (strnlen(name, NSNET_NAME_MAX + 1) > NSNET_NAME_MAX)
		return nsnet_err_set(err, EINVAL, "%s name '%s': longer than %d bytes", what,
				     show(name, sh), NSNET_NAME_MAX);
	for (i = 0; name[i]; i++)
		if (!name_char_ok((unsigned char)name[i]))
			return nsnet_err_set(err, EINVAL,
					     "%s name '%s': only letters, digits, '_', '.' and '-' are allowed",
					     what, show(name, sh));
	/* A leading '-' reads as an option to ip(8)/nft(8); a leading '.' hides the state file. */
	if (name[0] == '-' || name[0] == '.')
		return nsnet_err_set(err, EINVAL, "%s name '%s': must not start with '-' or '.'", what,
				     show(name, sh));
	return 0;
}

/*
 * The kernel's dev_valid_name(). Its isspace() also counts 0xa0 (Latin-1 no-break space), so
 * that byte is refused here too rather than let the kernel refuse it later with a bare EINVAL.
 */
int names_check_ifname(const char *ifname, struct nsnet_err *err)
{
	char sh[SHOW_BUFLEN];
	size_t i;

	if (!ifname || !*ifname)
		return nsnet_err_set(err, EINVAL, "interface name '': must not be empty (1-%d bytes)",
				     IFNAMSIZ - 1);
	if (strnlen(ifname, IFNAMSIZ) >= IFNAMSIZ)
		return nsnet_err_set(err, EINVAL, "interface name '%s': longer than %d bytes",
				     show(ifname, sh), IFNAMSIZ - 1);
	if (!strcmp(ifname, ".") || !strcmp(ifname, ".."))
		return nsnet_err_set(err, EINVAL, "interface name '%s': must not be '.' or '..'", ifname);
	for (i = 0; ifname[i]; i++) {
		unsigned char c = (unsigned char)ifname[i];

		if (c == '/' || c == ':' || c == ' ' || (c >= '\t' && c <= '\r') || c == 0xa0)
			return nsnet_err_set(err, EINVAL,
					     "interface name '%s': must not contain '/', ':' or whitespace",
					     show(ifname, sh));
		/* The kernel would take them; every tool that prints the name would not. */
		if (c < 0x20 || c == 0x7f)
			return nsnet_err_set(err, EINVAL, "interface name '%s': must not contain control characters",
					     show(ifname, sh));
	}
	/* lo is every namespace's loopback; all and default are the kernel's per-family sysctl folders. */
	if (!strcmp(ifname, "lo") || !strcmp(ifname, "all") || !strcmp(ifname, "default"))
		return nsnet_err_set(err, EINVAL, "interface name '%s': reserved (lo, all and default are the kernel's)",
				     ifname);
	return 0;
}

unsigned int names_hash(unsigned int h, const void *data, size_t n)
{
	const unsigned char *p = data;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}

/*
 * The 4 hex digits are the 32-bit hash folded by XOR, so every byte of the name moves them.
 * "nsnet-" (6) + 4 bytes + "-" + 4 digits = 15 bytes, exactly IFNAMSIZ - 1.
 */
void names_bridge(const char *net, char *out)
{
	size_t n = strlen(net);
	unsigned int h;

	if (n <= IFNAMSIZ - 1 - strlen(NSNET_BRIDGE_PREFIX)) {
		snprintf(out, IFNAMSIZ, NSNET_BRIDGE_PREFIX "%s", net);
		return;
	}
	h = names_hash(NAMES_FNV_INIT, net, n);
	snprintf(out, IFNAMSIZ, NSNET_BRIDGE_PREFIX "%.4s-%04x", net, (h >> 16 ^ h) & 0xffffu);
}

/*
 * The NUL after @ns is hashed too, so ("ab", "c") and ("a", "bc") do not share a veth; valid
 * names cannot contain a NUL, so the split is unambiguous.
 */
void names_host_veth(const char *ns, const char *net, char *out)
{
	unsigned int h = names_hash(NAMES_FNV_INIT, ns, strlen(ns) + 1);

	h = names_hash(h, net, strlen(net));
	snprintf(out, IFNAMSIZ, NSNET_VETH_PREFIX "%08x", h);
}

bool names_is_host_veth(const char *name)
{
	return !strncmp(name, NSNET_VETH_PREFIX, 2) && strlen(name) == 10 &&
	       strspn(name + 2, "0123456789abcdef") == 8;
}

void names_guest_mac(const char *ns, const char *net, unsigned char *out)
{
	unsigned int h = names_hash(NAMES_FNV_INIT, ns, strlen(ns));

	h = names_hash(h, "/", 1);
	h = names_hash(h, net, strlen(net));
	out[0] = 0x02;
	out[1] = 0x6d;	/* distinct from the bridges' 02:6e: */
	out[2] = (unsigned char)(h >> 24);
	out[3] = (unsigned char)(h >> 16);
	out[4] = (unsigned char)(h >> 8);
	out[5] = (unsigned char)h;
}
