// SPDX-License-Identifier: MIT
// Unit tests for core/journal.c: parsing an operation journal and refusing what nsnet never writes.
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/undo.h"
#include "firewall/fw.h"
#include "unit.h"

static const char *const bridges[] = { "br-custom", NULL };

/* Parse @text; returns the result, the entries in *@v / *@n. */
static int parse(const char *text, struct op_undo **v, size_t *n, char *why, size_t len)
{
	*v = NULL;
	*n = 0;
	why[0] = 0;
	return journal_parse(text, bridges, v, n, why, len);
}

static void free_all(struct op_undo *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		op_undo_free(&v[i]);
	free(v);
}

/* @line (one journal line) must be refused, naming line 1 in the reason. */
#define CHECK_REFUSED(line)                                                       \
	do {                                                                      \
		struct op_undo *v_;                                               \
		size_t n_;                                                        \
		char why_[256];                                                   \
		CHECK_EQ_INT(parse((line), &v_, &n_, why_, sizeof(why_)), -EBADMSG); \
		CHECK(!strncmp(why_, "line 1: ", 8));                             \
		CHECK(v_ == NULL);                                                \
	} while (0)

#define CHECK_ACCEPTED(line)                                                \
	do {                                                                \
		struct op_undo *v_;                                         \
		size_t n_;                                                  \
		char why_[256];                                             \
		CHECK_EQ_INT(parse((line), &v_, &n_, why_, sizeof(why_)), 0); \
		CHECK_EQ_STR(why_, "");                                     \
		CHECK_EQ_INT(n_, 1);                                        \
		free_all(v_, n_);                                           \
	} while (0)

TEST(test_journal_parse_push_pop)
{
	const char *text =
		"{\"do\":\"push\",\"kind\":0,\"a\":\"web\",\"b\":\"\"}\n"
		"{\"do\":\"push\",\"kind\":1,\"a\":\"\",\"b\":\"nsnet-lan\"}\n"
		"{\"do\":\"push\",\"kind\":3,\"a\":\"/etc/netns/web/resolv.conf\",\"b\":\"/etc/netns/web\"}\n"
		"{\"do\":\"pop\"}\n"
		"{\"do\":\"push\",\"kind\":4,\"a\":\"leases\",\"b\":\"lan\",\"raw\":{\"leases\":[]}}\n"
		"{\"do\":\"push\",\"kind\":2,\"a\":\"\",\"b\":\"\",\"text\":\"delete chain inet nsnet in-lan\\n\",\"fw\":\"nft\"}\n"
		"{\"do\":\"push\",\"kind\":2,\"a\":\"\",\"b\":\"\",\"text\":\"4 filter X NSNET-IN-nsnet-lan\\n4 filter D FORWARD -j NSNET-FORWARD\\n\",\"fw\":\"iptables\"}\n"
		"{\"do\":\"push\",\"kind\":5,\"a\":\"net.ipv4.conf.nsnet-lan.route_localnet\",\"b\":\"0\"}\n";
	struct op_undo *v;
	size_t n;
	char why[256];

	CHECK_EQ_INT(parse(text, &v, &n, why, sizeof(why)), 0);
	CHECK_EQ_INT(n, 6);
	if (n != 6) {
		free_all(v, n);
		return;
	}
	CHECK_EQ_INT(v[0].kind, UNDO_NETNS_DEL);
	CHECK_EQ_STR(v[0].netns.name, "web");
	CHECK_EQ_INT(v[1].kind, UNDO_LINK_DEL);
	CHECK_EQ_STR(v[1].link.ns, "");
	CHECK_EQ_STR(v[1].link.name, "nsnet-lan");
	/* The file's push was popped: its step failed. */
	CHECK_EQ_INT(v[2].kind, UNDO_STATE);
	CHECK_EQ_STR(v[2].state.kind, "leases");
	CHECK_EQ_STR(v[2].state.name, "lan");
	CHECK_EQ_STR(v[2].text, "{\"leases\":[]}\n");
	CHECK_EQ_INT(v[3].kind, UNDO_FW);
	CHECK(v[3].fw == &fw_backend_nft);
	CHECK(v[4].fw == &fw_backend_ipt);
	CHECK_EQ_STR(v[5].sysctl.key, "net.ipv4.conf.nsnet-lan.route_localnet");
	CHECK_EQ_STR(v[5].sysctl.value, "0");
	free_all(v, n);
}

TEST(test_journal_parse_older_forms)
{
	struct op_undo *v;
	size_t n;
	char why[256];

	/* Kind 2 without "fw" is nft text; kind 6 is iptables steps; "rec" was the record before "raw". */
	CHECK_EQ_INT(parse("{\"do\":\"push\",\"kind\":2,\"a\":\"\",\"b\":\"\",\"text\":\"delete table inet nsnet\"}\n"
			   "{\"do\":\"push\",\"kind\":6,\"a\":\"\",\"b\":\"\",\"text\":\"4 nat X NSNET-PUB-3\"}\n"
			   "{\"do\":\"push\",\"kind\":4,\"a\":\"networks\",\"b\":\"lan\",\"rec\":null}\n",
			   &v, &n, why, sizeof(why)), 0);
	CHECK_EQ_INT(n, 3);
	if (n == 3) {
		CHECK(v[0].fw == &fw_backend_nft);
		CHECK(v[1].fw == &fw_backend_ipt);
		CHECK(v[2].text == NULL);	/* no record before: the undo removes it */
	}
	free_all(v, n);
}

TEST(test_journal_parse_cut_short)
{
	struct op_undo *v;
	size_t n;
	char why[256];

	/* A last line without its newline that does not parse: its step never ran. */
	CHECK_EQ_INT(parse("{\"do\":\"push\",\"kind\":0,\"a\":\"web\",\"b\":\"\"}\n{\"do\":\"pu", &v, &n, why, sizeof(why)), 0);
	CHECK_EQ_INT(n, 1);
	free_all(v, n);
	/* The same garbage in the middle is not a crash artefact. */
	CHECK_EQ_INT(parse("{\"do\":\"pu\n{\"do\":\"push\",\"kind\":0,\"a\":\"web\",\"b\":\"\"}\n", &v, &n, why, sizeof(why)),
		     -EBADMSG);
	CHECK_EQ_STR(why, "line 1: not a JSON object");
	CHECK_EQ_INT(parse("{\"do\":\"pop\"}\n", &v, &n, why, sizeof(why)), -EBADMSG);
	CHECK_EQ_INT(parse("{\"do\":\"run\",\"kind\":0,\"a\":\"x\"}\n", &v, &n, why, sizeof(why)), -EBADMSG);
	CHECK_EQ_INT(parse("", &v, &n, why, sizeof(why)), 0);
	CHECK_EQ_INT(n, 0);
	free(v);
}

/* The hostile journal of issue 18, line by line. */
TEST(test_journal_refuses_issue18)
{
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":3,\"a\":\"/run/victim\",\"b\":\"\"}\n");
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":5,\"a\":\"net.ipv4.conf.lo.forwarding\",\"b\":\"1\"}\n");
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":2,\"text\":\"add table ip pwned\"}\n");
	/* One bad line refuses the whole journal, good lines before it included. */
	{
		struct op_undo *v;
		size_t n;
		char why[256];

		CHECK_EQ_INT(parse("{\"do\":\"push\",\"kind\":0,\"a\":\"web\",\"b\":\"\"}\n"
				   "{\"do\":\"push\",\"kind\":5,\"a\":\"kernel.core_pattern\",\"b\":\"|/tmp/x\"}\n",
				   &v, &n, why, sizeof(why)), -EBADMSG);
		CHECK_EQ_STR(why, "line 2: sysctl nsnet does not set");
	}
}

TEST(test_journal_kinds_and_names)
{
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":11,\"a\":\"x\",\"b\":\"\"}\n");
	/* Resolver steps (core/dns.c): a network name, a "PID:START" identity, a namespace name. */
	CHECK_ACCEPTED("{\"do\":\"push\",\"kind\":9,\"a\":\"lan\",\"b\":\"\"}\n"
		       "{\"do\":\"set\",\"b\":\"1234:5678\"}\n");
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":9,\"a\":\"../x\",\"b\":\"\"}\n");
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":9,\"a\":\"lan\",\"b\":\"1\"}\n");
	CHECK_ACCEPTED("{\"do\":\"push\",\"kind\":10,\"a\":\"lan\",\"b\":\"web\"}\n");
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":10,\"a\":\"lan\",\"b\":\"../../etc\"}\n");
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":-1,\"a\":\"x\",\"b\":\"\"}\n");
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":\"0\",\"a\":\"x\",\"b\":\"\"}\n");
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":0,\"a\":1,\"b\":\"\"}\n");
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":0,\"a\":\"../etc\",\"b\":\"\"}\n");
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":0,\"a\":\"a/b\",\"b\":\"\"}\n");
	/* Host links: nsnet's patterns and recorded bridges only. */
	CHECK_ACCEPTED("{\"do\":\"push\",\"kind\":1,\"a\":\"\",\"b\":\"nv0123abcd\"}\n");
	CHECK_ACCEPTED("{\"do\":\"push\",\"kind\":1,\"a\":\"\",\"b\":\"br-custom\"}\n");
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":1,\"a\":\"\",\"b\":\"eth0\"}\n");
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":1,\"a\":\"\",\"b\":\"nvdeadbeefX\"}\n");
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":1,\"a\":\"web\",\"b\":\"eth0\"}\n");
	/* Records: known kinds, plain names. */
	CHECK_ACCEPTED("{\"do\":\"push\",\"kind\":4,\"a\":\"ids\",\"b\":\"vip\"}\n");
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":4,\"a\":\"journal\",\"b\":\"1\"}\n");
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":4,\"a\":\"networks\",\"b\":\"../../etc/passwd\"}\n");
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":4,\"a\":\"..\",\"b\":\"x\"}\n");
}

TEST(test_journal_files_and_sysctls)
{
	CHECK_ACCEPTED("{\"do\":\"push\",\"kind\":3,\"a\":\"/etc/netns/web/resolv.conf\",\"b\":\"\"}\n");
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":3,\"a\":\"/etc/netns/web/../../shadow\",\"b\":\"\"}\n");
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":3,\"a\":\"/etc/netns/web/a/b\",\"b\":\"\"}\n");
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":3,\"a\":\"/etc/netns/web/resolv.conf\",\"b\":\"/etc\"}\n");
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":3,\"a\":\"/etc/netns/web/resolv.conf\",\"b\":\"/etc/netns/other\"}\n");
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":3,\"a\":\"/etc/passwd\",\"b\":\"\"}\n");
	CHECK_ACCEPTED("{\"do\":\"push\",\"kind\":5,\"a\":\"net.ipv4.conf.br-custom.route_localnet\",\"b\":\"1\"}\n");
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":5,\"a\":\"net.ipv4.conf.all.route_localnet\",\"b\":\"1\"}\n");
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":5,\"a\":\"net.ipv4.conf.nsnet-lan.route_localnet\",\"b\":\"7; x\"}\n");
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":5,\"a\":\"net.ipv4.ip_forward\",\"b\":\"0\"}\n");
}

/* UNDO_QDISC (8): a host end of nsnet's or a namespace's interface, and a tbf or "none" only. */
TEST(test_journal_qdisc)
{
	CHECK_ACCEPTED("{\"do\":\"push\",\"kind\":8,\"a\":\"\",\"b\":\"nv0123abcd\",\"text\":\"none\"}\n");
	CHECK_ACCEPTED("{\"do\":\"push\",\"kind\":8,\"a\":\"\",\"b\":\"nv0123abcd\",\"text\":\"tbf 8000000 16384\"}\n");
	CHECK_ACCEPTED("{\"do\":\"push\",\"kind\":8,\"a\":\"web\",\"b\":\"eth0\",\"text\":\"tbf 1000 2048\"}\n");
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":8,\"a\":\"\",\"b\":\"eth0\",\"text\":\"none\"}\n");
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":8,\"a\":\"../x\",\"b\":\"eth0\",\"text\":\"none\"}\n");
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":8,\"a\":\"web\",\"b\":\"a/b\",\"text\":\"none\"}\n");
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":8,\"a\":\"web\",\"b\":\"eth0\"}\n");
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":8,\"a\":\"web\",\"b\":\"eth0\",\"text\":\"htb 1 2\"}\n");
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":8,\"a\":\"web\",\"b\":\"eth0\",\"text\":\"tbf 10 16384\"}\n");
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":8,\"a\":\"web\",\"b\":\"eth0\",\"text\":\"tbf 8000000 16384 x\"}\n");
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":8,\"a\":\"web\",\"b\":\"eth0\",\"text\":\"tbf -8000000 16384\"}\n");
}

/*
 * What park mode puts back on a link inside a namespace: IPv6 addresses, permanent neighbour
 * entries (a routed network's gateways) and routes, nothing else.
 */
TEST(test_journal_link_restore)
{
	CHECK_ACCEPTED("{\"do\":\"push\",\"kind\":13,\"a\":\"web\",\"b\":\"eth0\",\"text\":"
		       "\"a fd00:10::2 64\\nr 0.0.0.0/0 10.10.0.1\\nr ::/0 fd00:10::1\\n\"}\n");
	CHECK_ACCEPTED("{\"do\":\"push\",\"kind\":13,\"a\":\"web\",\"b\":\"eth1\",\"text\":"
		       "\"n 169.254.1.1 ee:ee:ee:ee:ee:ee\\nr 0.0.0.0/0 169.254.1.1\\n\"}\n");
	CHECK_ACCEPTED("{\"do\":\"push\",\"kind\":13,\"a\":\"web\",\"b\":\"eth1\",\"text\":\"n fe80::1 ee:ee:ee:ee:ee:ee\\n\"}\n");
	/* A neighbour entry: an address, a MAC of six bytes, nothing after it. */
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":13,\"a\":\"web\",\"b\":\"eth1\",\"text\":\"n fe80::1%eth0 ee:ee:ee:ee:ee:ee\\n\"}\n");
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":13,\"a\":\"web\",\"b\":\"eth1\",\"text\":\"n 169.254.1.1 ee:ee:ee:ee:ee\\n\"}\n");
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":13,\"a\":\"web\",\"b\":\"eth1\",\"text\":\"n 169.254.1.1 ee:ee:ee:ee:ee:ee x\\n\"}\n");
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":13,\"a\":\"web\",\"b\":\"eth1\",\"text\":\"n 169.254.1.1\\n\"}\n");
	CHECK_ACCEPTED("{\"do\":\"push\",\"kind\":13,\"a\":\"web\",\"b\":\"eth1\",\"text\":\"r 0.0.0.0/0 169.254.1.1\\n\"}\n");
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":13,\"a\":\"\",\"b\":\"eth0\",\"text\":\"r 0.0.0.0/0 10.0.0.1\\n\"}\n");
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":13,\"a\":\"web\",\"b\":\"a/b\",\"text\":\"r 0.0.0.0/0 10.0.0.1\\n\"}\n");
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":13,\"a\":\"web\",\"b\":\"eth0\"}\n");
	/* An IPv4 address (park mode keeps only IPv6 ones), a family mix, a word too many, no newline. */
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":13,\"a\":\"web\",\"b\":\"eth0\",\"text\":\"a 10.0.0.2 24\\n\"}\n");
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":13,\"a\":\"web\",\"b\":\"eth0\",\"text\":\"r ::/0 10.0.0.1\\n\"}\n");
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":13,\"a\":\"web\",\"b\":\"eth0\",\"text\":\"r 0.0.0.0/0 10.0.0.1 x\\n\"}\n");
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":13,\"a\":\"web\",\"b\":\"eth0\",\"text\":\"a fd00::2 64\"}\n");
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":13,\"a\":\"web\",\"b\":\"eth0\",\"text\":\"ip link del eth0\\n\"}\n");
}

TEST(test_journal_firewall_text)
{
	CHECK_ACCEPTED("{\"do\":\"push\",\"kind\":2,\"text\":\"add chain inet nsnet forward { type filter hook forward priority 0; policy accept; }\\n\"}\n");
	CHECK_ACCEPTED("{\"do\":\"push\",\"kind\":7,\"text\":\"delete element bridge nsnet mac { 7 . 02:00:00:00:00:01 }\"}\n");
	/* The guard's text is the bridge table's only. */
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":7,\"text\":\"delete table inet nsnet\"}\n");
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":2,\"text\":\"delete table inet nsnet; add table ip pwned\"}\n");
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":2,\"text\":\"delete table inet nsnet\\nflush ruleset\"}\n");
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":2,\"text\":\"add rule inet nsnetx c accept\"}\n");
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":2,\"text\":\"include \\\"/tmp/x\\\"\"}\n");
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":2,\"text\":\"add rule inet nsnet c { accept\"}\n");
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":2,\"fw\":\"pf\",\"text\":\"delete table inet nsnet\"}\n");
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":2}\n");
	/* iptables steps: NSNET-* chains, and from built-in chains only jumps to them. */
	CHECK_ACCEPTED("{\"do\":\"push\",\"kind\":2,\"fw\":\"iptables\",\"text\":\"6 nat A NSNET-SVC-3 -j DNAT --to-destination [fd00::2]:80\"}\n");
	CHECK_ACCEPTED("{\"do\":\"push\",\"kind\":2,\"fw\":\"iptables\",\"text\":\"4 raw D PREROUTING -j NSNET-GUARD\"}\n");
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":2,\"fw\":\"iptables\",\"text\":\"4 filter A INPUT -j ACCEPT\"}\n");
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":2,\"fw\":\"iptables\",\"text\":\"4 filter I FORWARD -s 1.2.3.4 -j NSNET-FORWARD\"}\n");
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":2,\"fw\":\"iptables\",\"text\":\"4 filter X FORWARD\"}\n");
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":2,\"fw\":\"iptables\",\"text\":\"4 security N NSNET-X\"}\n");
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":6,\"text\":\"4 filter F DOCKER\"}\n");
}

/* A namespace's identity ({"do":"set"} after its push): kept as "b"; only after a namespace push, digits only. */
TEST(test_journal_netns_identity)
{
	struct op_undo *v;
	size_t n;
	char why[256];

	CHECK_EQ_INT(parse("{\"do\":\"push\",\"kind\":0,\"a\":\"web\",\"b\":\"\"}\n{\"do\":\"set\",\"b\":\"4:4026532391\"}\n",
			   &v, &n, why, sizeof(why)), 0);
	CHECK_EQ_INT(n, 1);
	CHECK_EQ_STR(v[0].netns.id, "4:4026532391");
	free_all(v, n);
	CHECK_ACCEPTED("{\"do\":\"push\",\"kind\":0,\"a\":\"web\",\"b\":\"4:12\"}\n");
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":0,\"a\":\"web\",\"b\":\"4:x\"}\n");
	CHECK_REFUSED("{\"do\":\"set\",\"b\":\"4:12\"}\n");
	CHECK_EQ_INT(parse("{\"do\":\"push\",\"kind\":4,\"a\":\"ids\",\"b\":\"vip\"}\n{\"do\":\"set\",\"b\":\"4:12\"}\n",
			   &v, &n, why, sizeof(why)), -EBADMSG);
	CHECK_EQ_INT(parse("{\"do\":\"push\",\"kind\":0,\"a\":\"web\",\"b\":\"\"}\n{\"do\":\"set\",\"b\":\"/run/x\"}\n",
			   &v, &n, why, sizeof(why)), -EBADMSG);
}

/*
 * An overlay key's undo (core/overlay.c): "a" is the endpoints, or with TLS and a user a JSON object
 * naming the network and the files' absolute paths, checked as the record's "overlay" is.
 */
#define ETCD_LINE(a) "{\"do\":\"push\",\"kind\":11,\"a\":" a ",\"b\":\"/nsnet/overlay/ov/config\",\"text\":\"x\"}\n"
TEST(test_journal_etcd_keys)
{
	CHECK_ACCEPTED(ETCD_LINE("\"http://10.0.0.2:2379,http://10.0.0.3:2379\""));
	CHECK_ACCEPTED(ETCD_LINE("\"{\\\"store\\\":\\\"https://10.0.0.2:2379\\\",\\\"net\\\":\\\"ov\\\","
				 "\\\"cacert\\\":\\\"/etc/ca.pem\\\",\\\"cert\\\":\\\"/etc/c.pem\\\","
				 "\\\"key\\\":\\\"/etc/c.key\\\",\\\"user\\\":\\\"root\\\"}\""));
	/* A store password kept in the state dir: record overlay/NET. */
	CHECK_ACCEPTED("{\"do\":\"push\",\"kind\":4,\"a\":\"overlay\",\"b\":\"ov\"}\n");
	CHECK_REFUSED(ETCD_LINE("\"ftp://10.0.0.2\""));
	CHECK_REFUSED("{\"do\":\"push\",\"kind\":11,\"a\":\"http://10.0.0.2:2379\",\"b\":\"/etc/passwd\",\"text\":\"x\"}\n");
	/* TLS files over http, a relative path, a certificate without its key, no network, a bad user. */
	CHECK_REFUSED(ETCD_LINE("\"{\\\"store\\\":\\\"http://10.0.0.2:2379\\\",\\\"net\\\":\\\"ov\\\",\\\"cacert\\\":\\\"/etc/ca.pem\\\"}\""));
	CHECK_REFUSED(ETCD_LINE("\"{\\\"store\\\":\\\"https://10.0.0.2:2379\\\",\\\"net\\\":\\\"ov\\\",\\\"cacert\\\":\\\"ca.pem\\\"}\""));
	CHECK_REFUSED(ETCD_LINE("\"{\\\"store\\\":\\\"https://10.0.0.2:2379\\\",\\\"net\\\":\\\"ov\\\",\\\"cert\\\":\\\"/etc/c.pem\\\"}\""));
	CHECK_REFUSED(ETCD_LINE("\"{\\\"store\\\":\\\"https://10.0.0.2:2379\\\",\\\"cacert\\\":\\\"/etc/ca.pem\\\"}\""));
	CHECK_REFUSED(ETCD_LINE("\"{\\\"store\\\":\\\"https://10.0.0.2:2379\\\",\\\"net\\\":\\\"ov\\\",\\\"user\\\":\\\"a:b\\\"}\""));
}

int main(void)
{
	RUN(test_journal_parse_push_pop);
	RUN(test_journal_parse_older_forms);
	RUN(test_journal_parse_cut_short);
	RUN(test_journal_refuses_issue18);
	RUN(test_journal_kinds_and_names);
	RUN(test_journal_files_and_sysctls);
	RUN(test_journal_qdisc);
	RUN(test_journal_link_restore);
	RUN(test_journal_firewall_text);
	RUN(test_journal_netns_identity);
	RUN(test_journal_etcd_keys);
	return unit_done();
}
