/* SPDX-License-Identifier: MIT */
/* IPAM: pure address allocation over a set of used addresses (no I/O; the lease store is separate). */
#ifndef NSNET_IPAM_IPAM_H
#define NSNET_IPAM_IPAM_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"
#include "util/inet.h"

/*
 * Pick the lowest host address of @pool not in @used (which holds the gateway and every leased
 * address; any order, any family mixed in, duplicates allowed). Network and broadcast addresses
 * are never picked (see nsnet_prefix_is_host()).
 * Returns 0 and fills @out, or -ENOSPC with "subnet X is full (N addresses in use)".
 * Cost: O(u log u) for u used addresses, independent of the pool's size.
 */
int ipam_pick(const struct nsnet_prefix *pool, const struct nsnet_addr *used, size_t n_used,
	      struct nsnet_addr *out, struct nsnet_err *err);

/*
 * Check that a requested address may be leased in @pool: same family, inside the pool, a host
 * address (not network/broadcast), not in @used. Returns 0, or -EINVAL ("address X is outside
 * subnet Y" / "address X is the network|broadcast address of Y") or -EADDRINUSE ("address X is
 * already in use").
 */
int ipam_check(const struct nsnet_prefix *pool, const struct nsnet_addr *want,
	       const struct nsnet_addr *used, size_t n_used, struct nsnet_err *err);

/*
 * Pick the lowest host address of @pool, starting at @hint (NULL, or one outside @pool: its
 * first host address), for which @used(@ctx, address) is false: the probe form for a lease store
 * that answers "is this address taken?" one address at a time (core/leases.c). The caller keeps
 * @hint at or below the lowest free address; every probe that fails costs one call.
 * Returns 0 and fills @out, -ENOSPC ("subnet X is full ...") or the negative errno @used returned.
 */
int ipam_pick_probe(const struct nsnet_prefix *pool, const struct nsnet_addr *hint,
		    int (*used)(void *ctx, const struct nsnet_addr *a), void *ctx, struct nsnet_addr *out,
		    struct nsnet_err *err);
/* Is @a before @b in @pool's host order (both in @pool)? */
bool ipam_before(const struct nsnet_prefix *pool, const struct nsnet_addr *a, const struct nsnet_addr *b);

#endif
