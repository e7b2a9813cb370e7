// SPDX-License-Identifier: MIT
// libFuzzer target for util/inet parsing: round trips, error contract and host arithmetic.
/*
 * Built by the Makefile (`make fuzz-bins`, also by `make check` when clang has libFuzzer)
 * into BUILD/fuzz/fuzz_inet, from FUZZ_SRC_inet there.
 * Run by `make fuzz`, or by hand:
 *   build/asan/fuzz/fuzz_inet -max_total_time=60 /tmp/corpus-inet tests/fuzz/corpus/inet
 * (new inputs go to the first directory, so the seed corpus in the tree stays small).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ipam/ipam.h"
#include "util/inet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A refusal must keep the error contract: -EINVAL, the code set, one non-empty line. */
static void check_refusal(int ret, const struct nsnet_err *err)
{
	if (ret != -EINVAL || err->code != EINVAL || !err->msg[0] || strchr(err->msg, '\n'))
		abort();
}

static void check_prefix(const struct nsnet_prefix *p)
{
	char buf[NSNET_PREFIX_STRLEN];
	struct nsnet_prefix again;
	struct nsnet_addr a, b;
	struct nsnet_err err;
	uint64_t hosts;

	if (nsnet_prefix_parse(nsnet_prefix_str(p, buf), &again, &err) != 0)
		abort();
	if (!nsnet_addr_equal(&p->addr, &again.addr) || p->len != again.len)
		abort();

	/* Host arithmetic must agree with containment, whatever the prefix. */
	if (nsnet_prefix_nth(p, 0, &a) != 0 || !nsnet_addr_equal(&a, &p->addr))
		abort();
	hosts = nsnet_prefix_hosts(p);
	if (hosts == 0 || hosts > UINT64_MAX >> 1)
		abort();
	if (nsnet_prefix_nth(p, hosts, &a) == 0 && !nsnet_prefix_contains(p, &a))
		abort();
	if (!nsnet_prefix_overlap(p, p))
		abort();

	/* An empty pool always has a first host, and it is a host; the next pick differs. */
	if (ipam_pick(p, NULL, 0, &a, &err) != 0 || !nsnet_prefix_is_host(p, &a))
		abort();
	if (ipam_check(p, &a, NULL, 0, &err) != 0 || ipam_check(p, &a, &a, 1, &err) != -EADDRINUSE)
		abort();
	if (ipam_pick(p, &a, 1, &b, &err) == 0) {
		if (nsnet_addr_equal(&a, &b) || nsnet_addr_cmp(&a, &b) >= 0 || !nsnet_prefix_is_host(p, &b))
			abort();
	} else if (hosts != 1 || err.code != ENOSPC) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[INET6_ADDRSTRLEN], *s = malloc(size + 1);
	struct nsnet_addr a, again;
	struct nsnet_prefix p;
	struct nsnet_err err;
	int ret;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	ret = nsnet_addr_parse(s, &a, &err);
	if (ret == 0) {
		if (nsnet_addr_parse(nsnet_addr_str(&a, buf), &again, &err) != 0 ||
		    !nsnet_addr_equal(&a, &again))
			abort();
	} else {
		check_refusal(ret, &err);
	}

	ret = nsnet_prefix_parse(s, &p, &err);
	if (ret == 0)
		check_prefix(&p);
	else
		check_refusal(ret, &err);

	free(s);
	return 0;
}
