// SPDX-License-Identifier: MIT
// CNI input: the CNI_* environment and the network configuration, checked into plain structs.
#include "cni/cni.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const cni_versions[CNI_NVERSIONS] = { "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0" };

int cni_fail(struct cni_error *e, int code, const char *fmt, ...)
{
	char raw[sizeof(e->msg)];
	size_t o = 0;
	va_list ap;

	e->code = code;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	/* Values from the request are quoted in messages: control bytes become \xHH, one line stays one. */
	for (const char *p = raw; *p && o + 5 < sizeof(e->msg); p++) {
		unsigned char ch = (unsigned char)*p;

		if (ch < 0x20 || ch == 0x7f)
			o += (size_t)snprintf(e->msg + o, sizeof(e->msg) - o, "\\x%02x", ch);
		else
			e->msg[o++] = (char)ch;
	}
	e->msg[o] = '\0';
	e->details[0] = '\0';
	return -1;
}

int cni_version_parse(const char *s)
{
	for (int i = 0; s && i < CNI_NVERSIONS; i++)
		if (!strcmp(s, cni_versions[i]))
			return i;
	return -1;
}

const char *cni_version_str(enum cni_ver v)
{
	return cni_versions[v];
}

static const struct {
	const char *name;
	enum cni_cmd cmd;
} cni_cmds[] = {
	{ "ADD", CNI_CMD_ADD }, { "DEL", CNI_CMD_DEL }, { "CHECK", CNI_CMD_CHECK },
	{ "STATUS", CNI_CMD_STATUS }, { "GC", CNI_CMD_GC }, { "VERSION", CNI_CMD_VERSION },
};

int cni_env_read(const char *(*get)(const char *name), struct cni_env *env, struct cni_error *e)
{
	const char *cmd = get("CNI_COMMAND");
	size_t i;

	memset(env, 0, sizeof(*env));
	if (!cmd || !*cmd)
		return cni_fail(e, CNI_ERR_ENV, "CNI_COMMAND is not set (expected ADD, DEL, CHECK, STATUS, GC or VERSION)");
	for (i = 0; i < sizeof(cni_cmds) / sizeof(cni_cmds[0]); i++)
		if (!strcmp(cmd, cni_cmds[i].name))
			break;
	if (i == sizeof(cni_cmds) / sizeof(cni_cmds[0]))
		return cni_fail(e, CNI_ERR_ENV, "CNI_COMMAND '%.32s': expected ADD, DEL, CHECK, STATUS, GC or VERSION", cmd);
	env->cmd = cni_cmds[i].cmd;
	env->cid = get("CNI_CONTAINERID");
	env->netns = get("CNI_NETNS");
	env->ifname = get("CNI_IFNAME");
	env->args = get("CNI_ARGS") ? get("CNI_ARGS") : "";
	env->path = get("CNI_PATH");
	if (env->cmd == CNI_CMD_VERSION)
		return 0;
	/* What each verb needs (SPEC.md "Parameters"); DEL may come after the namespace is gone. */
	if (env->cmd == CNI_CMD_ADD || env->cmd == CNI_CMD_DEL || env->cmd == CNI_CMD_CHECK) {
		struct nsnet_err err;

		if (!env->cid || !*env->cid)
			return cni_fail(e, CNI_ERR_ENV, "CNI_CONTAINERID is not set");
		if (cid_check(env->cid, &err) < 0)
			return cni_fail(e, CNI_ERR_ENV, "CNI_CONTAINERID: %s", err.msg);
		if (!env->ifname || !*env->ifname)
			return cni_fail(e, CNI_ERR_ENV, "CNI_IFNAME is not set");
		if (names_check_ifname(env->ifname, &err) < 0)
			return cni_fail(e, CNI_ERR_ENV, "CNI_IFNAME: %s", err.msg);
		if (env->cmd != CNI_CMD_DEL && (!env->netns || !*env->netns))
			return cni_fail(e, CNI_ERR_ENV, "CNI_NETNS is not set (the path of the container's network namespace)");
		if (env->netns && *env->netns && env->netns[0] != '/')
			return cni_fail(e, CNI_ERR_ENV, "CNI_NETNS '%.64s': expected an absolute path", env->netns);
	}
	if (!env->path || !*env->path)
		return cni_fail(e, CNI_ERR_ENV, "CNI_PATH is not set");
	return 0;
}

/* --- configuration ------------------------------------------------------------------------------ */

static int conf_bool(const json_t *obj, const char *key, bool *out, bool *given, struct cni_error *e)
{
	const json_t *v = json_object_get(obj, key);

	if (given)
		*given = v != NULL;
	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return cni_fail(e, CNI_ERR_CONFIG, "\"%s\": expected true or false", key);
	*out = json_is_true(v);
	return 0;
}

static int conf_str(const json_t *obj, const char *key, const char **out, struct cni_error *e)
{
	const json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v)
		return 0;
	if (!json_is_string(v))
		return cni_fail(e, CNI_ERR_CONFIG, "\"%s\": expected a string", key);
	*out = json_string_value(v);
	return 0;
}

/* Parse address @s ("A" or "A/LEN", the length ignored) into @a. @what names it. */
static int conf_addr(const char *s, const char *what, struct nsnet_addr *a, struct cni_error *e)
{
	char buf[NSNET_PREFIX_STRLEN];
	struct nsnet_err err;
	size_t n = strcspn(s, "/");

	if (n >= sizeof(buf))
		return cni_fail(e, CNI_ERR_CONFIG, "%s '%.64s': expected an IPv4 or IPv6 address", what, s);
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (nsnet_addr_parse(buf, a, &err) < 0)
		return cni_fail(e, CNI_ERR_CONFIG, "%s: %s", what, err.msg);
	return 0;
}

/* Add static address @a (one per family). */
static int conf_add_ip(struct sandbox_req *sb, const struct nsnet_addr *a, const char *what, struct cni_error *e)
{
	char buf[INET6_ADDRSTRLEN];

	for (size_t i = 0; i < sb->n_ips; i++)
		if (sb->ip[i].family == a->family)
			return cni_fail(e, CNI_ERR_CONFIG, "%s: %s: only one address per family", what, nsnet_addr_str(a, buf));
	sb->ip[sb->n_ips++] = *a;
	return 0;
}

/* A list of address strings (runtimeConfig.ips, args.cni.ips). */
static int conf_ips(const json_t *v, const char *what, struct sandbox_req *sb, struct cni_error *e)
{
	size_t i;
	json_t *x;

	if (!json_is_array(v))
		return cni_fail(e, CNI_ERR_CONFIG, "%s: expected a list of addresses", what);
	json_array_foreach(v, i, x) {
		struct nsnet_addr a;

		if (!json_is_string(x))
			return cni_fail(e, CNI_ERR_CONFIG, "%s: expected a list of address strings", what);
		if (conf_addr(json_string_value(x), what, &a, e) < 0 || conf_add_ip(sb, &a, what, e) < 0)
			return -1;
	}
	return 0;
}

static int conf_mac(const char *s, const char *what, struct sandbox_req *sb, struct cni_error *e)
{
	unsigned int b[6];
	char end;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &end) != 6)
		return cni_fail(e, CNI_ERR_CONFIG, "%s '%.32s': expected a MAC address like 02:00:00:00:00:01", what, s);
	if (b[0] & 1)
		return cni_fail(e, CNI_ERR_CONFIG, "%s %s: a multicast address cannot be an interface's", what, s);
	for (int i = 0; i < 6; i++)
		sb->mac[i] = (unsigned char)b[i];
	sb->mac_set = true;
	return 0;
}

/*
 * CNI_ARGS "K=V;K=V": IP=addr[,addr] and MAC=mac. K8S_POD_NAME goes to @pod_name (NULL: not
 * wanted) when it is a valid name: Podman puts its container name there, which is where the old
 * dnsname plugin took the container's name from. That key is Kubernetes', so a value that is no
 * valid name is left alone rather than refused, as are all other keys.
 */
static int conf_cni_args(const char *args, struct sandbox_req *sb, bool want_ips, char pod_name[NSNET_NAME_MAX + 1],
			 struct cni_error *e)
{
	char buf[4096];

	if (strlen(args) >= sizeof(buf))
		return cni_fail(e, CNI_ERR_ENV, "CNI_ARGS: longer than %zu bytes", sizeof(buf) - 1);
	snprintf(buf, sizeof(buf), "%s", args);
	for (char *save = NULL, *kv = strtok_r(buf, ";", &save); kv; kv = strtok_r(NULL, ";", &save)) {
		char *val = strchr(kv, '=');

		if (!val)
			return cni_fail(e, CNI_ERR_ENV, "CNI_ARGS: '%.64s': expected KEY=VALUE pairs separated by ';'", kv);
		*val++ = '\0';
		if (!strcmp(kv, "IP") && want_ips) {
			for (char *s2 = NULL, *ip = strtok_r(val, ",", &s2); ip; ip = strtok_r(NULL, ",", &s2)) {
				struct nsnet_addr a;

				if (conf_addr(ip, "CNI_ARGS IP", &a, e) < 0 || conf_add_ip(sb, &a, "CNI_ARGS IP", e) < 0) {
					e->code = CNI_ERR_ENV;
					return -1;
				}
			}
		} else if (!strcmp(kv, "MAC") && !sb->mac_set) {
			if (conf_mac(val, "CNI_ARGS MAC", sb, e) < 0) {
				e->code = CNI_ERR_ENV;
				return -1;
			}
		} else if (!strcmp(kv, "K8S_POD_NAME") && pod_name) {
			struct nsnet_err nerr;

			if (names_check("alias", val, &nerr) == 0)
				snprintf(pod_name, NSNET_NAME_MAX + 1, "%s", val);
		}
	}
	return 0;
}

/* Subnets and gateways: "subnet" (+ "gateway") or host-local style "ranges" of @obj. */
static int conf_subnets(const json_t *obj, const char *where, size_t *n, struct nsnet_prefix *subnet, size_t *n_gw,
			struct nsnet_addr *gw, struct cni_error *e)
{
	const json_t *ranges = json_object_get(obj, "ranges"), *sub = json_object_get(obj, "subnet");
	const char *gws;
	struct nsnet_err err;

	if (ranges && sub)
		return cni_fail(e, CNI_ERR_CONFIG, "%s: give \"subnet\" or \"ranges\", not both", where);
	if (sub) {
		if (!json_is_string(sub))
			return cni_fail(e, CNI_ERR_CONFIG, "%s\"subnet\": expected a string like 10.88.0.0/16", where);
		if (nsnet_prefix_parse(json_string_value(sub), &subnet[0], &err) < 0 ||
		    nsnet_subnet_check(&subnet[0], &err) < 0)
			return cni_fail(e, CNI_ERR_CONFIG, "%s\"subnet\": %s", where, err.msg);
		*n = 1;
		if (conf_str(obj, "gateway", &gws, e) < 0)
			return -1;
		if (gws) {
			if (nsnet_addr_parse(gws, &gw[0], &err) < 0)
				return cni_fail(e, CNI_ERR_CONFIG, "%s\"gateway\": %s", where, err.msg);
			*n_gw = 1;
		}
		return 0;
	}
	if (!ranges)
		return 0;
	if (!json_is_array(ranges) || json_array_size(ranges) == 0)
		return cni_fail(e, CNI_ERR_CONFIG, "%s\"ranges\": expected a list of range sets, e.g. [[{\"subnet\": \"10.88.0.0/16\"}]]", where);
	if (json_array_size(ranges) > NSNET_MAX_SUBNETS)
		return cni_fail(e, CNI_ERR_FIELD, "%s\"ranges\": at most %d range sets (one per address family)", where,
				NSNET_MAX_SUBNETS);
	for (size_t i = 0; i < json_array_size(ranges); i++) {
		const json_t *set = json_array_get(ranges, i), *r = json_array_get(set, 0);
		const char *s;

		if (!json_is_array(set) || !json_is_object(r))
			return cni_fail(e, CNI_ERR_CONFIG, "%s\"ranges\"[%zu]: expected a list of range objects", where, i);
		if (json_array_size(set) > 1)
			return cni_fail(e, CNI_ERR_FIELD, "%s\"ranges\"[%zu]: nsnet takes one range per set (one subnet per family)",
					where, i);
		if (json_object_get(r, "rangeStart") || json_object_get(r, "rangeEnd"))
			return cni_fail(e, CNI_ERR_FIELD, "%s\"ranges\"[%zu]: rangeStart/rangeEnd are not supported (nsnet hands out the whole subnet)",
					where, i);
		if (conf_str(r, "subnet", &s, e) < 0)
			return -1;
		if (!s)
			return cni_fail(e, CNI_ERR_CONFIG, "%s\"ranges\"[%zu]: \"subnet\" is missing", where, i);
		if (nsnet_prefix_parse(s, &subnet[*n], &err) < 0 || nsnet_subnet_check(&subnet[*n], &err) < 0)
			return cni_fail(e, CNI_ERR_CONFIG, "%s\"ranges\"[%zu].subnet: %s", where, i, err.msg);
		(*n)++;
		if (conf_str(r, "gateway", &s, e) < 0)
			return -1;
		if (s) {
			if (nsnet_addr_parse(s, &gw[*n_gw], &err) < 0)
				return cni_fail(e, CNI_ERR_CONFIG, "%s\"ranges\"[%zu].gateway: %s", where, i, err.msg);
			(*n_gw)++;
		}
	}
	return 0;
}

/* runtimeConfig.portMappings */
static int conf_ports(struct cni_conf *c, const json_t *v, struct cni_error *e)
{
	size_t i;
	json_t *m;

	if (!json_is_array(v))
		return cni_fail(e, CNI_ERR_CONFIG, "runtimeConfig.portMappings: expected a list");
	if (json_array_size(v) > SANDBOX_MAX_PORTS)
		return cni_fail(e, CNI_ERR_CONFIG, "runtimeConfig.portMappings: at most %d mappings", SANDBOX_MAX_PORTS);
	json_array_foreach(v, i, m) {
		struct nsnet_port *p = &c->ports[c->sb.n_ports];
		const json_t *hp = json_object_get(m, "hostPort"), *cp = json_object_get(m, "containerPort");
		const char *proto, *hip;
		struct nsnet_err err;

		memset(p, 0, sizeof(*p));
		if (!json_is_object(m) || !json_is_integer(hp) || !json_is_integer(cp) ||
		    json_integer_value(hp) < 1 || json_integer_value(hp) > 65535 ||
		    json_integer_value(cp) < 1 || json_integer_value(cp) > 65535)
			return cni_fail(e, CNI_ERR_CONFIG, "runtimeConfig.portMappings[%zu]: expected {\"hostPort\": 1-65535, \"containerPort\": 1-65535, \"protocol\": \"tcp\"|\"udp\"}", i);
		if (conf_str(m, "protocol", &proto, e) < 0 || conf_str(m, "hostIP", &hip, e) < 0)
			return -1;
		if (!proto || !strcasecmp(proto, "tcp"))
			p->proto = IPPROTO_TCP;
		else if (!strcasecmp(proto, "udp"))
			p->proto = IPPROTO_UDP;
		else
			return cni_fail(e, CNI_ERR_FIELD, "runtimeConfig.portMappings[%zu]: protocol '%.16s': nsnet publishes tcp and udp", i, proto);
		p->host_port = (uint16_t)json_integer_value(hp);
		p->port = (uint16_t)json_integer_value(cp);
		if (hip && *hip && strcmp(hip, "0.0.0.0") && strcmp(hip, "::") &&
		    nsnet_addr_parse(hip, &p->host_ip, &err) < 0)
			return cni_fail(e, CNI_ERR_CONFIG, "runtimeConfig.portMappings[%zu].hostIP: %s", i, err.msg);
		c->sb.n_ports++;
	}
	return 0;
}

/* runtimeConfig.dns {servers, searches, options} over the configuration's "dns". */
static int conf_dns(struct cni_conf *c, const json_t *conf_dns, const json_t *rt_dns, struct cni_error *e)
{
	if (conf_dns && !json_is_object(conf_dns))
		return cni_fail(e, CNI_ERR_CONFIG, "\"dns\": expected an object with nameservers, domain, search, options");
	c->dns = conf_dns ? json_deep_copy(conf_dns) : NULL;
	if (rt_dns) {
		static const char *const keys[][2] = { { "servers", "nameservers" }, { "searches", "search" },
						       { "options", "options" } };

		if (!json_is_object(rt_dns))
			return cni_fail(e, CNI_ERR_CONFIG, "runtimeConfig.dns: expected an object with servers, searches, options");
		if (!c->dns)
			c->dns = json_object();
		for (size_t i = 0; i < 3; i++) {
			const json_t *v = json_object_get(rt_dns, keys[i][0]);

			if (v && !json_is_array(v))
				return cni_fail(e, CNI_ERR_CONFIG, "runtimeConfig.dns.%s: expected a list of strings", keys[i][0]);
			if (v)
				json_object_set(c->dns, keys[i][1], (json_t *)v);
		}
	}
	if (c->dns && json_object_get(c->dns, "nameservers") && !json_is_array(json_object_get(c->dns, "nameservers")))
		return cni_fail(e, CNI_ERR_CONFIG, "\"dns\".nameservers: expected a list of addresses");
	return 0;
}

static int conf_valid(struct cni_conf *c, const json_t *v, struct cni_error *e)
{
	size_t i;
	json_t *a;

	if (!json_is_array(v))
		return cni_fail(e, CNI_ERR_CONFIG, "GC needs \"cni.dev/valid-attachments\": a list of {\"containerID\", \"ifname\"}");
	c->valid = calloc(json_array_size(v) + 1, sizeof(*c->valid));
	if (!c->valid)
		return cni_fail(e, CNI_ERR_INTERNAL, "out of memory");
	json_array_foreach(v, i, a) {
		const char *cid = json_string_value(json_object_get(a, "containerID"));
		const char *ifname = json_string_value(json_object_get(a, "ifname"));

		if (!cid || !ifname)
			return cni_fail(e, CNI_ERR_CONFIG, "\"cni.dev/valid-attachments\"[%zu]: expected {\"containerID\": string, \"ifname\": string}", i);
		if (asprintf(&c->valid[c->n_valid], "%s/%s", cid, ifname) < 0) {
			c->valid[c->n_valid] = NULL;
			return cni_fail(e, CNI_ERR_INTERNAL, "out of memory");
		}
		c->n_valid++;
	}
	return 0;
}

/*
 * The bandwidth capability, as the reference bandwidth plugin reads it: ingressRate/egressRate in
 * bits per second, ingressBurst/egressBurst in bits, in runtimeConfig.bandwidth or at the top of
 * the configuration (runtimeConfig wins). Ingress is traffic into the container (rate_in). A rate
 * without a burst gets nsnet's default burst; a burst outside what nsnet accepts is brought into
 * range (Kubernetes asks for 2^31-1 bits), a rate outside it is refused.
 */
static int conf_bandwidth(const json_t *obj, const char *where, struct nsnet_limit *l, struct cni_error *e)
{
	static const char *const keys[] = { "ingressRate", "ingressBurst", "egressRate", "egressBurst" };
	uint64_t v[4];

	for (size_t i = 0; i < 4; i++) {
		const json_t *j = json_object_get(obj, keys[i]);

		v[i] = i % 2 ? (i == 1 ? l->burst_in : l->burst_out) * 8 : (i == 0 ? l->rate_in : l->rate_out);
		if (!j)
			continue;
		if (!json_is_integer(j) || json_integer_value(j) < 0)
			return cni_fail(e, CNI_ERR_CONFIG, "%s%s: expected a number of bits%s", where, keys[i],
					i % 2 ? "" : " per second");
		v[i] = (uint64_t)json_integer_value(j);
		if (i % 2 == 0 && v[i] && (v[i] < NSNET_RATE_MIN || v[i] > NSNET_RATE_MAX))
			return cni_fail(e, CNI_ERR_CONFIG, "%s%s %llu: expected 1000 to 100000000000 bits per second (0: no limit)",
					where, keys[i], (unsigned long long)v[i]);
	}
	for (size_t i = 1; i < 4; i += 2) {
		if (v[i] && !v[i - 1])
			return cni_fail(e, CNI_ERR_CONFIG, "%s%s: needs %s", where, keys[i], keys[i - 1]);
		if (v[i] && v[i] / 8 < NSNET_BURST_MIN)
			v[i] = NSNET_BURST_MIN * 8;
		if (v[i] / 8 > NSNET_BURST_MAX)
			v[i] = NSNET_BURST_MAX * 8;
	}
	l->rate_in = v[0];
	l->burst_in = v[1] / 8;
	l->rate_out = v[2];
	l->burst_out = v[3] / 8;
	return 0;
}

/*
 * The container's name from CNI_ARGS K8S_POD_NAME becomes its first name on the resolver (the one
 * PTR answers): moved to the front when the aliases capability has it too, left out when that
 * holds as many names as fit.
 */
static void conf_pod_name(struct cni_conf *c)
{
	struct sandbox_req *sb = &c->sb;
	size_t at = sb->n_aliases;

	if (!c->pod_name[0])
		return;
	for (size_t i = 0; i < sb->n_aliases; i++)
		if (!strcmp(sb->aliases[i], c->pod_name))
			at = i;
	if (at == sb->n_aliases) {
		if (sb->n_aliases == NSNET_MAX_ALIASES)
			return;
		sb->n_aliases++;
	}
	memmove(&sb->aliases[1], &sb->aliases[0], at * sizeof(sb->aliases[0]));
	sb->aliases[0] = c->pod_name;
}

/* nsnet as the interface plugin: the network and the attachment. */
static int conf_plugin(struct cni_conf *c, const struct cni_env *env, struct cni_error *e)
{
	const json_t *root = c->root, *ipam = json_object_get(root, "ipam");
	const json_t *rt = json_object_get(root, "runtimeConfig"), *args = json_object_get(root, "args");
	struct sandbox_req *sb = &c->sb;
	struct network_req *net = &sb->net;
	bool b, given, masq = true, gw = true, hairpin = true, isolate = true;
	const char *bridge;

	net->name = c->name;
	sb->cid = env->cid;
	sb->ifname = env->ifname;
	sb->netns = env->netns ? env->netns : "";
	if (ipam && !json_is_object(ipam))
		return cni_fail(e, CNI_ERR_CONFIG, "\"ipam\": expected an object");
	if (ipam && conf_str(ipam, "type", &c->ipam_type, e) < 0)
		return -1;
	if (c->ipam_type && !strcmp(c->ipam_type, "nsnet"))
		c->ipam_type = NULL;	/* nsnet's own: the same as no "ipam" */
	if (c->ipam_type && (!*c->ipam_type || strchr(c->ipam_type, '/')))
		return cni_fail(e, CNI_ERR_CONFIG, "ipam.type '%.64s': expected a plugin name (no '/')", c->ipam_type);
	if (conf_subnets(root, "", &net->n_subnets, net->subnet, &net->n_gateways, net->gateway, e) < 0)
		return -1;
	if (ipam && !c->ipam_type) {
		struct nsnet_prefix s2[NSNET_MAX_SUBNETS];
		struct nsnet_addr g2[NSNET_MAX_SUBNETS];
		size_t n2 = 0, ng2 = 0;

		if (conf_subnets(ipam, "ipam.", &n2, s2, &ng2, g2, e) < 0)
			return -1;
		if (n2 && net->n_subnets)
			return cni_fail(e, CNI_ERR_CONFIG, "subnets are given both at the top and in \"ipam\": give them once");
		if (n2) {
			net->n_subnets = n2;
			memcpy(net->subnet, s2, sizeof(s2));
			net->n_gateways = ng2;
			memcpy(net->gateway, g2, sizeof(g2));
		}
	}
	if (net->n_gateways)
		sb->given |= SANDBOX_GIVEN_GATEWAY;
	if (conf_str(root, "bridge", &bridge, e) < 0)
		return -1;
	if (bridge) {
		struct nsnet_err err;

		if (names_check_ifname(bridge, &err) < 0)
			return cni_fail(e, CNI_ERR_CONFIG, "\"bridge\": %s", err.msg);
		snprintf(c->bridge, sizeof(c->bridge), "%s", bridge);
		net->bridge = c->bridge;
		sb->given |= SANDBOX_GIVEN_BRIDGE;
	}
	if (conf_str(root, "driver", &net->driver, e) < 0)
		return -1;
	if (net->driver && strcmp(net->driver, NSNET_DRIVER_DEFAULT) && strcmp(net->driver, NSNET_DRIVER_ROUTED))
		return cni_fail(e, CNI_ERR_CONFIG, "\"driver\": '%.32s': expected \"bridge\" or \"routed\"", net->driver);
	if (conf_bool(root, "ipMasq", &masq, &given, e) < 0)
		return -1;
	net->no_nat = !masq;
	sb->given |= given ? SANDBOX_GIVEN_NAT : 0;
	if (conf_bool(root, "internal", &net->internal, &given, e) < 0)
		return -1;
	sb->given |= given ? SANDBOX_GIVEN_INTERNAL : 0;
	if (conf_bool(root, "isGateway", &gw, NULL, e) < 0 || conf_bool(root, "isDefaultGateway", &b, &given, e) < 0)
		return -1;
	if (given)
		gw = gw && b;
	sb->no_default_route = !gw;
	if (conf_bool(root, "hairpinMode", &hairpin, NULL, e) < 0)
		return -1;
	sb->no_hairpin = !hairpin;
	if (conf_bool(root, "isolate", &isolate, NULL, e) < 0)
		return -1;
	if (!isolate)
		return cni_fail(e, CNI_ERR_FIELD, "\"isolate\": false is not supported: nsnet networks are always isolated from each other");
	if (json_object_get(root, "mtu")) {
		const json_t *m = json_object_get(root, "mtu");

		if (!json_is_integer(m) || json_integer_value(m) < 68 || json_integer_value(m) > 65535)
			return cni_fail(e, CNI_ERR_CONFIG, "\"mtu\": expected 68-65535");
		net->mtu = (unsigned int)json_integer_value(m);
		sb->given |= SANDBOX_GIVEN_MTU;
	}
	for (const char *const *k = (const char *const[]){ "vlan", "vlanTrunk", "enabledad", NULL }; *k; k++)
		if (json_object_get(root, *k))
			return cni_fail(e, CNI_ERR_FIELD, "\"%s\" is not supported by nsnet", *k);
	if (json_is_true(json_object_get(root, "promiscMode")))
		return cni_fail(e, CNI_ERR_FIELD, "\"promiscMode\": true is not supported by nsnet");

	sb->ports = c->ports;
	if (rt && !json_is_object(rt))
		return cni_fail(e, CNI_ERR_CONFIG, "\"runtimeConfig\": expected an object");
	if (json_object_get(rt, "portMappings") && conf_ports(c, json_object_get(rt, "portMappings"), e) < 0)
		return -1;
	if (conf_bandwidth(root, "", &sb->limit, e) < 0)
		return -1;
	if (json_object_get(rt, "bandwidth") && (!json_is_object(json_object_get(rt, "bandwidth")) ||
						 conf_bandwidth(json_object_get(rt, "bandwidth"), "runtimeConfig.bandwidth.",
								&sb->limit, e) < 0))
		return json_is_object(json_object_get(rt, "bandwidth")) ? -1
		       : cni_fail(e, CNI_ERR_CONFIG, "runtimeConfig.bandwidth: expected an object with ingressRate, ingressBurst, egressRate, egressBurst");
	/* Static addresses: runtimeConfig.ips, else args.cni.ips, else CNI_ARGS IP=. */
	if (json_object_get(rt, "ips") && conf_ips(json_object_get(rt, "ips"), "runtimeConfig.ips", sb, e) < 0)
		return -1;
	if (!sb->n_ips && json_object_get(json_object_get(args, "cni"), "ips") &&
	    conf_ips(json_object_get(json_object_get(args, "cni"), "ips"), "args.cni.ips", sb, e) < 0)
		return -1;
	if (json_object_get(rt, "mac")) {
		const char *m = json_string_value(json_object_get(rt, "mac"));

		if (!m || conf_mac(m, "runtimeConfig.mac", sb, e) < 0)
			return m ? -1 : cni_fail(e, CNI_ERR_CONFIG, "runtimeConfig.mac: expected a string");
	}
	if (env->cmd == CNI_CMD_ADD && conf_cni_args(env->args, sb, sb->n_ips == 0, c->pod_name, e) < 0)
		return -1;
	if (sb->n_ips && c->ipam_type)
		return cni_fail(e, CNI_ERR_CONFIG, "static addresses go to the IPAM plugin %s, not to nsnet", c->ipam_type);
	/* The aliases capability: {"NETWORK": ["name", ...]}; this network's become names on its resolver. */
	if (json_object_get(rt, "aliases")) {
		const json_t *al = json_object_get(rt, "aliases"), *mine = json_object_get(al, c->name), *v;
		size_t i;

		if (!json_is_object(al) || (mine && !json_is_array(mine)))
			return cni_fail(e, CNI_ERR_CONFIG, "runtimeConfig.aliases: expected {\"NETWORK\": [\"name\", ...]}");
		json_array_foreach(mine, i, v) {
			struct nsnet_err nerr = { 0 };

			if (sb->n_aliases == NSNET_MAX_ALIASES)
				return cni_fail(e, CNI_ERR_CONFIG, "runtimeConfig.aliases: at most %d names", NSNET_MAX_ALIASES);
			if (!json_string_value(v) || names_check("alias", json_string_value(v), &nerr) < 0)
				return cni_fail(e, CNI_ERR_FIELD, "runtimeConfig.aliases.%s[%zu]: %s", c->name, i,
						json_string_value(v) ? nerr.msg : "expected a string");
			sb->aliases[sb->n_aliases++] = json_string_value(v);
		}
	}
	conf_pod_name(c);
	return conf_dns(c, json_object_get(root, "dns"), json_object_get(rt, "dns"), e);
}

/* nsnet as an IPAM plugin under another plugin: the pool. */
static int conf_ipam(struct cni_conf *c, const struct cni_env *env, const json_t *ipam, struct cni_error *e)
{
	struct sandbox_req tmp = { 0 };
	const json_t *rt = json_object_get(c->root, "runtimeConfig"), *args = json_object_get(c->root, "args");

	c->pool.name = c->name;
	if (conf_subnets(ipam, "ipam.", &c->pool.n_subnets, c->pool.subnet, &c->pool.n_gateways, c->pool.gateway, e) < 0)
		return -1;
	if (!c->pool.n_subnets && (env->cmd == CNI_CMD_ADD || env->cmd == CNI_CMD_STATUS))
		return cni_fail(e, CNI_ERR_CONFIG, "\"ipam\": \"subnet\" or \"ranges\" is required");
	if (json_object_get(rt, "ips") && conf_ips(json_object_get(rt, "ips"), "runtimeConfig.ips", &tmp, e) < 0)
		return -1;
	if (!tmp.n_ips && json_object_get(json_object_get(args, "cni"), "ips") &&
	    conf_ips(json_object_get(json_object_get(args, "cni"), "ips"), "args.cni.ips", &tmp, e) < 0)
		return -1;
	if (env->cmd == CNI_CMD_ADD && conf_cni_args(env->args, &tmp, tmp.n_ips == 0, NULL, e) < 0)
		return -1;
	c->pool.n_ips = tmp.n_ips;
	memcpy(c->pool.ip, tmp.ip, sizeof(c->pool.ip));
	c->ipam_routes = json_object_get(ipam, "routes");
	if (c->ipam_routes && !json_is_array(c->ipam_routes))
		return cni_fail(e, CNI_ERR_CONFIG, "ipam.routes: expected a list of {\"dst\", \"gw\"}");
	return conf_dns(c, json_object_get(ipam, "dns"), NULL, e);
}

int cni_conf_parse(const char *text, size_t len, const struct cni_env *env, struct cni_conf *c,
		   struct cni_error *e)
{
	json_error_t jerr;
	const char *type, *ipam_type = NULL;
	const json_t *ipam;
	int v;

	memset(c, 0, sizeof(*c));
	c->root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!c->root)
		return cni_fail(e, CNI_ERR_DECODE, "configuration on stdin is not JSON: line %d column %d: %s", jerr.line,
				jerr.column, jerr.text);
	if (!json_is_object(c->root))
		return cni_fail(e, CNI_ERR_DECODE, "configuration on stdin: expected a JSON object");
	if (conf_str(c->root, "cniVersion", &c->version, e) < 0) {
		e->code = CNI_ERR_DECODE;
		return -1;
	}
	if (env->cmd == CNI_CMD_VERSION)
		return 0;
	v = cni_version_parse(c->version);
	if (v < 0)
		return cni_fail(e, CNI_ERR_VERSION, "cniVersion '%.16s': nsnet supports 0.3.0, 0.3.1, 0.4.0, 1.0.0 and 1.1.0",
				c->version ? c->version : "(missing)");
	c->ver = (enum cni_ver)v;
	if (env->cmd == CNI_CMD_CHECK && c->ver < CNI_V040)
		return cni_fail(e, CNI_ERR_VERSION, "CHECK needs cniVersion 0.4.0 or later (the configuration has %s)", c->version);
	if ((env->cmd == CNI_CMD_STATUS || env->cmd == CNI_CMD_GC) && c->ver < CNI_V110)
		return cni_fail(e, CNI_ERR_VERSION, "%s needs cniVersion 1.1.0 (the configuration has %s)",
				env->cmd == CNI_CMD_GC ? "GC" : "STATUS", c->version);
	if (conf_str(c->root, "name", &c->name, e) < 0 || conf_str(c->root, "type", &type, e) < 0)
		return -1;
	if (!c->name) {
		return cni_fail(e, CNI_ERR_CONFIG, "\"name\" is missing");
	} else {
		struct nsnet_err err;

		if (names_check("network", c->name, &err) < 0)
			return cni_fail(e, CNI_ERR_CONFIG, "\"name\": %s", err.msg);
	}
	ipam = json_object_get(c->root, "ipam");
	if (json_is_object(ipam))
		ipam_type = json_string_value(json_object_get(ipam, "type"));
	if (type && !strcmp(type, "nsnet")) {
		c->mode = CNI_MODE_PLUGIN;
		if (conf_plugin(c, env, e) < 0)
			return -1;
	} else if (ipam_type && !strcmp(ipam_type, "nsnet")) {
		c->mode = CNI_MODE_IPAM;
		if (conf_ipam(c, env, ipam, e) < 0)
			return -1;
	} else {
		return cni_fail(e, CNI_ERR_CONFIG, "\"type\" '%.32s': expected \"nsnet\" (or \"ipam\": {\"type\": \"nsnet\"})",
				type ? type : "(missing)");
	}
	if (env->cmd == CNI_CMD_GC && conf_valid(c, json_object_get(c->root, "cni.dev/valid-attachments"), e) < 0)
		return -1;
	return 0;
}

void cni_conf_free(struct cni_conf *c)
{
	for (size_t i = 0; c->valid && i < c->n_valid; i++)
		free(c->valid[i]);
	free(c->valid);
	json_decref(c->dns);
	json_decref(c->root);
	memset(c, 0, sizeof(*c));
}
