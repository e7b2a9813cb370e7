/* SPDX-License-Identifier: MIT */
/* Validation of user-given names and derivation of the kernel names nsnet gives its objects. */
#ifndef NSNET_UTIL_NAMES_H
#define NSNET_UTIL_NAMES_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

#define NSNET_NAME_MAX 64	/* network and namespace names, bytes, without NUL */
#define NSNET_BRIDGE_PREFIX "nsnet-"
#define NSNET_VETH_PREFIX "nv"

/*
 * Names of networks and namespaces: 1..NSNET_NAME_MAX bytes of [A-Za-z0-9_.-], not starting with
 * '-' or '.', so they are safe as file names under the state dir and /run/netns and as nft chain
 * name parts. @what is "network" or "namespace" for the message, e.g.
 * "namespace name 'a b': only letters, digits, '_', '.' and '-' are allowed".
 * Returns 0 or -EINVAL.
 */
int names_check(const char *what, const char *name, struct nsnet_err *err);

/*
 * Interface names (IFNAMSIZ-1 bytes at most, no '/', ':', whitespace or control characters, not
 * ".", "..", or the kernel's own "lo", "all", "default").
 * Returns 0 or -EINVAL naming the value.
 */
int names_check_ifname(const char *ifname, struct nsnet_err *err);

/*
 * Default bridge of network @net: "nsnet-" + net when it fits in 15 bytes, else "nsnet-" + the
 * first 4 bytes of net + "-" + 4 hex digits of a hash of the full name, so two long names that
 * share a start still get different bridges. @out has IFNAMSIZ bytes.
 */
void names_bridge(const char *net, char *out);

/*
 * Host-side veth of namespace @ns on network @net: "nv" + 8 hex digits of a hash of both names
 * (stable, so gc can recompute it; 10 bytes). @out has IFNAMSIZ bytes.
 */
void names_host_veth(const char *ns, const char *net, char *out);

/*
 * MAC of namespace @ns's interface on network @net: locally administered, unicast, derived from
 * both names (stable, so the anti-spoofing elements can be recomputed). @out has 6 bytes.
 */
void names_guest_mac(const char *ns, const char *net, unsigned char *out);

/* Does @name have the shape of names_host_veth()'s names ("nv" + 8 lowercase hex digits)? */
bool names_is_host_veth(const char *name);

/* 32-bit FNV-1a over @n bytes, continuing from @h (start with NAMES_FNV_INIT). */
#define NAMES_FNV_INIT 2166136261u
unsigned int names_hash(unsigned int h, const void *data, size_t n);

#endif
