/* SPDX-License-Identifier: MIT */
/* IPv4/IPv6 addresses and prefixes: one type for both families, parse/format/arithmetic. */
#ifndef NSNET_UTIL_INET_H
#define NSNET_UTIL_INET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "util/err.h"

/* Long enough for any address, a '/', a prefix length and a NUL. */
#define NSNET_PREFIX_STRLEN (INET6_ADDRSTRLEN + 5)

/* An address of either family; bytes in network order, IPv4 uses the first 4 bytes. */
struct nsnet_addr {
	int family;		/* AF_INET or AF_INET6; 0 = unset */
	uint8_t b[16];
};

struct nsnet_prefix {
	struct nsnet_addr addr;
	unsigned int len;	/* 0..32 or 0..128 */
};

/* Byte length of the family's addresses (4, 16; 0 for anything else). */
size_t nsnet_addr_len(int family);
/* Maximum prefix length of the family (32, 128; 0 for anything else). */
unsigned int nsnet_family_bits(int family);

/*
 * Parse a literal IPv4 or IPv6 address (no prefix, no brackets, no zone).
 * Returns 0, or -EINVAL with "address X: not an IPv4 or IPv6 address".
 */
int nsnet_addr_parse(const char *s, struct nsnet_addr *out, struct nsnet_err *err);

/*
 * Parse a subnet "ADDR/LEN". Host bits must be zero: "10.0.0.5/24" is refused with a message
 * that suggests "10.0.0.0/24". Returns 0 or -EINVAL naming the bad value and what was expected
 * (missing '/', bad address, length out of range for the family, host bits set).
 */
int nsnet_prefix_parse(const char *s, struct nsnet_prefix *out, struct nsnet_err *err);

/* Format into @buf (INET6_ADDRSTRLEN bytes / NSNET_PREFIX_STRLEN bytes); returns @buf. */
const char *nsnet_addr_str(const struct nsnet_addr *a, char *buf);
const char *nsnet_prefix_str(const struct nsnet_prefix *p, char *buf);

bool nsnet_addr_equal(const struct nsnet_addr *a, const struct nsnet_addr *b);
/* Total order: family first, then bytes. For qsort/bsearch. */
int nsnet_addr_cmp(const struct nsnet_addr *a, const struct nsnet_addr *b);

/* Is @a inside @p (same family, first p->len bits equal)? */
bool nsnet_prefix_contains(const struct nsnet_prefix *p, const struct nsnet_addr *a);
/* Do two prefixes share any address (same family and one contains the other)? */
bool nsnet_prefix_overlap(const struct nsnet_prefix *a, const struct nsnet_prefix *b);

/*
 * Address number @n of @p, counting the network address as 0: for 10.0.0.0/24, n=1 is 10.0.0.1.
 * Returns 0, or -ERANGE when @n does not fit in the prefix.
 * @n only reaches the low 64 bits: in an IPv6 prefix shorter than /64 the addresses returned
 * keep the upper 64 bits of the network address, which is all an allocator needs.
 */
int nsnet_prefix_nth(const struct nsnet_prefix *p, uint64_t n, struct nsnet_addr *out);
/* The low 64 bits of @a as a number (all of an IPv4 address): the host numbers nsnet_prefix_nth() takes. */
uint64_t nsnet_addr_low64(const struct nsnet_addr *a);

/*
 * How many usable host addresses follow the network address, capped at UINT64_MAX >> 1.
 * IPv4: 2^(32-len) - 2 (network and broadcast excluded), except /31 -> 2 and /32 -> 1.
 * IPv6: 2^(128-len) - 1 (the subnet-router anycast address, number 0, excluded), /128 -> 1,
 * and /127 -> 2 like IPv4 /31 (RFC 6164: number 0 is a host there, see nsnet_prefix_is_host()).
 * The cap means every IPv6 prefix of /65 or shorter reports 2^63 - 1.
 */
uint64_t nsnet_prefix_hosts(const struct nsnet_prefix *p);

/*
 * Is @a usable as a host address in @p: inside it, and not its network (IPv4 len <= 30; IPv6 len
 * <= 126: number 0) or broadcast (IPv4 len <= 30) address?
 */
bool nsnet_prefix_is_host(const struct nsnet_prefix *p, const struct nsnet_addr *a);

/*
 * What kind of address @a is when it is not an ordinary unicast one: "unspecified", "broadcast"
 * (255.255.255.255), "loopback", "link-local", "multicast", "reserved" (240.0.0.0/4),
 * "IPv4-mapped" (::ffff:0:0/96), "'this network'" (0.0.0.0/8); NULL for any other.
 */
const char *nsnet_addr_special(const struct nsnet_addr *a);
/*
 * Can subnet @p be a network: not the default route and sharing no address with the loopback,
 * link-local, multicast, reserved, 'this network' or IPv4-mapped ranges, nor :: or ::1? Returns 0
 * or -EADDRNOTAVAIL with "subnet 127.0.0.0/8 is in the loopback range 127.0.0.0/8: ...".
 */
int nsnet_subnet_check(const struct nsnet_prefix *p, struct nsnet_err *err);

#endif
