// SPDX-License-Identifier: MIT
// Unit tests for routed networks: the interface group that names them, and the rules both
// firewall backends render for one (matched by group, not by a bridge; anti-spoofing by reverse path).
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/drivers/drivers.h"
#include "firewall/fw.h"
#include "fixtures.h"
#include "unit.h"

/* "rt": routed, 10.7.0.0/24 and fd00:7::/64, NAT on, its names derived from nsnet-rt. */
static struct nsnet_network rt(void)
{
	struct nsnet_network net = { .name = "rt", .driver = "routed", .bridge = "nsnet-rt", .n_subnets = 2,
				     .nat = true };

	net.subnet[0] = pfx(v4(10, 7, 0, 0), 24);
	net.gateway[0] = v4(10, 7, 0, 1);
	net.subnet[1] = pfx(v6(0xfd00, 7, 0, 0, 0, 0, 0, 0), 64);
	net.gateway[1] = v6(0xfd00, 7, 0, 0, 0, 0, 0, 1);
	return net;
}

static bool has(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; (p = strstr(p, line)); p++)
		if ((p == text || p[-1] == '\n') && (p[n] == '\n' || !p[n]))
			return true;
	return false;
}

TEST(test_group_only_for_routed)
{
	struct nsnet_network net = rt(), other = rt();
	const struct net_driver *drv;
	struct nsnet_err err = { 0 };
	unsigned int g = network_group(&net);

	CHECK(g != 0);
	CHECK(g & 0x40000000u);
	snprintf(other.bridge, sizeof(other.bridge), "nsnet-rt2");
	CHECK(network_group(&other) != g);
	snprintf(other.driver, sizeof(other.driver), "bridge");
	CHECK_EQ_INT((int)network_group(&other), 0);
	CHECK_EQ_INT(net_driver_of(&net, &drv, &err), 0);
	CHECK(drv == &net_driver_routed);
	CHECK(!drv->bridge_guard && drv->port_addrs);
	CHECK(net_driver_bridge.bridge_guard && !net_driver_bridge.port_addrs);
}

TEST(test_nft_routed)
{
	struct nsnet_network net = rt();
	struct strbuf o = { 0 };
	char line[256];
	unsigned int g = network_group(&net);
	const char *t;

	fw_nft_network_add(&net, true, &o);
	t = strbuf_str(&o);
	snprintf(line, sizeof(line), "add rule inet nsnet in-rt meta oifgroup %u accept", g);
	CHECK(has(t, line));
	CHECK(!strstr(t, "oifname \"nsnet-rt\""));
	CHECK(has(t, "add rule inet nsnet in-rt meta oifgroup @groups drop"));
	CHECK(has(t, "add rule inet nsnet in-rt oifname @bridges drop"));
	snprintf(line, sizeof(line), "add rule inet nsnet nat-rt meta oifgroup != %u ip saddr 10.7.0.0/24 masquerade", g);
	CHECK(has(t, line));
	snprintf(line, sizeof(line), "add element inet nsnet groups { %u }", g);
	CHECK(has(t, line));
	snprintf(line, sizeof(line), "add element inet nsnet fwd_in_g { %u : jump in-rt }", g);
	CHECK(has(t, line));
	snprintf(line, sizeof(line), "add element inet nsnet nat_out_g { %u : jump natout-rt }", g);
	CHECK(has(t, line));
	CHECK(!strstr(t, "add element inet nsnet bridges"));
	/* The base dispatches by group too, and holds the reverse-path check. */
	CHECK(has(t, "add rule inet nsnet forward meta iifgroup vmap @fwd_in_g"));
	CHECK(has(t, "add rule inet nsnet guard meta iifgroup @groups meta nfproto ipv4 fib saddr . iif oif missing drop"));
	o.len = 0;
	fw_nft_network_del(&net, false, &o);
	snprintf(line, sizeof(line), "delete element inet nsnet groups { %u }", g);
	CHECK(has(strbuf_str(&o), line));
	strbuf_free(&o);
}

TEST(test_ipt_routed)
{
	struct nsnet_network net = rt();
	struct strbuf o = { 0 };
	char line[256];
	unsigned int g = network_group(&net);
	const char *t;

	fw_ipt_network_add(&net, true, &o);
	t = strbuf_str(&o);
	snprintf(line, sizeof(line), "4 filter A NSNET-FORWARD -m devgroup --src-group 0x%x -j NSNET-IN-nsnet-rt", g);
	CHECK(has(t, line));
	snprintf(line, sizeof(line), "6 filter A NSNET-ISOLATION -m devgroup --dst-group 0x%x -j DROP", g);
	CHECK(has(t, line));
	snprintf(line, sizeof(line), "4 nat A NSNET-POSTROUTING -s 10.7.0.0/24 -m devgroup ! --dst-group 0x%x -j MASQUERADE", g);
	CHECK(has(t, line));
	snprintf(line, sizeof(line), "6 raw A NSNET-GUARD -m devgroup --src-group 0x%x -m rpfilter --invert -j DROP", g);
	CHECK(has(t, line));
	CHECK(!strstr(t, " -i nsnet-rt") && !strstr(t, " -o nsnet-rt"));
	o.len = 0;
	fw_ipt_network_del(&net, false, &o);
	snprintf(line, sizeof(line), "4 raw D NSNET-GUARD -m devgroup --src-group 0x%x -m rpfilter --invert -j DROP", g);
	CHECK(has(strbuf_str(&o), line));
	strbuf_free(&o);
}

int main(void)
{
	RUN(test_group_only_for_routed);
	RUN(test_nft_routed);
	RUN(test_ipt_routed);
	return unit_done();
}
