// SPDX-License-Identifier: MIT
// Unit tests for network drivers: the record's "driver" field and looking a driver up by name.
#include <errno.h>
#include <jansson.h>
#include <string.h>

#include "core/drivers/drivers.h"
#include "unit.h"

static const char *const RECORD =
	"{\"name\":\"lan\",%s\"bridge\":\"nsnet-lan\",\"subnets\":[\"10.0.0.0/24\"],"
	"\"gateways\":[\"10.0.0.1\"],\"nat\":true,\"internal\":false,\"mtu\":1500}";

/* Parse RECORD with @extra ("" or a "key":value, pair) spliced in. Returns network_from_json's result. */
static int parse(const char *extra, struct nsnet_network *net, struct nsnet_err *err)
{
	char text[512];
	json_error_t je;
	json_t *j;
	int r;

	snprintf(text, sizeof(text), RECORD, extra);
	j = json_loads(text, 0, &je);
	if (!j)
		return -EINVAL;
	r = network_from_json(j, net, err);
	json_decref(j);
	return r;
}

TEST(test_record_without_driver_is_bridge)
{
	struct nsnet_network net;
	struct nsnet_err err = { 0 };
	const struct net_driver *drv = NULL;

	CHECK_EQ_INT(parse("", &net, &err), 0);
	CHECK_EQ_STR(net.driver, "bridge");
	CHECK_EQ_INT(net_driver_of(&net, &drv, &err), 0);
	CHECK(drv == &net_driver_bridge);
}

TEST(test_bridge_driver_is_not_written)
{
	struct nsnet_network net;
	struct nsnet_err err = { 0 };
	json_t *j;

	CHECK_EQ_INT(parse("\"driver\":\"bridge\",", &net, &err), 0);
	j = network_to_json(&net);
	CHECK(j != NULL);
	/* Records and `ls --json` of bridge networks are what they were before drivers existed. */
	CHECK(json_object_get(j, "driver") == NULL);
	json_decref(j);
}

TEST(test_other_driver_round_trips)
{
	struct nsnet_network net, back;
	struct nsnet_err err = { 0 };
	json_t *j;

	CHECK_EQ_INT(parse("\"driver\":\"vxlan\",", &net, &err), 0);
	CHECK_EQ_STR(net.driver, "vxlan");
	j = network_to_json(&net);
	CHECK(j != NULL);
	CHECK_EQ_STR(json_string_value(json_object_get(j, "driver")), "vxlan");
	CHECK_EQ_INT(network_from_json(j, &back, &err), 0);
	CHECK_EQ_STR(back.driver, "vxlan");
	json_decref(j);
}

TEST(test_unknown_driver_is_an_error_naming_it)
{
	struct nsnet_network net;
	struct nsnet_err err = { 0 };
	const struct net_driver *drv = &net_driver_bridge;

	CHECK_EQ_INT(parse("\"driver\":\"geneve\",", &net, &err), 0);
	CHECK_EQ_INT(net_driver_of(&net, &drv, &err), -EINVAL);
	CHECK(drv == NULL);
	CHECK(strstr(err.msg, "network lan") != NULL);
	CHECK(strstr(err.msg, "\"geneve\"") != NULL);
	CHECK(strstr(err.msg, "bridge") != NULL);
}

TEST(test_bad_driver_value_is_refused)
{
	struct nsnet_network net;
	struct nsnet_err err = { 0 };

	CHECK_EQ_INT(parse("\"driver\":7,", &net, &err), -EBADMSG);
	CHECK_EQ_INT(parse("\"driver\":\"a-driver-name-too-long\",", &net, &err), -EBADMSG);
}

TEST(test_table_lookup)
{
	CHECK(net_driver_find("bridge") == &net_driver_bridge);
	CHECK(net_driver_find("") == NULL);
	CHECK(net_driver_find("Bridge") == NULL);
	for (size_t i = 0; net_drivers[i]; i++) {
		const struct net_driver *d = net_drivers[i];

		/* Every hook is set: callers never test for a missing one. */
		CHECK(d->name && d->create && d->remove && d->port_add && d->port_del && d->check && d->gc);
	}
}

TEST(test_bridge_gc_and_check)
{
	struct nsnet_network net = { .name = "lan", .bridge = "nsnet-lan" };
	struct link_info v[] = {
		{ .ifindex = 3, .name = "nsnet-lan", .kind = "bridge", .up = true },
		{ .ifindex = 4, .name = "nsnet-old", .kind = "bridge", .up = true },
		{ .ifindex = 5, .name = "nv00000001", .kind = "veth", .master = 3 },
		{ .ifindex = 6, .name = "nv00000002", .kind = "veth", .master = 0 },
		{ .ifindex = 7, .name = "br0", .kind = "bridge", .up = true },
	};
	struct link_list links = { .n = 5, .cap = 5, .v = v };
	struct nsnet_err err = { 0 };
	bool owned;

	CHECK(net_driver_bridge.gc(&v[0], &net, 1, &owned) && owned);
	CHECK(net_driver_bridge.gc(&v[1], &net, 1, &owned) && !owned);
	CHECK(!net_driver_bridge.gc(&v[4], &net, 1, &owned));
	CHECK_EQ_INT(net_driver_bridge.check(&net, NULL, &links, &err), 0);
	CHECK_EQ_INT(net_driver_bridge.check(&net, "nv00000001", &links, &err), 0);
	CHECK_EQ_INT(net_driver_bridge.check(&net, "nv00000002", &links, &err), -EPROTO);
	CHECK(strstr(err.msg, "not a port of bridge nsnet-lan") != NULL);
	v[0].up = false;
	CHECK_EQ_INT(net_driver_bridge.check(&net, NULL, &links, &err), -ENETDOWN);
	CHECK(strstr(err.msg, "is down") != NULL);
}

int main(void)
{
	RUN(test_record_without_driver_is_bridge);
	RUN(test_bridge_driver_is_not_written);
	RUN(test_other_driver_round_trips);
	RUN(test_unknown_driver_is_an_error_naming_it);
	RUN(test_bad_driver_value_is_refused);
	RUN(test_table_lookup);
	RUN(test_bridge_gc_and_check);
	return unit_done();
}
