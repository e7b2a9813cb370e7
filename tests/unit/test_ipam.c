// SPDX-License-Identifier: MIT
// Unit tests for ipam: lowest-free allocation and checks of requested addresses.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ipam/ipam.h"
#include "fixtures.h"
#include "unit.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ipam_pick() must succeed with exactly @want. */
#define CHECK_PICK(pool, used, n, want)                                    \
	do {                                                               \
		struct nsnet_err e_ = { 0 };                               \
		struct nsnet_addr o_ = { 0 };                              \
		CHECK_EQ_INT(ipam_pick((pool), (used), (n), &o_, &e_), 0); \
		CHECK_ADDR(o_, (want));                                    \
	} while (0)

/* ipam_pick() must fail with -ENOSPC and exactly @msg. */
#define CHECK_FULL(pool, used, n, want_msg_)                                     \
	do {                                                                     \
		struct nsnet_err e_ = { 0 };                                     \
		struct nsnet_addr o_ = { 0 };                                    \
		CHECK_EQ_INT(ipam_pick((pool), (used), (n), &o_, &e_), -ENOSPC); \
		CHECK_EQ_INT(e_.code, ENOSPC);                                   \
		CHECK_EQ_STR(e_.msg, (want_msg_));                               \
		CHECK_EQ_INT(o_.family, 0);                                      \
	} while (0)

#define CHECK_REFUSED(pool, want, used, n, want_code_, want_msg_)                       \
	do {                                                                            \
		struct nsnet_err e_ = { 0 };                                            \
		struct nsnet_addr w_ = (want);                                          \
		CHECK_EQ_INT(ipam_check((pool), &w_, (used), (n), &e_), -(want_code_)); \
		CHECK_EQ_INT(e_.code, (want_code_));                                    \
		CHECK_EQ_STR(e_.msg, (want_msg_));                                      \
	} while (0)

TEST(test_pick_sequential)
{
	struct nsnet_prefix p = pfx(v4(10, 0, 0, 0), 24);
	struct nsnet_addr used[4] = { v4(10, 0, 0, 1) };	/* the gateway */
	struct nsnet_addr want[3] = { v4(10, 0, 0, 2), v4(10, 0, 0, 3), v4(10, 0, 0, 4) };
	size_t n = 1, i;

	CHECK_PICK(&p, NULL, 0, v4(10, 0, 0, 1));	/* never the network address */
	for (i = 0; i < N(want); i++) {
		struct nsnet_addr o = { 0 };

		CHECK_EQ_INT(ipam_pick(&p, used, n, &o, NULL), 0);
		CHECK_ADDR(o, want[i]);
		used[n++] = o;
	}
}

TEST(test_pick_reuses_lowest_released)
{
	struct nsnet_prefix p = pfx(v4(10, 0, 0, 0), 24);
	/* .1 gateway, .2 .. .5 leased, then .3 and .2 released, in no particular order. */
	struct nsnet_addr before[] = { v4(10, 0, 0, 4), v4(10, 0, 0, 1), v4(10, 0, 0, 5), v4(10, 0, 0, 3),
				       v4(10, 0, 0, 2) };
	struct nsnet_addr after_3[] = { v4(10, 0, 0, 4), v4(10, 0, 0, 1), v4(10, 0, 0, 5), v4(10, 0, 0, 2) };
	struct nsnet_addr after_both[] = { v4(10, 0, 0, 4), v4(10, 0, 0, 1), v4(10, 0, 0, 5) };

	CHECK_PICK(&p, before, N(before), v4(10, 0, 0, 6));
	CHECK_PICK(&p, after_3, N(after_3), v4(10, 0, 0, 3));
	CHECK_PICK(&p, after_both, N(after_both), v4(10, 0, 0, 2));
}

TEST(test_pick_full)
{
	struct nsnet_prefix p30 = pfx(v4(10, 0, 0, 0), 30), p31 = pfx(v4(10, 0, 0, 0), 31);
	struct nsnet_prefix p32 = pfx(v4(10, 0, 0, 7), 32);
	struct nsnet_addr gw[] = { v4(10, 0, 0, 1) };
	struct nsnet_addr gw_lease[] = { v4(10, 0, 0, 1), v4(10, 0, 0, 2) };
	struct nsnet_addr both31[] = { v4(10, 0, 0, 1), v4(10, 0, 0, 0) };
	struct nsnet_addr one32[] = { v4(10, 0, 0, 7) };
	struct nsnet_addr o;

	CHECK_PICK(&p30, gw, N(gw), v4(10, 0, 0, 2));
	CHECK_FULL(&p30, gw_lease, N(gw_lease), "subnet 10.0.0.0/30 is full (2 addresses in use)");
	CHECK_EQ_INT(ipam_pick(&p30, gw_lease, N(gw_lease), &o, NULL), -ENOSPC);
	/* /31 and /32 have no network or broadcast address to skip. */
	CHECK_PICK(&p31, NULL, 0, v4(10, 0, 0, 0));
	CHECK_PICK(&p31, both31, 1, v4(10, 0, 0, 0));
	CHECK_PICK(&p31, both31 + 1, 1, v4(10, 0, 0, 1));
	CHECK_FULL(&p31, both31, N(both31), "subnet 10.0.0.0/31 is full (2 addresses in use)");
	CHECK_PICK(&p32, NULL, 0, v4(10, 0, 0, 7));
	CHECK_FULL(&p32, one32, N(one32), "subnet 10.0.0.7/32 is full (1 address in use)");
}

TEST(test_pick_duplicates)
{
	struct nsnet_prefix p24 = pfx(v4(10, 0, 0, 0), 24), p30 = pfx(v4(10, 0, 0, 0), 30);
	struct nsnet_addr dup[] = { v4(10, 0, 0, 2), v4(10, 0, 0, 1), v4(10, 0, 0, 2), v4(10, 0, 0, 3),
				    v4(10, 0, 0, 1), v4(10, 0, 0, 2) };
	struct nsnet_addr dup30[] = { v4(10, 0, 0, 1), v4(10, 0, 0, 1), v4(10, 0, 0, 2), v4(10, 0, 0, 1) };

	CHECK_PICK(&p24, dup, N(dup), v4(10, 0, 0, 4));
	/* The count is of distinct addresses, not of entries. */
	CHECK_FULL(&p30, dup30, N(dup30), "subnet 10.0.0.0/30 is full (2 addresses in use)");
}

TEST(test_pick_ignores_foreign)
{
	struct nsnet_prefix p30 = pfx(v4(10, 0, 0, 0), 30);
	/* An IPv6 address with 10.0.0.1 in its last bytes, another subnet, network and broadcast. */
	struct nsnet_addr used[] = { v6(0, 0, 0, 0, 0, 0, 0x0a00, 0x0001), v4(10, 0, 1, 1), v4(10, 0, 0, 0),
				     v4(10, 0, 0, 3), v6(0xfd00, 0, 0, 0, 0, 0, 0, 1) };

	CHECK_PICK(&p30, used, N(used), v4(10, 0, 0, 1));
}

TEST(test_pick_ipv6)
{
	struct nsnet_prefix p64 = pfx(v6(0xfd00, 0, 0, 0, 0, 0, 0, 0), 64);
	struct nsnet_prefix p48 = pfx(v6(0xfd00, 0, 0, 0, 0, 0, 0, 0), 48);
	struct nsnet_prefix p126 = pfx(v6(0xfd00, 0, 0, 0, 0, 0, 0, 0), 126);
	struct nsnet_addr gw[] = { v6(0xfd00, 0, 0, 0, 0, 0, 0, 1), v4(0, 0, 0, 2) };
	/* In the /48 but outside the low-64 slice that is allocated from: must not shadow fd00::2. */
	struct nsnet_addr far[] = { v6(0xfd00, 0, 0, 1, 0, 0, 0, 2), v6(0xfd00, 0, 0, 0, 0, 0, 0, 1) };
	struct nsnet_addr all126[] = { v6(0xfd00, 0, 0, 0, 0, 0, 0, 3), v6(0xfd00, 0, 0, 0, 0, 0, 0, 1),
				       v6(0xfd00, 0, 0, 0, 0, 0, 0, 2) };

	CHECK_PICK(&p64, NULL, 0, v6(0xfd00, 0, 0, 0, 0, 0, 0, 1));
	CHECK_PICK(&p64, gw, N(gw), v6(0xfd00, 0, 0, 0, 0, 0, 0, 2));
	CHECK_PICK(&p48, far, N(far), v6(0xfd00, 0, 0, 0, 0, 0, 0, 2));
	/* IPv6 has no broadcast: the last number of a /126 is a host. */
	CHECK_PICK(&p126, all126, 2, v6(0xfd00, 0, 0, 0, 0, 0, 0, 2));
	CHECK_FULL(&p126, all126, N(all126), "subnet fd00::/126 is full (3 addresses in use)");
}

TEST(test_pick_many_unsorted)
{
	struct nsnet_prefix p64 = pfx(v6(0xfd00, 0, 0, 0, 0, 0, 0, 0), 64);
	enum { COUNT = 5000 };
	struct nsnet_addr *used = calloc(COUNT, sizeof(*used));
	size_t i;

	CHECK(used != NULL);
	if (!used)
		return;
	/* Host numbers 5000 down to 1, with number 1234 replaced by a duplicate of number 1. */
	for (i = 0; i < COUNT; i++) {
		unsigned num = (unsigned)(COUNT - i);

		used[i] = v6(0xfd00, 0, 0, 0, 0, 0, num >> 16, num == 1234 ? 1 : num & 0xffff);
	}
	CHECK_PICK(&p64, used, COUNT, v6(0xfd00, 0, 0, 0, 0, 0, 0, 1234));
	used[COUNT - 1234] = v6(0xfd00, 0, 0, 0, 0, 0, 0, 1234);
	CHECK_PICK(&p64, used, COUNT, v6(0xfd00, 0, 0, 0, 0, 0, 0, 5001));
	free(used);
}

TEST(test_check)
{
	struct nsnet_prefix p24 = pfx(v4(10, 0, 0, 0), 24), p31 = pfx(v4(10, 0, 0, 0), 31);
	struct nsnet_prefix p64 = pfx(v6(0xfd00, 0, 0, 0, 0, 0, 0, 0), 64);
	struct nsnet_addr used[] = { v4(10, 0, 0, 1), v6(0xfd00, 0, 0, 0, 0, 0, 0, 9) };

	CHECK_EQ_INT(ipam_check(&p24, ADDR(v4(10, 0, 0, 2)), used, N(used), NULL), 0);
	CHECK_EQ_INT(ipam_check(&p24, ADDR(v4(10, 0, 0, 254)), used, N(used), NULL), 0);
	CHECK_REFUSED(&p24, v4(10, 0, 1, 2), used, N(used), EINVAL, "address 10.0.1.2 is outside subnet 10.0.0.0/24");
	CHECK_REFUSED(&p24, v4(10, 0, 0, 0), used, N(used), EINVAL,
		      "address 10.0.0.0 is the network address of 10.0.0.0/24");
	CHECK_REFUSED(&p24, v4(10, 0, 0, 255), used, N(used), EINVAL,
		      "address 10.0.0.255 is the broadcast address of 10.0.0.0/24");
	CHECK_REFUSED(&p24, v4(10, 0, 0, 1), used, N(used), EADDRINUSE, "address 10.0.0.1 is already in use");
	CHECK_REFUSED(&p24, v6(0xfd00, 0, 0, 0, 0, 0, 0, 2), used, N(used), EINVAL,
		      "address fd00::2 is outside subnet 10.0.0.0/24 (expected an IPv4 address)");
	CHECK_REFUSED(&p64, v4(10, 0, 0, 2), used, N(used), EINVAL,
		      "address 10.0.0.2 is outside subnet fd00::/64 (expected an IPv6 address)");
	CHECK_REFUSED(&p64, v6(0xfd00, 0, 0, 0, 0, 0, 0, 0), used, N(used), EINVAL,
		      "address fd00:: is the network address of fd00::/64");
	CHECK_REFUSED(&p64, v6(0xfd00, 0, 0, 0, 0, 0, 0, 9), used, N(used), EADDRINUSE,
		      "address fd00::9 is already in use");
	CHECK_EQ_INT(ipam_check(&p64, ADDR(v6(0xfd00, 0, 0, 0, 0xffff, 0xffff, 0xffff, 0xffff)), used, N(used),
				NULL), 0);
	CHECK_EQ_INT(ipam_check(&p31, ADDR(v4(10, 0, 0, 0)), NULL, 0, NULL), 0);
	CHECK_EQ_INT(ipam_check(&p31, ADDR(v4(10, 0, 0, 1)), NULL, 0, NULL), 0);
}

int main(void)
{
	RUN(test_pick_sequential);
	RUN(test_pick_reuses_lowest_released);
	RUN(test_pick_full);
	RUN(test_pick_duplicates);
	RUN(test_pick_ignores_foreign);
	RUN(test_pick_ipv6);
	RUN(test_pick_many_unsorted);
	RUN(test_check);
	return unit_done();
}
