// SPDX-License-Identifier: MIT
// CNI output: results, VERSION answers and errors, each in the format of the requested spec version.
#include "cni/cni.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static void mac_str(const unsigned char *m, char *out)
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* "ips": one entry per address; 0.3.x and 0.4.0 carry "version", 1.x dropped it. @iface < 0: none. */
static json_t *result_ips(enum cni_ver ver, const struct sandbox_result *res, int iface)
{
	json_t *ips = json_array();

	for (size_t i = 0; ips && i < res->n_addrs; i++) {
		char a[INET6_ADDRSTRLEN], cidr[NSNET_PREFIX_STRLEN + 4], g[INET6_ADDRSTRLEN];
		json_t *ip;

		snprintf(cidr, sizeof(cidr), "%s/%u", nsnet_addr_str(&res->addr[i], a), res->plen[i]);
		ip = json_pack("{s:s}", "address", cidr);
		if (!ip)
			continue;
		if (ver < CNI_V100)
			json_object_set_new(ip, "version", json_string(res->addr[i].family == AF_INET6 ? "6" : "4"));
		if (res->gateway[i].family)
			json_object_set_new(ip, "gateway", json_string(nsnet_addr_str(&res->gateway[i], g)));
		if (iface >= 0)
			json_object_set_new(ip, "interface", json_integer(iface));
		json_array_append_new(ips, ip);
	}
	return ips;
}

static json_t *result_dns(const struct sandbox_result *res);

json_t *cni_result(const struct cni_conf *c, const struct cni_env *env, const struct sandbox_result *res)
{
	char hm[18], m[18];
	json_t *host, *cont, *routes = json_array(), *r;

	mac_str(res->host_mac, hm);
	mac_str(res->mac, m);
	/* interfaces[0] the host end (no sandbox), [1] the container's: ips point at index 1. */
	host = json_pack("{s:s, s:s}", "name", res->host_ifname, "mac", hm);
	cont = json_pack("{s:s, s:s, s:s}", "name", res->ifname, "mac", m, "sandbox", env->netns ? env->netns : "");
	if (c->ver >= CNI_V110 && res->mtu) {
		json_object_set_new(host, "mtu", json_integer(res->mtu));
		json_object_set_new(cont, "mtu", json_integer(res->mtu));
	}
	for (size_t i = 0; routes && res->default_route && i < res->n_addrs; i++) {
		char g[INET6_ADDRSTRLEN];

		if (!res->gateway[i].family)
			continue;
		json_array_append_new(routes, json_pack("{s:s, s:s}", "dst",
							res->addr[i].family == AF_INET6 ? "::/0" : "0.0.0.0/0", "gw",
							nsnet_addr_str(&res->gateway[i], g)));
	}
	for (size_t i = 0; routes && i < res->n_routes; i++) {
		char d[NSNET_PREFIX_STRLEN], g[INET6_ADDRSTRLEN];
		json_t *rt = json_pack("{s:s}", "dst", nsnet_prefix_str(&res->route[i].dst, d));

		if (rt && res->route[i].gw.family)
			json_object_set_new(rt, "gw", json_string(nsnet_addr_str(&res->route[i].gw, g)));
		json_array_append_new(routes, rt);
	}
	r = json_pack("{s:s, s:[oo], s:o, s:o, s:o}", "cniVersion", cni_version_str(c->ver), "interfaces", host, cont,
		      "ips", result_ips(c->ver, res, 1), "routes", routes, "dns",
		      c->dns ? json_deep_copy(c->dns) : result_dns(res));
	return r;
}

/* The network's resolver as the result's "dns" (a configuration's own "dns" wins), or {}. */
static json_t *result_dns(const struct sandbox_result *res)
{
	char a[INET6_ADDRSTRLEN];
	json_t *d, *servers;

	if (!res->dns)
		return json_object();
	servers = json_array();
	for (size_t i = 0; servers && i < res->n_dns; i++)
		json_array_append_new(servers, json_string(nsnet_addr_str(&res->dns_servers[i], a)));
	d = json_pack("{s:o, s:s, s:[s]}", "nameservers", servers, "domain", res->domain, "search", res->domain);
	return d ? d : json_object();
}

json_t *cni_ipam_result(const struct cni_conf *c, const struct sandbox_result *res)
{
	json_t *r = json_pack("{s:s, s:o}", "cniVersion", cni_version_str(c->ver), "ips", result_ips(c->ver, res, -1));

	if (!r)
		return NULL;
	json_object_set_new(r, "routes", c->ipam_routes ? json_deep_copy(c->ipam_routes) : json_array());
	json_object_set_new(r, "dns", c->dns ? json_deep_copy(c->dns) : json_object());
	return r;
}

json_t *cni_version_result(const char *requested)
{
	int v = cni_version_parse(requested);
	json_t *list = json_array();

	for (int i = 0; list && i < CNI_NVERSIONS; i++)
		json_array_append_new(list, json_string(cni_version_str((enum cni_ver)i)));
	return json_pack("{s:s, s:o}", "cniVersion", cni_version_str(v < 0 ? CNI_V110 : (enum cni_ver)v),
			 "supportedVersions", list);
}

json_t *cni_error_json(const char *version, const struct cni_error *e)
{
	int v = cni_version_parse(version);
	json_t *j = json_pack("{s:s, s:i, s:s}", "cniVersion", cni_version_str(v < 0 ? CNI_V110 : (enum cni_ver)v),
			      "code", e->code, "msg", e->msg);

	if (j && e->details[0])
		json_object_set_new(j, "details", json_string(e->details));
	return j;
}

int cni_check_prev(const json_t *prev, const struct cni_env *env, const struct sandbox_result *res,
		   struct cni_error *e)
{
	const json_t *ifs = json_object_get(prev, "interfaces"), *ips = json_object_get(prev, "ips"), *x;
	char mac[18];
	long long mine = -1;
	size_t i;

	if (!prev)
		return 0;
	if (!json_is_object(prev))
		return cni_fail(e, CNI_ERR_DECODE, "prevResult: expected an object");
	mac_str(res->mac, mac);
	json_array_foreach(ifs, i, x) {
		const char *name = json_string_value(json_object_get(x, "name"));
		const char *sb = json_string_value(json_object_get(x, "sandbox"));
		const char *m = json_string_value(json_object_get(x, "mac"));

		if (!name || strcmp(name, env->ifname) || !sb || !*sb)
			continue;
		mine = (long long)i;
		if (env->netns && strcmp(sb, env->netns))
			return cni_fail(e, CNI_ERR_INTERNAL, "prevResult: interface %s is in sandbox %s, CNI_NETNS is %s",
					name, sb, env->netns);
		if (m && strcasecmp(m, mac))
			return cni_fail(e, CNI_ERR_INTERNAL, "prevResult: interface %s has MAC %s, nsnet set %s", name, m, mac);
	}
	json_array_foreach(ips, i, x) {
		const json_t *idx = json_object_get(x, "interface");
		const char *a = json_string_value(json_object_get(x, "address"));
		char want[NSNET_PREFIX_STRLEN + 4], buf[INET6_ADDRSTRLEN];
		bool found = false;

		if (!a || !json_is_integer(idx) || json_integer_value(idx) != mine)
			continue;
		for (size_t k = 0; k < res->n_addrs && !found; k++) {
			snprintf(want, sizeof(want), "%s/%u", nsnet_addr_str(&res->addr[k], buf), res->plen[k]);
			found = !strcmp(want, a);
		}
		if (!found)
			return cni_fail(e, CNI_ERR_INTERNAL, "prevResult: address %s of %s is not the one nsnet leased",
					a, env->ifname);
	}
	/*
	 * Routes carry no interface: each must be among the namespace's, whichever plugin of a chain
	 * added it. A route not in a list the core had to cut short may still be there: not an error.
	 */
	json_array_foreach(json_object_get(prev, "routes"), i, x) {
		const char *dst = json_string_value(json_object_get(x, "dst"));
		const char *gw = json_string_value(json_object_get(x, "gw"));
		struct sandbox_route want = { 0 };
		struct nsnet_err err;
		bool found = false;

		if (!dst || nsnet_prefix_parse(dst, &want.dst, &err) < 0)
			return cni_fail(e, CNI_ERR_DECODE, "prevResult: routes[%zu].dst: expected a CIDR", i);
		if (gw && nsnet_addr_parse(gw, &want.gw, &err) < 0)
			return cni_fail(e, CNI_ERR_DECODE, "prevResult: routes[%zu].gw: %s", i, err.msg);
		for (size_t k = 0; k < res->n_present && !found; k++) {
			const struct sandbox_route *have = &res->present[k];

			found = have->dst.len == want.dst.len && nsnet_addr_equal(&have->dst.addr, &want.dst.addr) &&
				(!gw || nsnet_addr_equal(&have->gw, &want.gw));
		}
		if (!found && !res->present_more)
			return cni_fail(e, CNI_ERR_INTERNAL, "prevResult: route %s%s%s is not in the container's namespace",
					dst, gw ? " via " : "", gw ? gw : "");
	}
	return 0;
}
