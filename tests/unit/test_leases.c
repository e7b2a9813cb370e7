// SPDX-License-Identifier: MIT
// Unit tests for the lease storage's pure parts: probing IPAM from a hint, lease records, attachment addresses.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ipam/ipam.h"
#include "model/model.h"
#include "fixtures.h"
#include "unit.h"

/* A probe answering from a list of taken addresses, counting its calls. */
struct taken {
	const struct nsnet_addr *v;
	size_t n;
	int calls;
};

static int taken_used(void *ctx, const struct nsnet_addr *a)
{
	struct taken *t = ctx;

	t->calls++;
	for (size_t i = 0; i < t->n; i++)
		if (nsnet_addr_equal(&t->v[i], a))
			return 1;
	return 0;
}

static int failing_used(void *ctx, const struct nsnet_addr *a)
{
	(void)ctx;
	(void)a;
	return -EIO;
}

TEST(test_probe_from_hint)
{
	struct nsnet_prefix p = pfx(v4(10, 0, 0, 0), 24);
	struct nsnet_addr used[] = { v4(10, 0, 0, 1), v4(10, 0, 0, 2), v4(10, 0, 0, 3), v4(10, 0, 0, 5) };
	struct taken t = { used, 4, 0 };
	struct nsnet_addr out = { 0 }, hint = v4(10, 0, 0, 3);

	/* No hint: from the first host address, one probe per taken address below the answer. */
	CHECK_EQ_INT(ipam_pick_probe(&p, NULL, taken_used, &t, &out, NULL), 0);
	CHECK_ADDR(out, v4(10, 0, 0, 4));
	CHECK_EQ_INT(t.calls, 4);
	/* From the hint: two probes whatever lies below it. */
	t.calls = 0;
	CHECK_EQ_INT(ipam_pick_probe(&p, &hint, taken_used, &t, &out, NULL), 0);
	CHECK_ADDR(out, v4(10, 0, 0, 4));
	CHECK_EQ_INT(t.calls, 2);
	/* A hint outside the pool, or of the other family, is ignored (never trusted). */
	hint = v4(10, 0, 1, 7);
	CHECK_EQ_INT(ipam_pick_probe(&p, &hint, taken_used, &t, &out, NULL), 0);
	CHECK_ADDR(out, v4(10, 0, 0, 4));
	hint = v6(0xfd00, 0, 0, 0, 0, 0, 0, 9);
	CHECK_EQ_INT(ipam_pick_probe(&p, &hint, taken_used, &t, &out, NULL), 0);
	CHECK_ADDR(out, v4(10, 0, 0, 4));
	/* The broadcast address is never a candidate; the network address neither. */
	hint = v4(10, 0, 0, 0);
	CHECK_EQ_INT(ipam_pick_probe(&p, &hint, taken_used, &t, &out, NULL), 0);
	CHECK_ADDR(out, v4(10, 0, 0, 4));
}

TEST(test_probe_full_and_errors)
{
	struct nsnet_prefix p = pfx(v4(10, 0, 0, 0), 30);
	struct nsnet_addr used[] = { v4(10, 0, 0, 1), v4(10, 0, 0, 2) };
	struct taken t = { used, 2, 0 };
	struct nsnet_err e = { 0 };
	struct nsnet_addr out = { 0 };

	CHECK_EQ_INT(ipam_pick_probe(&p, NULL, taken_used, &t, &out, &e), -ENOSPC);
	CHECK_EQ_STR(e.msg, "subnet 10.0.0.0/30 is full (2 addresses in use)");
	CHECK_EQ_INT(ipam_pick_probe(&p, NULL, failing_used, NULL, &out, NULL), -EIO);
}

TEST(test_probe_ipv6)
{
	struct nsnet_prefix p = pfx(v6(0xfd00, 0, 0, 0, 0, 0, 0, 0), 64);
	struct nsnet_addr used[] = { v6(0xfd00, 0, 0, 0, 0, 0, 0, 1), v6(0xfd00, 0, 0, 0, 0, 0, 0, 2) };
	struct taken t = { used, 2, 0 };
	struct nsnet_addr out = { 0 }, hint = v6(0xfd00, 0, 0, 0, 0, 0, 0, 2);

	CHECK_EQ_INT(ipam_pick_probe(&p, &hint, taken_used, &t, &out, NULL), 0);
	CHECK_ADDR(out, v6(0xfd00, 0, 0, 0, 0, 0, 0, 3));
	CHECK_EQ_INT(t.calls, 2);
}

TEST(test_before)
{
	struct nsnet_prefix p = pfx(v4(10, 0, 0, 0), 16);
	struct nsnet_addr a = v4(10, 0, 0, 200), b = v4(10, 0, 1, 2), out = v4(10, 1, 0, 1);

	CHECK(ipam_before(&p, &a, &b));
	CHECK(!ipam_before(&p, &b, &a));
	CHECK(!ipam_before(&p, &a, &a));
	CHECK(!ipam_before(&p, &a, &out));
}

TEST(test_lease_record)
{
	struct nsnet_lease l = { .addr = v4(10, 0, 0, 7), .owner = "web", .ifname = "eth0" }, got;
	json_t *j = lease_to_json(&l);
	char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);

	CHECK_EQ_STR(s, "{\"ifname\":\"eth0\",\"owner\":\"web\"}");
	CHECK_EQ_INT(lease_from_json("10.0.0.7", j, &got, NULL), 0);
	CHECK_ADDR(got.addr, v4(10, 0, 0, 7));
	CHECK_EQ_STR(got.owner, "web");
	CHECK_EQ_STR(got.ifname, "eth0");
	/* The file name is the address in canonical form, nothing else. */
	CHECK_EQ_INT(lease_from_json("10.0.0.07", j, &got, NULL), -EBADMSG);
	CHECK_EQ_INT(lease_from_json("next", j, &got, NULL), -EBADMSG);
	CHECK_EQ_INT(lease_from_json("FD00::1", j, &got, NULL), -EBADMSG);
	CHECK_EQ_INT(lease_from_json("fd00::1", j, &got, NULL), 0);
	free(s);
	json_decref(j);
}

TEST(test_lease_record_refused)
{
	static const char *const bad[] = {
		"[]", "{}", "{\"owner\":\"web\"}", "{\"owner\":\"../x\",\"ifname\":\"eth0\"}",
		"{\"owner\":\"web\",\"ifname\":\"a/b\"}", "{\"owner\":1,\"ifname\":\"eth0\"}",
		"{\"owner\":\"web\",\"ifname\":\"eth0\",\"extra\":1}",
	};
	struct nsnet_err e = { 0 };
	struct nsnet_lease got;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *j = json_loads(bad[i], 0, NULL);

		CHECK(j != NULL);
		CHECK_EQ_INT(lease_from_json("10.0.0.7", j, &got, &e), -EBADMSG);
		json_decref(j);
	}
	CHECK_EQ_STR(e.msg, "lease 10.0.0.7: expected {\"owner\": NAMESPACE, \"ifname\": INTERFACE}");
}

TEST(test_attachment_addrs)
{
	struct nsnet_namespace ns = { .name = "web", .n_att = 1 }, got;
	json_t *j, *bad;

	snprintf(ns.att[0].net, sizeof(ns.att[0].net), "lan");
	snprintf(ns.att[0].ifname, sizeof(ns.att[0].ifname), "eth0");
	snprintf(ns.att[0].host_ifname, sizeof(ns.att[0].host_ifname), "nv12345678");
	ns.att[0].n_addrs = 2;
	ns.att[0].addr[0] = v4(10, 0, 0, 2);
	ns.att[0].addr[1] = v6(0xfd00, 0, 0, 0, 0, 0, 0, 2);
	j = namespace_to_json(&ns);
	CHECK_EQ_INT(namespace_from_json(j, &got, NULL), 0);
	CHECK_EQ_INT((int)got.att[0].n_addrs, 2);
	CHECK_ADDR(got.att[0].addr[1], v6(0xfd00, 0, 0, 0, 0, 0, 0, 2));
	/* Hairpin mode on (the default) is no key; off is "hairpin": false, and reads back. */
	CHECK(!json_object_get(json_array_get(json_object_get(j, "attachments"), 0), "hairpin"));
	CHECK_EQ_INT(got.att[0].no_hairpin, 0);
	json_decref(j);
	ns.att[0].no_hairpin = true;
	j = namespace_to_json(&ns);
	CHECK(json_is_false(json_object_get(json_array_get(json_object_get(j, "attachments"), 0), "hairpin")));
	CHECK_EQ_INT(namespace_from_json(j, &got, NULL), 0);
	CHECK_EQ_INT(got.att[0].no_hairpin, 1);
	/* Records without "addrs" (older ones) read as none; malformed ones are refused. */
	json_object_del(json_array_get(json_object_get(j, "attachments"), 0), "addrs");
	CHECK_EQ_INT(namespace_from_json(j, &got, NULL), 0);
	CHECK_EQ_INT((int)got.att[0].n_addrs, 0);
	bad = json_pack("[s, s]", "10.0.0.2", "10.0.0.3");
	json_object_set_new(json_array_get(json_object_get(j, "attachments"), 0), "addrs", bad);
	CHECK_EQ_INT(namespace_from_json(j, &got, NULL), -EBADMSG);
	json_object_set_new(json_array_get(json_object_get(j, "attachments"), 0), "addrs", json_string("10.0.0.2"));
	CHECK_EQ_INT(namespace_from_json(j, &got, NULL), -EBADMSG);
	json_decref(j);
}

int main(void)
{
	RUN(test_probe_from_hint);
	RUN(test_probe_full_and_errors);
	RUN(test_probe_ipv6);
	RUN(test_before);
	RUN(test_lease_record);
	RUN(test_lease_record_refused);
	RUN(test_attachment_addrs);
	return unit_done();
}
