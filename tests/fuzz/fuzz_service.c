// SPDX-License-Identifier: MIT
// libFuzzer target for model/service: endpoint, backend and publish-spec parsers, keys, JSON records.
/*
 * Built by the Makefile (`make fuzz-bins`, also by `make check` when clang has libFuzzer)
 * into BUILD/fuzz/fuzz_service, from FUZZ_SRC_service there.
 * Run by `make fuzz`, or by hand:
 *   build/asan/fuzz/fuzz_service -max_total_time=60 /tmp/corpus-service tests/fuzz/corpus/service
 * (new inputs go to the first directory, so the seed corpus in the tree stays small).
 *
 * One input is used four ways: as a text argument to every parser (with and without /PROTO for
 * endpoints), as two arguments split at the first '\n' (to compare the keys of two endpoints or
 * two publish specs), and as JSON for the vip and port record readers.
 *
 * Two stricter checks, each of which once found a bug in service.c (both fixed since); the
 * Makefile builds this target with -DFUZZ_SERVICE_STRICT, which turns on both:
 *  - -DFUZZ_SERVICE_ONE_LINE: refusal messages are one line. The parsers quoted the raw input,
 *    so "10.0.0.1:80\n" gave a message with a newline in it (they now escape it, as inet.c and
 *    names.c do).
 *  - -DFUZZ_SERVICE_DISTINCT_KEYS: distinct endpoints have distinct keys. With ':' written as
 *    '.', "[::ffff:1.2.3.4]:80" and "[::ffff:1:2:3:4]:80" both became "tcp-..ffff.1.2.3.4-80"
 *    (the same for publish specs "[::ffff:1.2.3.4]:8080:80" and "[::ffff:1:2:3:4]:8080:80").
 */
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "model/service.h"

#ifdef FUZZ_SERVICE_STRICT
#define FUZZ_SERVICE_ONE_LINE
#define FUZZ_SERVICE_DISTINCT_KEYS
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A refusal keeps the error contract: -EINVAL (-EBADMSG for records), the code set, a message. */
static void check_refusal(int ret, int code, const struct nsnet_err *err)
{
	if (ret != -code || err->code != code || !err->msg[0])
		abort();
#ifdef FUZZ_SERVICE_ONE_LINE
	if (strchr(err->msg, '\n') || strchr(err->msg, '\r'))
		abort();
#endif
}

static void check_port(unsigned int port)
{
	if (port < 1 || port > 65535)
		abort();
}

static void check_proto(uint8_t proto)
{
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		abort();
}

static void check_family(int family)
{
	if (family != AF_INET && family != AF_INET6)
		abort();
}

static bool endpoint_equal(const struct nsnet_endpoint *a, const struct nsnet_endpoint *b)
{
	return nsnet_addr_equal(&a->addr, &b->addr) && a->port == b->port;
}

/* A key is a file name: "tcp-"/"udp-", no '/' or ':', ends in "-PORT", fits NSNET_KEY_MAX. */
static void check_key(const char *key, uint8_t proto, unsigned int port)
{
	char tail[16];
	size_t n = strnlen(key, NSNET_KEY_MAX), t;

	if (n == 0 || n >= NSNET_KEY_MAX || strchr(key, '/') || strchr(key, ':') || strchr(key, ' '))
		abort();
	if (strncmp(key, proto_name(proto), 3) != 0 || key[3] != '-')
		abort();
	t = (size_t)snprintf(tail, sizeof(tail), "-%u", port);
	if (n <= t + 4 || strcmp(key + n - t, tail) != 0)
		abort();
}

/*
 * Distinct addresses must not share a key. For IPv6, put the ':' back into the key's address and
 * parse it: an address that differs from @a but has the very same key is a collision, proven.
 */
static void check_key_unique(bool vip, uint8_t proto, const struct nsnet_addr *a, uint16_t port, const char *key)
{
#ifdef FUZZ_SERVICE_DISTINCT_KEYS
	char text[NSNET_KEY_MAX], other_key[NSNET_KEY_MAX];
	const char *start = key + 4, *end = strrchr(key, '-');
	struct nsnet_endpoint other = { .port = port };
	size_t n;

	if (a->family != AF_INET6 || !end || end <= start)
		return;
	n = (size_t)(end - start);
	memcpy(text, start, n);
	text[n] = '\0';
	for (char *c = text; *c; c++)
		if (*c == '.')
			*c = ':';
	if (nsnet_addr_parse(text, &other.addr, NULL) != 0 || nsnet_addr_equal(&other.addr, a))
		return;
	if (vip)
		vip_key_of(proto, &other, other_key);
	else
		port_key_of(proto, &other.addr, port, other_key);
	if (!strcmp(key, other_key))
		abort();
#else
	(void)vip, (void)proto, (void)a, (void)port, (void)key;
#endif
}

static void fuzz_endpoint(const char *s)
{
	struct nsnet_endpoint ep, again, plain;
	char str[NSNET_KEY_MAX], key[NSNET_KEY_MAX], key2[NSNET_KEY_MAX];
	struct nsnet_err err;
	uint8_t proto = 0;
	int ret, ret_plain;

	ret = endpoint_parse(s, &ep, &proto, &err);
	if (ret == 0) {
		check_family(ep.addr.family);
		check_port(ep.port);
		check_proto(proto);
		/* Formatting and parsing again gives the same endpoint. */
		if (endpoint_parse(endpoint_str(&ep, str), &again, NULL, &err) != 0 || !endpoint_equal(&ep, &again))
			abort();
		vip_key_of(proto, &ep, key);
		check_key(key, proto, ep.port);
		check_key_unique(true, proto, &ep.addr, ep.port, key);
		vip_key_of(proto, &again, key2);
		if (strcmp(key, key2) != 0)
			abort();
	} else {
		check_refusal(ret, EINVAL, &err);
	}

	/* Without a proto pointer: the same answer for inputs without '/', a refusal for the rest. */
	ret_plain = endpoint_parse(s, &plain, NULL, &err);
	if (ret_plain == 0) {
		if (ret != 0 || proto != IPPROTO_TCP || strchr(s, '/') || !endpoint_equal(&ep, &plain))
			abort();
	} else {
		check_refusal(ret_plain, EINVAL, &err);
		if (ret == 0 && !strchr(s, '/'))
			abort();
	}
	if (endpoint_parse(s, &plain, NULL, NULL) != ret_plain)
		abort();
}

static void fuzz_backend(const char *s)
{
	struct nsnet_backend b, again;
	char str[NSNET_KEY_MAX + NSNET_NAME_MAX];
	struct nsnet_err err;
	int ret;

	ret = backend_parse(s, &b, &err);
	if (ret != 0) {
		/* Well-formed but special (loopback, multicast, ...): a refusal, -EADDRNOTAVAIL (issue 18). */
		check_refusal(ret, ret == -EADDRNOTAVAIL ? EADDRNOTAVAIL : EINVAL, &err);
		if (backend_parse(s, &b, NULL) != ret)
			abort();
		return;
	}
	check_port(b.ep.port);
	/* Exactly one of a namespace and an address. */
	if (b.ns[0]) {
		if (b.ep.addr.family != 0 || names_check("namespace", b.ns, NULL) != 0)
			abort();
		snprintf(str, sizeof(str), "%s:%u", b.ns, b.ep.port);
	} else {
		check_family(b.ep.addr.family);
		endpoint_str(&b.ep, str);
	}
	if (backend_parse(str, &again, &err) != 0 || strcmp(b.ns, again.ns) != 0 || b.ep.port != again.ep.port ||
	    b.ep.addr.family != again.ep.addr.family || (b.ep.addr.family && !nsnet_addr_equal(&b.ep.addr, &again.ep.addr)))
		abort();
}

/* The spec a parsed publish spec came from, in its canonical form. */
static const char *port_spec_str(const struct nsnet_port *p, char *out, size_t n)
{
	char ip[INET6_ADDRSTRLEN];

	if (!p->host_ip.family)
		snprintf(out, n, "%u:%u/%s", p->host_port, p->port, proto_name(p->proto));
	else
		snprintf(out, n, p->host_ip.family == AF_INET6 ? "[%s]:%u:%u/%s" : "%s:%u:%u/%s",
			 nsnet_addr_str(&p->host_ip, ip), p->host_port, p->port, proto_name(p->proto));
	return out;
}

static void fuzz_port_spec(const char *s)
{
	char str[NSNET_KEY_MAX], key[NSNET_KEY_MAX];
	struct nsnet_port p, again;
	struct nsnet_err err;
	int ret;

	memset(&p, 0, sizeof(p));
	ret = port_spec_parse(s, &p, &err);
	if (ret != 0) {
		check_refusal(ret, EINVAL, &err);
		if (port_spec_parse(s, &p, NULL) != ret)
			abort();
		return;
	}
	check_port(p.port);
	check_port(p.host_port);
	check_proto(p.proto);
	if (p.host_ip.family)
		check_family(p.host_ip.family);
	memset(&again, 0, sizeof(again));
	if (port_spec_parse(port_spec_str(&p, str, sizeof(str)), &again, &err) != 0 ||
	    again.host_ip.family != p.host_ip.family ||
	    (p.host_ip.family && !nsnet_addr_equal(&p.host_ip, &again.host_ip)) || again.host_port != p.host_port ||
	    again.port != p.port || again.proto != p.proto)
		abort();
	port_key(&p, key);
	check_key(key, p.proto, p.host_port);
	check_key_unique(false, p.proto, &p.host_ip, p.host_port, key);
}

/* Two arguments: equal keys must mean the same service (a key names one record file). */
static void fuzz_pair(const char *a, const char *b)
{
	char ka[NSNET_KEY_MAX], kb[NSNET_KEY_MAX];
	struct nsnet_endpoint ea, eb;
	struct nsnet_port pa, pb;
	uint8_t proto_a, proto_b;
	bool same_key, same;

	if (endpoint_parse(a, &ea, &proto_a, NULL) == 0 && endpoint_parse(b, &eb, &proto_b, NULL) == 0) {
		vip_key_of(proto_a, &ea, ka);
		vip_key_of(proto_b, &eb, kb);
		same_key = strcmp(ka, kb) == 0;
		same = proto_a == proto_b && endpoint_equal(&ea, &eb);
		if (same && !same_key)
			abort();
#ifdef FUZZ_SERVICE_DISTINCT_KEYS
		if (same_key && !same)
			abort();
#endif
	}
	memset(&pa, 0, sizeof(pa));
	memset(&pb, 0, sizeof(pb));
	if (port_spec_parse(a, &pa, NULL) == 0 && port_spec_parse(b, &pb, NULL) == 0) {
		port_key(&pa, ka);
		port_key(&pb, kb);
		same_key = strcmp(ka, kb) == 0;
		same = pa.proto == pb.proto && pa.host_port == pb.host_port && pa.host_ip.family == pb.host_ip.family &&
		       (!pa.host_ip.family || nsnet_addr_equal(&pa.host_ip, &pb.host_ip));
		if (same && !same_key)
			abort();
#ifdef FUZZ_SERVICE_DISTINCT_KEYS
		if (same_key && !same)
			abort();
#endif
	}
}

static bool vip_equal(const struct nsnet_vip *a, const struct nsnet_vip *b)
{
	if (a->id != b->id || strcmp(a->name, b->name) != 0 || !endpoint_equal(&a->vip, &b->vip) ||
	    a->proto != b->proto || a->affinity != b->affinity || a->n_backends != b->n_backends)
		return false;
	for (size_t i = 0; i < a->n_backends; i++)
		if (!endpoint_equal(&a->backend[i].ep, &b->backend[i].ep) || strcmp(a->backend[i].ns, b->backend[i].ns))
			return false;
	return true;
}

static bool port_equal(const struct nsnet_port *a, const struct nsnet_port *b)
{
	return a->id == b->id && !strcmp(a->ns, b->ns) && !strcmp(a->net, b->net) &&
	       a->host_ip.family == b->host_ip.family &&
	       (!a->host_ip.family || nsnet_addr_equal(&a->host_ip, &b->host_ip)) && a->host_port == b->host_port &&
	       a->port == b->port && a->proto == b->proto && nsnet_addr_equal(&a->target, &b->target);
}

/* to_json, then from_json again, directly and through the text form that is written to disk. */
static json_t *reload(json_t *j)
{
	char *text = j ? json_dumps(j, JSON_SORT_KEYS) : NULL;
	json_t *back = text ? json_loads(text, 0, NULL) : NULL;

	if (!text || !back)
		abort();
	free(text);
	return back;
}

static void fuzz_vip_json(const json_t *j)
{
	/* v as loaded (only its backends allocated: ASan sees a slot past them), again whole. */
	struct nsnet_vip *v = NULL, *again = malloc(sizeof(*again));
	char key[NSNET_KEY_MAX];
	struct nsnet_err err;
	json_t *out, *text;
	int ret;

	if (!again)
		abort();
	ret = vip_from_json_new(j, &v, &err);
	if (ret == 0 && !v)
		abort();
	if (ret != 0) {
		check_refusal(ret, EBADMSG, &err);
		goto out;
	}
	check_family(v->vip.addr.family);
	check_port(v->vip.port);
	check_proto(v->proto);
	if (v->affinity > NSNET_AFFINITY_MAX || v->n_backends > NSNET_MAX_BACKENDS ||
	    strlen(v->name) > NSNET_NAME_MAX)
		abort();
	for (size_t i = 0; i < v->n_backends; i++) {
		check_family(v->backend[i].ep.addr.family);
		check_port(v->backend[i].ep.port);
		if (v->backend[i].ns[0] && names_check("namespace", v->backend[i].ns, NULL) != 0)
			abort();
	}
	vip_key(v, key);
	check_key(key, v->proto, v->vip.port);

	out = vip_to_json(v);
	if (!out || vip_from_json(out, again, &err) != 0 || !vip_equal(v, again))
		abort();
	text = reload(out);
	if (vip_from_json(text, again, &err) != 0 || !vip_equal(v, again))
		abort();
	json_decref(text);
	json_decref(out);
out:
	free(v);
	free(again);
}

static void fuzz_port_json(const json_t *j)
{
	struct nsnet_port p, again;
	char key[NSNET_KEY_MAX];
	struct nsnet_err err;
	json_t *out, *text;
	int ret;

	ret = port_from_json(j, &p, &err);
	if (ret != 0) {
		check_refusal(ret, EBADMSG, &err);
		return;
	}
	check_port(p.port);
	check_port(p.host_port);
	check_proto(p.proto);
	check_family(p.target.family);
	if (p.host_ip.family)
		check_family(p.host_ip.family);
	if (names_check("namespace", p.ns, NULL) != 0 || names_check("network", p.net, NULL) != 0)
		abort();
	port_key(&p, key);
	check_key(key, p.proto, p.host_port);

	out = port_to_json(&p);
	if (!out || port_from_json(out, &again, &err) != 0 || !port_equal(&p, &again))
		abort();
	text = reload(out);
	if (port_from_json(text, &again, &err) != 0 || !port_equal(&p, &again))
		abort();
	json_decref(text);
	json_decref(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), *nl;
	json_t *j;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	fuzz_endpoint(s);
	fuzz_backend(s);
	fuzz_port_spec(s);

	j = json_loads(s, JSON_DECODE_ANY, NULL);
	fuzz_vip_json(j);
	fuzz_port_json(j);
	json_decref(j);

	nl = strchr(s, '\n');
	if (nl) {
		*nl = '\0';
		fuzz_pair(s, nl + 1);
	}
	free(s);
	return 0;
}
