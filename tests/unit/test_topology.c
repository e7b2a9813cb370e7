// SPDX-License-Identifier: MIT
// Unit tests for src/topology: issue 16's example parsed, rendered and parsed back; refusals with line:column.
#include <errno.h>
#include <string.h>

#include "unit.h"
#include "topology/topology.h"

static const char example[] =
	"version: 1\n"
	"project: lab1\n"
	"networks:\n"
	"  lan: {subnet: [10.10.0.0/24, \"fd00:10::/64\"]}\n"
	"  db:  {subnet: 10.20.0.0/24, internal: true}\n"
	"namespaces:\n"
	"  web1: {networks: [lan]}\n"
	"  web2: {networks: [{network: lan, ip: 10.10.0.12}], dns: [192.0.2.53]}\n"
	"  app:  {networks: [db, lan]}\n"
	"vips:\n"
	"  - {vip: \"10.100.0.1:80/tcp\", backends: [\"web1:8080\", \"web2:8080\"], name: web}\n"
	"publish:\n"
	"  - {namespace: web1, port: \"8080:8080/tcp\"}\n";

/* @text must be refused with a message starting "@where: " and containing @part. */
#define CHECK_REFUSED(text, where, part)                                                    \
	do {                                                                                \
		struct nsnet_err e_ = { 0 };                                                \
		struct topo t_;                                                             \
		CHECK_EQ_INT(topo_parse((text), strlen(text), &t_, &e_), -EINVAL);          \
		CHECK(!strncmp(e_.msg, where ": ", strlen(where) + 2));                     \
		CHECK(strstr(e_.msg, (part)) != NULL);                                      \
		if (strncmp(e_.msg, where ": ", strlen(where) + 2) || !strstr(e_.msg, (part))) \
			unit_fail(__FILE__, __LINE__, "message: %s", e_.msg);               \
	} while (0)

TEST(test_topology_example)
{
	struct nsnet_err err = { 0 };
	struct strbuf a = { 0 }, b = { 0 };
	struct topo t, u;

	CHECK_EQ_INT(topo_parse(example, strlen(example), &t, &err), 0);
	CHECK_EQ_STR(t.project, "lab1");
	CHECK_EQ_INT((int)t.n_nets, 2);
	CHECK_EQ_INT((int)t.nets[0].n_subnets, 2);
	CHECK(t.nets[1].internal);
	CHECK_EQ_INT((int)t.n_ns, 3);
	CHECK_EQ_INT((int)t.ns[1].att[0].n_ips, 1);
	CHECK_EQ_INT((int)t.ns[1].n_dns, 1);
	CHECK_EQ_STR(t.ns[2].att[1].net, "lan");
	CHECK_EQ_INT((int)t.n_vips, 1);
	CHECK_EQ_INT((int)t.vips[0].v.n_backends, 2);
	CHECK_EQ_STR(t.vips[0].v.backend[1].ns, "web2");
	CHECK_EQ_INT((int)t.n_ports, 1);
	CHECK_EQ_INT(t.ports[0].p.host_port, 8080);
	CHECK_EQ_INT(t.vips[0].pos.line, 11);
	/* Rendered, parsed back, rendered again: the same text. */
	topo_render(&t, &a);
	CHECK_EQ_INT(topo_parse(strbuf_str(&a), a.len, &u, &err), 0);
	topo_render(&u, &b);
	CHECK_EQ_STR(strbuf_str(&b), strbuf_str(&a));
	topo_free(&t);
	topo_free(&u);
	strbuf_free(&a);
	strbuf_free(&b);
}

TEST(test_topology_json)
{
	static const char json[] = "{\"version\": 1, \"project\": \"p\",\n"
				   " \"networks\": {\"lan\": {\"subnet\": \"10.0.0.0/24\", \"mtu\": 1400, \"nat\": false}}}\n";
	struct nsnet_err err = { 0 };
	struct topo t;

	CHECK_EQ_INT(topo_parse(json, strlen(json), &t, &err), 0);
	CHECK_EQ_INT((int)t.nets[0].mtu, 1400);
	CHECK(t.nets[0].no_nat);
	topo_free(&t);
}

/* Keys of `network create --no-dns/--domain/--dns-upstream` and of `ns add`/`attach` --alias and limits. */
TEST(test_topology_dns_limits)
{
	static const char text[] =
		"version: 1\n"
		"project: p\n"
		"networks:\n"
		"  lan: {subnet: 10.0.0.0/24, domain: lab.test, dns_upstream: [192.0.2.53, 192.0.2.54]}\n"
		"  quiet: {subnet: 10.1.0.0/24, dns: false}\n"
		"namespaces:\n"
		"  a: {networks: [lan, {network: quiet, rate_out: 5mbit, burst: 64kb, aliases: x}], aliases: [www, api],\n"
		"      rate_in: 10mbit}\n"
		"  b: {networks: [{network: lan, rate_in: 1mbit, rate_out: 2mbit, burst_in: 20kb, burst_out: 30kb}]}\n";
	struct nsnet_err err = { 0 };
	struct strbuf x = { 0 }, y = { 0 };
	struct topo t, u;

	CHECK_EQ_INT(topo_parse(text, strlen(text), &t, &err), 0);
	CHECK_EQ_STR(t.nets[0].domain, "lab.test");
	CHECK_EQ_INT((int)t.nets[0].n_upstream, 2);
	CHECK(!t.nets[0].no_dns);
	CHECK(t.nets[1].no_dns);
	/* The namespace's keys on each attachment; the attachment's own replace them key by key. */
	CHECK_EQ_INT((int)t.ns[0].att[0].n_aliases, 2);
	CHECK_EQ_STR(t.ns[0].att[0].aliases[1], "api");
	CHECK(t.ns[0].att[0].limit.rate_in == 10000000);
	CHECK(t.ns[0].att[0].limit.rate_out == 0);
	CHECK_EQ_INT((int)t.ns[0].att[1].n_aliases, 1);
	CHECK_EQ_STR(t.ns[0].att[1].aliases[0], "x");
	CHECK(t.ns[0].att[1].limit.rate_in == 10000000);
	CHECK(t.ns[0].att[1].limit.rate_out == 5000000);
	/* burst: each limited direction's. */
	CHECK(t.ns[0].att[1].limit.burst_in == 65536 && t.ns[0].att[1].limit.burst_out == 65536);
	CHECK(t.ns[1].att[0].limit.burst_in == 20480 && t.ns[1].att[0].limit.burst_out == 30720);
	topo_render(&t, &x);
	CHECK_EQ_INT(topo_parse(strbuf_str(&x), x.len, &u, &err), 0);
	topo_render(&u, &y);
	CHECK_EQ_STR(strbuf_str(&y), strbuf_str(&x));
	CHECK(strstr(strbuf_str(&x), "burst_in: 20kb, burst_out: 30kb") != NULL);
	CHECK(strstr(strbuf_str(&x), "dns: false") != NULL);
	CHECK(limit_eq(&u.ns[1].att[0].limit, &t.ns[1].att[0].limit));
	topo_free(&t);
	topo_free(&u);
	strbuf_free(&x);
	strbuf_free(&y);

	CHECK_REFUSED("version: 1\nproject: p\nnetworks: {lan: {subnet: 10.0.0.0/24, dns: false, domain: x}}\n", "3:59",
		      "\"domain\" needs the resolver");
	CHECK_REFUSED("version: 1\nproject: p\nnetworks: {lan: {subnet: 10.0.0.0/24, domain: a..b}}\n", "3:47",
		      "domain 'a..b'");
	CHECK_REFUSED("version: 1\nproject: p\nnetworks: {lan: {subnet: 10.0.0.0/24, dns_upstream: [1.2.3.4, 1.2.3.4]}}\n",
		      "3:63", "given twice");
	CHECK_REFUSED("version: 1\nproject: p\nnetworks: {lan: {subnet: 10.0.0.0/24}}\n"
		      "namespaces: {a: {networks: [{network: lan, rate_in: fast}]}}\n", "4:53", "rate_in");
	CHECK_REFUSED("version: 1\nproject: p\nnetworks: {lan: {subnet: 10.0.0.0/24}}\n"
		      "namespaces: {a: {networks: [lan], burst: 32kb}}\n", "4:42", "burst: needs rate_in or rate_out");
	CHECK_REFUSED("version: 1\nproject: p\nnetworks: {lan: {subnet: 10.0.0.0/24}}\n"
		      "namespaces: {a: {networks: [lan], aliases: [w, w]}}\n", "4:48", "alias w is given twice");
	CHECK_REFUSED("version: 1\nproject: p\nnamespaces: {a: {aliases: w}}\n", "3:27", "need a network");
	CHECK_REFUSED("version: 1\nproject: p\nnetworks: {o: {subnet: 10.0.0.0/24, driver: vxlan}}\n", "3:45",
		      "use it here as \"external: true\"");
	CHECK_REFUSED("version: 1\nproject: p\nnetworks: {o: {subnet: 10.0.0.0/24, driver: macvlan}}\n", "3:45",
		      "expected bridge or routed");
}

/* An ifname may hold '"' (the kernel allows it): written escaped, read back the same. */
TEST(test_topology_render_escapes)
{
	static const char text[] = "version: 1\nproject: p\nnetworks: {n: {subnet: 10.0.0.0/24}}\n"
				   "namespaces: {a: {networks: [{network: n, ifname: 'e\"\\0'}]}}\n";
	struct nsnet_err err = { 0 };
	struct strbuf x = { 0 };
	struct topo t, u;

	CHECK_EQ_INT(topo_parse(text, strlen(text), &t, &err), 0);
	CHECK_EQ_STR(t.ns[0].att[0].ifname, "e\"\\0");
	topo_render(&t, &x);
	CHECK(strstr(strbuf_str(&x), "ifname: \"e\\\"\\\\0\"") != NULL);
	CHECK_EQ_INT(topo_parse(strbuf_str(&x), x.len, &u, &err), 0);
	CHECK_EQ_STR(u.ns[0].att[0].ifname, t.ns[0].att[0].ifname);
	topo_free(&t);
	topo_free(&u);
	strbuf_free(&x);
}

TEST(test_topology_refusals)
{
	CHECK_REFUSED("version: 1\nproject: p\nnetworks: {lan: {subnet: 10.0.0.0/24, x: 1}}\n", "3:39", "unknown key \"x\"");
	CHECK_REFUSED("version: 1\nproject: p\nproject: q\n", "3:1", "duplicate key \"project\"");
	CHECK_REFUSED("version: 1\nproject: &a p\n", "2:10", "anchors and aliases");
	CHECK_REFUSED("version: 1\nproject: !!str p\n", "2:10", "tags are not accepted");
	CHECK_REFUSED("version: 2\nproject: p\n", "1:10", "version");
	CHECK_REFUSED("version: 1\n", "1:1", "missing \"project\"");
	CHECK_REFUSED("version: 1\nproject: p\n---\nversion: 1\n", "3:1", "a second document");
	CHECK_REFUSED("version: 1\nproject: p\nnamespaces: {a: {networks: [nope]}}\n", "3:29", "network nope is not defined");
	CHECK_REFUSED("version: 1\nproject: p\nnetworks: {a: {subnet: [10.0.0.0/24, 10.1.0.0/24]}}\n", "3:38",
		      "one subnet per family");
	CHECK_REFUSED("version: 1\nproject: [p\n", "3:1", "");
	/* As `vip add --name` (fuzz_topology: a '"' in it made export write a file apply could not read). */
	CHECK_REFUSED("version: 1\nproject: p\nvips: [{vip: \"10.0.0.1:80\", backends: [\"10.0.0.5:80\"], name: w\"x}]\n",
		      "3:62", "VIP name");
}

int main(void)
{
	RUN(test_topology_example);
	RUN(test_topology_json);
	RUN(test_topology_dns_limits);
	RUN(test_topology_render_escapes);
	RUN(test_topology_refusals);
	return unit_done();
}
