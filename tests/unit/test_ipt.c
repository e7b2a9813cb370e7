// SPDX-License-Identifier: MIT
// Unit tests for the iptables backend's renderers (firewall/ipt.c): the steps, in the exact form
// iptables-save prints (what makes "is this rule there?" a text comparison).
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "firewall/fw.h"
#include "model/service.h"
#include "fixtures.h"
#include "unit.h"

static struct nsnet_vip vip3(unsigned int affinity)
{
	struct nsnet_vip v = { .id = 7, .proto = IPPROTO_TCP, .affinity = affinity, .n_backends = 3 };

	v.vip.addr = v4(10, 100, 0, 1);
	v.vip.port = 80;
	for (int i = 0; i < 3; i++) {
		v.backend[i].ep.addr = v4(10, 0, 0, (uint8_t)(2 + i));
		v.backend[i].ep.port = 8080;
	}
	return v;
}

TEST(test_vip_probabilities)
{
	struct nsnet_vip v = vip3(0);
	struct strbuf o = { 0 };

	fw_ipt_vip_add(&v, &o);
	/* 1/3, then 1/2 of the rest, then the rest: what the statistic match stores and prints back. */
	CHECK(has_line(strbuf_str(&o), "4 nat A NSNET-SVC-7 -m statistic --mode random --probability 0.33333333349 -j NSNET-SEP-7-0"));
	CHECK(has_line(strbuf_str(&o), "4 nat A NSNET-SVC-7 -m statistic --mode random --probability 0.50000000000 -j NSNET-SEP-7-1"));
	CHECK(has_line(strbuf_str(&o), "4 nat A NSNET-SVC-7 -j NSNET-SEP-7-2"));
	CHECK(has_line(strbuf_str(&o), "4 nat A NSNET-SEP-7-2 -p tcp -j DNAT --to-destination 10.0.0.4:8080"));
	CHECK(has_line(strbuf_str(&o), "4 nat A NSNET-VIPS -d 10.100.0.1/32 -p tcp -m tcp --dport 80 -j NSNET-SVC-7"));
	CHECK_EQ_INT(count_lines(strbuf_str(&o), "4 nat N NSNET-SEP-7-"), 3);
	CHECK_EQ_INT(count_lines(strbuf_str(&o), "6 "), 0);
	strbuf_free(&o);
}

TEST(test_vip_affinity)
{
	struct nsnet_vip v = vip3(600);
	struct strbuf o = { 0 };
	const char *t;

	fw_ipt_vip_add(&v, &o);
	t = strbuf_str(&o);
	CHECK(has_line(t, "4 nat A NSNET-SVC-7 -m recent --rcheck --seconds 600 --reap --name NSNET-AFF-7-0a000003-8080 --mask 255.255.255.255 --rsource -j NSNET-SEP-7-1"));
	CHECK(has_line(t, "4 nat A NSNET-SEP-7-0 -p tcp -m recent --set --name NSNET-AFF-7-0a000002-8080 --mask 255.255.255.255 --rsource -j DNAT --to-destination 10.0.0.2:8080"));
	/* Each list is named after its backend's address and port, not its place: an IPv6 one in full. */
	v.backend[2].ep.addr.family = AF_INET6;
	memset(v.backend[2].ep.addr.b, 0, 16);
	v.backend[2].ep.addr.b[0] = 0xfd;
	v.backend[2].ep.addr.b[15] = 0x09;
	o.len = 0;
	fw_ipt_vip_add(&v, &o);
	t = strbuf_str(&o);
	CHECK(strstr(t, "--name NSNET-AFF-7-fd000000000000000000000000000009-8080 ") != NULL);
	/* The affinity checks come before the random pick. */
	CHECK(strstr(t, "--rcheck") < strstr(t, "--probability"));
	strbuf_free(&o);
}

TEST(test_vip_del_mirrors_add)
{
	struct nsnet_vip v = vip3(0), empty = { .id = 9, .proto = IPPROTO_UDP };
	struct strbuf o = { 0 };

	fw_ipt_vip_del(&v, &o);
	CHECK(has_line(strbuf_str(&o), "4 nat D NSNET-VIPS -d 10.100.0.1/32 -p tcp -m tcp --dport 80 -j NSNET-SVC-7"));
	CHECK(has_line(strbuf_str(&o), "4 nat X NSNET-SVC-7"));
	CHECK_EQ_INT(count_lines(strbuf_str(&o), "4 nat X NSNET-SEP-7-"), 3);
	/* The jump goes before the chain (a chain still referenced cannot be deleted). */
	CHECK(strstr(strbuf_str(&o), " D NSNET-VIPS") < strstr(strbuf_str(&o), " X NSNET-SVC-7"));
	o.len = 0;
	empty.vip.addr = v4(10, 100, 0, 9);
	empty.vip.port = 53;
	fw_ipt_vip_add(&empty, &o);
	CHECK_EQ_STR(strbuf_str(&o),
		     "4 filter A NSNET-REJECT -d 10.100.0.9/32 -p udp -m udp --dport 53 -j REJECT --reject-with icmp-port-unreachable\n");
	strbuf_free(&o);
}

TEST(test_network)
{
	struct nsnet_network net = { .name = "a-network-name-far-longer-than-any-chain-name", .bridge = "nsnet-lan",
				     .n_subnets = 2, .nat = true };
	struct strbuf o = { 0 };
	char chain[32];
	const char *t;

	net.subnet[0].addr = v4(10, 0, 0, 0);
	net.subnet[0].len = 24;
	net.subnet[1].addr.family = AF_INET6;
	net.subnet[1].addr.b[0] = 0xfd;
	net.subnet[1].len = 64;
	fw_ipt_network_add(&net, true, &o);
	t = strbuf_str(&o);
	fw_ipt_network_chain(&net, true, chain, sizeof(chain));
	CHECK_EQ_STR(chain, "NSNET-IN-nsnet-lan");
	CHECK(has_line(t, "4 filter I FORWARD -j NSNET-FORWARD"));
	CHECK(has_line(t, "6 filter I FORWARD -j NSNET-FORWARD"));
	CHECK(has_line(t, "4 nat A NSNET-POSTROUTING -s 10.0.0.0/24 ! -o nsnet-lan -j MASQUERADE"));
	CHECK(has_line(t, "6 nat A NSNET-POSTROUTING -s fd00::/64 ! -o nsnet-lan -j MASQUERADE"));
	CHECK(has_line(t, "4 filter A NSNET-IN-nsnet-lan -j ACCEPT"));
	CHECK(has_line(t, "4 raw A NSNET-GUARD -d 127.0.0.0/8 -i nsnet-lan -j DROP"));
	/* IPv6 has no loopback to guard: its raw chain only serves routed networks. */
	CHECK_EQ_INT(count_lines(t, "6 raw A"), 0);
	o.len = 0;
	net.internal = true;
	fw_ipt_network_add(&net, true, &o);
	CHECK(has_line(strbuf_str(&o), "4 filter A NSNET-IN-nsnet-lan -j DROP"));
	CHECK_EQ_INT(count_lines(strbuf_str(&o), "4 nat A NSNET-POSTROUTING -s 10.0.0.0/24 ! -o"), 0);
	strbuf_free(&o);
}

TEST(test_port)
{
	struct nsnet_port p = { .id = 3, .host_port = 8080, .port = 80, .proto = IPPROTO_TCP };
	struct strbuf o = { 0 };

	p.target = v4(10, 0, 0, 2);
	fw_ipt_port_add(&p, &o);
	CHECK(has_line(strbuf_str(&o), "4 nat A NSNET-PUBANY -p tcp -m tcp --dport 8080 -j NSNET-PUB-3"));
	CHECK(has_line(strbuf_str(&o), "4 nat A NSNET-PUB-3 -p tcp -j DNAT --to-destination 10.0.0.2:80"));
	o.len = 0;
	p.host_ip = v4(127, 0, 0, 1);
	fw_ipt_port_add(&p, &o);
	CHECK(has_line(strbuf_str(&o), "4 nat A NSNET-VIPS -d 127.0.0.1/32 -p tcp -m tcp --dport 8080 -j NSNET-PUB-3"));
	strbuf_free(&o);
}

int main(void)
{
	RUN(test_vip_probabilities);
	RUN(test_vip_affinity);
	RUN(test_vip_del_mirrors_add);
	RUN(test_network);
	RUN(test_port);
	return unit_done();
}
