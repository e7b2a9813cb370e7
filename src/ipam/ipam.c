// SPDX-License-Identifier: MIT
// IPAM: pick the lowest free host address of a pool, or check a requested one (see ipam.h).
#include "ipam/ipam.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/*
 * Theory of operation
 *
 * A pool can be an IPv6 /64 or larger, so the allocator never walks the pool: it turns the used
 * addresses that lie in the pool into host numbers (their offset from the network address,
 * see nsnet_prefix_nth()), sorts them, and walks the sorted list from the first host number
 * upward. The first gap is the answer. That costs O(u log u) for u used addresses whatever the
 * pool's size, and duplicates cost nothing because a number below the candidate is skipped.
 *
 * Host numbers are the low 64 bits of the offset, like nsnet_prefix_nth(). In an IPv6 pool
 * shorter than /64 only the addresses that share the network's upper 64 bits can be
 * picked, so a used address outside that slice is ignored rather than folded onto a candidate.
 */

/* Host number of @a in @pool; false when @a is not one nsnet_prefix_nth() can reach. */
static bool host_number(const struct nsnet_prefix *pool, const struct nsnet_addr *a, uint64_t *num)
{
	struct nsnet_addr net;

	if (!nsnet_prefix_contains(pool, a) || nsnet_prefix_nth(pool, 0, &net) < 0)
		return false;
	/* Bits above the low 64 are network bits except in an IPv6 pool shorter than /64. */
	if (a->family == AF_INET6 && memcmp(a->b, net.b, 8) != 0)
		return false;
	*num = nsnet_addr_low64(a) - nsnet_addr_low64(&net);
	return true;
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/*
 * First and last pickable host numbers of a valid @pool, from nsnet_prefix_is_host(): number 0
 * is the network address up to IPv4 /30 and IPv6 /126, and IPv4 pools up to /30 lose their last
 * number to broadcast. An IPv6 pool of /64 or larger ends at number UINT64_MAX (low 64 bits).
 */
static void host_range(const struct nsnet_prefix *pool, uint64_t *first, uint64_t *last)
{
	unsigned int hb = nsnet_family_bits(pool->addr.family) - pool->len;

	*first = hb >= 2 ? 1 : 0;
	*last = hb >= 64 ? UINT64_MAX : ((uint64_t)1 << hb) - 1;
	if (pool->addr.family == AF_INET && hb >= 2)
		(*last)--;
}

int ipam_pick(const struct nsnet_prefix *pool, const struct nsnet_addr *used, size_t n_used,
	      struct nsnet_addr *out, struct nsnet_err *err)
{
	char ps[NSNET_PREFIX_STRLEN];
	uint64_t first, last, cand, *nums = NULL, in_use = 0;
	size_t n = 0, i;
	int ret;

	if (nsnet_family_bits(pool->addr.family) == 0 || pool->len > nsnet_family_bits(pool->addr.family))
		return nsnet_err_set(err, EINVAL, "subnet %s: not a valid IPv4 or IPv6 subnet",
				     nsnet_prefix_str(pool, ps));
	if (n_used) {
		nums = calloc(n_used, sizeof(*nums));	/* calloc checks n_used * 8 for overflow */
		if (!nums)
			return nsnet_err_set(err, ENOMEM, "subnet %s: no memory for %zu used addresses",
					     nsnet_prefix_str(pool, ps), n_used);
	}
	for (i = 0; i < n_used; i++)
		if (host_number(pool, &used[i], &nums[n]))
			n++;
	if (n > 1)
		qsort(nums, n, sizeof(*nums), u64_cmp);

	host_range(pool, &first, &last);
	cand = first;
	for (i = 0; i < n && nums[i] <= cand; i++) {
		/* A duplicate of a number already passed is below cand and simply skipped. */
		if (nums[i] == cand) {
			cand++;
			in_use++;
		}
	}
	/* cand never wraps: it grows by one per distinct used number, and there are fewer than 2^64. */
	if (cand > last) {
		ret = nsnet_err_set(err, ENOSPC, "subnet %s is full (%llu address%s in use)",
				    nsnet_prefix_str(pool, ps), (unsigned long long)in_use,
				    in_use == 1 ? "" : "es");
	} else {
		ret = nsnet_prefix_nth(pool, cand, out);
	}
	free(nums);
	return ret;
}

int ipam_pick_probe(const struct nsnet_prefix *pool, const struct nsnet_addr *hint,
		    int (*used)(void *ctx, const struct nsnet_addr *a), void *ctx, struct nsnet_addr *out,
		    struct nsnet_err *err)
{
	char ps[NSNET_PREFIX_STRLEN];
	uint64_t first, last, cand, start;
	int r;

	if (nsnet_family_bits(pool->addr.family) == 0 || pool->len > nsnet_family_bits(pool->addr.family))
		return nsnet_err_set(err, EINVAL, "subnet %s: not a valid IPv4 or IPv6 subnet",
				     nsnet_prefix_str(pool, ps));
	host_range(pool, &first, &last);
	if (!hint || !host_number(pool, hint, &start) || start < first)
		start = first;
	for (cand = start; cand <= last; cand++) {
		struct nsnet_addr a;

		if ((r = nsnet_prefix_nth(pool, cand, &a)) < 0)
			return nsnet_err_set(err, -r, "subnet %s: no host number %llu", nsnet_prefix_str(pool, ps),
					     (unsigned long long)cand);
		if ((r = used(ctx, &a)) < 0)
			return r;
		if (!r) {
			*out = a;
			return 0;
		}
		if (cand == UINT64_MAX)
			break;
	}
	return nsnet_err_set(err, ENOSPC, "subnet %s is full (%llu address%s in use)", nsnet_prefix_str(pool, ps),
			     (unsigned long long)(last - first + 1), last == first ? "" : "es");
}

bool ipam_before(const struct nsnet_prefix *pool, const struct nsnet_addr *a, const struct nsnet_addr *b)
{
	uint64_t x, y;

	return host_number(pool, a, &x) && host_number(pool, b, &y) && x < y;
}

int ipam_check(const struct nsnet_prefix *pool, const struct nsnet_addr *want,
	       const struct nsnet_addr *used, size_t n_used, struct nsnet_err *err)
{
	char as[INET6_ADDRSTRLEN], ps[NSNET_PREFIX_STRLEN];
	struct nsnet_addr net;
	size_t i;

	nsnet_addr_str(want, as);
	nsnet_prefix_str(pool, ps);
	if (want->family != pool->addr.family)
		return nsnet_err_set(err, EINVAL, "address %s is outside subnet %s (expected an %s address)",
				     as, ps, pool->addr.family == AF_INET ? "IPv4" : "IPv6");
	if (!nsnet_prefix_contains(pool, want))
		return nsnet_err_set(err, EINVAL, "address %s is outside subnet %s", as, ps);
	if (!nsnet_prefix_is_host(pool, want)) {
		nsnet_prefix_nth(pool, 0, &net);
		return nsnet_err_set(err, EINVAL, "address %s is the %s address of %s", as,
				     nsnet_addr_equal(want, &net) ? "network" : "broadcast", ps);
	}
	for (i = 0; i < n_used; i++)
		if (nsnet_addr_equal(want, &used[i]))
			return nsnet_err_set(err, EADDRINUSE, "address %s is already in use", as);
	return 0;
}
