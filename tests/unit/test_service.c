// SPDX-License-Identifier: MIT
// Unit tests for model/service: port, endpoint, backend and publish-spec parsers, keys and
// endpoint text (the JSON records: test_service_json.c).
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "model/service.h"
#include "fixtures.h"
#include "unit.h"

/* A refusal: -EINVAL, the code set, and exactly @want_msg_ on one line. */
#define CHECK_REFUSED(call, e_, want_msg_)                  \
	do {                                                \
		CHECK_EQ_INT((call), -EINVAL);              \
		CHECK_EQ_INT((e_).code, EINVAL);            \
		CHECK_EQ_STR((e_).msg, (want_msg_));        \
		CHECK(strchr((e_).msg, '\n') == NULL);      \
	} while (0)

TEST(test_proto_name)
{
	CHECK_EQ_STR(proto_name(IPPROTO_TCP), "tcp");
	CHECK_EQ_STR(proto_name(IPPROTO_UDP), "udp");
}

TEST(test_port_parse_valid)
{
	struct nsnet_err e = { 0 };
	uint16_t p = 0;

	CHECK_EQ_INT(port_parse("1", "port", &p, &e), 0);
	CHECK_EQ_INT(p, 1);
	CHECK_EQ_INT(port_parse("65535", "port", &p, &e), 0);
	CHECK_EQ_INT(p, 65535);
	CHECK_EQ_INT(port_parse("80", "port", &p, &e), 0);
	CHECK_EQ_INT(p, 80);
	CHECK_EQ_INT(port_parse("10000", "port", &p, NULL), 0);
	CHECK_EQ_INT(p, 10000);
}

TEST(test_port_parse_invalid)
{
	static const char *const bad[] = { "0", "65536", "abc", "", "-1", "+1", "08", "123456", "80 ", " 80",
					   "8o", "99999", "0x50", "1e3" };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct nsnet_err e = { 0 };
		char quoted[32];
		uint16_t p = 4242;

		CHECK_EQ_INT(port_parse(bad[i], "port", &p, &e), -EINVAL);
		CHECK_EQ_INT(e.code, EINVAL);
		/* The message names the value, quoted, so that "" and " 80" still read. */
		snprintf(quoted, sizeof(quoted), "'%s'", bad[i]);
		if (!CHECK(strstr(e.msg, quoted) != NULL))
			printf("#   input \"%s\": message \"%s\"\n", bad[i], e.msg);
		CHECK_EQ_INT(p, 4242);	/* untouched on failure */
	}

	{
		struct nsnet_err e = { 0 };
		uint16_t p;

		CHECK_REFUSED(port_parse("0", "port", &p, &e), e, "port '0': expected a port number from 1 to 65535");
		CHECK_REFUSED(port_parse("65536", "host port", &p, &e), e,
			      "host port '65536': expected a port number from 1 to 65535");
		CHECK_REFUSED(port_parse("", "port", &p, &e), e, "port '': expected a port number from 1 to 65535");
		CHECK_EQ_INT(port_parse("x", "port", &p, NULL), -EINVAL);
	}
}

TEST(test_endpoint_parse_valid)
{
	struct nsnet_err e = { 0 };
	struct nsnet_endpoint ep;
	uint8_t proto;

	proto = IPPROTO_UDP;
	CHECK_EQ_INT(endpoint_parse("10.100.100.100:8080/tcp", &ep, &proto, &e), 0);
	CHECK_ADDR(ep.addr, v4(10, 100, 100, 100));
	CHECK_EQ_INT(ep.port, 8080);
	CHECK_EQ_INT(proto, IPPROTO_TCP);

	/* No suffix: TCP, whatever the variable held before. */
	proto = IPPROTO_UDP;
	CHECK_EQ_INT(endpoint_parse("10.0.0.1:53", &ep, &proto, &e), 0);
	CHECK_ADDR(ep.addr, v4(10, 0, 0, 1));
	CHECK_EQ_INT(ep.port, 53);
	CHECK_EQ_INT(proto, IPPROTO_TCP);

	CHECK_EQ_INT(endpoint_parse("10.0.0.1:53/udp", &ep, &proto, &e), 0);
	CHECK_EQ_INT(ep.port, 53);
	CHECK_EQ_INT(proto, IPPROTO_UDP);

	proto = IPPROTO_TCP;
	CHECK_EQ_INT(endpoint_parse("[fd00::1]:80/udp", &ep, &proto, &e), 0);
	CHECK_ADDR(ep.addr, v6(0xfd00, 0, 0, 0, 0, 0, 0, 1));
	CHECK_EQ_INT(ep.port, 80);
	CHECK_EQ_INT(proto, IPPROTO_UDP);

	CHECK_EQ_INT(endpoint_parse("[::ffff:10.0.0.1]:65535", &ep, &proto, &e), 0);
	CHECK_ADDR(ep.addr, v6(0, 0, 0, 0, 0, 0xffff, 0x0a00, 0x0001));
	CHECK_EQ_INT(ep.port, 65535);
	CHECK_EQ_INT(proto, IPPROTO_TCP);

	/* Without a proto pointer, a plain ADDR:PORT is still fine. */
	CHECK_EQ_INT(endpoint_parse("192.168.1.2:1", &ep, NULL, &e), 0);
	CHECK_ADDR(ep.addr, v4(192, 168, 1, 2));
	CHECK_EQ_INT(ep.port, 1);
	CHECK_EQ_INT(endpoint_parse("[::1]:443", &ep, NULL, NULL), 0);
	CHECK_ADDR(ep.addr, v6(0, 0, 0, 0, 0, 0, 0, 1));
	CHECK_EQ_INT(ep.port, 443);
}

TEST(test_endpoint_parse_invalid)
{
	struct nsnet_err e = { 0 };
	struct nsnet_endpoint ep;
	uint8_t proto;
	char s[160];

	CHECK_REFUSED(endpoint_parse("10.0.0.1:80/sctp", &ep, &proto, &e), e,
		      "'10.0.0.1:80/sctp': unknown protocol 'sctp' (expected tcp or udp)");
	CHECK(strstr(e.msg, "unknown protocol") != NULL);
	CHECK_REFUSED(endpoint_parse("10.0.0.1:80/", &ep, &proto, &e), e,
		      "'10.0.0.1:80/': unknown protocol '' (expected tcp or udp)");
	CHECK_REFUSED(endpoint_parse("10.0.0.1:80/TCP", &ep, &proto, &e), e,
		      "'10.0.0.1:80/TCP': unknown protocol 'TCP' (expected tcp or udp)");
	CHECK_REFUSED(endpoint_parse("fd00::1:80", &ep, &proto, &e), e,
		      "'fd00::1:80': write IPv6 addresses in brackets, e.g. [fd00::1]:80");
	CHECK(strstr(e.msg, "brackets") != NULL);
	CHECK_REFUSED(endpoint_parse("10.0.0.300:80", &ep, &proto, &e), e,
		      "'10.0.0.300:80': '10.0.0.300' is not an IPv4 or IPv6 address");
	CHECK_REFUSED(endpoint_parse("10.0.0.1:80/tcp", &ep, NULL, &e), e,
		      "'10.0.0.1:80/tcp': no /PROTO expected here");
	CHECK_REFUSED(endpoint_parse("[fd00::1]:80/udp", &ep, NULL, &e), e,
		      "'[fd00::1]:80/udp': no /PROTO expected here");
	CHECK_REFUSED(endpoint_parse("10.0.0.1", &ep, &proto, &e), e, "'10.0.0.1': expected ADDRESS:PORT");
	CHECK_REFUSED(endpoint_parse("10.0.0.1:0", &ep, &proto, &e), e,
		      "port '0': expected a port number from 1 to 65535");
	CHECK_REFUSED(endpoint_parse("10.0.0.1:", &ep, &proto, &e), e,
		      "port '': expected a port number from 1 to 65535");
	CHECK_REFUSED(endpoint_parse(":80", &ep, &proto, &e), e, "':80': '' is not an IPv4 or IPv6 address");
	CHECK_REFUSED(endpoint_parse("http2:80", &ep, &proto, &e), e,
		      "'http2:80': 'http2' is not an IPv4 or IPv6 address");
	CHECK_REFUSED(endpoint_parse("[fd00::1]80", &ep, &proto, &e), e, "'[fd00::1]80': expected [IPV6]:PORT");
	CHECK_REFUSED(endpoint_parse("[fd00::1:80", &ep, &proto, &e), e, "'[fd00::1:80': expected [IPV6]:PORT");
	CHECK_REFUSED(endpoint_parse("[fd00::1]:", &ep, &proto, &e), e,
		      "port '': expected a port number from 1 to 65535");
	CHECK_REFUSED(endpoint_parse("[fe80::1%eth0]:80", &ep, &proto, &e), e,
		      "'[fe80::1%eth0]:80': 'fe80::1%eth0' is not an IPv4 or IPv6 address");
	CHECK_REFUSED(endpoint_parse("", &ep, &proto, &e), e, "'': expected 1 to 127 bytes");
	CHECK_EQ_INT(endpoint_parse("nope", &ep, &proto, NULL), -EINVAL);

	/* 127 bytes get parsed (and fail for what they are), 128 are refused up front. */
	memset(s, 'a', 127);
	s[127] = '\0';
	CHECK_EQ_INT(endpoint_parse(s, &ep, &proto, &e), -EINVAL);
	CHECK(strstr(e.msg, "expected ADDRESS:PORT") != NULL);
	memset(s, 'a', 128);
	s[128] = '\0';
	CHECK_EQ_INT(endpoint_parse(s, &ep, &proto, &e), -EINVAL);
	CHECK_EQ_STR(e.msg, "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa': expected 1 to 127 bytes");
}

TEST(test_backend_parse_valid)
{
	struct nsnet_err e = { 0 };
	struct nsnet_backend b;

	CHECK_EQ_INT(backend_parse("http2:8080", &b, &e), 0);
	CHECK_EQ_STR(b.ns, "http2");
	CHECK_EQ_INT(b.ep.addr.family, 0);
	CHECK_EQ_INT(b.ep.port, 8080);

	/* A previous NS:PORT must not leave its name behind. */
	CHECK_EQ_INT(backend_parse("10.0.0.2:8080", &b, &e), 0);
	CHECK_EQ_STR(b.ns, "");
	CHECK_ADDR(b.ep.addr, v4(10, 0, 0, 2));
	CHECK_EQ_INT(b.ep.port, 8080);

	CHECK_EQ_INT(backend_parse("[fd00::2]:80", &b, &e), 0);
	CHECK_EQ_STR(b.ns, "");
	CHECK_ADDR(b.ep.addr, v6(0xfd00, 0, 0, 0, 0, 0, 0, 2));
	CHECK_EQ_INT(b.ep.port, 80);

	CHECK_EQ_INT(backend_parse("web_1.a-b:65535", &b, NULL), 0);
	CHECK_EQ_STR(b.ns, "web_1.a-b");
	CHECK_EQ_INT(b.ep.addr.family, 0);
	CHECK_EQ_INT(b.ep.port, 65535);
}

TEST(test_backend_parse_invalid)
{
	struct nsnet_err e = { 0 };
	struct nsnet_backend b;

	CHECK_REFUSED(backend_parse("a b:80", &b, &e), e,
		      "backend 'a b:80' (expected NS:PORT or IP:PORT): namespace name 'a b': only letters, "
		      "digits, '_', '.' and '-' are allowed");
	CHECK_REFUSED(backend_parse("x:0", &b, &e), e,
		      "backend 'x:0': port '0': expected a port number from 1 to 65535");
	CHECK_REFUSED(backend_parse("10.0.0.2:65536", &b, &e), e,
		      "backend '10.0.0.2:65536': port '65536': expected a port number from 1 to 65535");
	CHECK_REFUSED(backend_parse("-x:80", &b, &e), e,
		      "backend '-x:80' (expected NS:PORT or IP:PORT): namespace name '-x': must not start with "
		      "'-' or '.'");
	CHECK_REFUSED(backend_parse(":80", &b, &e), e,
		      "backend ':80' (expected NS:PORT or IP:PORT): namespace name '': must not be empty (1-64 "
		      "bytes)");
	CHECK_REFUSED(backend_parse("[http2]:80", &b, &e), e, "backend '[http2]:80': 'http2' is not an IPv6 address");
	CHECK_REFUSED(backend_parse("fd00::2:80", &b, &e), e,
		      "'fd00::2:80': write IPv6 addresses in brackets, e.g. [fd00::1]:80");
	CHECK_REFUSED(backend_parse("http2", &b, &e), e, "'http2': expected ADDRESS:PORT");
	CHECK_REFUSED(backend_parse("", &b, &e), e, "'': expected 1 to 127 bytes");
	CHECK_EQ_INT(backend_parse("http2:80/tcp", &b, &e), -EINVAL);
	CHECK_EQ_INT(backend_parse("a b:80", &b, NULL), -EINVAL);
}

TEST(test_port_spec_parse_valid)
{
	struct nsnet_err e = { 0 };
	struct nsnet_port p;

	/* A host address left from an earlier parse must be cleared. */
	memset(&p, 0, sizeof(p));
	p.host_ip = v4(1, 2, 3, 4);
	p.proto = IPPROTO_UDP;
	CHECK_EQ_INT(port_spec_parse("8080:80", &p, &e), 0);
	CHECK_EQ_INT(p.host_ip.family, 0);
	CHECK_EQ_INT(p.host_port, 8080);
	CHECK_EQ_INT(p.port, 80);
	CHECK_EQ_INT(p.proto, IPPROTO_TCP);

	CHECK_EQ_INT(port_spec_parse("127.0.0.1:8080:80/udp", &p, &e), 0);
	CHECK_ADDR(p.host_ip, v4(127, 0, 0, 1));
	CHECK_EQ_INT(p.host_port, 8080);
	CHECK_EQ_INT(p.port, 80);
	CHECK_EQ_INT(p.proto, IPPROTO_UDP);

	CHECK_EQ_INT(port_spec_parse("[::1]:8080:80", &p, &e), 0);
	CHECK_ADDR(p.host_ip, v6(0, 0, 0, 0, 0, 0, 0, 1));
	CHECK_EQ_INT(p.host_port, 8080);
	CHECK_EQ_INT(p.port, 80);
	CHECK_EQ_INT(p.proto, IPPROTO_TCP);

	CHECK_EQ_INT(port_spec_parse("[fd00::1]:53:5353/udp", &p, NULL), 0);
	CHECK_ADDR(p.host_ip, v6(0xfd00, 0, 0, 0, 0, 0, 0, 1));
	CHECK_EQ_INT(p.host_port, 53);
	CHECK_EQ_INT(p.port, 5353);
	CHECK_EQ_INT(p.proto, IPPROTO_UDP);

	CHECK_EQ_INT(port_spec_parse("1:65535/tcp", &p, &e), 0);
	CHECK_EQ_INT(p.host_ip.family, 0);
	CHECK_EQ_INT(p.host_port, 1);
	CHECK_EQ_INT(p.port, 65535);
	CHECK_EQ_INT(p.proto, IPPROTO_TCP);
}

TEST(test_port_spec_parse_invalid)
{
	struct nsnet_err e = { 0 };
	struct nsnet_port p;

	memset(&p, 0, sizeof(p));
	CHECK_REFUSED(port_spec_parse("8080", &p, &e), e, "'8080': expected [HOSTIP:]HOSTPORT:PORT[/tcp|/udp]");
	CHECK_REFUSED(port_spec_parse("a:8080:80", &p, &e), e,
		      "'a:8080:80': 'a' is not an IPv4 address (IPv6 in brackets)");
	CHECK_REFUSED(port_spec_parse("8080:0", &p, &e), e,
		      "'8080:0': port '0': expected a port number from 1 to 65535");
	CHECK_REFUSED(port_spec_parse("0:80", &p, &e), e,
		      "'0:80': host port '0': expected a port number from 1 to 65535");
	CHECK_REFUSED(port_spec_parse("70000:80", &p, &e), e,
		      "'70000:80': host port '70000': expected a port number from 1 to 65535");
	CHECK_REFUSED(port_spec_parse(":80", &p, &e), e,
		      "':80': host port '': expected a port number from 1 to 65535");
	CHECK_REFUSED(port_spec_parse("::1:8080:80", &p, &e), e,
		      "'::1:8080:80': '::1' is not an IPv4 address (IPv6 in brackets)");
	CHECK_REFUSED(port_spec_parse("[::1]:80", &p, &e), e, "'[::1]:80': expected [IPV6]:HOSTPORT:PORT");
	CHECK_REFUSED(port_spec_parse("[10.0.0.1]:8080:80", &p, &e), e,
		      "'[10.0.0.1]:8080:80': '10.0.0.1' is not an IPv6 address");
	CHECK_REFUSED(port_spec_parse("8080:80/sctp", &p, &e), e,
		      "'8080:80/sctp': unknown protocol 'sctp' (expected tcp or udp)");
	CHECK_REFUSED(port_spec_parse("10.0.0.300:8080:80", &p, &e), e,
		      "'10.0.0.300:8080:80': '10.0.0.300' is not an IPv4 address (IPv6 in brackets)");
	CHECK_REFUSED(port_spec_parse("", &p, &e), e, "'': expected 1 to 127 bytes");
	CHECK_EQ_INT(port_spec_parse("x", &p, NULL), -EINVAL);
}

TEST(test_keys)
{
	struct nsnet_endpoint ep = ep_of(v4(10, 1, 2, 3), 80);
	struct nsnet_addr any = { 0 };
	struct nsnet_vip v;
	struct nsnet_port p;
	char k[NSNET_KEY_MAX];

	vip_key_of(IPPROTO_TCP, &ep, k);
	CHECK_EQ_STR(k, "tcp-10.1.2.3-80");
	ep = ep_of(v6(0xfd00, 0, 0, 0, 0, 0, 0, 1), 53);
	vip_key_of(IPPROTO_UDP, &ep, k);
	CHECK_EQ_STR(k, "udp-fd00__1-53");
	ep = ep_of(v6(0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff), 65535);
	vip_key_of(IPPROTO_TCP, &ep, k);
	CHECK_EQ_STR(k, "tcp-ffff_ffff_ffff_ffff_ffff_ffff_ffff_ffff-65535");

	memset(&v, 0, sizeof(v));
	v.vip = ep_of(v4(10, 100, 0, 1), 443);
	v.proto = IPPROTO_TCP;
	vip_key(&v, k);
	CHECK_EQ_STR(k, "tcp-10.100.0.1-443");

	port_key_of(IPPROTO_UDP, &any, 53, k);
	CHECK_EQ_STR(k, "udp-any-53");
	memset(&p, 0, sizeof(p));
	p.host_ip = v4(127, 0, 0, 1);
	p.host_port = 8080;
	p.port = 80;
	p.proto = IPPROTO_TCP;
	port_key(&p, k);
	CHECK_EQ_STR(k, "tcp-127.0.0.1-8080");
	p.host_ip = v6(0, 0, 0, 0, 0, 0, 0, 1);
	p.proto = IPPROTO_UDP;
	port_key(&p, k);
	CHECK_EQ_STR(k, "udp-__1-8080");
}

TEST(test_endpoint_str)
{
	struct nsnet_endpoint ep = ep_of(v6(0xfd00, 0, 0, 0, 0, 0, 0, 1), 80);
	char buf[NSNET_KEY_MAX];

	CHECK_EQ_STR(endpoint_str(&ep, buf), "[fd00::1]:80");
	CHECK(endpoint_str(&ep, buf) == buf);
	ep = ep_of(v4(10, 0, 0, 1), 8080);
	CHECK_EQ_STR(endpoint_str(&ep, buf), "10.0.0.1:8080");
	ep = ep_of(v6(0, 0, 0, 0, 0, 0xffff, 0x0a00, 0x0001), 65535);
	CHECK_EQ_STR(endpoint_str(&ep, buf), "[::ffff:10.0.0.1]:65535");
}

/* Issue 18, item 2: backends that are no namespace's or host's service are refused (not malformed). */
TEST(test_backend_parse_special)
{
	static const char *const bad[] = { "127.0.0.1:9999", "0.0.0.0:80", "224.0.0.1:80", "255.255.255.255:80",
					   "[::1]:80", "[::]:80", "[ff02::1]:80", "[::ffff:127.0.0.1]:80",
					   "169.254.169.254:80", "240.0.0.1:80" };
	struct nsnet_backend b;
	struct nsnet_err e = { 0 };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_EQ_INT(backend_parse(bad[i], &b, NULL), -EADDRNOTAVAIL);
	CHECK_EQ_INT(backend_parse("127.0.0.1:9999", &b, &e), -EADDRNOTAVAIL);
	CHECK_EQ_STR(e.msg, "backend '127.0.0.1:9999': 127.0.0.1 is loopback: a backend must be a unicast address of a namespace or another host");
	CHECK_EQ_INT(backend_parse("10.0.0.2:80", &b, NULL), 0);
}

/* Issue 18, item 10: 0.0.0.0 and [::] as the host address mean every address, as none does. */
TEST(test_port_spec_unspecified)
{
	struct nsnet_port p;
	char k[NSNET_KEY_MAX];

	CHECK_EQ_INT(port_spec_parse("0.0.0.0:8082:80", &p, NULL), 0);
	CHECK_EQ_INT(p.host_ip.family, 0);
	port_key(&p, k);
	CHECK_EQ_STR(k, "tcp-any-8082");
	CHECK_EQ_INT(port_spec_parse("[::]:8082:80/udp", &p, NULL), 0);
	CHECK_EQ_INT(p.host_ip.family, 0);
}

int main(void)
{
	RUN(test_proto_name);
	RUN(test_port_parse_valid);
	RUN(test_port_parse_invalid);
	RUN(test_endpoint_parse_valid);
	RUN(test_endpoint_parse_invalid);
	RUN(test_backend_parse_valid);
	RUN(test_backend_parse_invalid);
	RUN(test_port_spec_parse_valid);
	RUN(test_port_spec_parse_invalid);
	RUN(test_keys);
	RUN(test_endpoint_str);
	RUN(test_backend_parse_special);
	RUN(test_port_spec_unspecified);
	return unit_done();
}
