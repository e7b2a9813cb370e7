// SPDX-License-Identifier: MIT
// Unit tests for util/inet: parsing, formatting, containment and host-number arithmetic.
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "fixtures.h"
#include "unit.h"
#include "util/inet.h"

/* The prefix form of ADDR() (fixtures.h). */
#define PFX(x) (&(struct nsnet_prefix[]){ x }[0])

/* Parse @in as a subnet, expect -EINVAL with exactly @msg, and @out left untouched. */
#define CHECK_PREFIX_ERR(in, want_msg_)                                       \
	do {                                                                  \
		struct nsnet_err e_ = { 0 };                                  \
		struct nsnet_prefix p_ = pfx(v4(1, 2, 3, 4), 7);              \
		CHECK_EQ_INT(nsnet_prefix_parse((in), &p_, &e_), -EINVAL);    \
		CHECK_EQ_INT(e_.code, EINVAL);                                \
		CHECK_EQ_STR(e_.msg, (want_msg_));                            \
		CHECK(p_.len == 7 && p_.addr.b[0] == 1 && p_.addr.b[3] == 4); \
	} while (0)

TEST(test_family_sizes)
{
	CHECK_EQ_INT(nsnet_addr_len(AF_INET), 4);
	CHECK_EQ_INT(nsnet_addr_len(AF_INET6), 16);
	CHECK_EQ_INT(nsnet_addr_len(0), 0);
	CHECK_EQ_INT(nsnet_family_bits(AF_INET), 32);
	CHECK_EQ_INT(nsnet_family_bits(AF_INET6), 128);
	CHECK_EQ_INT(nsnet_family_bits(AF_UNIX), 0);
}

TEST(test_addr_parse_valid)
{
	struct nsnet_err e = { 0 };
	struct nsnet_addr a;

	CHECK_EQ_INT(nsnet_addr_parse("10.0.0.1", &a, &e), 0);
	CHECK_ADDR(a, v4(10, 0, 0, 1));
	CHECK_EQ_INT(nsnet_addr_parse("255.255.255.255", &a, &e), 0);
	CHECK_ADDR(a, v4(255, 255, 255, 255));
	CHECK_EQ_INT(nsnet_addr_parse("fd00::1", &a, &e), 0);
	CHECK_ADDR(a, v6(0xfd00, 0, 0, 0, 0, 0, 0, 1));
	CHECK_EQ_INT(nsnet_addr_parse("::", &a, &e), 0);
	CHECK_ADDR(a, v6(0, 0, 0, 0, 0, 0, 0, 0));
	CHECK_EQ_INT(nsnet_addr_parse("::ffff:10.0.0.1", &a, &e), 0);
	CHECK_ADDR(a, v6(0, 0, 0, 0, 0, 0xffff, 0x0a00, 0x0001));
	/* 45 bytes, the longest literal there is: must not be refused as overlong. */
	CHECK_EQ_INT(nsnet_addr_parse("0000:0000:0000:0000:0000:ffff:255.255.255.255", &a, &e), 0);
	CHECK_ADDR(a, v6(0, 0, 0, 0, 0, 0xffff, 0xffff, 0xffff));
}

TEST(test_addr_parse_invalid)
{
	struct nsnet_err e = { 0 };
	struct nsnet_addr a;
	char big[1001], want[200];

	CHECK_EQ_INT(nsnet_addr_parse("10.0.0.300", &a, &e), -EINVAL);
	CHECK_EQ_INT(e.code, EINVAL);
	CHECK_EQ_STR(e.msg, "address 10.0.0.300: not an IPv4 or IPv6 address");
	CHECK_EQ_INT(nsnet_addr_parse("", &a, &e), -EINVAL);
	CHECK_EQ_STR(e.msg, "address '': not an IPv4 or IPv6 address");
	CHECK_EQ_INT(nsnet_addr_parse("10.0.0.1\n", &a, &e), -EINVAL);
	CHECK_EQ_STR(e.msg, "address 10.0.0.1\\x0a: not an IPv4 or IPv6 address");
	CHECK_EQ_INT(nsnet_addr_parse("10.0.0.1/24", &a, &e), -EINVAL);
	CHECK_EQ_INT(nsnet_addr_parse("[::1]", &a, &e), -EINVAL);
	CHECK_EQ_INT(nsnet_addr_parse("fe80::1%eth0", &a, &e), -EINVAL);
	CHECK_EQ_INT(nsnet_addr_parse(" 10.0.0.1", &a, &e), -EINVAL);
	CHECK_EQ_INT(nsnet_addr_parse("010.0.0.1", &a, &e), -EINVAL);
	CHECK_EQ_INT(nsnet_addr_parse("10.0.0", &a, &e), -EINVAL);
	CHECK_EQ_INT(nsnet_addr_parse("fd00:::1", &a, &e), -EINVAL);
	CHECK_EQ_INT(nsnet_addr_parse(NULL, &a, NULL), -EINVAL);

	/* Overlong input is refused and the message shows only its first 64 bytes. */
	memset(big, '1', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK_EQ_INT(nsnet_addr_parse(big, &a, &e), -EINVAL);
	strcpy(want, "address ");
	memset(want + 8, '1', 64);
	strcpy(want + 72, "...: not an IPv4 or IPv6 address");
	CHECK_EQ_STR(e.msg, want);
}

TEST(test_prefix_parse_valid)
{
	struct nsnet_err e = { 0 };
	struct nsnet_prefix p;

	CHECK_EQ_INT(nsnet_prefix_parse("10.0.0.0/24", &p, &e), 0);
	CHECK_ADDR(p.addr, v4(10, 0, 0, 0));
	CHECK_EQ_INT(p.len, 24);
	CHECK_EQ_INT(nsnet_prefix_parse("10.0.0.1/32", &p, &e), 0);
	CHECK_ADDR(p.addr, v4(10, 0, 0, 1));
	CHECK_EQ_INT(p.len, 32);
	CHECK_EQ_INT(nsnet_prefix_parse("0.0.0.0/0", &p, &e), 0);
	CHECK_EQ_INT(p.len, 0);
	CHECK_EQ_INT(nsnet_prefix_parse("10.0.0.0/23", &p, &e), 0);
	CHECK_EQ_INT(p.len, 23);
	CHECK_EQ_INT(nsnet_prefix_parse("::/0", &p, &e), 0);
	CHECK_ADDR(p.addr, v6(0, 0, 0, 0, 0, 0, 0, 0));
	CHECK_EQ_INT(p.len, 0);
	CHECK_EQ_INT(nsnet_prefix_parse("fd00:1::/64", &p, &e), 0);
	CHECK_ADDR(p.addr, v6(0xfd00, 1, 0, 0, 0, 0, 0, 0));
	CHECK_EQ_INT(p.len, 64);
	CHECK_EQ_INT(nsnet_prefix_parse("fd00::1/128", &p, &e), 0);
	CHECK_EQ_INT(p.len, 128);
}

TEST(test_prefix_parse_invalid)
{
	CHECK_PREFIX_ERR("10.0.0.300/24", "subnet 10.0.0.300/24: '10.0.0.300' is not an IPv4 or IPv6 address");
	CHECK_PREFIX_ERR("10.0.0.0/33", "subnet 10.0.0.0/33: prefix length 33 is out of range for IPv4 (0-32)");
	CHECK_PREFIX_ERR("fd00::/129", "subnet fd00::/129: prefix length 129 is out of range for IPv6 (0-128)");
	CHECK_PREFIX_ERR("10.0.0.0/99999999999999999999",
			 "subnet 10.0.0.0/99999999999999999999: prefix length 99999999999999999999 is out "
			 "of range for IPv4 (0-32)");
	CHECK_PREFIX_ERR("10.0.0.5/24", "subnet 10.0.0.5/24: host bits are set; did you mean 10.0.0.0/24?");
	CHECK_PREFIX_ERR("10.0.1.0/23", "subnet 10.0.1.0/23: host bits are set; did you mean 10.0.0.0/23?");
	CHECK_PREFIX_ERR("fd00::1/64", "subnet fd00::1/64: host bits are set; did you mean fd00::/64?");
	CHECK_PREFIX_ERR("10.0.0.0", "subnet 10.0.0.0: expected ADDRESS/LENGTH, e.g. 10.0.0.0/24");
	CHECK_PREFIX_ERR("", "subnet '': expected ADDRESS/LENGTH, e.g. 10.0.0.0/24");
	CHECK_PREFIX_ERR("/", "subnet /: expected ADDRESS/LENGTH, e.g. 10.0.0.0/24");
	CHECK_PREFIX_ERR("/24", "subnet /24: expected ADDRESS/LENGTH, e.g. 10.0.0.0/24");
	CHECK_PREFIX_ERR("10.0.0.0/", "subnet 10.0.0.0/: expected ADDRESS/LENGTH, e.g. 10.0.0.0/24");
	CHECK_PREFIX_ERR("10.0.0.0/-1",
			 "subnet 10.0.0.0/-1: prefix length '-1' is not a decimal number (expected 0-32 for IPv4)");
	CHECK_PREFIX_ERR("10.0.0.0/24x",
			 "subnet 10.0.0.0/24x: prefix length '24x' is not a decimal number (expected 0-32 for IPv4)");
	CHECK_PREFIX_ERR("fd00::/+64",
			 "subnet fd00::/+64: prefix length '+64' is not a decimal number (expected 0-128 for IPv6)");
	CHECK_PREFIX_ERR("10.0.0.0/ 24",
			 "subnet 10.0.0.0/ 24: prefix length ' 24' is not a decimal number (expected 0-32 for IPv4)");
	CHECK_PREFIX_ERR("10.0.0.0/0x18",
			 "subnet 10.0.0.0/0x18: prefix length '0x18' is not a decimal number (expected 0-32 for IPv4)");
	/* ip(8) reads "010" as octal 8; refusing a leading zero avoids that ambiguity. */
	CHECK_PREFIX_ERR("10.0.0.0/024",
			 "subnet 10.0.0.0/024: prefix length '024' is not a decimal number (expected 0-32 for IPv4)");
	CHECK_PREFIX_ERR("10.0.0.0/24/8",
			 "subnet 10.0.0.0/24/8: prefix length '24/8' is not a decimal number (expected 0-32 for IPv4)");
	CHECK_PREFIX_ERR("10.0.0.0/24\n",
			 "subnet 10.0.0.0/24\\x0a: prefix length '24\\x0a' is not a decimal number (expected 0-32 "
			 "for IPv4)");
	CHECK_EQ_INT(nsnet_prefix_parse("nope", &(struct nsnet_prefix){ 0 }, NULL), -EINVAL);
}

TEST(test_format_round_trip)
{
	static const char *const addrs[] = { "10.0.0.1", "0.0.0.0", "fd00::1", "::", "2001:db8::ff00:42:8329",
					     "::ffff:10.0.0.1" };
	static const char *const pfxs[] = { "10.1.0.0/16", "0.0.0.0/0", "::/0", "fd00:1::/64", "fd00::1/128" };
	char buf[NSNET_PREFIX_STRLEN];
	struct nsnet_addr a;
	struct nsnet_prefix p;
	size_t i;

	for (i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		CHECK_EQ_INT(nsnet_addr_parse(addrs[i], &a, NULL), 0);
		CHECK_EQ_STR(nsnet_addr_str(&a, buf), addrs[i]);
	}
	for (i = 0; i < sizeof(pfxs) / sizeof(pfxs[0]); i++) {
		CHECK_EQ_INT(nsnet_prefix_parse(pfxs[i], &p, NULL), 0);
		CHECK_EQ_STR(nsnet_prefix_str(&p, buf), pfxs[i]);
	}
	/* Non-canonical input comes back canonical. */
	CHECK_EQ_INT(nsnet_addr_parse("FD00:0:0:0:0:0:0:0001", &a, NULL), 0);
	CHECK_EQ_STR(nsnet_addr_str(&a, buf), "fd00::1");
	a = v4(192, 168, 1, 254);
	CHECK_EQ_STR(nsnet_addr_str(&a, buf), "192.168.1.254");
	p = pfx(v6(0xfd00, 0, 0, 0, 0, 0, 0, 0), 48);
	CHECK_EQ_STR(nsnet_prefix_str(&p, buf), "fd00::/48");
	memset(&a, 0, sizeof(a));
	CHECK_EQ_STR(nsnet_addr_str(&a, buf), "(unset)");
}

TEST(test_equal_cmp)
{
	struct nsnet_addr a = v4(10, 0, 0, 1), b = v4(10, 0, 0, 2), c = v6(0, 0, 0, 0, 0, 0, 0x0a00, 1);
	struct nsnet_addr junk = a;

	CHECK(nsnet_addr_equal(&a, &a));
	CHECK(!nsnet_addr_equal(&a, &b));
	CHECK(!nsnet_addr_equal(&a, &c));	/* same low bytes, other family */
	CHECK(nsnet_addr_cmp(&a, &b) < 0);
	CHECK(nsnet_addr_cmp(&b, &a) > 0);
	CHECK(nsnet_addr_cmp(&a, &c) < 0);	/* AF_INET sorts before AF_INET6 */
	CHECK_EQ_INT(nsnet_addr_cmp(&a, &a), 0);
	junk.b[7] = 0x55;			/* bytes past an IPv4 address do not count */
	CHECK(nsnet_addr_equal(&a, &junk));
}

TEST(test_contains)
{
	struct nsnet_prefix p24 = pfx(v4(10, 0, 0, 0), 24), p23 = pfx(v4(10, 0, 0, 0), 23);
	struct nsnet_prefix any4 = pfx(v4(0, 0, 0, 0), 0), any6 = pfx(v6(0, 0, 0, 0, 0, 0, 0, 0), 0);
	struct nsnet_prefix p64 = pfx(v6(0xfd00, 0, 0, 0, 0, 0, 0, 0), 64);

	CHECK(nsnet_prefix_contains(&p24, ADDR(v4(10, 0, 0, 0))));
	CHECK(nsnet_prefix_contains(&p24, ADDR(v4(10, 0, 0, 255))));
	CHECK(!nsnet_prefix_contains(&p24, ADDR(v4(10, 0, 1, 0))));
	CHECK(!nsnet_prefix_contains(&p24, ADDR(v4(11, 0, 0, 1))));
	CHECK(nsnet_prefix_contains(&p23, ADDR(v4(10, 0, 1, 7))));
	CHECK(!nsnet_prefix_contains(&p23, ADDR(v4(10, 0, 2, 0))));
	CHECK(nsnet_prefix_contains(&any4, ADDR(v4(255, 1, 2, 3))));
	CHECK(!nsnet_prefix_contains(&any4, ADDR(v6(0, 0, 0, 0, 0, 0, 0, 1))));
	CHECK(!nsnet_prefix_contains(&any6, ADDR(v4(0, 0, 0, 0))));
	CHECK(!nsnet_prefix_contains(&p24, ADDR(v6(0x0a00, 0, 0, 0, 0, 0, 0, 1))));
	CHECK(nsnet_prefix_contains(&p64, ADDR(v6(0xfd00, 0, 0, 0, 0xffff, 0xffff, 0xffff, 0xffff))));
	CHECK(!nsnet_prefix_contains(&p64, ADDR(v6(0xfd00, 0, 0, 1, 0, 0, 0, 0))));
}

TEST(test_overlap)
{
	struct nsnet_prefix p8 = pfx(v4(10, 0, 0, 0), 8), p16 = pfx(v4(10, 1, 0, 0), 16);
	struct nsnet_prefix a24 = pfx(v4(10, 0, 0, 0), 24), b24 = pfx(v4(10, 0, 1, 0), 24);
	struct nsnet_prefix any4 = pfx(v4(0, 0, 0, 0), 0), any6 = pfx(v6(0, 0, 0, 0, 0, 0, 0, 0), 0);
	struct nsnet_prefix f48 = pfx(v6(0xfd00, 0, 0, 0, 0, 0, 0, 0), 48);
	struct nsnet_prefix f64 = pfx(v6(0xfd00, 0, 0, 1, 0, 0, 0, 0), 64);
	struct nsnet_prefix g64 = pfx(v6(0xfd00, 0, 1, 0, 0, 0, 0, 0), 64);

	CHECK(nsnet_prefix_overlap(&p8, &p16));
	CHECK(nsnet_prefix_overlap(&p16, &p8));
	CHECK(nsnet_prefix_overlap(&a24, &a24));
	CHECK(!nsnet_prefix_overlap(&a24, &b24));
	CHECK(!nsnet_prefix_overlap(&p16, &a24));
	CHECK(nsnet_prefix_overlap(&any4, &b24));
	CHECK(!nsnet_prefix_overlap(&any4, &any6));	/* cross-family never overlaps */
	CHECK(!nsnet_prefix_overlap(&any6, &a24));
	CHECK(nsnet_prefix_overlap(&f48, &f64));
	CHECK(!nsnet_prefix_overlap(&f48, &g64));
}

TEST(test_nth)
{
	struct nsnet_prefix p24 = pfx(v4(10, 0, 0, 0), 24), p32 = pfx(v4(10, 0, 0, 9), 32);
	struct nsnet_prefix any4 = pfx(v4(0, 0, 0, 0), 0), any6 = pfx(v6(0, 0, 0, 0, 0, 0, 0, 0), 0);
	struct nsnet_prefix p64 = pfx(v6(0xfd00, 0, 0, 7, 0, 0, 0, 0), 64);
	struct nsnet_prefix p65 = pfx(v6(0xfd00, 0, 0, 0, 0, 0, 0, 0), 65);
	struct nsnet_prefix p120 = pfx(v6(0xfd00, 0, 0, 0, 0, 0, 0, 0), 120);
	struct nsnet_addr a = v4(1, 1, 1, 1);

	CHECK_EQ_INT(nsnet_prefix_nth(&p24, 0, &a), 0);
	CHECK_ADDR(a, v4(10, 0, 0, 0));
	CHECK_EQ_INT(nsnet_prefix_nth(&p24, 1, &a), 0);
	CHECK_ADDR(a, v4(10, 0, 0, 1));
	CHECK_EQ_INT(nsnet_prefix_nth(&p24, 255, &a), 0);
	CHECK_ADDR(a, v4(10, 0, 0, 255));
	CHECK_EQ_INT(nsnet_prefix_nth(&p24, 256, &a), -ERANGE);
	CHECK_ADDR(a, v4(10, 0, 0, 255));	/* untouched on error */
	CHECK_EQ_INT(nsnet_prefix_nth(&p24, UINT64_MAX, &a), -ERANGE);
	CHECK_EQ_INT(nsnet_prefix_nth(&p32, 0, &a), 0);
	CHECK_ADDR(a, v4(10, 0, 0, 9));
	CHECK_EQ_INT(nsnet_prefix_nth(&p32, 1, &a), -ERANGE);
	CHECK_EQ_INT(nsnet_prefix_nth(&any4, 0xffffffffu, &a), 0);
	CHECK_ADDR(a, v4(255, 255, 255, 255));
	CHECK_EQ_INT(nsnet_prefix_nth(&any4, 0x100000000ull, &a), -ERANGE);
	CHECK_EQ_INT(nsnet_prefix_nth(&p64, 0x0102030405060708ull, &a), 0);
	CHECK_ADDR(a, v6(0xfd00, 0, 0, 7, 0x0102, 0x0304, 0x0506, 0x0708));
	CHECK_EQ_INT(nsnet_prefix_nth(&p64, UINT64_MAX, &a), 0);
	CHECK_ADDR(a, v6(0xfd00, 0, 0, 7, 0xffff, 0xffff, 0xffff, 0xffff));
	CHECK_EQ_INT(nsnet_prefix_nth(&any6, UINT64_MAX, &a), 0);
	CHECK_ADDR(a, v6(0, 0, 0, 0, 0xffff, 0xffff, 0xffff, 0xffff));
	/* /65 has 63 host bits: the largest prefix whose size still fits the range check's shift. */
	CHECK_EQ_INT(nsnet_prefix_nth(&p65, 0x7fffffffffffffffull, &a), 0);
	CHECK_ADDR(a, v6(0xfd00, 0, 0, 0, 0x7fff, 0xffff, 0xffff, 0xffff));
	CHECK_EQ_INT(nsnet_prefix_nth(&p65, 0x8000000000000000ull, &a), -ERANGE);
	CHECK_EQ_INT(nsnet_prefix_nth(&p120, 255, &a), 0);
	CHECK_ADDR(a, v6(0xfd00, 0, 0, 0, 0, 0, 0, 0xff));
	CHECK_EQ_INT(nsnet_prefix_nth(&p120, 256, &a), -ERANGE);
}

TEST(test_hosts)
{
	struct nsnet_addr z4 = v4(10, 0, 0, 0), z6 = v6(0xfd00, 0, 0, 0, 0, 0, 0, 0);

	CHECK_EQ_INT(nsnet_prefix_hosts(PFX(pfx(z4, 24))), 254);
	CHECK_EQ_INT(nsnet_prefix_hosts(PFX(pfx(z4, 30))), 2);
	CHECK_EQ_INT(nsnet_prefix_hosts(PFX(pfx(z4, 31))), 2);
	CHECK_EQ_INT(nsnet_prefix_hosts(PFX(pfx(z4, 32))), 1);
	CHECK_EQ_INT(nsnet_prefix_hosts(PFX(pfx(v4(0, 0, 0, 0), 0))), 4294967294ll);
	CHECK_EQ_INT(nsnet_prefix_hosts(PFX(pfx(z6, 120))), 255);
	CHECK_EQ_INT(nsnet_prefix_hosts(PFX(pfx(z6, 126))), 3);
	CHECK_EQ_INT(nsnet_prefix_hosts(PFX(pfx(z6, 127))), 2);	/* RFC 6164: both usable */
	CHECK_EQ_INT(nsnet_prefix_hosts(PFX(pfx(z6, 128))), 1);
	CHECK_EQ_INT(nsnet_prefix_hosts(PFX(pfx(z6, 66))), 4611686018427387903ll);	/* 2^62 - 1 */
	/* 2^63 - 1 would be exact for /65; /64 and larger are capped there too. */
	CHECK_EQ_INT(nsnet_prefix_hosts(PFX(pfx(z6, 65))), 9223372036854775807ll);
	CHECK_EQ_INT(nsnet_prefix_hosts(PFX(pfx(z6, 64))), 9223372036854775807ll);
	CHECK_EQ_INT(nsnet_prefix_hosts(PFX(pfx(v6(0, 0, 0, 0, 0, 0, 0, 0), 0))), 9223372036854775807ll);
}

TEST(test_is_host)
{
	struct nsnet_prefix p24 = pfx(v4(10, 0, 0, 0), 24), p31 = pfx(v4(10, 0, 0, 0), 31);
	struct nsnet_prefix p32 = pfx(v4(10, 0, 0, 1), 32), p64 = pfx(v6(0xfd00, 0, 0, 0, 0, 0, 0, 0), 64);
	struct nsnet_prefix p126 = pfx(v6(0xfd00, 0, 0, 0, 0, 0, 0, 0), 126);
	struct nsnet_prefix p127 = pfx(v6(0xfd00, 0, 0, 0, 0, 0, 0, 0), 127);

	CHECK(!nsnet_prefix_is_host(&p24, ADDR(v4(10, 0, 0, 0))));
	CHECK(!nsnet_prefix_is_host(&p24, ADDR(v4(10, 0, 0, 255))));
	CHECK(nsnet_prefix_is_host(&p24, ADDR(v4(10, 0, 0, 1))));
	CHECK(nsnet_prefix_is_host(&p24, ADDR(v4(10, 0, 0, 254))));
	CHECK(!nsnet_prefix_is_host(&p24, ADDR(v4(10, 0, 1, 1))));
	CHECK(!nsnet_prefix_is_host(&p24, ADDR(v6(0x0a00, 0, 0, 0, 0, 0, 0, 1))));
	CHECK(nsnet_prefix_is_host(&p31, ADDR(v4(10, 0, 0, 0))));
	CHECK(nsnet_prefix_is_host(&p31, ADDR(v4(10, 0, 0, 1))));
	CHECK(nsnet_prefix_is_host(&p32, ADDR(v4(10, 0, 0, 1))));
	CHECK(!nsnet_prefix_is_host(&p32, ADDR(v4(10, 0, 0, 2))));
	CHECK(!nsnet_prefix_is_host(&p64, ADDR(v6(0xfd00, 0, 0, 0, 0, 0, 0, 0))));
	CHECK(nsnet_prefix_is_host(&p64, ADDR(v6(0xfd00, 0, 0, 0, 0xffff, 0xffff, 0xffff, 0xffff))));
	CHECK(!nsnet_prefix_is_host(&p126, ADDR(v6(0xfd00, 0, 0, 0, 0, 0, 0, 0))));
	CHECK(nsnet_prefix_is_host(&p126, ADDR(v6(0xfd00, 0, 0, 0, 0, 0, 0, 3))));	/* no broadcast */
	CHECK(nsnet_prefix_is_host(&p127, ADDR(v6(0xfd00, 0, 0, 0, 0, 0, 0, 0))));
}

static const char *special_of(const char *s)
{
	struct nsnet_addr a;

	if (nsnet_addr_parse(s, &a, NULL) < 0)
		return "(unparsable)";
	return nsnet_addr_special(&a) ? nsnet_addr_special(&a) : "";
}

/* Issue 18, items 2 and 10: what kind of address each special one is. */
TEST(test_addr_special)
{
	CHECK_EQ_STR(special_of("10.0.0.1"), "");
	CHECK_EQ_STR(special_of("192.0.2.53"), "");
	CHECK_EQ_STR(special_of("fd00::1"), "");
	CHECK_EQ_STR(special_of("2001:db8::1"), "");
	CHECK_EQ_STR(special_of("0.0.0.0"), "unspecified");
	CHECK_EQ_STR(special_of("::"), "unspecified");
	CHECK_EQ_STR(special_of("127.0.0.1"), "loopback");
	CHECK_EQ_STR(special_of("127.255.0.9"), "loopback");
	CHECK_EQ_STR(special_of("::1"), "loopback");
	CHECK_EQ_STR(special_of("224.0.0.1"), "multicast");
	CHECK_EQ_STR(special_of("239.1.2.3"), "multicast");
	CHECK_EQ_STR(special_of("ff02::1"), "multicast");
	CHECK_EQ_STR(special_of("255.255.255.255"), "broadcast");
	CHECK_EQ_STR(special_of("240.0.0.1"), "reserved");
	CHECK_EQ_STR(special_of("169.254.169.254"), "link-local");
	CHECK_EQ_STR(special_of("fe80::1"), "link-local");
	CHECK_EQ_STR(special_of("::ffff:127.0.0.1"), "IPv4-mapped");
	CHECK_EQ_STR(special_of("0.1.2.3"), "'this network'");
}

static int subnet_check(const char *s, char *msg, size_t len)
{
	struct nsnet_prefix p;
	struct nsnet_err e = { 0 };
	int r;

	if (nsnet_prefix_parse(s, &p, NULL) < 0)
		return -1000;
	r = nsnet_subnet_check(&p, &e);
	snprintf(msg, len, "%s", e.msg);
	return r;
}

/* Issue 18, item 10: subnets that cannot be a network, each with its reason. */
TEST(test_subnet_check)
{
	static const char *const ok[] = { "10.0.0.0/24", "192.168.7.0/24", "100.64.0.0/10", "fd00:10::/64",
					   "2001:db8::/64", "10.0.0.0/8", "223.255.255.0/24", "1.0.0.0/8" };
	static const struct {
		const char *subnet, *msg;
	} bad[] = {
		{ "0.0.0.0/0", "subnet 0.0.0.0/0 is the default route (every address): not usable for a network" },
		{ "::/0", "subnet ::/0 is the default route (every address): not usable for a network" },
		{ "127.0.0.0/8", "subnet 127.0.0.0/8 is in the loopback range 127.0.0.0/8: not usable for a network" },
		{ "169.254.0.0/16", "subnet 169.254.0.0/16 is in the link-local range 169.254.0.0/16: not usable for a network" },
		{ "224.0.0.0/24", "subnet 224.0.0.0/24 is in the multicast range 224.0.0.0/4: not usable for a network" },
		{ "240.0.0.0/4", "subnet 240.0.0.0/4 is in the reserved range 240.0.0.0/4: not usable for a network" },
		{ "0.0.0.0/8", "subnet 0.0.0.0/8 is in the 'this network' range 0.0.0.0/8: not usable for a network" },
		{ "64.0.0.0/2", "subnet 64.0.0.0/2 overlaps the loopback range 127.0.0.0/8: not usable for a network" },
		{ "fe80::/64", "subnet fe80::/64 is in the link-local range fe80::/10: not usable for a network" },
		{ "ff00::/64", "subnet ff00::/64 is in the multicast range ff00::/8: not usable for a network" },
		{ "ff00::/8", "subnet ff00::/8 is in the multicast range ff00::/8: not usable for a network" },
		{ "::ffff:10.9.0.0/120", "subnet ::ffff:10.9.0.0/120 is in the IPv4-mapped range ::ffff:0:0/96: not usable for a network" },
		{ "::/64", "subnet ::/64 holds the unspecified address ::: not usable for a network" },
	};
	char msg[NSNET_ERR_MSG_MAX];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		CHECK_EQ_INT(subnet_check(ok[i], msg, sizeof(msg)), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_EQ_INT(subnet_check(bad[i].subnet, msg, sizeof(msg)), -EADDRNOTAVAIL);
		CHECK_EQ_STR(msg, bad[i].msg);
	}
}

/* Issue 18, messages: values are escaped and cut once, in the error layer. */
TEST(test_err_safe)
{
	struct nsnet_err e = { 0 };
	char big[5000];

	nsnet_err_set(&e, EINVAL, "dns '%s': bad", "1.2.3.4\n\x1b[31mred");
	CHECK_EQ_STR(e.msg, "dns '1.2.3.4\\x0a\\x1b[31mred': bad");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	nsnet_err_set(&e, EINVAL, "state dir %s: x", big);
	CHECK_EQ_INT(strlen(e.msg), strlen("state dir : x") + NSNET_ERR_VALUE_MAX + 3);
	CHECK(strstr(e.msg, "a\xe2\x80\xa6: x") != NULL);
	/* An explicit precision is the caller's cut; numbers, padding, %c and %% as printf. */
	nsnet_err_set(&e, EINVAL, "%.3s|%02x|%-4d|%5u|%zu|%lld|%c|%%|%.*s", "abcdef", 10, -7, 42u, (size_t)3,
		      -5LL, '\t', 2, "xyz");
	CHECK_EQ_STR(e.msg, "abc|0a|-7  |   42|3|-5|\\x09|%|xy");
	/* Well-formed UTF-8 stays; malformed bytes and C1 controls are escaped. */
	nsnet_err_set(&e, EINVAL, "%s", "caf\xc3\xa9 \xff \xc2\x9b");
	CHECK_EQ_STR(e.msg, "caf\xc3\xa9 \\xff \\xc2\\x9b");
	nsnet_err_set(&e, EINVAL, "x");
	nsnet_err_prefix(&e, "ctx %s", "a\rb");
	CHECK_EQ_STR(e.msg, "ctx a\\x0db: x");
}

int main(void)
{
	RUN(test_family_sizes);
	RUN(test_addr_parse_valid);
	RUN(test_addr_parse_invalid);
	RUN(test_prefix_parse_valid);
	RUN(test_prefix_parse_invalid);
	RUN(test_format_round_trip);
	RUN(test_equal_cmp);
	RUN(test_contains);
	RUN(test_overlap);
	RUN(test_nth);
	RUN(test_hosts);
	RUN(test_is_host);
	RUN(test_addr_special);
	RUN(test_subnet_check);
	RUN(test_err_safe);
	return unit_done();
}
