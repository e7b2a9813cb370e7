/* SPDX-License-Identifier: MIT */
/* IPAM: pure address allocation over a set of used addresses (no I/O; the lease store is separate). */
#ifndef NSNET_IPAM_IPAM_H
#define NSNET_IPAM_IPAM_H

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

#endif
