// SPDX-License-Identifier: MIT
// Service records: parsers for VIPs, backends and publish specs, keys and JSON (see service.h).
#include "model/service.h"

#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SVC_INPUT_MAX 128	/* longer arguments are refused before parsing */

const char *proto_name(uint8_t proto)
{
	return proto == IPPROTO_UDP ? "udp" : "tcp";
}

int port_parse(const char *s, const char *what, uint16_t *out, struct nsnet_err *err)
{
	unsigned long v = 0;
	size_t i;

	for (i = 0; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9' || i >= 5)
			break;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (i == 0 || s[i] || v < 1 || v > 65535 || (s[0] == '0'))
		return nsnet_err_set(err, EINVAL, "%s '%.16s': expected a port number from 1 to 65535", what, s);
	*out = (uint16_t)v;
	return 0;
}

/* Split "/proto" off @s (in place). */
static int svc_split_proto(char *s, uint8_t *proto, const char *whole, struct nsnet_err *err)
{
	char *slash = strrchr(s, '/');

	if (!slash) {
		if (proto)
			*proto = IPPROTO_TCP;
		return 0;
	}
	if (!proto)
		return nsnet_err_set(err, EINVAL, "'%s': no /PROTO expected here", whole);
	*slash = '\0';
	if (!strcmp(slash + 1, "tcp"))
		*proto = IPPROTO_TCP;
	else if (!strcmp(slash + 1, "udp"))
		*proto = IPPROTO_UDP;
	else
		return nsnet_err_set(err, EINVAL, "'%s': unknown protocol '%.16s' (expected tcp or udp)", whole,
				     slash + 1);
	return 0;
}

/* Split "HOST:PORT" or "[HOST]:PORT" at its last ':'; @host and @port point into @s. */
static int svc_split_host_port(char *s, char **host, char **port, const char *whole, struct nsnet_err *err)
{
	char *colon;

	if (s[0] == '[') {
		char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return nsnet_err_set(err, EINVAL, "'%s': expected [IPV6]:PORT", whole);
		*close = '\0';
		*host = s + 1;
		*port = close + 2;
		return 1;	/* bracketed: must be an address */
	}
	colon = strrchr(s, ':');
	if (!colon)
		return nsnet_err_set(err, EINVAL, "'%s': expected ADDRESS:PORT", whole);
	*colon = '\0';
	*host = s;
	*port = colon + 1;
	if (strchr(s, ':'))
		return nsnet_err_set(err, EINVAL, "'%s': write IPv6 addresses in brackets, e.g. [fd00::1]:80", whole);
	return 0;
}

static int svc_copy(const char *s, char *buf, struct nsnet_err *err)
{
	size_t len = strnlen(s, SVC_INPUT_MAX);

	/* Refused before anything echoes them: messages stay one printable line. */
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
			return nsnet_err_set(err, EINVAL, "argument with a control or non-ASCII byte at offset %zu: expected ADDRESS:PORT text", i);
	if (len == 0 || len >= SVC_INPUT_MAX)
		return nsnet_err_set(err, EINVAL, "'%.32s': expected 1 to %d bytes", s, SVC_INPUT_MAX - 1);
	memcpy(buf, s, len + 1);
	return 0;
}

int endpoint_parse(const char *s, struct nsnet_endpoint *ep, uint8_t *proto, struct nsnet_err *err)
{
	char buf[SVC_INPUT_MAX], *host, *port;
	int r;

	memset(ep, 0, sizeof(*ep));
	if ((r = svc_copy(s, buf, err)) < 0 || (r = svc_split_proto(buf, proto, s, err)) < 0 ||
	    (r = svc_split_host_port(buf, &host, &port, s, err)) < 0)
		return r;
	if (nsnet_addr_parse(host, &ep->addr, NULL) < 0)
		return nsnet_err_set(err, EINVAL, "'%s': '%s' is not an IPv4 or IPv6 address", s, host);
	return port_parse(port, "port", &ep->port, err);
}

int backend_parse(const char *s, struct nsnet_backend *b, struct nsnet_err *err)
{
	char buf[SVC_INPUT_MAX], *host, *port;
	int r;

	memset(b, 0, sizeof(*b));
	if ((r = svc_copy(s, buf, err)) < 0)
		return r;
	r = svc_split_host_port(buf, &host, &port, s, err);
	if (r < 0)
		return r;
	if (nsnet_addr_parse(host, &b->ep.addr, NULL) < 0) {
		if (r == 1)
			return nsnet_err_set(err, EINVAL, "backend '%s': '%s' is not an IPv6 address", s, host);
		if (*host && strspn(host, "0123456789.") == strlen(host))
			return nsnet_err_set(err, EINVAL, "backend '%s': '%s' is not an IPv4 address", s, host);
		if (names_check("namespace", host, err) < 0) {
			nsnet_err_prefix(err, "backend '%s' (expected NS:PORT or IP:PORT)", s);
			return -EINVAL;
		}
		snprintf(b->ns, sizeof(b->ns), "%s", host);
	} else if (nsnet_addr_special(&b->ep.addr)) {
		/*
		 * A backend on the host's loopback would expose services listening only there to every
		 * namespace (CVE-2020-8558); unspecified, multicast, broadcast and the other special
		 * ranges are no one host's service at all. Well-formed, so a refusal, not a usage error.
		 */
		return nsnet_err_set(err, EADDRNOTAVAIL,
				     "backend '%s': %s is %s: a backend must be a unicast address of a namespace or another host",
				     s, host, nsnet_addr_special(&b->ep.addr));
	}
	if ((r = port_parse(port, "port", &b->ep.port, err)) < 0)
		nsnet_err_prefix(err, "backend '%s'", s);
	return r;
}

int port_spec_parse(const char *s, struct nsnet_port *p, struct nsnet_err *err)
{
	char buf[SVC_INPUT_MAX], *last, *mid, *host_port;
	int r;

	memset(&p->host_ip, 0, sizeof(p->host_ip));
	if ((r = svc_copy(s, buf, err)) < 0 || (r = svc_split_proto(buf, &p->proto, s, err)) < 0)
		return r;
	last = strrchr(buf, ':');
	if (!last)
		return nsnet_err_set(err, EINVAL, "'%s': expected [HOSTIP:]HOSTPORT:PORT[/tcp|/udp]", s);
	*last++ = '\0';
	if ((r = port_parse(last, "port", &p->port, err)) < 0)
		goto bad;
	mid = strrchr(buf, ':');
	if (buf[0] == '[') {
		char *close = strchr(buf, ']');

		if (!close || close[1] != ':') {
			r = nsnet_err_set(err, EINVAL, "'%s': expected [IPV6]:HOSTPORT:PORT", s);
			goto bad;
		}
		*close = '\0';
		if (nsnet_addr_parse(buf + 1, &p->host_ip, NULL) < 0 || p->host_ip.family != AF_INET6) {
			r = nsnet_err_set(err, EINVAL, "'%s': '%s' is not an IPv6 address", s, buf + 1);
			goto bad;
		}
		host_port = close + 2;
	} else if (mid) {
		*mid = '\0';
		if (strchr(buf, ':') || nsnet_addr_parse(buf, &p->host_ip, NULL) < 0) {
			r = nsnet_err_set(err, EINVAL, "'%s': '%s' is not an IPv4 address (IPv6 in brackets)", s, buf);
			goto bad;
		}
		host_port = mid + 1;
	} else {
		host_port = buf;	/* no host address: HOSTPORT starts the string */
	}
	r = port_parse(host_port, "host port", &p->host_port, err);
	/* 0.0.0.0 or [::] is every address: the same as no host address (one rule, one key). */
	if (r == 0 && p->host_ip.family && nsnet_addr_special(&p->host_ip) &&
	    !strcmp(nsnet_addr_special(&p->host_ip), "unspecified"))
		memset(&p->host_ip, 0, sizeof(p->host_ip));
bad:
	if (r < 0 && err && !strstr(err->msg, s))
		nsnet_err_prefix(err, "'%s'", s);
	return r;
}

static void svc_key(uint8_t proto, const struct nsnet_addr *a, uint16_t port, char *out)
{
	char buf[INET6_ADDRSTRLEN];

	if (a->family)
		nsnet_addr_str(a, buf);
	else
		snprintf(buf, sizeof(buf), "any");
	/* File names without ':' travel better (tar, scp); '_' never occurs in an address, while
	 * '.' would make [::1.2.3.4] and [::1:2:3:4] the same key. */
	for (char *c = buf; *c; c++)
		if (*c == ':')
			*c = '_';
	snprintf(out, NSNET_KEY_MAX, "%s-%s-%u", proto_name(proto), buf, port);
}

void vip_key_of(uint8_t proto, const struct nsnet_endpoint *ep, char *out)
{
	svc_key(proto, &ep->addr, ep->port, out);
}

void vip_key(const struct nsnet_vip *v, char *out)
{
	vip_key_of(v->proto, &v->vip, out);
}

void port_key_of(uint8_t proto, const struct nsnet_addr *host_ip, uint16_t host_port, char *out)
{
	svc_key(proto, host_ip, host_port, out);
}

void port_key(const struct nsnet_port *p, char *out)
{
	port_key_of(p->proto, &p->host_ip, p->host_port, out);
}

const char *endpoint_str(const struct nsnet_endpoint *ep, char *out)
{
	char buf[INET6_ADDRSTRLEN];

	nsnet_addr_str(&ep->addr, buf);
	snprintf(out, NSNET_KEY_MAX, ep->addr.family == AF_INET6 ? "[%s]:%u" : "%s:%u", buf, ep->port);
	return out;
}

json_t *vip_to_json(const struct nsnet_vip *v)
{
	char buf[INET6_ADDRSTRLEN];
	json_t *backends = json_array();

	for (size_t i = 0; backends && i < v->n_backends; i++) {
		json_t *b = json_pack("{s:s, s:i}", "address", nsnet_addr_str(&v->backend[i].ep.addr, buf),
				      "port", v->backend[i].ep.port);

		if (b && v->backend[i].ns[0])
			json_object_set_new(b, "namespace", json_string(v->backend[i].ns));
		json_array_append_new(backends, b);
	}
	json_t *j = json_pack("{s:i, s:s, s:s, s:i, s:s, s:i, s:o}", "id", (int)v->id, "name", v->name,
			      "address", nsnet_addr_str(&v->vip.addr, buf), "port", v->vip.port,
			      "protocol", proto_name(v->proto), "affinity", (int)v->affinity, "backends", backends);

	project_to_json(j, v->project);
	return j;
}

static int svc_proto_from(const char *s, uint8_t *proto)
{
	if (s && !strcmp(s, "tcp"))
		*proto = IPPROTO_TCP;
	else if (s && !strcmp(s, "udp"))
		*proto = IPPROTO_UDP;
	else
		return -1;
	return 0;
}

static int svc_port_from(const json_t *j, uint16_t *out)
{
	json_int_t v = json_integer_value(j);

	if (!json_is_integer(j) || v < 1 || v > 65535)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

size_t vip_size(size_t n_backends)
{
	return offsetof(struct nsnet_vip, backend) + n_backends * sizeof(struct nsnet_backend);
}

void vip_copy(struct nsnet_vip *to, const struct nsnet_vip *v)
{
	memcpy(to, v, vip_size(v->n_backends));
}

int vip_from_json(const json_t *j, struct nsnet_vip *v, struct nsnet_err *err)
{
	const json_t *bs = json_object_get(j, "backends");
	const char *name = json_string_value(json_object_get(j, "name"));
	json_int_t id = json_integer_value(json_object_get(j, "id"));
	json_int_t aff = json_integer_value(json_object_get(j, "affinity"));

	/* Everything but the unused backend slots, which vip_from_json_new() does not allocate. */
	memset(v, 0, offsetof(struct nsnet_vip, backend));
	if (json_is_array(bs) && json_array_size(bs) <= NSNET_MAX_BACKENDS)
		memset(v->backend, 0, json_array_size(bs) * sizeof(v->backend[0]));
	if (!json_is_object(j) || !name || strlen(name) > NSNET_NAME_MAX || id < 0 || id > 1000000 ||
	    aff < 0 || aff > NSNET_AFFINITY_MAX || !json_is_array(bs) || json_array_size(bs) > NSNET_MAX_BACKENDS ||
	    nsnet_addr_parse(json_string_value(json_object_get(j, "address")) ?: "", &v->vip.addr, NULL) < 0 ||
	    svc_port_from(json_object_get(j, "port"), &v->vip.port) < 0 ||
	    svc_proto_from(json_string_value(json_object_get(j, "protocol")), &v->proto) < 0)
		return nsnet_err_set(err, EBADMSG, "vip record: malformed");
	v->id = (unsigned int)id;
	v->affinity = (unsigned int)aff;
	snprintf(v->name, sizeof(v->name), "%s", name);
	v->n_backends = json_array_size(bs);
	for (size_t i = 0; i < v->n_backends; i++) {
		const json_t *b = json_array_get(bs, i);
		const char *ns = json_string_value(json_object_get(b, "namespace"));
		struct nsnet_backend *t = &v->backend[i];

		if (nsnet_addr_parse(json_string_value(json_object_get(b, "address")) ?: "", &t->ep.addr, NULL) < 0 ||
		    svc_port_from(json_object_get(b, "port"), &t->ep.port) < 0 ||
		    (ns && names_check("namespace", ns, NULL) < 0))
			return nsnet_err_set(err, EBADMSG, "vip record: malformed backend %zu", i);
		if (ns)
			snprintf(t->ns, sizeof(t->ns), "%s", ns);
	}
	return project_from_json(j, v->project, err);
}

int vip_from_json_new(const json_t *j, struct nsnet_vip **out, struct nsnet_err *err)
{
	const json_t *bs = json_object_get(j, "backends");
	size_t n = json_is_array(bs) ? json_array_size(bs) : 0;
	struct nsnet_vip *v;
	int r;

	*out = NULL;
	if (n > NSNET_MAX_BACKENDS)
		return nsnet_err_set(err, EBADMSG, "vip record: malformed");
	if (!(v = malloc(vip_size(n))))
		return nsnet_err_set(err, ENOMEM, "out of memory");
	/* vip_from_json() writes the header and the json_array_size(bs) == n slots, no more. */
	if ((r = vip_from_json(j, v, err)) < 0) {
		free(v);
		return r;
	}
	*out = v;
	return 0;
}

json_t *port_to_json(const struct nsnet_port *p)
{
	char hip[INET6_ADDRSTRLEN], tgt[INET6_ADDRSTRLEN];

	json_t *j = json_pack("{s:i, s:s, s:s, s:s, s:i, s:i, s:s, s:s}", "id", (int)p->id, "namespace", p->ns,
			      "network", p->net, "host_ip", p->host_ip.family ? nsnet_addr_str(&p->host_ip, hip) : "",
			      "host_port", p->host_port, "port", p->port, "protocol", proto_name(p->proto),
			      "target", nsnet_addr_str(&p->target, tgt));

	project_to_json(j, p->project);
	return j;
}

int port_from_json(const json_t *j, struct nsnet_port *p, struct nsnet_err *err)
{
	const char *ns = json_string_value(json_object_get(j, "namespace"));
	const char *net = json_string_value(json_object_get(j, "network"));
	const char *hip = json_string_value(json_object_get(j, "host_ip"));
	json_int_t id = json_integer_value(json_object_get(j, "id"));

	memset(p, 0, sizeof(*p));
	if (!json_is_object(j) || !ns || !net || !hip || names_check("namespace", ns, NULL) < 0 ||
	    names_check("network", net, NULL) < 0 || id < 0 || id > 1000000 ||
	    (*hip && nsnet_addr_parse(hip, &p->host_ip, NULL) < 0) ||
	    svc_port_from(json_object_get(j, "host_port"), &p->host_port) < 0 ||
	    svc_port_from(json_object_get(j, "port"), &p->port) < 0 ||
	    svc_proto_from(json_string_value(json_object_get(j, "protocol")), &p->proto) < 0 ||
	    nsnet_addr_parse(json_string_value(json_object_get(j, "target")) ?: "", &p->target, NULL) < 0)
		return nsnet_err_set(err, EBADMSG, "port record: malformed");
	p->id = (unsigned int)id;
	snprintf(p->ns, sizeof(p->ns), "%s", ns);
	snprintf(p->net, sizeof(p->net), "%s", net);
	return project_from_json(j, p->project, err);
}
