// SPDX-License-Identifier: MIT
// Unit tests for the destination parser of nsnet trace (core/trace.c: trace_dst_parse).
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "core/trace.h"
#include "unit.h"

/* Parse @s; check the result's host, port and protocol. */
static void check_dst(const char *s, const char *host, uint16_t port, uint8_t proto)
{
	struct trace_req req = { 0 };
	struct nsnet_err e = { 0 };
	char buf[128];

	CHECK_EQ_INT(trace_dst_parse(s, buf, sizeof(buf), &req, &e), 0);
	CHECK_EQ_STR(req.dst, host);
	CHECK_EQ_INT(req.port, port);
	CHECK_EQ_INT(req.proto, proto);
}

static void check_bad(const char *s, const char *msg)
{
	struct trace_req req = { 0 };
	struct nsnet_err e = { 0 };
	char buf[128];

	CHECK_EQ_INT(trace_dst_parse(s, buf, sizeof(buf), &req, &e), -EINVAL);
	CHECK_EQ_STR(e.msg, msg);
}

TEST(test_dst_valid)
{
	check_dst("b", "b", 0, IPPROTO_ICMP);
	check_dst("b:8080", "b", 8080, IPPROTO_TCP);
	check_dst("b:53/udp", "b", 53, IPPROTO_UDP);
	check_dst("10.0.0.13", "10.0.0.13", 0, IPPROTO_ICMP);
	check_dst("10.0.0.13/icmp", "10.0.0.13", 0, IPPROTO_ICMP);
	check_dst("10.100.100.100:80/tcp", "10.100.100.100", 80, IPPROTO_TCP);
	check_dst("fd00:10::3", "fd00:10::3", 0, IPPROTO_ICMP);
	check_dst("[fd00:10::3]:8080", "fd00:10::3", 8080, IPPROTO_TCP);
	check_dst("[fd00:10::3]", "fd00:10::3", 0, IPPROTO_ICMP);
}

TEST(test_dst_invalid)
{
	check_bad("", "destination : expected NAME, ADDRESS or ADDRESS:PORT[/tcp|/udp|/icmp]");
	check_bad("b:0", "destination b:0: port 0: expected 1-65535");
	check_bad("b:65536", "destination b:65536: port 65536: expected 1-65535");
	check_bad("b:", "destination b:: port : expected 1-65535");
	check_bad("b:80/sctp", "destination b:80/sctp: protocol sctp: expected tcp, udp or icmp");
	check_bad("b:80/icmp", "destination b:80/icmp: ICMP has no port");
	check_bad("b/tcp", "destination b/tcp: tcp needs a port (DST:PORT/tcp)");
	check_bad("[fd00::1", "destination [fd00::1: expected [IPV6]:PORT");
	check_bad(":80", "destination :80: expected NAME, ADDRESS or ADDRESS:PORT");
}

int main(void)
{
	RUN(test_dst_valid);
	RUN(test_dst_invalid);
	return unit_done();
}
