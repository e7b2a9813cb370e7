// SPDX-License-Identifier: MIT
// Kernel and file steps of an operation: namespaces, links, addresses, routes, sysctl, conntrack, files, records.
#include "core/op.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "core/records.h"
#include "core/undo.h"
#include "kernel/addr.h"
#include "kernel/conntrack.h"
#include "kernel/link.h"
#include "kernel/neigh.h"
#include "kernel/netns.h"
#include "kernel/sysctl.h"
#include "util/names.h"

/*
 * Every step has the same shape (op.h): echo; stop in dry-run mode; push the undo (the step fails
 * here, before running, if it cannot be recorded); apply; on failure pop the undo, else mark the
 * step applied. Removals push nothing: an interrupted removal is completed by gc.
 */

/* "ip -n NS " or "ip " */
static const char *op_ip(const char *ns, char *buf, size_t len)
{
	if (ns && *ns)
		snprintf(buf, len, "ip -n %s", ns);
	else
		snprintf(buf, len, "ip");
	return buf;
}

int op_netns_add(struct op *op, const char *ns, unsigned long long *dev, unsigned long long *ino,
		 struct nsnet_err *err)
{
	struct netns_open made = { .fd = -1 };
	char id[64];
	struct op_undo *u;
	bool pooled = false;
	struct stat st;
	int r;

	*dev = *ino = 0;
	op_echo(op, "ip netns add %s", ns);
	if (op->opts->dry_run)
		return 0;
	if ((r = op_push(op, UNDO_NETNS_DEL, ns, NULL, NULL, NULL, err)) < 0)
		return r;
	/* Batch mode: a namespace the pool made ahead gets the name (core/netns_pool.c). */
	if (op_netns_pool_take(op, &made.fd, &made.nl)) {
		pooled = made.nl_ok = true;
		if ((r = netns_name(ns, made.fd, err)) < 0) {
			nl_close(&made.nl);
			close(made.fd);
		} else if (fstat(made.fd, &st) == 0) {
			made.dev = (unsigned long long)st.st_dev;
			made.ino = (unsigned long long)st.st_ino;
		}
	} else {
		r = netns_add(ns, &made, err);
	}
	if (r < 0) {
		op_pop(op);
		return r;
	}
	/*
	 * The namespace's identity, into the undo (and its journal line) so a rollback removes this
	 * namespace only, never one that replaced it meanwhile. Without it (the journal line failed):
	 * the undo removes by name, as before.
	 */
	if (made.fd >= 0 && made.ino) {
		*dev = made.dev;
		*ino = made.ino;
		snprintf(id, sizeof(id), "%llu:%llu", *dev, *ino);
		u = &op->undo[op->n_undo - 1];
		if (journal_set(op, id) == 0) {
			char *b = strdup(id);

			if (b) {
				free(u->arg[1]);
				u->arg[1] = b;
			}
		}
	}
	op_applied(op);
	/* Its fd and socket serve the steps in it that follow (op_nl(); a failure only costs reopening). */
	if (made.fd >= 0 && made.nl_ok) {
		op_ns_adopt(op, ns, made.fd, &made.nl, pooled, NULL);
	} else {
		if (made.fd >= 0)
			close(made.fd);
		if (made.nl_ok)
			nl_close(&made.nl);
	}
	return 0;
}

int op_netns_del(struct op *op, const char *ns, struct nsnet_err *err)
{
	int r;

	op_echo(op, "ip netns del %s", ns);
	if (op->opts->dry_run)
		return 0;
	if (op->park)
		return op_park_netns(op, ns, err);
	op_links_forget(op);
	/* Our cached socket and fd would keep the namespace alive: drop them first. */
	for (size_t i = 0; i < op->n_ns; i++) {
		if (!strcmp(op->ns[i].name, ns)) {
			nl_close(&op->ns[i].nl);
			close(op->ns[i].fd);
			op->ns[i] = op->ns[--op->n_ns];
			break;
		}
	}
	r = netns_del(ns, err);
	return r == -ENOENT ? 0 : r;
}

/* An owner id: exactly 16 lowercase hex digits (the record is read as untrusted input). */
static bool op_owner_id_ok(const char *id)
{
	return strlen(id) == 16 && strspn(id, "0123456789abcdef") == 16;
}

int op_owner_mark(struct op *op, bool create, char out[OP_MARK_MAX], struct nsnet_err *err)
{
	json_t *j = NULL, *id;
	uint8_t rnd[8];
	char hex[17];
	int r;

	if (op->mark[0]) {
		memcpy(out, op->mark, OP_MARK_MAX);
		return 0;
	}
	r = state_read(&op->st, STATE_IDS, "owner", &j, err);
	if (r == 0) {
		id = json_object_get(j, "id");
		if (!json_is_string(id) || !op_owner_id_ok(json_string_value(id))) {
			json_decref(j);
			return nsnet_err_set(err, EINVAL, "record %s/owner: bad \"id\", expected 16 lowercase hex digits",
					     STATE_IDS);
		}
		snprintf(op->mark, sizeof(op->mark), OP_MARK_PREFIX "%s", json_string_value(id));
		json_decref(j);
	} else if (r == -ENOENT && create && !op->opts->dry_run) {
		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			return nsnet_err_set(err, errno ? errno : EIO, "owner id: getrandom failed");
		for (size_t i = 0; i < sizeof(rnd); i++)
			snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
		if (!(j = json_pack("{s:s}", "id", hex)))
			return nsnet_err_set(err, ENOMEM, "out of memory");
		r = state_write(&op->st, STATE_IDS, "owner", j, err);
		json_decref(j);
		if (r < 0)
			return r;
		snprintf(op->mark, sizeof(op->mark), OP_MARK_PREFIX "%s", hex);
	} else {
		return r;
	}
	memcpy(out, op->mark, OP_MARK_MAX);
	return 0;
}

enum op_link_owner op_link_owner(const struct link_info *li, const char *mine)
{
	size_t n = strlen(li->alias), g = strlen(OP_MARK_GOING);
	bool going = n > g && !strcmp(li->alias + n - g, OP_MARK_GOING);
	char id[sizeof(li->alias)];

	snprintf(id, sizeof(id), "%.*s", (int)(going ? n - g : n), li->alias);
	if (strncmp(id, OP_MARK_PREFIX, strlen(OP_MARK_PREFIX)) || !op_owner_id_ok(id + strlen(OP_MARK_PREFIX)))
		return LINK_UNMARKED;
	if (!mine || !*mine || strcmp(id, mine))
		return LINK_OTHER;
	return going ? LINK_GOING : LINK_OURS;
}

/*
 * One state dir per network namespace (docs/reliability.md, "Trust boundaries"): the firewall
 * tables are shared, so a second state dir would rebuild or drop the first one's rules. A link
 * carrying another state dir's mark means another state dir holds objects here: refuse.
 */
static int op_other_owner(struct nl *nl, const char *mine, struct nsnet_err *err)
{
	struct link_list links;
	int r;

	if ((r = link_list_dump(nl, &links, err)) < 0)
		return r;
	for (size_t i = 0; i < links.n; i++) {
		if (op_link_owner(&links.v[i], mine) != LINK_OTHER)
			continue;
		r = nsnet_err_set(err, EBUSY,
				  "link %s belongs to another nsnet state dir (%s): one state dir per network namespace",
				  links.v[i].name, links.v[i].alias);
		break;
	}
	link_list_free(&links);
	return r;
}

/* Mark link @name as this state dir's; the creation step is already applied, so a failure rolls it back. */
static int op_link_mark(struct nl *nl, const char *name, const char *mark, struct nsnet_err *err)
{
	int r = link_set_alias(nl, name, mark, err);

	if (r < 0)
		nsnet_err_prefix(err, "mark link %s", name);
	return r;
}

int op_bridge_add(struct op *op, const struct nsnet_network *net, const char *kind, struct nsnet_err *err)
{
	char mark[OP_MARK_MAX];
	unsigned int h = names_hash(NAMES_FNV_INIT, net->bridge, strlen(net->bridge));
	/* Locally administered, unicast, derived from the name: stable across re-creation. */
	uint8_t mac[6] = { 0x02, 0x6e, (uint8_t)(h >> 24), (uint8_t)(h >> 16), (uint8_t)(h >> 8),
			   (uint8_t)h };
	struct nl *nl;
	int r;

	op_echo(op, "ip link add %s mtu %u address %02x:%02x:%02x:%02x:%02x:%02x up type %s",
		net->bridge, net->mtu, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5], kind);
	if (op->opts->dry_run)
		return 0;
	if ((r = op_nl(op, NULL, &nl, err)) < 0 || (r = op_owner_mark(op, true, mark, err)) < 0 ||
	    (r = op_other_owner(nl, mark, err)) < 0)
		return r;
	if ((r = op_push(op, UNDO_LINK_DEL, "", net->bridge, NULL, NULL, err)) < 0)
		return r;
	r = link_add_kind(nl, net->bridge, kind, net->mtu, mac, err);
	if (r < 0) {
		op_pop(op);
		if (r == -EEXIST)
			return nsnet_err_set(err, EEXIST, "%s %s already exists", kind, net->bridge);
		nsnet_err_prefix(err, "create %s %s", kind, net->bridge);
		return r;
	}
	op_applied(op);
	return op_link_mark(nl, net->bridge, mark, err);
}

void op_links_forget(struct op *op)
{
	memset(op->known, 0, sizeof(op->known));
}

/* The index op_veth_add() learnt for link @ifname of @ns ("" or NULL: host), else 0. */
static int op_link_known(const struct op *op, const char *ns, const char *ifname)
{
	for (size_t i = 0; i < sizeof(op->known) / sizeof(op->known[0]); i++)
		if (op->known[i].ifindex > 0 && !strcmp(op->known[i].ns, ns ? ns : "") && !strcmp(op->known[i].name, ifname))
			return op->known[i].ifindex;
	return 0;
}

int op_link_known_mac(const struct op *op, const char *ns, const char *ifname, uint8_t mac[6])
{
	static const uint8_t zero[6];

	for (size_t i = 0; i < sizeof(op->known) / sizeof(op->known[0]); i++)
		if (op->known[i].ifindex > 0 && memcmp(op->known[i].mac, zero, 6) &&
		    !strcmp(op->known[i].ns, ns ? ns : "") && !strcmp(op->known[i].name, ifname)) {
			memcpy(mac, op->known[i].mac, 6);
			return 0;
		}
	return -ENOENT;
}

int op_veth_add(struct op *op, const char *host_if, const uint8_t *host_mac, const char *bridge, unsigned int group,
		const char *ns, const char *peer_if, const uint8_t *peer_mac, unsigned int mtu, bool hairpin,
		bool host_absent, int *host_ifindex, struct nsnet_err *err)
{
	struct link_info br = { .ifindex = 0 }, old, made;
	char mark[OP_MARK_MAX], where[IFNAMSIZ + 32], addr[32] = "";
	struct link_conf conf = { .hairpin = hairpin && bridge };
	struct nl *nl;
	int r, fd;

	if (host_ifindex)
		*host_ifindex = 0;
	if (bridge)
		snprintf(where, sizeof(where), "master %s", bridge);
	else
		snprintf(where, sizeof(where), "group %u", group);
	if (host_mac)
		snprintf(addr, sizeof(addr), " address %02x:%02x:%02x:%02x:%02x:%02x", host_mac[0], host_mac[1],
			 host_mac[2], host_mac[3], host_mac[4], host_mac[5]);
	op_echo(op, "ip link add %s%s mtu %u %s up type veth peer name %s address %02x:%02x:%02x:%02x:%02x:%02x mtu %u netns %s",
		host_if, addr, mtu, where, peer_if, peer_mac[0], peer_mac[1], peer_mac[2], peer_mac[3], peer_mac[4],
		peer_mac[5], mtu, ns);
	if (conf.hairpin)
		op_echo(op, "ip link set %s type bridge_slave hairpin on", host_if);
	op_echo(op, "ip link set %s addrgenmode none", host_if);
	if (op->opts->dry_run)
		return 0;
	if ((r = op_nl(op, NULL, &nl, err)) < 0 || (r = op_owner_mark(op, true, mark, err)) < 0)
		return r;
	if ((fd = op_netns_fd(op, ns, err)) < 0)
		return fd;
	r = bridge ? link_get(nl, bridge, &br, err) : 0;
	if (r < 0) {
		nsnet_err_prefix(err, "bridge %s", bridge);
		return r;
	}
	/*
	 * The host end's name is derived from (namespace, network), so a namespace removed a moment
	 * ago may still hold it while the kernel tears that namespace down. Callers made sure no
	 * record owns the name, so a link there carrying this state dir's mark is such a leftover:
	 * remove it. Anything else of that name is not ours to touch. (A caller that has just seen
	 * the name free says so: should a link take it since, the creation fails with EEXIST.)
	 */
	if (!host_absent && link_get(nl, host_if, &old, NULL) == 0) {
		enum op_link_owner who = op_link_owner(&old, mark);

		if (who != LINK_OURS && who != LINK_GOING)
			return nsnet_err_set(err, EEXIST, "host end %s exists and is not this state dir's: left alone",
					     host_if);
		link_del(nl, host_if, NULL);
	}
	if ((r = op_push(op, UNDO_LINK_DEL, "", host_if, NULL, NULL, err)) < 0)
		return r;
	r = link_add_veth(nl, host_if, host_mac, br.ifindex, bridge ? 0 : group, peer_if, peer_mac, fd, mtu, &made, err);
	if (r < 0) {
		op_pop(op);
		if (r == -EEXIST && host_absent)
			return nsnet_err_set(err, EEXIST, "host end %s exists and is not this state dir's: left alone",
					     host_if);
		nsnet_err_prefix(err, "create veth %s (peer %s in %s)", host_if, peer_if, ns);
		return r;
	}
	op_applied(op);
	/* Known from the kernel's echo: the steps on either end that follow need no lookup. */
	op_links_forget(op);
	if (made.ifindex > 0) {
		op->known[0].ifindex = made.ifindex;
		memcpy(op->known[0].mac, made.mac, 6);
		snprintf(op->known[0].name, sizeof(op->known[0].name), "%s", host_if);
		if (host_ifindex)
			*host_ifindex = made.ifindex;
	}
	if (made.iflink > 0) {
		op->known[1].ifindex = made.iflink;
		snprintf(op->known[1].ns, sizeof(op->known[1].ns), "%s", ns);
		snprintf(op->known[1].name, sizeof(op->known[1].name), "%s", peer_if);
	}
	/* Marked as this state dir's, no IPv6 address, hairpin: one request. */
	conf.ifindex = made.ifindex;
	conf.alias = mark;
	r = link_configure(nl, host_if, &conf, err);
	if (r < 0)
		nsnet_err_prefix(err, "mark link %s", host_if);
	return r;
}

int op_link_del(struct op *op, const char *ns, const char *ifname, struct nsnet_err *err)
{
	char ip[NSNET_NAME_MAX + 16];
	struct nl *nl;
	int r;

	if (op->park && !op->opts->dry_run)
		return op_link_park(op, ns, ifname, err);
	op_links_forget(op);
	op_echo(op, "%s link del %s", op_ip(ns, ip, sizeof(ip)), ifname);
	if (op->opts->dry_run)
		return 0;
	if ((r = op_nl(op, ns, &nl, err)) < 0)
		return r;
	r = link_del(nl, ifname, err);
	if (r == -ENODEV)
		return 0;
	if (r < 0)
		nsnet_err_prefix(err, "delete link %s", ifname);
	return r;
}

int op_link_configure(struct op *op, const char *ns, const char *ifname, bool hairpin, struct nsnet_err *err)
{
	char ip[NSNET_NAME_MAX + 16];
	struct link_conf conf = { .ifindex = op_link_known(op, ns, ifname), .hairpin = hairpin };
	struct nl *nl;
	int r;

	if (hairpin)
		op_echo(op, "%s link set %s type bridge_slave hairpin on", op_ip(ns, ip, sizeof(ip)), ifname);
	op_echo(op, "%s link set %s addrgenmode none", op_ip(ns, ip, sizeof(ip)), ifname);
	if (op->opts->dry_run)
		return 0;
	if ((r = op_nl(op, ns, &nl, err)) < 0)
		return r;
	r = link_configure(nl, ifname, &conf, err);
	if (r < 0)
		nsnet_err_prefix(err, "%s: %sno IPv6 link-local address", ifname, hairpin ? "hairpin mode, " : "");
	return r;
}

int op_link_up(struct op *op, const char *ns, const char *ifname, struct nsnet_err *err)
{
	char ip[NSNET_NAME_MAX + 16];
	struct nl *nl;
	int r;

	op_echo(op, "%s link set %s up", op_ip(ns, ip, sizeof(ip)), ifname);
	if (op->opts->dry_run)
		return 0;
	/* A namespace of the pool (batch mode) has its lo up already. */
	if (ns && *ns && !strcmp(ifname, "lo") && op_ns_lo_up(op, ns))
		return 0;
	if ((r = op_nl(op, ns, &nl, err)) < 0)
		return r;
	r = link_set_up(nl, ifname, err);
	if (r < 0)
		nsnet_err_prefix(err, "set %s up", ifname);
	return r;
}

static int op_ifindex(struct op *op, const char *ns, const char *ifname, struct nl **nl,
		      struct nsnet_err *err)
{
	struct link_info li;
	int r;

	if ((r = op_nl(op, ns, nl, err)) < 0)
		return r;
	if ((r = op_link_known(op, ns, ifname)) > 0)
		return r;
	r = link_get(*nl, ifname, &li, err);
	if (r < 0) {
		nsnet_err_prefix(err, "link %s", ifname);
		return r;
	}
	return li.ifindex;
}

int op_link_master(struct op *op, const char *ifname, const char *bridge, bool hairpin, struct nsnet_err *err)
{
	struct nl *nl;
	int br, port, r;

	op_echo(op, "ip link set %s master %s up", ifname, bridge);
	if (!op->opts->dry_run) {
		if ((br = op_ifindex(op, NULL, bridge, &nl, err)) < 0)
			return br;
		if ((port = op_ifindex(op, NULL, ifname, &nl, err)) < 0)
			return port;
		if ((r = link_set_master(nl, port, br, err)) < 0) {
			nsnet_err_prefix(err, "put %s on %s", ifname, bridge);
			return r;
		}
	}
	/* The port's settings go in a request of their own, once it is a port (the kernel's order). */
	return op_link_configure(op, NULL, ifname, hairpin, err);
}

int op_addr_add(struct op *op, const char *ns, const char *ifname, const struct nsnet_addr *a,
		unsigned int len, struct nsnet_err *err)
{
	char ip[NSNET_NAME_MAX + 16], buf[INET6_ADDRSTRLEN];
	struct nl *nl;
	int r, idx;

	op_echo(op, "%s addr add %s/%u dev %s%s", op_ip(ns, ip, sizeof(ip)), nsnet_addr_str(a, buf),
		len, ifname, a->family == AF_INET6 ? " nodad" : "");
	if (op->opts->dry_run)
		return 0;
	if ((idx = op_ifindex(op, ns, ifname, &nl, err)) < 0)
		return idx;
	r = addr_add(nl, idx, a, len, err);
	if (r < 0)
		nsnet_err_prefix(err, "add address %s/%u to %s", buf, len, ifname);
	return r;
}

int op_neigh_add(struct op *op, const char *ns, const char *ifname, const struct nsnet_addr *ip, const uint8_t mac[6],
		 struct nsnet_err *err)
{
	char pre[NSNET_NAME_MAX + 16], buf[INET6_ADDRSTRLEN];
	struct nl *nl;
	int r, idx;

	op_echo(op, "%s neigh add %s lladdr %02x:%02x:%02x:%02x:%02x:%02x dev %s nud permanent",
		op_ip(ns, pre, sizeof(pre)), nsnet_addr_str(ip, buf), mac[0], mac[1], mac[2], mac[3], mac[4], mac[5],
		ifname);
	if (op->opts->dry_run)
		return 0;
	if ((idx = op_ifindex(op, ns, ifname, &nl, err)) < 0)
		return idx;
	r = neigh_set(nl, idx, ip, mac, true, false, err);
	if (r < 0)
		nsnet_err_prefix(err, "add neighbour entry %s on %s", buf, ifname);
	return r;
}

int op_route_default(struct op *op, const char *ns, const char *ifname, const struct nsnet_addr *gw,
		     struct nsnet_err *err)
{
	char ip[NSNET_NAME_MAX + 16], buf[INET6_ADDRSTRLEN];
	struct nl *nl;
	int r, idx;

	op_echo(op, "%s%s route add default via %s dev %s", op_ip(ns, ip, sizeof(ip)),
		gw->family == AF_INET6 ? " -6" : "", nsnet_addr_str(gw, buf), ifname);
	if (op->opts->dry_run)
		return 0;
	if ((idx = op_ifindex(op, ns, ifname, &nl, err)) < 0)
		return idx;
	r = route_add_default(nl, gw, idx, err);
	if (r < 0)
		nsnet_err_prefix(err, "add default route via %s", buf);
	return r;
}

int op_route_add(struct op *op, const char *ns, const char *ifname, const struct nsnet_prefix *dst,
		 const struct nsnet_addr *gw, struct nsnet_err *err)
{
	char ip[NSNET_NAME_MAX + 16], d[NSNET_PREFIX_STRLEN], g[INET6_ADDRSTRLEN] = "";
	struct nl *nl;
	int r, idx;

	if (gw && gw->family)
		nsnet_addr_str(gw, g);
	op_echo(op, "%s%s route add %s%s%s dev %s", op_ip(ns, ip, sizeof(ip)), dst->addr.family == AF_INET6 ? " -6" : "",
		nsnet_prefix_str(dst, d), g[0] ? " via " : "", g, ifname);
	if (op->opts->dry_run)
		return 0;
	if ((idx = op_ifindex(op, ns, ifname, &nl, err)) < 0)
		return idx;
	r = route_add(nl, dst, gw, idx, err);
	if (r < 0)
		nsnet_err_prefix(err, "add route %s%s%s", d, g[0] ? " via " : "", g);
	return r;
}

int op_conntrack_flush(struct op *op, uint8_t proto, const struct nsnet_addr *vip, uint16_t vip_port,
		       const struct nsnet_addr *backend, uint16_t backend_port, struct nsnet_err *err)
{
	char v[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	int r;

	op_echo(op, "conntrack -D -f %s -p %s --orig-dst %s --dport %u --reply-src %s --reply-port-src %u",
		vip->family == AF_INET6 ? "ipv6" : "ipv4", proto == IPPROTO_UDP ? "udp" : "tcp",
		nsnet_addr_str(vip, v), vip_port, nsnet_addr_str(backend, b), backend_port);
	if (op->opts->dry_run)
		return 0;
	if (!op->ct_open) {
		if ((r = nl_open_bus(&op->ct, NETLINK_NETFILTER, -1, err)) < 0)
			return r;
		op->ct_open = true;
	}
	r = conntrack_del_dnat(&op->ct, proto, vip, vip_port, backend, backend_port, err);
	if (r < 0)
		nsnet_err_prefix(err, "conntrack");
	return r < 0 ? r : 0;
}

int op_sysctl(struct op *op, const char *key, const char *value, bool undoable, struct nsnet_err *err)
{
	char cur[64];
	bool known, pushed;
	int r;

	known = sysctl_get(key, cur, sizeof(cur), NULL) == 0;
	/* A dry run shows the command even when this host has the value already: it is what a clean host needs. */
	if (!op->opts->dry_run && known && !strcmp(cur, value))
		return 0;
	op_echo(op, "sysctl -w %s=%s", key, value);
	if (op->opts->dry_run)
		return 0;
	pushed = undoable && known;
	if (pushed && (r = op_push(op, UNDO_SYSCTL, key, cur, NULL, NULL, err)) < 0)
		return r;
	r = sysctl_set(key, value, err);
	if (r < 0) {
		if (pushed)
			op_pop(op);
		return r;
	}
	op_applied(op);
	return 0;
}

/*
 * Files nsnet writes (resolv.conf under /etc/netns/NS/) start with FILE_MARK: nsnet removes or
 * replaces only a file that does, so an admin's own file is never touched. Every access goes
 * through a descriptor of the directory, opened without following a symlink, and names in it
 * without following one either: nsnet never writes or removes through a symlink. The mark is not
 * echoed (the dry-run text shows the content asked for).
 */
#define FILE_MARK "# written by nsnet: removed with the namespace\n"

/* Open directory @dir (its last component not a symlink), making it first if @create (*@made). */
static int file_dir_open(const char *dir, bool create, bool *made, struct nsnet_err *err)
{
	char parent[PATH_MAX];
	const char *base = strrchr(dir, '/');
	int pfd, fd;

	if (made)
		*made = false;
	if (!base || !base[1])
		return nsnet_err_set(err, EINVAL, "directory %s: not an absolute path", dir);
	snprintf(parent, sizeof(parent), "%.*s", (int)(base - dir) ? (int)(base - dir) : 1, dir);
	base++;
	if ((pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return create ? nsnet_err_set(err, errno, "open %s: %s", parent, strerror(errno)) : -errno;
	if (create) {
		if (mkdirat(pfd, base, 0755) == 0) {
			if (made)
				*made = true;
		} else if (errno != EEXIST) {
			int e = errno;

			close(pfd);
			return nsnet_err_set(err, e, "create %s: %s", dir, strerror(e));
		}
	}
	fd = openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		close(pfd);
		if (e == ELOOP || e == ENOTDIR)
			return nsnet_err_set(err, EPERM, "%s is a symlink or not a directory; nsnet does not write through it", dir);
		return nsnet_err_set(err, e, "open %s: %s", dir, strerror(e));
	}
	close(pfd);
	return fd;
}

/* Is @name in @dfd a regular file nsnet wrote? 1 yes, 0 no (or absent: *@absent), -errno. */
static int file_ours_at(int dfd, const char *name, bool *absent)
{
	char head[sizeof(FILE_MARK)];
	ssize_t got;
	struct stat sb;
	int fd;

	*absent = false;
	if (fstatat(dfd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0) {
		*absent = errno == ENOENT;
		return *absent ? 0 : -errno;
	}
	if (!S_ISREG(sb.st_mode))
		return 0;
	if ((fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) < 0)
		return -errno;
	got = read(fd, head, sizeof(FILE_MARK) - 1);
	close(fd);
	return got == (ssize_t)sizeof(FILE_MARK) - 1 && !memcmp(head, FILE_MARK, sizeof(FILE_MARK) - 1);
}

int op_file_foreign(const char *dir, const char *path, struct nsnet_err *err)
{
	const char *name = strrchr(path, '/') + 1;
	bool absent;
	int dfd = file_dir_open(dir, false, NULL, NULL), r;

	if (dfd == -ENOENT)
		return 0;
	if (dfd < 0)
		return nsnet_err_set(err, EPERM, "%s is a symlink or not a directory; nsnet does not write through it", dir);
	r = file_ours_at(dfd, name, &absent);
	close(dfd);
	if (r == 0 && !absent)
		return nsnet_err_set(err, EEXIST, "%s exists and was not written by nsnet; nsnet neither replaces nor removes it (move it away first)",
				     path);
	return r < 0 ? nsnet_err_set(err, -r, "%s: %s", path, strerror(-r)) : 0;
}

/*
 * The text (after the mark) of @path in @dir when nsnet wrote it, for the undo of a rewrite:
 * NULL when there is none, it is not ours, or it is longer than FILE_RESTORE_MAX (the undo then
 * removes the file, as after a first write). The caller frees it.
 */
#define FILE_RESTORE_MAX 4096
static char *file_ours_text(const char *dir, const char *name)
{
	char *buf = NULL;
	bool absent;
	ssize_t got;
	int dfd = file_dir_open(dir, false, NULL, NULL), fd = -1;

	if (dfd < 0)
		return NULL;
	if (file_ours_at(dfd, name, &absent) == 1 &&
	    (fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) >= 0 &&
	    (buf = calloc(1, strlen(FILE_MARK) + FILE_RESTORE_MAX + 2))) {
		got = read(fd, buf, strlen(FILE_MARK) + FILE_RESTORE_MAX + 1);
		if (got < (ssize_t)strlen(FILE_MARK) || got > (ssize_t)(strlen(FILE_MARK) + FILE_RESTORE_MAX)) {
			free(buf);
			buf = NULL;
		} else {
			buf[got] = 0;
			memmove(buf, buf + strlen(FILE_MARK), (size_t)got - strlen(FILE_MARK) + 1);
		}
	}
	if (fd >= 0)
		close(fd);
	close(dfd);
	return buf;
}

/* Is @text what a restore may write back: printable ASCII lines, at most FILE_RESTORE_MAX bytes? */
bool op_file_text_ok(const char *text)
{
	size_t n = 0;

	for (; text[n]; n++)
		if (n >= FILE_RESTORE_MAX || ((unsigned char)text[n] < 0x20 && text[n] != '\n' && text[n] != '\t') ||
		    (unsigned char)text[n] > 0x7e)
			return false;
	return true;
}

int op_file_write(struct op *op, const char *dir, const char *path, const char *content,
		  struct nsnet_err *err)
{
	const char *name = strrchr(path, '/') + 1;
	char tmp[NAME_MAX + 1];
	bool made_dir = false, absent;
	int r, dfd, fd;

	if (dir)
		op_echo(op, "mkdir -p %s", dir);
	for (const char *p = content; *p;) {
		size_t len = strcspn(p, "\n");

		op_echo(op, "echo '%.*s' %s %s", (int)len, p, p == content ? ">" : ">>", path);
		p += len + (p[len] == '\n');
	}
	if (op->opts->dry_run)
		return 0;
	if (!dir)
		return nsnet_err_set(err, EINVAL, "write %s: no directory given", path);
	/*
	 * Undo removes the file (if it carries the mark), then the directory if it is empty; or, when
	 * this rewrites a file of ours (resolv.conf of a namespace joining another network), puts
	 * its old text back.
	 */
	char *old = file_ours_text(dir, name);

	r = op_push(op, UNDO_FILE_DEL, path, dir, old && op_file_text_ok(old) ? old : NULL, NULL, err);
	free(old);
	if (r < 0)
		return r;
	if ((dfd = file_dir_open(dir, true, &made_dir, err)) < 0) {
		op_pop(op);
		return dfd;
	}
	r = file_ours_at(dfd, name, &absent);
	if (r <= 0 && !absent) {
		close(dfd);
		op_pop(op);
		if (r < 0)
			return nsnet_err_set(err, -r, "%s: %s", path, strerror(-r));
		return nsnet_err_set(err, EEXIST, "%s exists and was not written by nsnet; nsnet neither replaces nor removes it (move it away first)",
				     path);
	}
	snprintf(tmp, sizeof(tmp), "%s.nsnet-tmp", name);
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 && errno == EEXIST) {
		/* A write cut short (never followed: unlink removes a symlink itself). */
		unlinkat(dfd, tmp, 0);
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	}
	r = 0;
	{
		/* The mark and the text in one write. */
		struct iovec iov[2] = { { (void *)FILE_MARK, strlen(FILE_MARK) }, { (void *)content, strlen(content) } };

		errno = 0;
		if (fd < 0 || writev(fd, iov, 2) != (ssize_t)(iov[0].iov_len + iov[1].iov_len))
			r = errno ? -errno : -EIO;
	}
	if (fd >= 0 && close(fd) < 0 && !r)
		r = -errno;
	if (!r && renameat(dfd, tmp, dfd, name) < 0)
		r = -errno;
	if (r) {
		unlinkat(dfd, tmp, 0);
		if (made_dir)
			rmdir(dir);
		close(dfd);
		op_pop(op);
		return nsnet_err_set(err, -r, "write %s: %s", path, strerror(-r));
	}
	close(dfd);
	op_applied(op);
	return 0;
}

int op_file_restore_ours(const char *dir, const char *path, const char *text)
{
	const char *name = strrchr(path, '/') + 1;
	char tmp[NAME_MAX + 1];
	bool absent;
	int dfd = file_dir_open(dir, false, NULL, NULL), fd, r;

	if (dfd < 0)
		return dfd;
	r = file_ours_at(dfd, name, &absent);
	if (r == 1 || absent) {
		snprintf(tmp, sizeof(tmp), "%s.nsnet-tmp", name);
		unlinkat(dfd, tmp, 0);
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		r = fd >= 0 && write(fd, FILE_MARK, strlen(FILE_MARK)) == (ssize_t)strlen(FILE_MARK) &&
		    write(fd, text, strlen(text)) == (ssize_t)strlen(text) ? 0 : -EIO;
		if (fd >= 0 && close(fd) < 0)
			r = -errno;
		if (r == 0 && renameat(dfd, tmp, dfd, name) < 0)
			r = -errno;
		if (r < 0)
			unlinkat(dfd, tmp, 0);
	}
	close(dfd);
	return r < 0 ? r : 0;
}

int op_file_remove_ours(const char *dir, const char *path)
{
	const char *name = strrchr(path, '/') + 1;
	char tmp[NAME_MAX + 1];
	bool absent;
	int dfd = file_dir_open(dir, false, NULL, NULL), r;

	if (dfd < 0)
		return dfd == -ENOENT ? 0 : dfd;
	snprintf(tmp, sizeof(tmp), "%s.nsnet-tmp", name);
	unlinkat(dfd, tmp, 0);	/* a write cut short */
	r = file_ours_at(dfd, name, &absent);
	if (r == 1 && unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
		r = -errno;
	close(dfd);
	if (r >= 0)
		rmdir(dir);	/* fine to fail: someone else put files there (or it is a symlink) */
	return r < 0 ? r : 0;
}

int op_file_del(struct op *op, const char *dir, const char *path, struct nsnet_err *err)
{
	const char *name = strrchr(path, '/') + 1;
	bool absent;
	int dfd = file_dir_open(dir, false, NULL, NULL), r;

	char tmp[NAME_MAX + 1];

	if (dfd < 0)
		return 0;	/* no directory (or a symlink: not ours) */
	r = file_ours_at(dfd, name, &absent);
	if (r != 1 || op->opts->dry_run || op->park)
		close(dfd);
	if (r != 1)
		return 0;	/* absent, or a file nsnet did not write: kept */
	op_echo(op, "rm -f %s", path);
	op_echo(op, "rmdir %s", dir);
	if (op->opts->dry_run)
		return 0;
	if (op->park)
		return op_park_file(op, dir, path, err);
	/* As op_file_remove_ours(), through the directory just opened and the file just judged ours. */
	snprintf(tmp, sizeof(tmp), "%s.nsnet-tmp", name);
	unlinkat(dfd, tmp, 0);	/* a write cut short */
	r = unlinkat(dfd, name, 0) < 0 && errno != ENOENT ? -errno : 0;
	close(dfd);
	if (r < 0)
		return nsnet_err_set(err, -r, "remove %s: %s", path, strerror(-r));
	rmdir(dir);	/* fine to fail: someone else put files there (or it is a symlink) */
	return 0;
}

/* Replace (@rec) or remove (NULL) record @kind/@name, its previous bytes pushed as the undo. */
static int op_state_change(struct op *op, const char *kind, const char *name, json_t *rec, struct nsnet_err *err)
{
	char *old = NULL;
	int r;

	rec_cache_forget(op, kind, name);
	if (op->opts->dry_run)
		return 0;
	/* The old record's bytes, not parsed: putting them back is all an undo does (no record: remove). */
	if (state_read_text(&op->st, kind, name, &old, NULL) < 0)
		old = NULL;
	r = op_push(op, UNDO_STATE, kind, name, old, NULL, err);
	free(old);
	if (r < 0)
		return r;
	r = rec ? state_write(&op->st, kind, name, rec, err) : state_remove(&op->st, kind, name, err);
	if (r < 0) {
		op_pop(op);
		return r;
	}
	op_applied(op);
	return 0;
}

int op_state_put(struct op *op, const char *kind, const char *name, json_t *rec, struct nsnet_err *err)
{
	if (!rec)
		return nsnet_err_set(err, EINVAL, "record %s/%s: nothing to store", kind, name);
	return op_state_change(op, kind, name, rec, err);
}

int op_state_del(struct op *op, const char *kind, const char *name, struct nsnet_err *err)
{
	return op_state_change(op, kind, name, NULL, err);
}
