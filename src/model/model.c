// SPDX-License-Identifier: MIT
// Model records and their JSON forms (see model.h). Parsers validate everything they read.
#include "model/model.h"

#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"

const struct nsnet_prefix *network_subnet(const struct nsnet_network *net, int family, size_t *idx)
{
	for (size_t i = 0; i < net->n_subnets; i++) {
		if (net->subnet[i].addr.family == family) {
			if (idx)
				*idx = i;
			return &net->subnet[i];
		}
	}
	return NULL;
}

unsigned int network_group(const struct nsnet_network *net)
{
	if (strcmp(net->driver, NSNET_DRIVER_ROUTED))
		return 0;
	/* Never 0 (every link's group by default), and clear of the small numbers people assign. */
	return 0x40000000u | (names_hash(NAMES_FNV_INIT, net->bridge, strlen(net->bridge)) & 0x3fffffffu);
}

static int json_str(const json_t *j, const char *key, char *out, size_t len, bool required,
		    struct nsnet_err *err)
{
	const json_t *v = json_object_get(j, key);
	const char *s;

	if (!v) {
		if (!required) {
			out[0] = '\0';
			return 0;
		}
		return nsnet_err_set(err, EBADMSG, "missing \"%s\"", key);
	}
	s = json_string_value(v);
	if (!s || strlen(s) >= len)
		return nsnet_err_set(err, EBADMSG, "\"%s\": expected a string of at most %zu bytes",
				     key, len - 1);
	memcpy(out, s, strlen(s) + 1);
	return 0;
}

static int json_addr(const json_t *v, struct nsnet_addr *a, struct nsnet_err *err)
{
	const char *s = json_string_value(v);

	if (!s)
		return nsnet_err_set(err, EBADMSG, "expected an address string");
	return nsnet_addr_parse(s, a, err) < 0 ? -EBADMSG : 0;
}

json_t *network_to_json(const struct nsnet_network *net)
{
	char buf[NSNET_PREFIX_STRLEN];
	json_t *j = json_object(), *subnets = json_array(), *gws = json_array();

	if (!j || !subnets || !gws)
		goto oom;
	for (size_t i = 0; i < net->n_subnets; i++) {
		json_array_append_new(subnets, json_string(nsnet_prefix_str(&net->subnet[i], buf)));
		json_array_append_new(gws, json_string(nsnet_addr_str(&net->gateway[i], buf)));
	}
	json_object_set_new(j, "name", json_string(net->name));
	/* Bridge, the default, is left out: records and `ls --json` stay as they were before drivers. */
	if (net->driver[0] && strcmp(net->driver, NSNET_DRIVER_DEFAULT))
		json_object_set_new(j, "driver", json_string(net->driver));
	json_object_set_new(j, "bridge", json_string(net->bridge));
	json_object_set_new(j, "subnets", subnets);
	json_object_set_new(j, "gateways", gws);
	json_object_set_new(j, "nat", json_boolean(net->nat));
	json_object_set_new(j, "internal", json_boolean(net->internal));
	json_object_set_new(j, "mtu", json_integer(net->mtu));
	if (net->cni)
		json_object_set_new(j, "cni", json_true());
	project_to_json(j, net->project);
	if (net->dns) {
		json_t *d = json_object(), *up = json_array();

		if (!d || !up) {
			json_decref(d);
			json_decref(up);
			json_decref(j);
			return NULL;
		}
		for (size_t i = 0; i < net->n_upstream; i++)
			json_array_append_new(up, json_string(nsnet_addr_str(&net->upstream[i], buf)));
		json_object_set_new(d, "domain", json_string(net->domain));
		json_object_set_new(d, "upstream", up);
		json_object_set_new(j, "dns", d);
	}
	if (net->ov.vxlan[0]) {
		json_t *ov = overlay_rec_to_json(&net->ov);

		if (!ov) {
			json_decref(j);
			return NULL;
		}
		json_object_set_new(j, "overlay", ov);
	}
	return j;
oom:
	json_decref(j);
	json_decref(subnets);
	json_decref(gws);
	return NULL;
}

int network_from_json(const json_t *j, struct nsnet_network *net, struct nsnet_err *err)
{
	const json_t *subnets = json_object_get(j, "subnets"), *gws = json_object_get(j, "gateways");
	const json_t *mtu = json_object_get(j, "mtu");
	int r;

	memset(net, 0, sizeof(*net));
	if (!json_is_object(j))
		return nsnet_err_set(err, EBADMSG, "network record: expected an object");
	if ((r = json_str(j, "name", net->name, sizeof(net->name), true, err)) < 0 ||
	    (r = json_str(j, "driver", net->driver, sizeof(net->driver), false, err)) < 0 ||
	    (r = json_str(j, "bridge", net->bridge, sizeof(net->bridge), true, err)) < 0)
		return r;
	/* Whether the driver exists is core's question (core/drivers/); a record without one is a bridge. */
	if (!net->driver[0])
		memcpy(net->driver, NSNET_DRIVER_DEFAULT, sizeof(NSNET_DRIVER_DEFAULT));
	/* Names become paths and kernel names: a damaged record must not smuggle '/' or '..' in. */
	if (names_check("network", net->name, err) < 0 || names_check_ifname(net->bridge, err) < 0)
		return -EBADMSG;
	if (!json_is_array(subnets) || !json_is_array(gws) || json_array_size(subnets) == 0 ||
	    json_array_size(subnets) > NSNET_MAX_SUBNETS ||
	    json_array_size(subnets) != json_array_size(gws))
		return nsnet_err_set(err, EBADMSG, "network %s: bad \"subnets\"/\"gateways\"", net->name);
	net->n_subnets = json_array_size(subnets);
	for (size_t i = 0; i < net->n_subnets; i++) {
		const char *s = json_string_value(json_array_get(subnets, i));

		if (!s || nsnet_prefix_parse(s, &net->subnet[i], err) < 0 ||
		    json_addr(json_array_get(gws, i), &net->gateway[i], err) < 0)
			return nsnet_err_set(err, EBADMSG, "network %s: bad subnet or gateway", net->name);
	}
	net->nat = json_is_true(json_object_get(j, "nat"));
	net->internal = json_is_true(json_object_get(j, "internal"));
	net->cni = json_is_true(json_object_get(j, "cni"));
	net->mtu = json_is_integer(mtu) ? (unsigned int)json_integer_value(mtu) : NSNET_MTU_DEFAULT;
	if (json_object_get(j, "dns")) {
		const json_t *d = json_object_get(j, "dns"), *up = json_object_get(d, "upstream");

		/* The domain goes into dnsmasq's config: a damaged record must not smuggle a line in. */
		if ((r = json_str(d, "domain", net->domain, sizeof(net->domain), true, err)) < 0 ||
		    domain_check(net->domain, err) < 0 || (up && !json_is_array(up)) ||
		    json_array_size(up) > NSNET_MAX_DNS)
			return nsnet_err_set(err, EBADMSG, "network %s: bad \"dns\"", net->name);
		net->n_upstream = json_array_size(up);
		for (size_t i = 0; i < net->n_upstream; i++)
			if (json_addr(json_array_get(up, i), &net->upstream[i], err) < 0)
				return -EBADMSG;
		net->dns = true;
	}
	if (json_object_get(j, "overlay") &&
	    overlay_rec_from_json(json_object_get(j, "overlay"), &net->ov, err) < 0)
		return nsnet_err_prefix(err, "network %s", net->name), -EBADMSG;
	return project_from_json(j, net->project, err);
}

int domain_check(const char *domain, struct nsnet_err *err)
{
	size_t label = 0, len = strnlen(domain, NSNET_DOMAIN_MAX + 1);

	if (!len || len > NSNET_DOMAIN_MAX)
		return nsnet_err_set(err, EINVAL, "domain '%.64s': expected 1-%d bytes", domain, NSNET_DOMAIN_MAX);
	for (size_t i = 0; i <= len; i++) {
		char c = domain[i];

		if (c == '.' || !c) {
			if (!label || label > 63)
				return nsnet_err_set(err, EINVAL, "domain '%s': expected dot-separated labels of 1-63 bytes",
						     domain);
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
			   c == '_') {
			label++;
		} else {
			return nsnet_err_set(err, EINVAL, "domain '%s': only letters, digits, '-', '_' and '.' are allowed",
					     domain);
		}
	}
	if (domain[0] == '-')
		return nsnet_err_set(err, EINVAL, "domain '%s': must not start with '-'", domain);
	return 0;
}

json_t *namespace_to_json(const struct nsnet_namespace *ns)
{
	char buf[INET6_ADDRSTRLEN];
	json_t *j = json_object(), *dns = json_array(), *att = json_array();

	if (!j || !dns || !att)
		goto oom;
	for (size_t i = 0; i < ns->n_dns; i++)
		json_array_append_new(dns, json_string(nsnet_addr_str(&ns->dns[i], buf)));
	for (size_t i = 0; i < ns->n_att; i++) {
		json_t *a = json_pack("{s:s, s:s, s:s, s:b}", "network", ns->att[i].net,
				      "ifname", ns->att[i].ifname, "host_ifname", ns->att[i].host_ifname,
				      "default_route", ns->att[i].default_route);
		const unsigned char *m = ns->att[i].mac;

		if (!a)
			goto oom;
		if (ns->att[i].n_aliases) {
			json_t *al = json_array();

			if (!al) {
				json_decref(a);
				goto oom;
			}
			for (size_t k = 0; k < ns->att[i].n_aliases; k++)
				json_array_append_new(al, json_string(ns->att[i].aliases[k]));
			json_object_set_new(a, "aliases", al);
		}
		if (ns->att[i].no_hairpin)
			json_object_set_new(a, "hairpin", json_false());
		if (ns->att[i].mac_set) {
			snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
			json_object_set_new(a, "mac", json_string(buf));
		}
		if (limit_any(&ns->att[i].limit) &&
		    json_object_set_new(a, "limit", limit_to_json(&ns->att[i].limit, false)) < 0) {
			json_decref(a);
			goto oom;
		}
		if (ns->att[i].n_addrs) {
			json_t *v = json_array();

			for (size_t k = 0; v && k < ns->att[i].n_addrs; k++)
				json_array_append_new(v, json_string(nsnet_addr_str(&ns->att[i].addr[k], buf)));
			if (!v || json_object_set_new(a, "addrs", v) < 0) {
				json_decref(a);
				goto oom;
			}
		}
		json_array_append_new(att, a);
	}
	json_object_set_new(j, "name", json_string(ns->name));
	json_object_set_new(j, "managed", json_boolean(ns->managed));
	json_object_set_new(j, "dns", dns);
	json_object_set_new(j, "attachments", att);
	if (ns->cid[0])
		json_object_set_new(j, "cni", json_pack("{s:s, s:s, s:I, s:I}", "container_id", ns->cid, "netns",
							 ns->netns_path, "netns_dev", (json_int_t)ns->netns_dev,
							 "netns_ino", (json_int_t)ns->netns_ino));
	else if (ns->netns_ino)
		json_object_set_new(j, "nsfs", json_pack("{s:I, s:I}", "dev", (json_int_t)ns->netns_dev, "ino",
							  (json_int_t)ns->netns_ino));
	project_to_json(j, ns->project);
	return j;
oom:
	json_decref(j);
	json_decref(dns);
	json_decref(att);
	return NULL;
}

int namespace_from_json(const json_t *j, struct nsnet_namespace *ns, struct nsnet_err *err)
{
	const json_t *dns = json_object_get(j, "dns"), *att = json_object_get(j, "attachments");
	size_t i;
	int r;

	memset(ns, 0, sizeof(*ns));
	if (!json_is_object(j))
		return nsnet_err_set(err, EBADMSG, "namespace record: expected an object");
	if ((r = json_str(j, "name", ns->name, sizeof(ns->name), true, err)) < 0)
		return r;
	if (names_check("namespace", ns->name, err) < 0)
		return -EBADMSG;
	ns->managed = json_is_true(json_object_get(j, "managed"));
	if ((dns && !json_is_array(dns)) || json_array_size(dns) > NSNET_MAX_DNS ||
	    (att && !json_is_array(att)) || json_array_size(att) > NSNET_MAX_ATTACH)
		return nsnet_err_set(err, EBADMSG, "namespace %s: bad \"dns\"/\"attachments\"", ns->name);
	ns->n_dns = json_array_size(dns);
	for (i = 0; i < ns->n_dns; i++)
		if (json_addr(json_array_get(dns, i), &ns->dns[i], err) < 0)
			return -EBADMSG;
	ns->n_att = json_array_size(att);
	for (i = 0; i < ns->n_att; i++) {
		const json_t *a = json_array_get(att, i);
		struct nsnet_attachment *t = &ns->att[i];

		if ((r = json_str(a, "network", t->net, sizeof(t->net), true, err)) < 0 ||
		    (r = json_str(a, "ifname", t->ifname, sizeof(t->ifname), true, err)) < 0 ||
		    (r = json_str(a, "host_ifname", t->host_ifname, sizeof(t->host_ifname), true, err)) < 0)
			return r;
		if (names_check("network", t->net, err) < 0 || names_check_ifname(t->ifname, err) < 0 ||
		    names_check_ifname(t->host_ifname, err) < 0)
			return -EBADMSG;
		t->default_route = json_is_true(json_object_get(a, "default_route"));
		t->no_hairpin = json_is_false(json_object_get(a, "hairpin"));
		if (json_object_get(a, "aliases")) {
			const json_t *al = json_object_get(a, "aliases");

			if (!json_is_array(al) || json_array_size(al) > NSNET_MAX_ALIASES)
				return nsnet_err_set(err, EBADMSG, "namespace %s: bad \"aliases\"", ns->name);
			t->n_aliases = json_array_size(al);
			for (size_t k = 0; k < t->n_aliases; k++) {
				const char *s = json_string_value(json_array_get(al, k));

				if (!s || names_check("alias", s, err) < 0)
					return nsnet_err_set(err, EBADMSG, "namespace %s: bad \"aliases\"", ns->name);
				snprintf(t->aliases[k], sizeof(t->aliases[k]), "%s", s);
			}
		}
		if (json_object_get(a, "mac")) {
			const char *m = json_string_value(json_object_get(a, "mac"));
			unsigned int b[6];
			char end;

			if (!m || sscanf(m, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &end) != 6)
				return nsnet_err_set(err, EBADMSG, "namespace %s: bad \"mac\"", ns->name);
			for (int k = 0; k < 6; k++)
				t->mac[k] = (unsigned char)b[k];
			t->mac_set = true;
		}
		if (json_object_get(a, "limit") && limit_from_json(json_object_get(a, "limit"), &t->limit, err) < 0) {
			nsnet_err_prefix(err, "namespace %s", ns->name);
			return -EBADMSG;
		}
		if (json_object_get(a, "addrs")) {
			const json_t *v = json_object_get(a, "addrs");

			if (!json_is_array(v) || json_array_size(v) > NSNET_MAX_SUBNETS)
				return nsnet_err_set(err, EBADMSG, "namespace %s: bad \"addrs\"", ns->name);
			for (size_t k = 0; k < json_array_size(v); k++) {
				if (json_addr(json_array_get(v, k), &t->addr[k], err) < 0)
					return -EBADMSG;
				for (size_t m = 0; m < k; m++)
					if (t->addr[m].family == t->addr[k].family)
						return nsnet_err_set(err, EBADMSG, "namespace %s: two \"addrs\" of one family",
								     ns->name);
			}
			t->n_addrs = json_array_size(v);
		}
	}
	if (json_object_get(j, "cni")) {
		const json_t *c = json_object_get(j, "cni");
		const json_t *dev = json_object_get(c, "netns_dev"), *ino = json_object_get(c, "netns_ino");

		if ((r = json_str(c, "container_id", ns->cid, sizeof(ns->cid), true, err)) < 0 ||
		    (r = json_str(c, "netns", ns->netns_path, sizeof(ns->netns_path), true, err)) < 0)
			return r;
		if (cid_check(ns->cid, err) < 0 || ns->netns_path[0] != '/' || !json_is_integer(dev) ||
		    !json_is_integer(ino) || ns->n_att != 1)
			return nsnet_err_set(err, EBADMSG, "namespace %s: bad \"cni\"", ns->name);
		ns->netns_dev = (unsigned long long)json_integer_value(dev);
		ns->netns_ino = (unsigned long long)json_integer_value(ino);
	} else if (json_object_get(j, "nsfs")) {
		/* A named namespace's identity at creation (records before it have none). */
		const json_t *f = json_object_get(j, "nsfs");
		const json_t *dev = json_object_get(f, "dev"), *ino = json_object_get(f, "ino");

		if (!json_is_integer(dev) || !json_is_integer(ino) || json_integer_value(ino) <= 0)
			return nsnet_err_set(err, EBADMSG, "namespace %s: bad \"nsfs\"", ns->name);
		ns->netns_dev = (unsigned long long)json_integer_value(dev);
		ns->netns_ino = (unsigned long long)json_integer_value(ino);
	}
	return project_from_json(j, ns->project, err);
}

void project_to_json(json_t *j, const char *project)
{
	if (j && project && project[0])
		json_object_set_new(j, "project", json_string(project));
}

int project_from_json(const json_t *j, char *out, struct nsnet_err *err)
{
	const json_t *v = json_object_get(j, "project");

	out[0] = '\0';
	if (!v)
		return 0;
	if (!json_is_string(v) || (json_string_length(v) && names_check("project", json_string_value(v), NULL) < 0))
		return nsnet_err_set(err, EBADMSG, "record: bad \"project\"");
	snprintf(out, NSNET_NAME_MAX + 1, "%s", json_string_value(v));
	return 0;
}

json_t *leases_to_json(const struct nsnet_leases *l)
{
	char buf[INET6_ADDRSTRLEN];
	json_t *j = json_object();

	if (!j)
		return NULL;
	for (size_t i = 0; i < l->n; i++) {
		json_t *v = json_pack("{s:s, s:s}", "owner", l->v[i].owner, "ifname", l->v[i].ifname);

		if (!v || json_object_set_new(j, nsnet_addr_str(&l->v[i].addr, buf), v) < 0) {
			json_decref(j);
			return NULL;
		}
	}
	return j;
}

int leases_from_json(const json_t *j, struct nsnet_leases *l, struct nsnet_err *err)
{
	const char *key;
	json_t *v;

	memset(l, 0, sizeof(*l));
	if (!json_is_object(j))
		return nsnet_err_set(err, EBADMSG, "lease record: expected an object");
	json_object_foreach((json_t *)j, key, v) {
		struct nsnet_addr a;
		const char *owner = json_string_value(json_object_get(v, "owner"));
		const char *ifname = json_string_value(json_object_get(v, "ifname"));

		if (nsnet_addr_parse(key, &a, NULL) < 0 || !owner || !ifname ||
		    names_check("namespace", owner, NULL) < 0 || names_check_ifname(ifname, NULL) < 0) {
			leases_free(l);
			return nsnet_err_set(err, EBADMSG, "lease record: malformed entry");
		}
		if (leases_add(l, &a, owner, ifname) < 0) {
			leases_free(l);
			return nsnet_err_set(err, ENOMEM, "out of memory");
		}
	}
	return 0;
}

json_t *lease_to_json(const struct nsnet_lease *l)
{
	return json_pack("{s:s, s:s}", "owner", l->owner, "ifname", l->ifname);
}

int lease_from_json(const char *name, const json_t *j, struct nsnet_lease *l, struct nsnet_err *err)
{
	const char *owner = json_string_value(json_object_get(j, "owner"));
	const char *ifname = json_string_value(json_object_get(j, "ifname"));
	char buf[INET6_ADDRSTRLEN];

	memset(l, 0, sizeof(*l));
	if (nsnet_addr_parse(name, &l->addr, NULL) < 0 || strcmp(nsnet_addr_str(&l->addr, buf), name))
		return nsnet_err_set(err, EBADMSG, "lease %.64s: not an address in canonical form", name);
	if (!json_is_object(j) || !owner || !ifname || names_check("namespace", owner, NULL) < 0 ||
	    names_check_ifname(ifname, NULL) < 0 || json_object_size(j) != 2)
		return nsnet_err_set(err, EBADMSG, "lease %s: expected {\"owner\": NAMESPACE, \"ifname\": INTERFACE}",
				     name);
	snprintf(l->owner, sizeof(l->owner), "%s", owner);
	snprintf(l->ifname, sizeof(l->ifname), "%s", ifname);
	return 0;
}

int leases_add(struct nsnet_leases *l, const struct nsnet_addr *a, const char *owner, const char *ifname)
{
	struct nsnet_lease *e;

	if (nsnet_array_room(&l->v, &l->cap, l->n, sizeof(*l->v)) < 0)
		return -ENOMEM;
	e = &l->v[l->n++];
	memset(e, 0, sizeof(*e));
	e->addr = *a;
	snprintf(e->owner, sizeof(e->owner), "%s", owner);
	snprintf(e->ifname, sizeof(e->ifname), "%s", ifname);
	return 0;
}

size_t leases_remove_owner(struct nsnet_leases *l, const char *owner, const char *ifname)
{
	size_t i, k = 0, removed = 0;

	for (i = 0; i < l->n; i++) {
		if (!strcmp(l->v[i].owner, owner) && (!ifname || !strcmp(l->v[i].ifname, ifname))) {
			removed++;
			continue;
		}
		l->v[k++] = l->v[i];
	}
	l->n = k;
	return removed;
}

void leases_free(struct nsnet_leases *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

struct nsnet_attachment *namespace_attachment(struct nsnet_namespace *ns, const char *net)
{
	for (size_t i = 0; i < ns->n_att; i++)
		if (!strcmp(ns->att[i].net, net))
			return &ns->att[i];
	return NULL;
}

int cid_check(const char *cid, struct nsnet_err *err)
{
	size_t n = strnlen(cid, NSNET_CID_MAX + 1);

	if (n == 0 || n > NSNET_CID_MAX)
		return nsnet_err_set(err, EINVAL, "container ID of %zu%s bytes: expected 1-%d", n,
				     n > NSNET_CID_MAX ? "+" : "", NSNET_CID_MAX);
	for (size_t i = 0; i < n; i++) {
		char c = cid[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');

		if (!alnum && (i == 0 || (c != '_' && c != '.' && c != '-')))
			return nsnet_err_set(err, EINVAL, "container ID '%.64s%s': expected letters, digits, '_', '.' and '-', starting with a letter or digit",
					     cid, n > 64 ? "..." : "");
	}
	return 0;
}
