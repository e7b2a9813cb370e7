// SPDX-License-Identifier: MIT
// libFuzzer target for util/names: validators' error contract and the derived interface names.
/*
 * Built by the Makefile (`make fuzz-bins`, also by `make check` when clang has libFuzzer)
 * into BUILD/fuzz/fuzz_names, from FUZZ_SRC_names there.
 * Run by `make fuzz`, or by hand:
 *   build/asan/fuzz/fuzz_names -max_total_time=60 /tmp/corpus-names
 * The input is split at its first NUL into a namespace and a network name.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/names.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_result(int ret, const struct nsnet_err *err)
{
	if (ret != 0 && (ret != -EINVAL || err->code != EINVAL || !err->msg[0] || strchr(err->msg, '\n')))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 2), *net, *out;
	struct nsnet_err err;
	int net_ok;

	/* Exactly IFNAMSIZ bytes on the heap, so ASan sees any write past the documented size. */
	out = malloc(IFNAMSIZ);
	if (!s || !out)
		goto done;
	memcpy(s, data, size);
	s[size] = s[size + 1] = '\0';
	/* Without a NUL in the input this lands on s[size + 1]: an empty network name. */
	net = s + strlen(s) + 1;

	check_result(names_check("namespace", s, &err), &err);
	net_ok = names_check("network", net, &err) == 0;
	check_result(net_ok ? 0 : -err.code, &err);
	check_result(names_check_ifname(s, &err), &err);

	names_bridge(net, out);
	if (strlen(out) > IFNAMSIZ - 1 || strncmp(out, NSNET_BRIDGE_PREFIX, strlen(NSNET_BRIDGE_PREFIX)))
		abort();
	/* Every valid network name must give a bridge name the kernel accepts. */
	if (net_ok && names_check_ifname(out, &err) != 0)
		abort();

	names_host_veth(s, net, out);
	if (strlen(out) != 10 || strncmp(out, NSNET_VETH_PREFIX, 2) || names_check_ifname(out, &err))
		abort();
done:
	free(out);
	free(s);
	return 0;
}
