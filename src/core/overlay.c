// SPDX-License-Identifier: MIT
// Overlay networks: joining the store (definition, block, announcement) and leaving it, with undo entries for keys.
#include "core/overlay.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/undo.h"
#include "kernel/addr.h"
#include "kernel/link.h"
#include "kernel/vxlan.h"

/*
 * Theory of operation (docs/overlay.md). An overlay network on this host is a bridge network whose
 * subnet is this host's block of the overlay's subnet, plus a VXLAN device holding the block's
 * network address (/32) and, for every other live host, a permanent neighbour entry, an FDB entry
 * and a route to its block: the routed VXLAN model. Every key written to the store during an
 * operation is journaled first (UNDO_ETCD_DEL, write-ahead like every other step): a failed or
 * killed join leaves no key behind. Only this host's liveness key is left to a lease the agent
 * (core/agent.c) keeps alive.
 */

#define OVERLAY_STORE_TIMEOUT_MS 3000

void overlay_def_of(const char *name, const struct nsnet_overlay *ov, struct overlay_def *d)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->subnet = ov->subnet;
	d->host_prefix = ov->host_prefix;
	d->vni = ov->vni;
	d->port = ov->port;
}

void overlay_mac(const struct nsnet_addr *vtep_ip, uint8_t mac[6])
{
	mac[0] = 0x0e, mac[1] = 0x00;
	memcpy(mac + 2, vtep_ip->b, 4);
}

void overlay_host_id(const struct nsnet_overlay *ov, char *out, size_t len)
{
	char s[INET6_ADDRSTRLEN];

	snprintf(out, len, "%s", nsnet_addr_str(&ov->local, s));
}

/* The first line of @path (a regular file) into @buf, at most @size - 1 bytes read: 0 or -errno. */
static int overlay_file_line(const char *path, char *buf, size_t size)
{
	struct stat sb;
	ssize_t got;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK), r = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode))
		r = -EINVAL;
	else if ((got = read(fd, buf, size - 1)) < 0)
		r = -errno;
	else
		buf[got] = '\0';
	close(fd);
	if (!r)
		buf[strcspn(buf, "\r\n")] = '\0';
	return r;
}

/* The store password of network @net into @pw (OVERLAY_PASSWORD_MAX + 1 bytes), read as untrusted input. */
static int overlay_password_read(struct state *st, const char *net, const struct nsnet_overlay *ov, char *pw,
				 struct nsnet_err *err)
{
	char buf[OVERLAY_PASSWORD_MAX + 2] = "";
	const char *text = NULL;
	json_t *rec = NULL;
	size_t n;
	int r;

	if (ov->password_file[0]) {
		/* The user's file, read again each time: a new password needs no nsnet command. */
		if ((r = overlay_file_line(ov->password_file, buf, sizeof(buf))) < 0)
			return nsnet_err_set(err, -r, "network %s: the store's password file %s: %s", net,
					     ov->password_file, r == -EINVAL ? "not a regular file" : strerror(-r));
		text = buf;
	} else {
		if ((r = state_read(st, OVERLAY_DIR, net, &rec, err)) < 0) {
			nsnet_err_prefix(err, "network %s: the store's password", net);
			return r;
		}
		text = json_string_value(json_object_get(rec, "password"));
	}
	n = text ? strlen(text) : 0;
	r = n == 0 || n > OVERLAY_PASSWORD_MAX ? -EBADMSG : 0;
	for (size_t i = 0; !r && i < n; i++)
		if ((unsigned char)text[i] < 0x20 || (unsigned char)text[i] == 0x7f)
			r = -EBADMSG;
	if (!r)
		memcpy(pw, text, n + 1);
	explicit_bzero(buf, sizeof(buf));
	json_decref(rec);
	if (r < 0)
		return nsnet_err_set(err, EBADMSG, "network %s: the store's password (%s): expected 1 to %d printable bytes",
				     net, ov->password_file[0] ? ov->password_file : "in the state dir", OVERLAY_PASSWORD_MAX);
	return 0;
}

/*
 * The password network create was given (--store-user USER:PASSWORD, NSNET_STORE_PASSWORD), for
 * this process's operations on network overlay_given_net until the state dir holds it (and in a
 * dry run, where it never does).
 */
static char overlay_given_net[NSNET_NAME_MAX + 1];
static char overlay_given_pw[OVERLAY_PASSWORD_MAX + 1];

static int overlay_store_connect(const struct nsnet_overlay *ov, const char *password, struct etcd **e,
				 struct nsnet_err *err)
{
	struct etcd_opts o = {
		.endpoints = ov->store,
		.timeout_ms = OVERLAY_STORE_TIMEOUT_MS,
		.cacert = ov->cacert[0] ? ov->cacert : NULL,
		.cert = ov->cert[0] ? ov->cert : NULL,
		.key = ov->key[0] ? ov->key : NULL,
		.user = ov->user[0] ? ov->user : NULL,
		.password = password,
	};

	return etcd_open(e, &o, err);
}

int overlay_store_open(struct state *st, const char *net, const struct nsnet_overlay *ov, struct etcd **e,
		       struct nsnet_err *err)
{
	char pw[OVERLAY_PASSWORD_MAX + 1];
	int r;

	*e = NULL;
	if (!ov->user[0])
		return overlay_store_connect(ov, NULL, e, err);
	if (!ov->password_file[0] && overlay_given_pw[0] && !strcmp(net, overlay_given_net))
		return overlay_store_connect(ov, overlay_given_pw, e, err);
	if ((r = overlay_password_read(st, net, ov, pw, err)) < 0)
		return r;
	r = overlay_store_connect(ov, pw, e, err);
	explicit_bzero(pw, sizeof(pw));
	return r;
}

void overlay_etcdctl(const struct nsnet_overlay *ov, char *out, size_t len)
{
	int n = snprintf(out, len, "etcdctl --endpoints %s", ov->store);

	if (n > 0 && (size_t)n < len && ov->cacert[0])
		n += snprintf(out + n, len - (size_t)n, " --cacert %s", ov->cacert);
	if (n > 0 && (size_t)n < len && ov->cert[0])
		n += snprintf(out + n, len - (size_t)n, " --cert %s --key %s", ov->cert, ov->key);
	if (n > 0 && (size_t)n < len && ov->user[0])
		snprintf(out + n, len - (size_t)n, " --user %s:***", ov->user);
}

/* The undo's "a": the endpoints alone, or with TLS and user as JSON ({"store","net",...}: overlay_undo_ok). */
static char *overlay_store_ref(const char *net, const struct nsnet_overlay *ov)
{
	json_t *j;
	char *s;

	if (!overlay_auth_any(ov))
		return strdup(ov->store);
	j = json_pack("{s:s, s:s}", "store", ov->store, "net", net);
	s = j && overlay_auth_to_json(j, ov) == 0 ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(j);
	return s;
}

int overlay_push_key(struct op *op, const char *net, const struct nsnet_overlay *ov, const char *key,
		     const char *value, struct nsnet_err *err)
{
	char *ref = overlay_store_ref(net, ov);
	int r;

	if (!ref)
		return nsnet_err_set(err, ENOMEM, "out of memory");
	r = op_push(op, UNDO_ETCD_DEL, ref, key, value, NULL, err);
	free(ref);
	return r;
}

/* An undo's "a" back into the network's name and @ov's store and credentials: 0 or -EBADMSG. */
static int overlay_store_ref_parse(const char *a, char *net, size_t net_len, struct nsnet_overlay *ov)
{
	struct nsnet_err ignored = { 0 };
	const char *store = a, *name = "";
	json_t *j = NULL;
	int r = 0;

	memset(ov, 0, sizeof(*ov));
	if (a[0] == '{') {
		j = json_loads(a, JSON_REJECT_DUPLICATES, NULL);
		store = json_string_value(json_object_get(j, "store"));
		name = json_string_value(json_object_get(j, "net"));
		if (!store || !name || names_check("network", name, NULL) < 0)
			r = -EBADMSG;
	}
	if (!r && ((strncmp(store, "http://", 7) && strncmp(store, "https://", 8)) || strlen(store) > NSNET_STORE_MAX ||
		   strpbrk(store, " \t\r\n'\"")))
		r = -EBADMSG;
	if (!r) {
		snprintf(ov->store, sizeof(ov->store), "%s", store);
		snprintf(net, net_len, "%s", name);
		if (j && overlay_auth_from_json(j, ov, &ignored) < 0)
			r = -EBADMSG;
	}
	json_decref(j);
	return r;
}

/* The link holding address @a: its index and MTU. */
struct addr_find {
	const struct nsnet_addr *want;
	int ifindex;
	struct nsnet_addr first, first6;	/* the first IPv4 / global IPv6 address of link ifindex (by name) */
};

static void addr_find_cb(const struct addr_info *ai, void *data)
{
	struct addr_find *f = data;

	if (f->want && nsnet_addr_equal(&ai->addr, f->want))
		f->ifindex = ai->ifindex;
	if (f->want || ai->ifindex != f->ifindex)
		return;
	if (!f->first.family && ai->addr.family == AF_INET)
		f->first = ai->addr;
	if (!f->first6.family && ai->addr.family == AF_INET6 && !(ai->addr.b[0] == 0xfe && (ai->addr.b[1] & 0xc0) == 0x80))
		f->first6 = ai->addr;
}

static void link_mtu_cb(const struct link_info *li, void *data)
{
	struct link_info *want = data;

	if (li->ifindex == want->ifindex)
		*want = *li;
}

/* The source address of the route to the first endpoint of @store (a connected UDP socket's). */
static int overlay_route_source(const char *store, struct nsnet_addr *out, struct nsnet_err *err)
{
	char host[256], port[16] = "2379";
	const char *p = strstr(store, "://");
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM }, *ai = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	size_t n;
	int fd, r;

	p = p ? p + 3 : store;
	if (*p == '[') {	/* http://[fd00::2]:2379 */
		n = strcspn(++p, "]");
		if (p[n] != ']')
			n = 0;
	} else {
		n = strcspn(p, ":/,");
	}
	if (n == 0 || n >= sizeof(host))
		return nsnet_err_set(err, EINVAL, "--store %s: expected http://HOST:PORT", store);
	snprintf(host, sizeof(host), "%.*s", (int)n, p);
	p += n + (p[n] == ']');
	if (*p == ':')
		snprintf(port, sizeof(port), "%.*s", (int)strcspn(p + 1, "/,"), p + 1);
	if ((r = getaddrinfo(host, port, &hints, &ai)) != 0)
		return nsnet_err_set(err, EHOSTUNREACH, "--store %s: %s: %s", store, host, gai_strerror(r));
	fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	r = fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 || getsockname(fd, (struct sockaddr *)&ss, &sl) < 0
		    ? -errno : 0;
	if (fd >= 0)
		close(fd);
	freeaddrinfo(ai);
	if (r < 0)
		return nsnet_err_set(err, -r, "no route to the store %s: %s (give --underlay)", host, strerror(-r));
	memset(out, 0, sizeof(*out));
	out->family = ss.ss_family;
	if (ss.ss_family == AF_INET6)
		memcpy(out->b, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
	else
		memcpy(out->b, &((struct sockaddr_in *)&ss)->sin_addr, 4);
	return 0;
}

/* This host's underlay address and the MTU of the link holding it. */
static int overlay_underlay(struct op *op, const struct overlay_req *o, struct nsnet_addr *local,
			    unsigned int *mtu, struct nsnet_err *err)
{
	struct addr_find f = { 0 };
	struct link_info li = { .ifindex = 0 };
	char s[INET6_ADDRSTRLEN];
	unsigned int overhead;
	struct nl *nl;
	int r;

	if ((r = op_nl(op, NULL, &nl, err)) < 0)
		return r;
	if (o->underlay && nsnet_addr_parse(o->underlay, local, NULL) < 0) {
		if ((r = link_get(nl, o->underlay, &li, NULL)) < 0)
			return nsnet_err_set(err, EINVAL, "--underlay %s: expected an IP address or the name of a link",
					     o->underlay);
		f.ifindex = li.ifindex;
		if ((r = addr_dump(nl, AF_UNSPEC, addr_find_cb, &f, err)) < 0)
			return r;
		if (!f.first.family && !f.first6.family)
			return nsnet_err_set(err, EADDRNOTAVAIL, "--underlay %s: the link has no IPv4 or global IPv6 address",
					     o->underlay);
		*local = f.first.family ? f.first : f.first6;	/* IPv4 first: 20 bytes less per packet */
	} else if (!o->underlay && (r = overlay_route_source(o->store, local, err)) < 0) {
		return r;
	}
	f.want = local;
	f.ifindex = 0;
	if ((r = addr_dump(nl, AF_UNSPEC, addr_find_cb, &f, err)) < 0)
		return r;
	if (!f.ifindex)
		return nsnet_err_set(err, EADDRNOTAVAIL, "--underlay %s: no link of this host holds that address",
				     nsnet_addr_str(local, s));
	li.ifindex = f.ifindex;
	if ((r = link_dump(nl, link_mtu_cb, &li, err)) < 0)
		return r;
	/* 20 IPv4 (40 IPv6) + 8 UDP + 8 VXLAN + 14 Ethernet */
	overhead = local->family == AF_INET6 ? 70 : 50;
	*mtu = li.mtu > overhead ? li.mtu - overhead : 0;
	return 0;
}

bool overlay_undo_ok(const struct op_undo *u)
{
	const char *key = u->arg[1];
	struct nsnet_overlay ov;
	char net[NSNET_NAME_MAX + 1];

	return overlay_store_ref_parse(u->arg[0], net, sizeof(net), &ov) == 0 &&
	       !strncmp(key, "/nsnet/overlay/", 15) && !strstr(key, "..") && strlen(key) < OVERLAY_KEY_MAX;
}

void overlay_undo_run(struct op *op, const struct op_undo *u)
{
	struct nsnet_err ignored = { 0 };
	const char *key = u->arg[1], *value = u->text ? u->text : "";
	char net[NSNET_NAME_MAX + 1];
	struct nsnet_overlay ov;
	struct etcd_kvs kvs;
	struct etcd *e;

	if (overlay_store_ref_parse(u->arg[0], net, sizeof(net), &ov) < 0 ||
	    overlay_store_open(&op->st, net, &ov, &e, &ignored) < 0)
		return;
	if (key[0] && key[strlen(key) - 1] == '/') {
		if (etcd_get_prefix(e, key, &kvs, &ignored) == 0) {
			for (size_t i = 0; i < kvs.n; i++)
				if (!strcmp(kvs.v[i].value, value))
					etcd_delete_if(e, kvs.v[i].key, value, &ignored);
			etcd_kvs_free(&kvs);
		}
	} else if (!value[0]) {
		etcd_delete(e, key, &ignored);
	} else {
		etcd_delete_if(e, key, value, &ignored);
	}
	etcd_close(e);
}

/* Is @s printable ASCII without spaces, quotes or backslashes (safe on a --dry-run line)? */
static bool overlay_word_ok(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x21 || (unsigned char)*s > 0x7e || strchr("'\"\\", *s))
			return false;
	return true;
}

/*
 * The store's TLS files, user and password of @req into @ov, checked before anything changes:
 * each file a readable regular file (recorded by its absolute path), TLS files with https
 * endpoints only, a certificate with its key, a user with a password.
 */
static int overlay_auth_plan(const struct network_req *req, struct nsnet_overlay *ov, struct nsnet_err *err)
{
	const struct overlay_req *o = req->overlay;
	const struct {
		const char *flag, *in;
		char *out;
	} f[] = { { "--store-cacert", o->cacert, ov->cacert }, { "--store-cert", o->cert, ov->cert },
		  { "--store-key", o->key, ov->key }, { "--store-password-file", o->password_file, ov->password_file } };
	char real[PATH_MAX], line[OVERLAY_PASSWORD_MAX + 2];
	const char *pw = o->password;
	int r;

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		if (!f[i].in)
			continue;
		r = realpath(f[i].in, real) ? overlay_file_line(real, line, 2) : -errno;
		if (r < 0)
			return nsnet_err_set(err, -r, "network %s: %s %s: %s", req->name, f[i].flag, f[i].in,
					     r == -EINVAL ? "not a regular file" : strerror(-r));
		if (strlen(real) > NSNET_STORE_PATH_MAX || !overlay_word_ok(real))
			return nsnet_err_set(err, EINVAL, "network %s: %s %s: expected a path of at most %d bytes without spaces or quotes",
					     req->name, f[i].flag, real, NSNET_STORE_PATH_MAX);
		snprintf(f[i].out, NSNET_STORE_PATH_MAX + 1, "%s", real);
	}
	if (!o->cert != !o->key)
		return nsnet_err_set(err, EINVAL, "network %s: %s without %s: a client certificate needs its key", req->name,
				     o->cert ? "--store-cert" : "--store-key", o->cert ? "--store-key" : "--store-cert");
	if (o->cacert || o->cert) {
		for (const char *p = ov->store; *p; p += strcspn(p, ",") + (p[strcspn(p, ",")] == ',')) {
			if (strncmp(p, "https://", 8))
				return nsnet_err_set(err, EINVAL, "network %s: --store %.*s: TLS files (--store-cacert, --store-cert) need https:// endpoints",
						     req->name, (int)strcspn(p, ","), p);
		}
	}
	if (!o->user)
		return o->password || o->password_file ? nsnet_err_set(err, EINVAL, "network %s: a store password needs --store-user", req->name) : 0;
	if (!o->user[0] || strlen(o->user) > NSNET_STORE_USER_MAX || !overlay_word_ok(o->user) || strchr(o->user, ':'))
		return nsnet_err_set(err, EINVAL, "network %s: --store-user %s: expected a name of 1 to %d printable bytes without spaces, quotes or ':'",
				     req->name, o->user, NSNET_STORE_USER_MAX);
	snprintf(ov->user, sizeof(ov->user), "%s", o->user);
	if (ov->password_file[0]) {
		overlay_file_line(ov->password_file, line, sizeof(line));
		pw = line;
	}
	r = pw && pw[0] && strlen(pw) <= OVERLAY_PASSWORD_MAX ? 0 : -EINVAL;
	for (const char *p = pw; !r && *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f)
			r = -EINVAL;
	explicit_bzero(line, sizeof(line));
	if (r < 0)
		return nsnet_err_set(err, EINVAL, "network %s: the store password%s%s: expected 1 to %d printable bytes",
				     req->name, ov->password_file[0] ? " in " : "", ov->password_file, OVERLAY_PASSWORD_MAX);
	if (!ov->password_file[0]) {
		snprintf(overlay_given_net, sizeof(overlay_given_net), "%s", req->name);
		snprintf(overlay_given_pw, sizeof(overlay_given_pw), "%s", o->password);
	}
	return 0;
}

/* A password not in a file of the user's: kept in the state dir (record overlay/NET, 0600), undone with the join. */
static int overlay_password_keep(struct op *op, const char *net, const struct nsnet_overlay *ov, struct nsnet_err *err)
{
	char dir[PATH_MAX];
	json_t *rec;
	int r;

	if (!ov->user[0] || ov->password_file[0])
		return 0;
	op_echo(op, "install -m 0600 /dev/null %s/%s/%s.json  # {\"password\": \"***\"}: the store password",
		op->st.dir, OVERLAY_DIR, net);
	if (op->opts->dry_run)
		return 0;
	snprintf(dir, sizeof(dir), "%s/%s", op->st.dir, OVERLAY_DIR);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return nsnet_err_set(err, errno, "%s: %s", dir, strerror(errno));
	if (!(rec = json_pack("{s:s}", "password", overlay_given_pw)))
		return nsnet_err_set(err, ENOMEM, "out of memory");
	r = op_state_put(op, OVERLAY_DIR, net, rec, err);
	json_decref(rec);
	return r;
}

/* The first block nobody holds (dry-run: what a claim would take). */
static int overlay_block_guess(struct etcd *e, const struct overlay_def *d, struct nsnet_prefix *block,
			       struct nsnet_err *err)
{
	char prefix[OVERLAY_KEY_MAX], k[OVERLAY_KEY_MAX];
	uint64_t count = 1ull << (d->host_prefix - d->subnet.len);
	struct etcd_kvs held;
	int r;

	overlay_key(prefix, d, "blocks/");
	if ((r = etcd_get_prefix(e, prefix, &held, err)) < 0)
		return r;
	r = -ENOSPC;
	for (uint64_t b = 0; b < count && r < 0; b++) {
		bool taken = false;

		block->len = d->host_prefix;
		nsnet_prefix_nth(&d->subnet, b << (32 - d->host_prefix), &block->addr);
		overlay_block_key(k, d, block);
		for (size_t i = 0; i < held.n && !taken; i++)
			taken = !strcmp(k, held.v[i].key);
		if (!taken)
			r = 0;
	}
	etcd_kvs_free(&held);
	return r < 0 ? nsnet_err_set(err, ENOSPC, "overlay %s: every block is taken", d->name) : 0;
}

int overlay_join_plan(struct op *op, const struct network_req *req, struct network_req *breq,
		      struct nsnet_overlay *ov, struct nsnet_err *err)
{
	const struct overlay_req *o = req->overlay;
	char k[OVERLAY_KEY_MAX], id[64], sub[NSNET_PREFIX_STRLEN], *text = NULL, ctl[OVERLAY_CTL_MAX];
	struct overlay_def d;
	struct nsnet_prefix block;
	struct etcd_kvs cur;
	struct etcd *e = NULL;
	unsigned int mtu = 0, h;
	int64_t lease;
	bool held;
	int r;

	memset(ov, 0, sizeof(*ov));
	if (req->n_subnets != 1 || req->subnet[0].addr.family != AF_INET)
		return nsnet_err_set(err, EINVAL, "network %s: --driver vxlan takes exactly one IPv4 --subnet", req->name);
	if (!o->store || !o->store[0] || strlen(o->store) > NSNET_STORE_MAX ||
	    (strncmp(o->store, "http://", 7) && strncmp(o->store, "https://", 8)) || strpbrk(o->store, " \t'\""))
		return nsnet_err_set(err, EINVAL, "network %s: --driver vxlan needs --store http://HOST:PORT[,...]",
				     req->name);
	if (req->n_gateways || req->bridge || req->internal)
		return nsnet_err_set(err, EINVAL, "network %s: --gateway, --bridge and --internal do not apply to --driver vxlan",
				     req->name);
	snprintf(ov->store, sizeof(ov->store), "%s", o->store);
	if ((r = overlay_auth_plan(req, ov, err)) < 0)
		return r;
	overlay_etcdctl(ov, ctl, sizeof(ctl));
	ov->subnet = req->subnet[0];
	ov->host_prefix = o->host_prefix ? o->host_prefix : OVERLAY_HOST_PREFIX_DEFAULT;
	ov->vni = o->vni ? o->vni : 1;
	ov->port = o->port ? o->port : OVERLAY_PORT_DEFAULT;
	ov->ttl = o->ttl ? o->ttl : OVERLAY_TTL_DEFAULT;
	if (ov->host_prefix <= ov->subnet.len || ov->host_prefix > 30)
		return nsnet_err_set(err, EINVAL, "--host-prefix %u: expected %u to 30 (longer than the subnet's /%u)",
				     ov->host_prefix, ov->subnet.len + 1, ov->subnet.len);
	h = names_hash(NAMES_FNV_INIT, req->name, strlen(req->name));
	snprintf(ov->vxlan, sizeof(ov->vxlan), NSNET_BRIDGE_PREFIX "x%08x", h);
	if ((r = overlay_underlay(op, o, &ov->local, &mtu, err)) < 0)
		return r;
	if (req->mtu)
		mtu = req->mtu;
	overlay_def_of(req->name, ov, &d);
	overlay_host_id(ov, id, sizeof(id));
	/* The store refusing this host (TLS, user) is reported like an unreachable one: nothing changed. */
	overlay_key(k, &d, "config");
	if ((r = overlay_store_open(&op->st, req->name, ov, &e, err)) < 0 || (r = etcd_get(e, k, &cur, err)) < 0) {
		nsnet_err_prefix(err, "network %s: the store %s, nothing changed", req->name,
				 r == -EHOSTUNREACH ? "is unreachable" : "refused this host");
		goto out;
	}
	if ((r = overlay_password_keep(op, req->name, ov, err)) < 0)
		goto out;
	held = cur.n > 0;
	etcd_kvs_free(&cur);
	if (!(text = overlay_def_text(&d))) {
		r = nsnet_err_set(err, ENOMEM, "out of memory");
		goto out;
	}
	if (!held) {
		op_echo(op, "%s txn  # if create(%s) = 0: put %s '%s'", ctl, k, k, text);
		if (!op->opts->dry_run && (r = overlay_push_key(op, req->name, ov, k, text, err)) < 0)
			goto out;
	}
	if ((held || !op->opts->dry_run) && (r = overlay_def_publish(e, &d, err)) < 0)
		goto out;
	if (!held && !op->opts->dry_run)
		op_applied(op);
	/* The block: the one this host holds already (it came back), else the first free one. */
	r = overlay_block_held(e, &d, id, &block, err);
	if (r < 0 && r != -ENOENT)
		goto out;
	held = r == 0;
	if (op->opts->dry_run) {
		if (!held && (r = overlay_block_guess(e, &d, &block, err)) < 0)
			goto out;
		overlay_block_key(k, &d, &block);
		op_echo(op, "%s lease grant %d", ctl, OVERLAY_BLOCK_TTL);
		op_echo(op, "%s txn  # if create(%s) = 0: put %s %s --lease=LEASE", ctl, k, k, id);
	} else {
		overlay_key(k, &d, "blocks/");
		if (!held && (r = overlay_push_key(op, req->name, ov, k, id, err)) < 0)
			goto out;
		if ((r = etcd_lease_grant(e, OVERLAY_BLOCK_TTL, &lease, err)) < 0 ||
		    (r = overlay_block_claim(e, &d, id, lease, &block, err)) < 0)
			goto out;
		if (!held)
			op_applied(op);
	}
	*breq = *req;
	breq->driver = NSNET_DRIVER_VXLAN;
	breq->subnet[0] = block;
	breq->mtu = mtu;
	op_note(op->opts, 1, "network %s: this host's block is %s", req->name, nsnet_prefix_str(&block, sub));
	r = 0;
out:
	free(text);
	etcd_close(e);
	return r;
}
