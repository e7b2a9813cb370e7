// SPDX-License-Identifier: MIT
// Unit tests for model/service's JSON records: VIP and published-port round trips and refusals.
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "model/service.h"
#include "fixtures.h"
#include "unit.h"

/* @j serialised with sorted keys and no spaces, so that the expected text can be written by hand. */
static const char *dump(json_t *j, char *buf, size_t n)
{
	char *s = j ? json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT) : NULL;

	snprintf(buf, n, "%s", s ? s : "(null)");
	free(s);
	return buf;
}

TEST(test_vip_json_round_trip)
{
	struct nsnet_err e = { 0 };
	struct nsnet_vip v, back;
	char buf[1024];
	json_t *j;

	memset(&v, 0, sizeof(v));
	v.id = 7;
	snprintf(v.name, sizeof(v.name), "web");
	v.vip = ep_of(v4(10, 100, 0, 1), 80);
	v.proto = IPPROTO_TCP;
	v.affinity = 300;
	v.n_backends = 2;
	v.backend[0].ep = ep_of(v4(10, 0, 0, 2), 8080);
	v.backend[1].ep = ep_of(v4(10, 0, 0, 3), 8081);
	snprintf(v.backend[1].ns, sizeof(v.backend[1].ns), "http2");

	j = vip_to_json(&v);
	CHECK(j != NULL);
	CHECK_EQ_STR(dump(j, buf, sizeof(buf)),
		     "{\"address\":\"10.100.0.1\",\"affinity\":300,\"backends\":[{\"address\":\"10.0.0.2\","
		     "\"port\":8080},{\"address\":\"10.0.0.3\",\"namespace\":\"http2\",\"port\":8081}],\"id\":7,"
		     "\"name\":\"web\",\"port\":80,\"protocol\":\"tcp\"}");

	memset(&back, 0xa5, sizeof(back));
	CHECK_EQ_INT(vip_from_json(j, &back, &e), 0);
	CHECK_EQ_INT(back.id, 7);
	CHECK_EQ_STR(back.name, "web");
	CHECK_ADDR(back.vip.addr, v4(10, 100, 0, 1));
	CHECK_EQ_INT(back.vip.port, 80);
	CHECK_EQ_INT(back.proto, IPPROTO_TCP);
	CHECK_EQ_INT(back.affinity, 300);
	CHECK_EQ_INT(back.n_backends, 2);
	CHECK_ADDR(back.backend[0].ep.addr, v4(10, 0, 0, 2));
	CHECK_EQ_INT(back.backend[0].ep.port, 8080);
	CHECK_EQ_STR(back.backend[0].ns, "");
	CHECK_ADDR(back.backend[1].ep.addr, v4(10, 0, 0, 3));
	CHECK_EQ_INT(back.backend[1].ep.port, 8081);
	CHECK_EQ_STR(back.backend[1].ns, "http2");
	json_decref(j);

	/* IPv6, UDP, no name, no backends. */
	memset(&v, 0, sizeof(v));
	v.id = 1000000;
	v.vip = ep_of(v6(0xfd00, 0, 0, 0, 0, 0, 0, 0x10), 53);
	v.proto = IPPROTO_UDP;
	v.affinity = NSNET_AFFINITY_MAX;
	j = vip_to_json(&v);
	CHECK_EQ_STR(dump(j, buf, sizeof(buf)),
		     "{\"address\":\"fd00::10\",\"affinity\":86400,\"backends\":[],\"id\":1000000,\"name\":\"\","
		     "\"port\":53,\"protocol\":\"udp\"}");
	CHECK_EQ_INT(vip_from_json(j, &back, &e), 0);
	CHECK_EQ_INT(back.id, 1000000);
	CHECK_EQ_STR(back.name, "");
	CHECK_ADDR(back.vip.addr, v6(0xfd00, 0, 0, 0, 0, 0, 0, 0x10));
	CHECK_EQ_INT(back.vip.port, 53);
	CHECK_EQ_INT(back.proto, IPPROTO_UDP);
	CHECK_EQ_INT(back.affinity, 86400);
	CHECK_EQ_INT(back.n_backends, 0);
	json_decref(j);
}

TEST(test_port_json_round_trip)
{
	struct nsnet_err e = { 0 };
	struct nsnet_port p, back;
	char buf[1024];
	json_t *j;

	memset(&p, 0, sizeof(p));
	p.id = 3;
	snprintf(p.ns, sizeof(p.ns), "http2");
	snprintf(p.net, sizeof(p.net), "lan");
	p.host_port = 8080;
	p.port = 80;
	p.proto = IPPROTO_UDP;
	p.target = v4(10, 0, 0, 2);

	j = port_to_json(&p);
	CHECK_EQ_STR(dump(j, buf, sizeof(buf)),
		     "{\"host_ip\":\"\",\"host_port\":8080,\"id\":3,\"namespace\":\"http2\",\"network\":\"lan\","
		     "\"port\":80,\"protocol\":\"udp\",\"target\":\"10.0.0.2\"}");
	memset(&back, 0xa5, sizeof(back));
	CHECK_EQ_INT(port_from_json(j, &back, &e), 0);
	CHECK_EQ_INT(back.id, 3);
	CHECK_EQ_STR(back.ns, "http2");
	CHECK_EQ_STR(back.net, "lan");
	CHECK_EQ_INT(back.host_ip.family, 0);
	CHECK_EQ_INT(back.host_port, 8080);
	CHECK_EQ_INT(back.port, 80);
	CHECK_EQ_INT(back.proto, IPPROTO_UDP);
	CHECK_ADDR(back.target, v4(10, 0, 0, 2));
	json_decref(j);

	p.host_ip = v6(0, 0, 0, 0, 0, 0, 0, 1);
	p.target = v6(0xfd00, 0, 0, 0, 0, 0, 0, 2);
	p.proto = IPPROTO_TCP;
	j = port_to_json(&p);
	CHECK_EQ_STR(dump(j, buf, sizeof(buf)),
		     "{\"host_ip\":\"::1\",\"host_port\":8080,\"id\":3,\"namespace\":\"http2\",\"network\":\"lan\","
		     "\"port\":80,\"protocol\":\"tcp\",\"target\":\"fd00::2\"}");
	CHECK_EQ_INT(port_from_json(j, &back, &e), 0);
	CHECK_ADDR(back.host_ip, v6(0, 0, 0, 0, 0, 0, 0, 1));
	CHECK_ADDR(back.target, v6(0xfd00, 0, 0, 0, 0, 0, 0, 2));
	CHECK_EQ_INT(back.proto, IPPROTO_TCP);
	json_decref(j);
}

#define VIP_GOOD                                                                                   \
	"{\"id\":7,\"name\":\"web\",\"address\":\"10.100.0.1\",\"port\":80,\"protocol\":\"tcp\","  \
	"\"affinity\":0,\"backends\":[{\"address\":\"10.0.0.2\",\"port\":8080},"                   \
	"{\"address\":\"10.0.0.3\",\"port\":8080,\"namespace\":\"http2\"}]}"

/* One change to a good record: @key set to @val (JSON text), or removed when @val is NULL. */
struct edit {
	const char *key, *val;
};

static json_t *edited(const char *good, const struct edit *ed)
{
	json_t *j = json_loads(good, 0, NULL);

	if (j && ed->val)
		json_object_set_new(j, ed->key, json_loads(ed->val, JSON_DECODE_ANY, NULL));
	else if (j)
		json_object_del(j, ed->key);
	return j;
}

TEST(test_vip_from_json_refuses)
{
	static const struct edit edits[] = {
		{ "address", NULL },
		{ "port", NULL },
		{ "protocol", NULL },
		{ "name", NULL },
		{ "backends", NULL },
		{ "port", "0" },
		{ "port", "65536" },
		{ "port", "-80" },
		{ "port", "\"80\"" },
		{ "port", "80.0" },
		{ "protocol", "\"sctp\"" },
		{ "protocol", "\"TCP\"" },
		{ "protocol", "6" },
		{ "address", "\"10.0.0.300\"" },
		{ "address", "\"\"" },
		{ "address", "\"[fd00::1]\"" },
		{ "affinity", "-1" },
		{ "affinity", "86401" },
		{ "id", "-1" },
		{ "id", "1000001" },
		{ "name", "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"" },	/* 65 */
		{ "name", "5" },
		{ "backends", "{}" },
		{ "backends", "null" },
	};
	static const char *const bad_backends[] = {
		"[{\"address\":\"10.0.0.2\"}]",
		"[{\"port\":8080}]",
		"[{\"address\":\"10.0.0.2\",\"port\":0}]",
		"[{\"address\":\"10.0.0.2\",\"port\":65536}]",
		"[{\"address\":\"nope\",\"port\":80}]",
		"[{\"address\":\"10.0.0.2\",\"port\":80,\"namespace\":\"a b\"}]",
		"[{\"address\":\"10.0.0.2\",\"port\":80,\"namespace\":\"\"}]",
		"[\"10.0.0.2:80\"]",
		"[null]",
	};
	struct nsnet_err e = { 0 };
	struct nsnet_vip v;
	json_t *j;
	size_t i;

	/* The base record itself is fine. */
	j = json_loads(VIP_GOOD, 0, NULL);
	CHECK_EQ_INT(vip_from_json(j, &v, &e), 0);
	CHECK_EQ_INT(v.n_backends, 2);
	CHECK_EQ_STR(v.backend[1].ns, "http2");
	json_decref(j);

	for (i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		j = edited(VIP_GOOD, &edits[i]);
		e.code = 0;
		if (!CHECK_EQ_INT(vip_from_json(j, &v, &e), -EBADMSG))
			printf("#   edit %s=%s was accepted\n", edits[i].key, edits[i].val ? edits[i].val : "(removed)");
		CHECK_EQ_INT(e.code, EBADMSG);
		CHECK_EQ_STR(e.msg, "vip record: malformed");
		json_decref(j);
	}

	/* A bad backend: the message says which one (here the only one, 0). */
	for (i = 0; i < sizeof(bad_backends) / sizeof(bad_backends[0]); i++) {
		struct edit ed = { "backends", bad_backends[i] };

		j = edited(VIP_GOOD, &ed);
		if (!CHECK_EQ_INT(vip_from_json(j, &v, &e), -EBADMSG))
			printf("#   backends %s were accepted\n", bad_backends[i]);
		CHECK_EQ_STR(e.msg, "vip record: malformed backend 0");
		json_decref(j);
	}

	/* Not an object at all. */
	CHECK_EQ_INT(vip_from_json(NULL, &v, &e), -EBADMSG);
	j = json_loads("[1,2]", 0, NULL);
	CHECK_EQ_INT(vip_from_json(j, &v, &e), -EBADMSG);
	json_decref(j);
	j = json_loads("\"x\"", JSON_DECODE_ANY, NULL);
	CHECK_EQ_INT(vip_from_json(j, &v, NULL), -EBADMSG);
	json_decref(j);
}

TEST(test_vip_from_json_backend_limit)
{
	struct nsnet_err e = { 0 };
	struct nsnet_vip v;
	json_t *j, *bs;
	size_t i;

	j = json_loads(VIP_GOOD, 0, NULL);
	bs = json_array();
	for (i = 0; i < NSNET_MAX_BACKENDS; i++)
		json_array_append_new(bs, json_pack("{s:s, s:i}", "address", "10.0.0.2", "port", (int)(1000 + i)));
	json_object_set_new(j, "backends", bs);
	CHECK_EQ_INT(vip_from_json(j, &v, &e), 0);
	CHECK_EQ_INT(v.n_backends, 64);
	CHECK_EQ_INT(v.backend[63].ep.port, 1063);

	json_array_append_new(bs, json_pack("{s:s, s:i}", "address", "10.0.0.2", "port", 2000));
	CHECK_EQ_INT(json_array_size(bs), 65);
	CHECK_EQ_INT(vip_from_json(j, &v, &e), -EBADMSG);
	CHECK_EQ_STR(e.msg, "vip record: malformed");
	json_decref(j);

	/* The second backend bad: its index is named. */
	j = json_loads(VIP_GOOD, 0, NULL);
	json_object_set_new(json_array_get(json_object_get(j, "backends"), 1), "port", json_integer(0));
	CHECK_EQ_INT(vip_from_json(j, &v, &e), -EBADMSG);
	CHECK_EQ_STR(e.msg, "vip record: malformed backend 1");
	json_decref(j);
}

/* A loaded VIP holds just its backends (under ASan a write past them would stop the test). */
TEST(test_vip_from_json_new)
{
	struct nsnet_err e = { 0 };
	struct nsnet_vip *v = NULL, *whole = calloc(1, sizeof(*whole));
	json_t *j = json_loads(VIP_GOOD, 0, NULL), *bs;

	CHECK_EQ_INT(vip_size(0), offsetof(struct nsnet_vip, backend));
	CHECK_EQ_INT(vip_size(2), offsetof(struct nsnet_vip, backend) + 2 * sizeof(struct nsnet_backend));
	CHECK_EQ_INT(vip_from_json_new(j, &v, &e), 0);
	CHECK(v != NULL);
	CHECK_EQ_INT(v->id, 7);
	CHECK_EQ_INT(v->n_backends, 2);
	CHECK_EQ_INT(v->backend[1].ep.port, 8080);
	CHECK_EQ_STR(v->backend[1].ns, "http2");
	vip_copy(whole, v);
	CHECK_EQ_INT(whole->n_backends, 2);
	CHECK_EQ_STR(whole->backend[1].ns, "http2");
	CHECK_EQ_STR(whole->name, "web");
	free(v);

	/* No backends: the header alone. */
	json_object_set_new(j, "backends", json_array());
	CHECK_EQ_INT(vip_from_json_new(j, &v, &e), 0);
	CHECK_EQ_INT(v->n_backends, 0);
	free(v);

	/* 64 backends fit, 65 are refused before anything is allocated; *out is NULL on refusal. */
	bs = json_array();
	for (size_t i = 0; i < NSNET_MAX_BACKENDS; i++)
		json_array_append_new(bs, json_pack("{s:s, s:i}", "address", "10.0.0.2", "port", (int)(1000 + i)));
	json_object_set_new(j, "backends", bs);
	CHECK_EQ_INT(vip_from_json_new(j, &v, &e), 0);
	CHECK_EQ_INT(v->backend[63].ep.port, 1063);
	free(v);
	json_array_append_new(bs, json_pack("{s:s, s:i}", "address", "10.0.0.2", "port", 2000));
	CHECK_EQ_INT(vip_from_json_new(j, &v, &e), -EBADMSG);
	CHECK(v == NULL);
	CHECK_EQ_STR(e.msg, "vip record: malformed");

	/* A bad backend or field: refused, nothing returned. */
	json_object_set_new(j, "backends", json_loads("[{\"address\":\"nope\",\"port\":80}]", 0, NULL));
	v = whole;
	CHECK_EQ_INT(vip_from_json_new(j, &v, &e), -EBADMSG);
	CHECK(v == NULL);
	CHECK_EQ_STR(e.msg, "vip record: malformed backend 0");
	json_object_set_new(j, "backends", json_string("x"));
	CHECK_EQ_INT(vip_from_json_new(j, &v, &e), -EBADMSG);
	CHECK(v == NULL);
	CHECK_EQ_INT(vip_from_json_new(NULL, &v, &e), -EBADMSG);
	json_decref(j);
	free(whole);
}

#define PORT_GOOD                                                                                  \
	"{\"id\":3,\"namespace\":\"http2\",\"network\":\"lan\",\"host_ip\":\"\",\"host_port\":8080," \
	"\"port\":80,\"protocol\":\"tcp\",\"target\":\"10.0.0.2\"}"

TEST(test_port_from_json_refuses)
{
	static const struct edit edits[] = {
		{ "namespace", NULL },
		{ "network", NULL },
		{ "host_ip", NULL },
		{ "host_port", NULL },
		{ "port", NULL },
		{ "protocol", NULL },
		{ "target", NULL },
		{ "namespace", "\"a b\"" },
		{ "namespace", "\"\"" },
		{ "network", "\"-lan\"" },
		{ "network", "7" },
		{ "host_ip", "\"nope\"" },
		{ "host_ip", "null" },
		{ "host_port", "0" },
		{ "host_port", "65536" },
		{ "port", "0" },
		{ "port", "\"80\"" },
		{ "protocol", "\"icmp\"" },
		{ "target", "\"\"" },
		{ "target", "\"10.0.0.300\"" },
		{ "id", "-1" },
		{ "id", "1000001" },
	};
	struct nsnet_err e = { 0 };
	struct nsnet_port p;
	json_t *j;
	size_t i;

	j = json_loads(PORT_GOOD, 0, NULL);
	CHECK_EQ_INT(port_from_json(j, &p, &e), 0);
	CHECK_EQ_INT(p.host_port, 8080);
	json_decref(j);

	for (i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		j = edited(PORT_GOOD, &edits[i]);
		e.code = 0;
		if (!CHECK_EQ_INT(port_from_json(j, &p, &e), -EBADMSG))
			printf("#   edit %s=%s was accepted\n", edits[i].key, edits[i].val ? edits[i].val : "(removed)");
		CHECK_EQ_INT(e.code, EBADMSG);
		CHECK_EQ_STR(e.msg, "port record: malformed");
		json_decref(j);
	}
	CHECK_EQ_INT(port_from_json(NULL, &p, &e), -EBADMSG);
	j = json_loads("[]", 0, NULL);
	CHECK_EQ_INT(port_from_json(j, &p, NULL), -EBADMSG);
	json_decref(j);
}

int main(void)
{
	RUN(test_vip_json_round_trip);
	RUN(test_port_json_round_trip);
	RUN(test_vip_from_json_refuses);
	RUN(test_vip_from_json_backend_limit);
	RUN(test_vip_from_json_new);
	RUN(test_port_from_json_refuses);
	return unit_done();
}
