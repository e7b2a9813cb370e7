// SPDX-License-Identifier: MIT
// Unit tests for the firewall renderers: one fixed network, VIP and published port rendered by the
// nft backend (nft commands) and by the iptables backend (restore steps), compared with the text.
//
// What each backend writes for a change is the contract the core relies on (--dry-run prints it,
// the journal records it, t_golden compares a whole sequence of it): these tests pin the text of
// each renderer on its own, so a change to one shows up here, next to the object that caused it.
// The renderers are called directly (fw_nft_* / fw_ipt_*), not through the backend dispatch.
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "firewall/fw.h"
#include "firewall/nftnl.h"
#include "model/service.h"
#include "fixtures.h"
#include "unit.h"

/* fd00::@last */
static struct nsnet_addr fd00(unsigned int last)
{
	return v6(0xfd00, 0, 0, 0, 0, 0, 0, last);
}

/* The fixed network: "lan" on bridge nsnet-lan, 10.0.0.0/24 and fd00::/64, NAT on. */
static struct nsnet_network lan(void)
{
	struct nsnet_network net = { .name = "lan", .bridge = "nsnet-lan", .n_subnets = 2, .nat = true };

	net.subnet[0].addr = v4(10, 0, 0, 0);
	net.subnet[0].len = 24;
	net.gateway[0] = v4(10, 0, 0, 1);
	net.subnet[1].addr = fd00(0);
	net.subnet[1].len = 64;
	net.gateway[1] = fd00(1);
	return net;
}

/* The fixed VIP: 10.100.0.1:80/tcp over 10.0.0.2:8080 and 10.0.0.3:8080; @affinity in seconds. */
static struct nsnet_vip web(unsigned int id, unsigned int affinity)
{
	struct nsnet_vip v = { .id = id, .proto = IPPROTO_TCP, .affinity = affinity, .n_backends = 2 };

	v.vip.addr = v4(10, 100, 0, 1);
	v.vip.port = 80;
	for (int i = 0; i < 2; i++) {
		v.backend[i].ep.addr = v4(10, 0, 0, (uint8_t)(2 + i));
		v.backend[i].ep.port = 8080;
	}
	return v;
}

/* The fixed published port: host port 8080/tcp on every address to 10.0.0.2:80. */
static struct nsnet_port pub(void)
{
	struct nsnet_port p = { .id = 3, .host_port = 8080, .port = 80, .proto = IPPROTO_TCP };

	p.target = v4(10, 0, 0, 2);
	return p;
}

/* nft: the network's own chains and map elements, after the table's base (checked apart). */
static const char nft_lan_add[] =
	"add chain inet nsnet in-lan\n"
	"flush chain inet nsnet in-lan\n"
	"add rule inet nsnet in-lan oifname \"nsnet-lan\" accept\n"
	"add rule inet nsnet in-lan ct status dnat accept\n"
	"add rule inet nsnet in-lan oifname @bridges drop\n"
	"add rule inet nsnet in-lan meta oifgroup @groups drop\n"
	"add rule inet nsnet in-lan accept\n"
	"add chain inet nsnet out-lan\n"
	"flush chain inet nsnet out-lan\n"
	"add rule inet nsnet out-lan ct status dnat accept\n"
	"add rule inet nsnet out-lan drop\n"
	"add chain inet nsnet nat-lan\n"
	"flush chain inet nsnet nat-lan\n"
	"add rule inet nsnet nat-lan oifname != \"nsnet-lan\" ip saddr 10.0.0.0/24 masquerade\n"
	"add rule inet nsnet nat-lan oifname != \"nsnet-lan\" ip6 saddr fd00::/64 masquerade\n"
	"add chain inet nsnet natout-lan\n"
	"flush chain inet nsnet natout-lan\n"
	"add rule inet nsnet natout-lan ct status dnat ip saddr 10.0.0.0/24 masquerade\n"
	"add rule inet nsnet natout-lan ct status dnat ip6 saddr fd00::/64 masquerade\n"
	"add element inet nsnet bridges { \"nsnet-lan\" }\n"
	"add element inet nsnet nat_out { \"nsnet-lan\" : jump natout-lan }\n"
	"add element inet nsnet fwd_in { \"nsnet-lan\" : jump in-lan }\n"
	"add element inet nsnet fwd_out { \"nsnet-lan\" : jump out-lan }\n"
	"add element inet nsnet nat_in { \"nsnet-lan\" : jump nat-lan }\n";

TEST(test_nft_network_add)
{
	struct nsnet_network net = lan();
	struct strbuf o = { 0 };
	const char *t;

	fw_nft_network_add(&net, true, &o);
	t = strbuf_str(&o);
	CHECK_EQ_STR(from_line(t, "add chain inet nsnet in-lan"), nft_lan_add);
	/* The base comes first: table, sets and maps, base chains and their re-asserted rules. */
	CHECK(!strncmp(t, "add table inet nsnet\n", 21));
	CHECK(has_line(t, "add map inet nsnet fwd_in { type ifname : verdict ; }"));
	/* The VIP maps take timeouts: `vip rm` lets a VIP's elements expire (nft_change.h). */
	CHECK(has_line(t, "add map inet nsnet svc4 { type ipv4_addr . inet_proto . inet_service : verdict ; flags timeout ; }"));
	CHECK(has_line(t, "add map inet nsnet bk4t { typeof ip daddr . tcp dport . numgen random mod 2 : ip daddr . tcp dport ; flags timeout ; }"));
	CHECK(has_line(t, "add set inet nsnet empty4 { type ipv4_addr . inet_proto . inet_service ; flags timeout ; }"));
	CHECK(has_line(t, "add map inet nsnet pubany4 { type inet_proto . inet_service : verdict ; }"));
	CHECK(has_line(t, "add chain inet nsnet forward { type filter hook forward priority filter ; policy accept ; }"));
	CHECK(has_line(t, "add rule inet nsnet forward ct state established,related accept"));
	CHECK(has_line(t, "add rule inet nsnet forward iifname vmap @fwd_in"));
	CHECK(has_line(t, "add rule inet nsnet postrouting iifname vmap @nat_in"));
	CHECK(has_line(t, "add rule inet nsnet svc-pre ip daddr . meta l4proto . th dport vmap @svc4"));
	/* Every address includes 127.0.0.1 from the host itself only: output hook, IPv4 (issue 17). */
	CHECK(has_line(t, "add rule inet nsnet svc-out ip daddr 127.0.0.1 meta l4proto . th dport vmap @pubany4"));
	CHECK_EQ_INT(count_lines(t, "add rule inet nsnet svc-pre ip daddr 127.0.0.1"), 0);
	CHECK_EQ_INT(count_lines(t, "add rule inet nsnet svc-out ip6 daddr ::1"), 0);
	/* The pick chains come with the first VIP that needs each (nft_services.c), not with the base. */
	CHECK_EQ_INT(count_lines(t, "add chain inet nsnet pick"), 0);
	/* Policies stay accept: nsnet never decides for other tables. */
	CHECK_EQ_INT(count_lines(t, "add chain inet nsnet forward {"), 1);
	CHECK(!strstr(t, "policy drop"));
	strbuf_free(&o);
}

TEST(test_nft_network_internal_no_nat)
{
	struct nsnet_network net = lan();
	struct strbuf o = { 0 };
	const char *t;

	net.internal = true;
	net.nat = false;
	fw_nft_network_add(&net, true, &o);
	t = strbuf_str(&o);
	/* Nothing leaves an internal network; its nat chain is empty, replies to DNAT still work. */
	CHECK(has_line(t, "add rule inet nsnet in-lan drop"));
	CHECK(!has_line(t, "add rule inet nsnet in-lan accept"));
	CHECK_EQ_INT(count_lines(t, "add rule inet nsnet nat-lan "), 0);
	CHECK(has_line(t, "add chain inet nsnet nat-lan"));
	CHECK(has_line(t, "add rule inet nsnet natout-lan ct status dnat ip saddr 10.0.0.0/24 masquerade"));
	strbuf_free(&o);
}

TEST(test_nft_network_del)
{
	struct nsnet_network net = lan();
	struct strbuf o = { 0 };

	fw_nft_network_del(&net, false, &o);
	/* Map elements go before the chains they jump to. */
	CHECK_EQ_STR(strbuf_str(&o),
		     "delete element inet nsnet nat_in { \"nsnet-lan\" }\n"
		     "delete element inet nsnet nat_out { \"nsnet-lan\" }\n"
		     "delete element inet nsnet fwd_out { \"nsnet-lan\" }\n"
		     "delete element inet nsnet fwd_in { \"nsnet-lan\" }\n"
		     "delete element inet nsnet bridges { \"nsnet-lan\" }\n"
		     "flush chain inet nsnet natout-lan\n"
		     "delete chain inet nsnet natout-lan\n"
		     "flush chain inet nsnet nat-lan\n"
		     "delete chain inet nsnet nat-lan\n"
		     "flush chain inet nsnet out-lan\n"
		     "delete chain inet nsnet out-lan\n"
		     "flush chain inet nsnet in-lan\n"
		     "delete chain inet nsnet in-lan\n");
	/* The last network: the table, which holds everything of nsnet's, goes at once. */
	o.len = 0;
	fw_nft_network_del(&net, true, &o);
	CHECK_EQ_STR(strbuf_str(&o), "delete table inet nsnet\n");
	strbuf_free(&o);
}

TEST(test_nft_vip)
{
	struct nsnet_vip v = web(7, 0);
	struct strbuf o = { 0 };
	char elem[128];

	/* A VIP without affinity is map elements only, no chain of its own. */
	fw_nft_vip_add(&v, &o);
	CHECK_EQ_STR(strbuf_str(&o),
		     "add element inet nsnet bk4t { 10.100.0.1 . 80 . 0 : 10.0.0.2 . 8080 }\n"
		     "add element inet nsnet bk4t { 10.100.0.1 . 80 . 1 : 10.0.0.3 . 8080 }\n"
		     "add element inet nsnet svc4 { 10.100.0.1 . tcp . 80 : jump pick4t-2 }\n");
	fw_nft_vip_element(&v, elem, sizeof(elem));
	CHECK_EQ_STR(elem, "10.100.0.1 . tcp . 80 : jump pick4t-2");
	o.len = 0;
	fw_nft_vip_del(&v, &o);
	CHECK_EQ_STR(strbuf_str(&o),
		     "delete element inet nsnet svc4 { 10.100.0.1 . tcp . 80 }\n"
		     "delete element inet nsnet bk4t { 10.100.0.1 . 80 . 0 }\n"
		     "delete element inet nsnet bk4t { 10.100.0.1 . 80 . 1 }\n");
	/* Removed alone, its elements expire at the next tick, same data, nothing to free later. */
	o.len = 0;
	fw_nft_vip_rm(&v, &o);
	if (!nft_kernel_expires_in_place()) {
		printf("# this kernel predates 6.12: vip rm deletes\n");
		CHECK(has_line(strbuf_str(&o), "delete element inet nsnet svc4 { 10.100.0.1 . tcp . 80 }"));
	} else {
		CHECK_EQ_STR(strbuf_str(&o),
			     "add element inet nsnet svc4 { 10.100.0.1 . tcp . 80 timeout 1ms : jump pick4t-2 }\n"
			     "add element inet nsnet bk4t { 10.100.0.1 . 80 . 0 timeout 1ms : 10.0.0.2 . 8080 }\n"
			     "add element inet nsnet bk4t { 10.100.0.1 . 80 . 1 timeout 1ms : 10.0.0.3 . 8080 }\n");
	}
	strbuf_free(&o);
}

TEST(test_nft_vip_affinity)
{
	struct nsnet_vip v = web(8, 600);
	struct strbuf o = { 0 };

	fw_nft_vip_add(&v, &o);
	CHECK_EQ_STR(strbuf_str(&o),
		     "add chain inet nsnet vip-8\n"
		     "add set inet nsnet aff-8-0 { type ipv4_addr ; flags dynamic,timeout ; timeout 600s ; }\n"
		     "add chain inet nsnet sep-8-0\n"
		     "add rule inet nsnet sep-8-0 update @aff-8-0 { ip saddr } meta l4proto tcp dnat ip to 10.0.0.2:8080\n"
		     "add rule inet nsnet vip-8 ip saddr @aff-8-0 goto sep-8-0\n"
		     "add element inet nsnet sep4t { 10.100.0.1 . 80 . 0 : goto sep-8-0 }\n"
		     "add set inet nsnet aff-8-1 { type ipv4_addr ; flags dynamic,timeout ; timeout 600s ; }\n"
		     "add chain inet nsnet sep-8-1\n"
		     "add rule inet nsnet sep-8-1 update @aff-8-1 { ip saddr } meta l4proto tcp dnat ip to 10.0.0.3:8080\n"
		     "add rule inet nsnet vip-8 ip saddr @aff-8-1 goto sep-8-1\n"
		     "add element inet nsnet sep4t { 10.100.0.1 . 80 . 1 : goto sep-8-1 }\n"
		     "add rule inet nsnet vip-8 goto picksep4t-2\n"
		     "add element inet nsnet svc4 { 10.100.0.1 . tcp . 80 : jump vip-8 }\n");
	/* With affinity it has chains and sets to delete: `vip rm` deletes, as vip_del does. */
	{
		struct strbuf del = { 0 };

		o.len = 0;
		fw_nft_vip_rm(&v, &o);
		fw_nft_vip_del(&v, &del);
		CHECK_EQ_STR(strbuf_str(&o), strbuf_str(&del));
		CHECK(has_line(strbuf_str(&o), "delete element inet nsnet svc4 { 10.100.0.1 . tcp . 80 }"));
		strbuf_free(&del);
	}
	strbuf_free(&o);
}

TEST(test_nft_vip_ipv6_udp_empty)
{
	struct nsnet_vip v = { .id = 9, .proto = IPPROTO_UDP, .n_backends = 1 };
	struct strbuf o = { 0 };
	const char *t;

	v.vip.addr = fd00(0x53);
	v.vip.port = 53;
	v.backend[0].ep.addr = fd00(2);
	v.backend[0].ep.port = 5353;
	fw_nft_vip_add(&v, &o);
	t = strbuf_str(&o);
	CHECK(has_line(t, "add element inet nsnet svc6 { fd00::53 . udp . 53 : jump pick6u-1 }"));
	CHECK_EQ_INT(count_lines(t, "add element inet nsnet bk6u { fd00::53 . 53 . 0 : fd00::2 . 5353 }"), 1);
	CHECK_EQ_INT(count_lines(t, "add element inet nsnet svc4"), 0);
	/* Without backends: an element of empty6, which the filter hooks reject. */
	o.len = 0;
	v.n_backends = 0;
	fw_nft_vip_add(&v, &o);
	CHECK(has_line(strbuf_str(&o), "add element inet nsnet empty6 { fd00::53 . udp . 53 }"));
	CHECK_EQ_INT(count_lines(strbuf_str(&o), "add element inet nsnet svc6"), 0);
	strbuf_free(&o);
}

TEST(test_nft_port)
{
	struct nsnet_port p = pub();
	struct strbuf o = { 0 };

	fw_nft_port_add(&p, &o);
	CHECK_EQ_STR(strbuf_str(&o),
		     "add chain inet nsnet pub-3\n"
		     "add rule inet nsnet pub-3 meta l4proto tcp dnat ip to 10.0.0.2:80\n"
		     "add element inet nsnet pubany4 { tcp . 8080 : jump pub-3 }\n");
	o.len = 0;
	fw_nft_port_del(&p, &o);
	CHECK_EQ_STR(strbuf_str(&o),
		     "delete element inet nsnet pubany4 { tcp . 8080 }\n"
		     "flush chain inet nsnet pub-3\n"
		     "delete chain inet nsnet pub-3\n");
	/* On one host address (here loopback, UDP): keyed by that address in svc4. */
	o.len = 0;
	p.host_ip = v4(127, 0, 0, 1);
	p.proto = IPPROTO_UDP;
	fw_nft_port_add(&p, &o);
	CHECK_EQ_STR(strbuf_str(&o),
		     "add chain inet nsnet pub-3\n"
		     "add rule inet nsnet pub-3 meta l4proto udp dnat ip to 10.0.0.2:80\n"
		     "add element inet nsnet svc4 { 127.0.0.1 . udp . 8080 : jump pub-3 }\n");
	strbuf_free(&o);
}

/* iptables: the network's own steps, after the base chains and their jumps (checked apart). */
static const char ipt_lan_add[] =
	"4 filter N NSNET-IN-nsnet-lan\n"
	"4 filter F NSNET-IN-nsnet-lan\n"
	"4 filter A NSNET-IN-nsnet-lan -o nsnet-lan -j ACCEPT\n"
	"4 filter A NSNET-IN-nsnet-lan -m conntrack --ctstate DNAT -j ACCEPT\n"
	"4 filter A NSNET-IN-nsnet-lan -j NSNET-ISOLATION\n"
	"4 filter A NSNET-IN-nsnet-lan -j ACCEPT\n"
	"4 filter N NSNET-OUT-nsnet-lan\n"
	"4 filter F NSNET-OUT-nsnet-lan\n"
	"4 filter A NSNET-OUT-nsnet-lan -m conntrack --ctstate DNAT -j ACCEPT\n"
	"4 filter A NSNET-OUT-nsnet-lan -j DROP\n"
	"6 filter N NSNET-IN-nsnet-lan\n"
	"6 filter F NSNET-IN-nsnet-lan\n"
	"6 filter A NSNET-IN-nsnet-lan -o nsnet-lan -j ACCEPT\n"
	"6 filter A NSNET-IN-nsnet-lan -m conntrack --ctstate DNAT -j ACCEPT\n"
	"6 filter A NSNET-IN-nsnet-lan -j NSNET-ISOLATION\n"
	"6 filter A NSNET-IN-nsnet-lan -j ACCEPT\n"
	"6 filter N NSNET-OUT-nsnet-lan\n"
	"6 filter F NSNET-OUT-nsnet-lan\n"
	"6 filter A NSNET-OUT-nsnet-lan -m conntrack --ctstate DNAT -j ACCEPT\n"
	"6 filter A NSNET-OUT-nsnet-lan -j DROP\n"
	"4 filter A NSNET-ISOLATION -o nsnet-lan -j DROP\n"
	"4 filter A NSNET-FORWARD -i nsnet-lan -j NSNET-IN-nsnet-lan\n"
	"4 filter A NSNET-FORWARD -o nsnet-lan -j NSNET-OUT-nsnet-lan\n"
	"6 filter A NSNET-ISOLATION -o nsnet-lan -j DROP\n"
	"6 filter A NSNET-FORWARD -i nsnet-lan -j NSNET-IN-nsnet-lan\n"
	"6 filter A NSNET-FORWARD -o nsnet-lan -j NSNET-OUT-nsnet-lan\n"
	"4 nat A NSNET-POSTROUTING -s 10.0.0.0/24 ! -o nsnet-lan -j MASQUERADE\n"
	"4 nat A NSNET-POSTROUTING -s 10.0.0.0/24 -o nsnet-lan -m conntrack --ctstate DNAT -j MASQUERADE\n"
	"6 nat A NSNET-POSTROUTING -s fd00::/64 ! -o nsnet-lan -j MASQUERADE\n"
	"6 nat A NSNET-POSTROUTING -s fd00::/64 -o nsnet-lan -m conntrack --ctstate DNAT -j MASQUERADE\n"
	"4 nat A NSNET-POSTROUTING -s 127.0.0.0/8 -o nsnet-lan -j MASQUERADE\n"
	"4 raw A NSNET-GUARD -d 127.0.0.0/8 -i nsnet-lan -j DROP\n"
	"4 raw A NSNET-GUARD -s 127.0.0.0/8 -i nsnet-lan -j DROP\n";

TEST(test_ipt_network_add)
{
	struct nsnet_network net = lan();
	struct strbuf o = { 0 };
	const char *t;

	fw_ipt_network_add(&net, true, &o);
	t = strbuf_str(&o);
	CHECK_EQ_STR(from_line(t, "4 filter N NSNET-IN-nsnet-lan"), ipt_lan_add);
	/* The base: nsnet's chains, each reached by one jump from a built-in chain, both families. */
	CHECK(!strncmp(t, "4 filter N NSNET-FORWARD\n", 25));
	CHECK(has_line(t, "4 filter A NSNET-FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"));
	CHECK(has_line(t, "4 nat A NSNET-SERVICES ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j NSNET-PUBANY"));
	CHECK(has_line(t, "6 nat A NSNET-SERVICES ! -d ::1/128 -m addrtype --dst-type LOCAL -j NSNET-PUBANY"));
	/* ...and 127.0.0.1 from the host itself (-o lo never matches in PREROUTING), IPv4 only. */
	CHECK(has_line(t, "4 nat A NSNET-SERVICES -d 127.0.0.1/32 -o lo -j NSNET-PUBANY"));
	CHECK_EQ_INT(count_lines(t, "6 nat A NSNET-SERVICES -d ::1"), 0);
	CHECK(has_line(t, "4 raw I PREROUTING -j NSNET-GUARD"));
	CHECK_EQ_INT(count_lines(t, "4 filter I "), 2);
	CHECK_EQ_INT(count_lines(t, "4 nat I "), 3);
	CHECK_EQ_INT(count_lines(t, "6 nat I "), 3);
	/* Built-in chains only get jumps: nothing is appended to them. */
	CHECK_EQ_INT(count_lines(t, "4 filter A FORWARD"), 0);
	CHECK_EQ_INT(count_lines(t, "4 nat A POSTROUTING"), 0);
	strbuf_free(&o);
}

TEST(test_ipt_network_internal_no_nat)
{
	struct nsnet_network net = lan();
	struct strbuf o = { 0 };
	const char *t;

	net.internal = true;
	net.nat = false;
	fw_ipt_network_add(&net, true, &o);
	t = strbuf_str(&o);
	CHECK(has_line(t, "4 filter A NSNET-IN-nsnet-lan -j DROP"));
	CHECK(!has_line(t, "4 filter A NSNET-IN-nsnet-lan -j ACCEPT"));
	CHECK_EQ_INT(count_lines(t, "4 nat A NSNET-POSTROUTING -s 10.0.0.0/24 ! -o"), 0);
	CHECK(has_line(t, "4 nat A NSNET-POSTROUTING -s 10.0.0.0/24 -o nsnet-lan -m conntrack --ctstate DNAT -j MASQUERADE"));
	strbuf_free(&o);
}

TEST(test_ipt_network_del)
{
	struct nsnet_network net = lan();
	struct strbuf o = { 0 };

	fw_ipt_network_del(&net, false, &o);
	/* Every A of the add has its D, and the jumps go before the chains are deleted. */
	CHECK_EQ_STR(strbuf_str(&o),
		     "4 filter D NSNET-ISOLATION -o nsnet-lan -j DROP\n"
		     "4 filter D NSNET-FORWARD -i nsnet-lan -j NSNET-IN-nsnet-lan\n"
		     "4 filter D NSNET-FORWARD -o nsnet-lan -j NSNET-OUT-nsnet-lan\n"
		     "6 filter D NSNET-ISOLATION -o nsnet-lan -j DROP\n"
		     "6 filter D NSNET-FORWARD -i nsnet-lan -j NSNET-IN-nsnet-lan\n"
		     "6 filter D NSNET-FORWARD -o nsnet-lan -j NSNET-OUT-nsnet-lan\n"
		     "4 nat D NSNET-POSTROUTING -s 10.0.0.0/24 ! -o nsnet-lan -j MASQUERADE\n"
		     "4 nat D NSNET-POSTROUTING -s 10.0.0.0/24 -o nsnet-lan -m conntrack --ctstate DNAT -j MASQUERADE\n"
		     "6 nat D NSNET-POSTROUTING -s fd00::/64 ! -o nsnet-lan -j MASQUERADE\n"
		     "6 nat D NSNET-POSTROUTING -s fd00::/64 -o nsnet-lan -m conntrack --ctstate DNAT -j MASQUERADE\n"
		     "4 nat D NSNET-POSTROUTING -s 127.0.0.0/8 -o nsnet-lan -j MASQUERADE\n"
		     "4 raw D NSNET-GUARD -d 127.0.0.0/8 -i nsnet-lan -j DROP\n"
		     "4 raw D NSNET-GUARD -s 127.0.0.0/8 -i nsnet-lan -j DROP\n"
		     "4 filter X NSNET-IN-nsnet-lan\n"
		     "4 filter X NSNET-OUT-nsnet-lan\n"
		     "6 filter X NSNET-IN-nsnet-lan\n"
		     "6 filter X NSNET-OUT-nsnet-lan\n");
	/* The last network: then the base chains go too, each after the jump to it. */
	o.len = 0;
	fw_ipt_network_del(&net, true, &o);
	CHECK(strstr(strbuf_str(&o), "4 filter D FORWARD -j NSNET-FORWARD\n4 filter D OUTPUT -j NSNET-REJECT\n"
				    "4 filter X NSNET-FORWARD\n"));
	CHECK(has_line(strbuf_str(&o), "6 nat X NSNET-POSTROUTING"));
	CHECK(!strcmp(from_line(strbuf_str(&o), "4 raw D PREROUTING"),
		      "4 raw D PREROUTING -j NSNET-GUARD\n4 raw X NSNET-GUARD\n"
		      "6 raw D PREROUTING -j NSNET-GUARD\n6 raw X NSNET-GUARD\n"));
	strbuf_free(&o);
}

TEST(test_ipt_vip)
{
	struct nsnet_vip v = web(7, 0), va = web(8, 600);
	struct strbuf o = { 0 };

	fw_ipt_vip_add(&v, &o);
	CHECK_EQ_STR(strbuf_str(&o),
		     "4 nat N NSNET-SVC-7\n"
		     "4 nat F NSNET-SVC-7\n"
		     "4 nat N NSNET-SEP-7-0\n"
		     "4 nat F NSNET-SEP-7-0\n"
		     "4 nat A NSNET-SEP-7-0 -p tcp -j DNAT --to-destination 10.0.0.2:8080\n"
		     "4 nat N NSNET-SEP-7-1\n"
		     "4 nat F NSNET-SEP-7-1\n"
		     "4 nat A NSNET-SEP-7-1 -p tcp -j DNAT --to-destination 10.0.0.3:8080\n"
		     "4 nat A NSNET-SVC-7 -m statistic --mode random --probability 0.50000000000 -j NSNET-SEP-7-0\n"
		     "4 nat A NSNET-SVC-7 -j NSNET-SEP-7-1\n"
		     "4 nat A NSNET-VIPS -d 10.100.0.1/32 -p tcp -m tcp --dport 80 -j NSNET-SVC-7\n");
	o.len = 0;
	fw_ipt_vip_add(&va, &o);
	CHECK_EQ_STR(from_line(strbuf_str(&o), "4 nat A NSNET-SVC-8"),
		     "4 nat A NSNET-SVC-8 -m recent --rcheck --seconds 600 --reap --name NSNET-AFF-8-0a000002-8080 --mask 255.255.255.255 --rsource -j NSNET-SEP-8-0\n"
		     "4 nat A NSNET-SVC-8 -m recent --rcheck --seconds 600 --reap --name NSNET-AFF-8-0a000003-8080 --mask 255.255.255.255 --rsource -j NSNET-SEP-8-1\n"
		     "4 nat A NSNET-SVC-8 -m statistic --mode random --probability 0.50000000000 -j NSNET-SEP-8-0\n"
		     "4 nat A NSNET-SVC-8 -j NSNET-SEP-8-1\n"
		     "4 nat A NSNET-VIPS -d 10.100.0.1/32 -p tcp -m tcp --dport 80 -j NSNET-SVC-8\n");
	CHECK(has_line(strbuf_str(&o), "4 nat A NSNET-SEP-8-1 -p tcp -m recent --set --name NSNET-AFF-8-0a000003-8080 --mask 255.255.255.255 --rsource -j DNAT --to-destination 10.0.0.3:8080"));
	strbuf_free(&o);
}

TEST(test_ipt_port)
{
	struct nsnet_port p = pub();
	struct strbuf o = { 0 };

	fw_ipt_port_add(&p, &o);
	CHECK_EQ_STR(strbuf_str(&o),
		     "4 nat N NSNET-PUB-3\n"
		     "4 nat F NSNET-PUB-3\n"
		     "4 nat A NSNET-PUB-3 -p tcp -j DNAT --to-destination 10.0.0.2:80\n"
		     "4 nat A NSNET-PUBANY -p tcp -m tcp --dport 8080 -j NSNET-PUB-3\n");
	o.len = 0;
	fw_ipt_port_del(&p, &o);
	CHECK_EQ_STR(strbuf_str(&o),
		     "4 nat D NSNET-PUBANY -p tcp -m tcp --dport 8080 -j NSNET-PUB-3\n"
		     "4 nat X NSNET-PUB-3\n");
	o.len = 0;
	p.host_ip = v4(127, 0, 0, 1);
	p.proto = IPPROTO_UDP;
	fw_ipt_port_add(&p, &o);
	CHECK(has_line(strbuf_str(&o), "4 nat A NSNET-PUB-3 -p udp -j DNAT --to-destination 10.0.0.2:80"));
	CHECK(has_line(strbuf_str(&o), "4 nat A NSNET-VIPS -d 127.0.0.1/32 -p udp -m udp --dport 8080 -j NSNET-PUB-3"));
	strbuf_free(&o);
}

/* The chain names each backend gives the same objects (what check and gc look for). */
TEST(test_chain_names)
{
	struct nsnet_network net = lan();
	struct nsnet_vip v = web(7, 0);
	struct nsnet_port p = pub();
	char buf[64];

	fw_ipt_network_chain(&net, true, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "NSNET-IN-nsnet-lan");
	fw_ipt_network_chain(&net, false, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "NSNET-OUT-nsnet-lan");
	fw_ipt_vip_chain(&v, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "NSNET-SVC-7");
	fw_ipt_port_chain(&p, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "NSNET-PUB-3");
}

/* "ov": an overlay's local part (block 10.50.0.0/24) with VTEP 172.31.0.11, port 4789, VNI 7. */
static struct nsnet_network ov(void)
{
	struct nsnet_network net = { .name = "ov", .bridge = "nsnet-ov", .n_subnets = 1, .nat = true };

	net.subnet[0].addr = v4(10, 50, 0, 0);
	net.subnet[0].len = 24;
	net.gateway[0] = v4(10, 50, 0, 1);
	net.ov.subnet.addr = v4(10, 50, 0, 0);
	net.ov.subnet.len = 16;
	net.ov.vni = 7;
	net.ov.port = 4789;
	net.ov.local = v4(172, 31, 0, 11);
	snprintf(net.ov.vxlan, sizeof(net.ov.vxlan), "nsnet-x0000abcd");
	return net;
}

/* The VXLAN filter: made with the network accepting nobody, filled with exactly the peers, gone with it. */
TEST(test_vxlan_filter)
{
	struct nsnet_network net = ov(), plain = lan();
	struct nsnet_addr peers[2] = { v4(172, 31, 0, 12), v4(172, 31, 0, 13) };
	struct strbuf o = { 0 };

	fw_nft_network_add(&net, true, &o);
	CHECK(has_line(strbuf_str(&o), "add set inet nsnet vxpeers-ov { type ipv4_addr ; }"));
	CHECK(has_line(strbuf_str(&o), "add chain inet nsnet vx-ov { type filter hook input priority -10 ; policy accept ; }"));
	CHECK(has_line(strbuf_str(&o), "add rule inet nsnet vx-ov ip daddr 172.31.0.11 udp dport 4789 @th,96,24 7 ip saddr != @vxpeers-ov counter drop"));
	CHECK(fw_nft_text_ours(strbuf_str(&o), false));
	strbuf_free(&o);
	fw_nft_vxlan_peers(&net, peers, 2, &o);
	CHECK_EQ_STR(strbuf_str(&o), "flush set inet nsnet vxpeers-ov\n"
				     "add element inet nsnet vxpeers-ov { 172.31.0.12, 172.31.0.13 }\n");
	strbuf_free(&o);
	fw_nft_vxlan_peers(&net, peers, 0, &o);
	CHECK_EQ_STR(strbuf_str(&o), "flush set inet nsnet vxpeers-ov\n");
	strbuf_free(&o);
	fw_nft_network_del(&net, false, &o);
	CHECK(has_line(strbuf_str(&o), "delete chain inet nsnet vx-ov"));
	CHECK(has_line(strbuf_str(&o), "delete set inet nsnet vxpeers-ov"));
	strbuf_free(&o);
	fw_nft_network_add(&plain, true, &o);
	CHECK_EQ_INT(count_lines(strbuf_str(&o), "add chain inet nsnet vx-"), 0);
	strbuf_free(&o);

	fw_ipt_network_add(&net, true, &o);
	CHECK(has_line(strbuf_str(&o), "4 filter I INPUT -j NSNET-INPUT"));
	CHECK(has_line(strbuf_str(&o), "4 filter N NSNET-VX-nsnet-ov"));
	CHECK(has_line(strbuf_str(&o), "4 filter A NSNET-VX-nsnet-ov -j DROP"));
	CHECK(has_line(strbuf_str(&o), "4 filter A NSNET-INPUT -d 172.31.0.11/32 -p udp -m udp --dport 4789 -m u32 --u32 \"0x0>>0x16&0x3c@0xc>>0x8=0x7\" -j NSNET-VX-nsnet-ov"));
	strbuf_free(&o);
	fw_ipt_vxlan_peers(&net, peers, 2, &o);
	CHECK_EQ_STR(strbuf_str(&o), "4 filter F NSNET-VX-nsnet-ov\n"
				     "4 filter A NSNET-VX-nsnet-ov -s 172.31.0.12/32 -j RETURN\n"
				     "4 filter A NSNET-VX-nsnet-ov -s 172.31.0.13/32 -j RETURN\n"
				     "4 filter A NSNET-VX-nsnet-ov -j DROP\n");
	strbuf_free(&o);
	fw_ipt_network_del(&net, false, &o);
	CHECK(has_line(strbuf_str(&o), "4 filter X NSNET-VX-nsnet-ov"));
	CHECK_EQ_INT(count_lines(strbuf_str(&o), "4 filter D NSNET-INPUT -d 172.31.0.11/32 -p udp"), 1);
	strbuf_free(&o);

	/* An IPv6 underlay: the set, the rule and the chain follow the VTEP's family. */
	net.ov.local = fd00(11);
	peers[0] = fd00(12);
	fw_nft_network_add(&net, true, &o);
	CHECK(has_line(strbuf_str(&o), "add set inet nsnet vxpeers-ov { type ipv6_addr ; }"));
	CHECK(has_line(strbuf_str(&o), "add rule inet nsnet vx-ov ip6 daddr fd00::b udp dport 4789 @th,96,24 7 ip6 saddr != @vxpeers-ov counter drop"));
	strbuf_free(&o);
	fw_ipt_network_add(&net, true, &o);
	CHECK(has_line(strbuf_str(&o), "6 filter A NSNET-INPUT -d fd00::b/128 -p udp -m udp --dport 4789 -m u32 --u32 \"0x34>>0x8=0x7\" -j NSNET-VX-nsnet-ov"));
	CHECK_EQ_INT(count_lines(strbuf_str(&o), "4 filter A NSNET-INPUT -d"), 0);
	strbuf_free(&o);
	fw_ipt_vxlan_peers(&net, peers, 1, &o);
	CHECK_EQ_STR(strbuf_str(&o), "6 filter F NSNET-VX-nsnet-ov\n"
				     "6 filter A NSNET-VX-nsnet-ov -s fd00::c/128 -j RETURN\n"
				     "6 filter A NSNET-VX-nsnet-ov -j DROP\n");
	strbuf_free(&o);
}

int main(void)
{
	RUN(test_nft_network_add);
	RUN(test_nft_network_internal_no_nat);
	RUN(test_nft_network_del);
	RUN(test_nft_vip);
	RUN(test_nft_vip_affinity);
	RUN(test_nft_vip_ipv6_udp_empty);
	RUN(test_nft_port);
	RUN(test_ipt_network_add);
	RUN(test_ipt_network_internal_no_nat);
	RUN(test_ipt_network_del);
	RUN(test_ipt_vip);
	RUN(test_ipt_port);
	RUN(test_chain_names);
	RUN(test_vxlan_filter);
	return unit_done();
}
