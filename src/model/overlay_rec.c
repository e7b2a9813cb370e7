// SPDX-License-Identifier: MIT
// The "overlay" object of a vxlan network's record: which store, overlay subnet, VNI, port and VTEP.
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "model/model.h"

json_t *overlay_rec_to_json(const struct nsnet_overlay *ov)
{
	char sub[NSNET_PREFIX_STRLEN], local[INET6_ADDRSTRLEN];
	json_t *j = json_pack("{s:s, s:s, s:i, s:i, s:i, s:i, s:s, s:s}", "store", ov->store, "subnet",
			 nsnet_prefix_str(&ov->subnet, sub), "host_prefix", (json_int_t)ov->host_prefix, "vni",
			 (json_int_t)ov->vni, "port", (json_int_t)ov->port, "ttl", (json_int_t)ov->ttl, "vxlan",
			 ov->vxlan, "local", nsnet_addr_str(&ov->local, local));

	if (j && overlay_auth_to_json(j, ov) < 0) {
		json_decref(j);
		return NULL;
	}
	return j;
}

bool overlay_auth_any(const struct nsnet_overlay *ov)
{
	return ov->cacert[0] || ov->cert[0] || ov->key[0] || ov->user[0];
}

int overlay_auth_to_json(json_t *j, const struct nsnet_overlay *ov)
{
	const struct {
		const char *name, *v;
	} f[] = { { "cacert", ov->cacert }, { "cert", ov->cert }, { "key", ov->key }, { "user", ov->user },
		  { "password_file", ov->password_file } };

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (f[i].v[0] && json_object_set_new(j, f[i].name, json_string(f[i].v)) < 0)
			return -ENOMEM;
	return 0;
}

/* A path nsnet hands to libcurl or opens: absolute, printable, no "..", at most NSNET_STORE_PATH_MAX bytes. */
static bool auth_path_ok(const char *p)
{
	if (p[0] != '/' || strlen(p) > NSNET_STORE_PATH_MAX || strstr(p, "/../") || strstr(p, "/./"))
		return false;
	for (; *p; p++)
		if ((unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e || *p == '\\' || *p == '\'' || *p == '"')
			return false;
	return true;
}

int overlay_auth_from_json(const json_t *j, struct nsnet_overlay *ov, struct nsnet_err *err)
{
	struct {
		const char *name;
		char *out;
		size_t size;
	} f[] = { { "cacert", ov->cacert, sizeof(ov->cacert) }, { "cert", ov->cert, sizeof(ov->cert) },
		  { "key", ov->key, sizeof(ov->key) }, { "user", ov->user, sizeof(ov->user) },
		  { "password_file", ov->password_file, sizeof(ov->password_file) } };

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		const json_t *v = json_object_get(j, f[i].name);
		const char *s = json_string_value(v);

		f[i].out[0] = '\0';
		if (!v)
			continue;
		if (!s || strlen(s) >= f[i].size)
			return nsnet_err_set(err, EBADMSG, "bad \"overlay\": %s", f[i].name);
		if (strcmp(f[i].name, "user") ? !auth_path_ok(s) : (!s[0] || strpbrk(s, ":\\'\" ") != NULL))
			return nsnet_err_set(err, EBADMSG, "bad \"overlay\": %s", f[i].name);
		for (const char *p = s; *p; p++)
			if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f)
				return nsnet_err_set(err, EBADMSG, "bad \"overlay\": %s", f[i].name);
		snprintf(f[i].out, f[i].size, "%s", s);
	}
	/* The same rules as network create: a certificate with its key, TLS files on https only, a password with a user. */
	if (!ov->cert[0] != !ov->key[0] || (ov->password_file[0] && !ov->user[0]) ||
	    ((ov->cacert[0] || ov->cert[0]) && strncmp(ov->store, "https://", 8)))
		return nsnet_err_set(err, EBADMSG, "bad \"overlay\": cert without key, password_file without user, or TLS files on http");
	return 0;
}

/* Everything read back is untrusted: the device name becomes a kernel name, the store a URL. */
int overlay_rec_from_json(const json_t *j, struct nsnet_overlay *ov, struct nsnet_err *err)
{
	const char *store = json_string_value(json_object_get(j, "store"));
	const char *sub = json_string_value(json_object_get(j, "subnet"));
	const char *vx = json_string_value(json_object_get(j, "vxlan"));
	const char *local = json_string_value(json_object_get(j, "local"));
	json_int_t hp = json_integer_value(json_object_get(j, "host_prefix"));
	json_int_t vni = json_integer_value(json_object_get(j, "vni"));
	json_int_t port = json_integer_value(json_object_get(j, "port"));
	json_int_t ttl = json_integer_value(json_object_get(j, "ttl"));

	memset(ov, 0, sizeof(*ov));
	if (!json_is_object(j) || !store || !sub || !vx || !local || strlen(store) > NSNET_STORE_MAX ||
	    (strncmp(store, "http://", 7) && strncmp(store, "https://", 8)) || strpbrk(store, " \t\r\n'\""))
		return nsnet_err_set(err, EBADMSG, "bad \"overlay\": store, subnet, vxlan and local are required");
	if (nsnet_prefix_parse(sub, &ov->subnet, NULL) < 0 || ov->subnet.addr.family != AF_INET ||
	    nsnet_addr_parse(local, &ov->local, NULL) < 0 || names_check_ifname(vx, NULL) < 0 ||
	    strncmp(vx, NSNET_BRIDGE_PREFIX, strlen(NSNET_BRIDGE_PREFIX)))
		return nsnet_err_set(err, EBADMSG, "bad \"overlay\": subnet, local or vxlan");
	if (hp <= (json_int_t)ov->subnet.len || hp > 30 || vni < 1 || vni > 0xffffff || port < 1 || port > 65535 ||
	    ttl < 1 || ttl > 3600)
		return nsnet_err_set(err, EBADMSG, "bad \"overlay\": host_prefix, vni, port or ttl out of range");
	snprintf(ov->store, sizeof(ov->store), "%s", store);
	if (overlay_auth_from_json(j, ov, err) < 0)
		return -EBADMSG;
	snprintf(ov->vxlan, sizeof(ov->vxlan), "%s", vx);
	ov->host_prefix = (unsigned int)hp;
	ov->vni = (uint32_t)vni;
	ov->port = (uint16_t)port;
	ov->ttl = (unsigned int)ttl;
	return 0;
}
