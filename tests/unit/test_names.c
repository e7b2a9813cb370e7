// SPDX-License-Identifier: MIT
// Unit tests for util/names: name validation and the derived bridge and veth names.
#include <errno.h>
#include <string.h>

#include "unit.h"
#include "util/names.h"

/* @what name @name must be refused with -EINVAL and exactly @msg, on one line. */
#define CHECK_NAME_ERR(what, name, want_msg_)                            \
	do {                                                             \
		struct nsnet_err e_ = { 0 };                             \
		CHECK_EQ_INT(names_check((what), (name), &e_), -EINVAL); \
		CHECK_EQ_INT(e_.code, EINVAL);                           \
		CHECK_EQ_STR(e_.msg, (want_msg_));                       \
		CHECK(strchr(e_.msg, '\n') == NULL);                     \
	} while (0)

#define CHECK_IFNAME_ERR(name, want_msg_)                               \
	do {                                                            \
		struct nsnet_err e_ = { 0 };                            \
		CHECK_EQ_INT(names_check_ifname((name), &e_), -EINVAL); \
		CHECK_EQ_INT(e_.code, EINVAL);                          \
		CHECK_EQ_STR(e_.msg, (want_msg_));                      \
	} while (0)

TEST(test_names_check_accepts)
{
	char max[NSNET_NAME_MAX + 1];

	CHECK_EQ_INT(names_check("network", "lan", NULL), 0);
	CHECK_EQ_INT(names_check("network", "a", NULL), 0);
	CHECK_EQ_INT(names_check("namespace", "web-1", NULL), 0);
	CHECK_EQ_INT(names_check("namespace", "My_ns.2", NULL), 0);
	CHECK_EQ_INT(names_check("namespace", "0", NULL), 0);
	CHECK_EQ_INT(names_check("namespace", "a..b-", NULL), 0);
	memset(max, 'x', NSNET_NAME_MAX);
	max[NSNET_NAME_MAX] = '\0';
	CHECK_EQ_INT(strlen(max), 64);
	CHECK_EQ_INT(names_check("namespace", max, NULL), 0);
	/* A C string cannot carry a NUL: the name ends there, and what follows is never seen. */
	CHECK_EQ_INT(names_check("namespace", "ab\0/ x", NULL), 0);
}

TEST(test_names_check_rejects)
{
	char big[NSNET_NAME_MAX + 2], want[128];

	memset(big, 'x', NSNET_NAME_MAX + 1);
	big[NSNET_NAME_MAX + 1] = '\0';
	CHECK_EQ_INT(strlen(big), 65);
	strcpy(want, "namespace name '");
	memset(want + 16, 'x', 64);
	strcpy(want + 80, "...': longer than 64 bytes");
	CHECK_NAME_ERR("namespace", big, want);

	CHECK_NAME_ERR("namespace", "", "namespace name '': must not be empty (1-64 bytes)");
	CHECK_EQ_INT(names_check("network", NULL, NULL), -EINVAL);
	CHECK_NAME_ERR("namespace", "a b", "namespace name 'a b': only letters, digits, '_', '.' and '-' are allowed");
	CHECK_NAME_ERR("network", "a/b", "network name 'a/b': only letters, digits, '_', '.' and '-' are allowed");
	CHECK_NAME_ERR("network", "a:b", "network name 'a:b': only letters, digits, '_', '.' and '-' are allowed");
	CHECK_NAME_ERR("network", "caf\xc3\xa9",
		       "network name 'caf\\xc3\\xa9': only letters, digits, '_', '.' and '-' are allowed");
	CHECK_NAME_ERR("namespace", "a\nb",
		       "namespace name 'a\\x0ab': only letters, digits, '_', '.' and '-' are allowed");
	CHECK_NAME_ERR("network", "-x", "network name '-x': must not start with '-' or '.'");
	CHECK_NAME_ERR("network", ".x", "network name '.x': must not start with '-' or '.'");
	CHECK_NAME_ERR("namespace", ".", "namespace name '.': must not start with '-' or '.'");
	CHECK_NAME_ERR("namespace", "..", "namespace name '..': must not start with '-' or '.'");
}

TEST(test_names_check_ifname)
{
	CHECK_EQ_INT(names_check_ifname("eth0", NULL), 0);
	CHECK_EQ_INT(names_check_ifname("nsnet-lan", NULL), 0);
	CHECK_EQ_INT(names_check_ifname("abcdefghijklmno", NULL), 0);	/* 15 bytes */
	CHECK_EQ_INT(names_check_ifname("...", NULL), 0);		/* the kernel takes it */
	CHECK_EQ_INT(names_check_ifname("a.b-c_d@e", NULL), 0);
	CHECK_IFNAME_ERR("abcdefghijklmnop", "interface name 'abcdefghijklmnop': longer than 15 bytes");
	CHECK_IFNAME_ERR("", "interface name '': must not be empty (1-15 bytes)");
	CHECK_IFNAME_ERR(".", "interface name '.': must not be '.' or '..'");
	CHECK_IFNAME_ERR("..", "interface name '..': must not be '.' or '..'");
	CHECK_IFNAME_ERR("a/b", "interface name 'a/b': must not contain '/', ':' or whitespace");
	CHECK_IFNAME_ERR("eth0:1", "interface name 'eth0:1': must not contain '/', ':' or whitespace");
	CHECK_IFNAME_ERR("a b", "interface name 'a b': must not contain '/', ':' or whitespace");
	CHECK_IFNAME_ERR("a\tb", "interface name 'a\\x09b': must not contain '/', ':' or whitespace");
	CHECK_IFNAME_ERR("a\xa0", "interface name 'a\\xa0': must not contain '/', ':' or whitespace");
	CHECK_EQ_INT(names_check_ifname(NULL, NULL), -EINVAL);
}

TEST(test_names_hash)
{
	/* Published FNV-1a 32-bit test vectors. */
	CHECK_EQ_INT(names_hash(NAMES_FNV_INIT, "", 0), 0x811c9dc5u);
	CHECK_EQ_INT(names_hash(NAMES_FNV_INIT, "a", 1), 0xe40c292cu);
	CHECK_EQ_INT(names_hash(NAMES_FNV_INIT, "foobar", 6), 0xbf9cf968u);
	CHECK_EQ_INT(names_hash(names_hash(NAMES_FNV_INIT, "foo", 3), "bar", 3), 0xbf9cf968u);
}

/*
 * The long-name values below are golden: gc recomputes these names from the state, so a change
 * here means interfaces made by an older nsnet are orphaned. They were computed by an
 * independent FNV-1a implementation, not by names.c.
 */
TEST(test_names_bridge)
{
	char out[IFNAMSIZ], other[IFNAMSIZ];
	char big[NSNET_NAME_MAX + 1];

	names_bridge("lan", out);
	CHECK_EQ_STR(out, "nsnet-lan");
	names_bridge("abcdefghi", out);			/* 9 bytes: exactly fits */
	CHECK_EQ_STR(out, "nsnet-abcdefghi");
	names_bridge("abcdefghij", out);		/* 10 bytes: hashed */
	CHECK_EQ_STR(out, "nsnet-abcd-a21a");
	names_bridge("production-a", out);
	names_bridge("production-b", other);
	CHECK_EQ_STR(out, "nsnet-prod-662a");
	CHECK_EQ_STR(other, "nsnet-prod-6fe3");
	CHECK(strcmp(out, other) != 0);
	memset(big, 'a', NSNET_NAME_MAX);
	big[NSNET_NAME_MAX] = '\0';
	names_bridge(big, out);
	CHECK_EQ_STR(out, "nsnet-aaaa-d6ea");
	CHECK_EQ_INT(strlen(out), 15);
}

TEST(test_names_host_veth)
{
	char out[IFNAMSIZ], again[IFNAMSIZ];

	names_host_veth("web", "lan", out);
	CHECK_EQ_STR(out, "nv70d3718e");
	CHECK_EQ_INT(strlen(out), 10);
	CHECK(strncmp(out, "nv", 2) == 0);
	names_host_veth("web", "lan", again);
	CHECK_EQ_STR(again, out);			/* stable */
	names_host_veth("web", "lan2", out);
	CHECK_EQ_STR(out, "nv58dc0af4");
	/* The split between the two names matters. */
	names_host_veth("ab", "c", out);
	names_host_veth("a", "bc", again);
	CHECK_EQ_STR(out, "nvef850b27");
	CHECK_EQ_STR(again, "nv609747a3");
}

/* Issue 18, messages: lo, all and default, and control bytes, are caught before the kernel. */
TEST(test_names_check_ifname_reserved)
{
	CHECK_IFNAME_ERR("lo", "interface name 'lo': reserved (lo, all and default are the kernel's)");
	CHECK_IFNAME_ERR("all", "interface name 'all': reserved (lo, all and default are the kernel's)");
	CHECK_IFNAME_ERR("default", "interface name 'default': reserved (lo, all and default are the kernel's)");
	CHECK_IFNAME_ERR("e\x1b[1m", "interface name 'e\\x1b[1m': must not contain control characters");
	CHECK_EQ_INT(names_check_ifname("lo0", NULL), 0);
	CHECK_EQ_INT(names_check_ifname("eth1", NULL), 0);
}

int main(void)
{
	RUN(test_names_check_accepts);
	RUN(test_names_check_rejects);
	RUN(test_names_check_ifname);
	RUN(test_names_check_ifname_reserved);
	RUN(test_names_hash);
	RUN(test_names_bridge);
	RUN(test_names_host_veth);
	return unit_done();
}
