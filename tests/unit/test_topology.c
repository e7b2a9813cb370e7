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
}

int main(void)
{
	RUN(test_topology_example);
	RUN(test_topology_json);
	RUN(test_topology_refusals);
	return unit_done();
}
