// SPDX-License-Identifier: MIT
// The kernel's floor: the kernel work of `ns add`/`ns rm`/CNI ADD/DEL/`vip add`, done in one process.
/*
 * bench/floor does what nsnet asks the kernel for, with libmnl and libnftnl directly, and nothing
 * else: no state dir, no lock, no journal, no records, no process start per operation. Requests are
 * folded where the kernel allows (one RTM_NEWLINK sets hairpin, addrgenmode and the alias of the
 * host end), so every figure of nsnet can be read as a multiple of what the kernel costs on the
 * same machine. It runs inside tests/sandbox.sh (bench/floor, the shell wrapper, takes care of it)
 * and builds its own bridge and nft sets, shaped as nsnet's (table bridge nsfloor).
 *
 * Usage: floor COUNT   (prints one line per operation: median, p10, p90 in ms over COUNT runs)
 *        floor --routed COUNT   (a routed network's `ns add`, COUNT of them, then `ns rm` newest
 *                                first: the median of the 15 operations that end at 10, 1,000,
 *                                5,000 and 10,000 namespaces, as bench/scale reports nsnet's)
 *        floor --routed-one N   (15 routed `ns add`, then their `ns rm`: namespaces fo<N>.., addresses
 *                                 10.1.0.0/16 + N..; prints the median of each in ms: bench/scale runs it
 *                                among nsnet's namespaces, for the kernel's part at each count)
 *        FLOOR_V6=addr|neigh floor --routed COUNT   (dual stack: the IPv6 gateway fe80::1 as an
 *                                address of the host end, or as permanent neighbour entries)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BRIDGE "nsfloor0"
#define TABLE "nsfloor"

static unsigned int seq = 1;

static void die(const char *what)
{
	fprintf(stderr, "floor: %s: %s\n", what, strerror(errno));
	exit(1);
}

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int echoed_ifindex;	/* the index in the last RTM_NEWLINK the kernel echoed */

/* Sends one request (or batch) and reads until its ack; returns 0 or -errno from the kernel. */
static int nl_talk(struct mnl_socket *nl, const void *buf, size_t len, unsigned int last_seq)
{
	char rbuf[MNL_SOCKET_BUFFER_SIZE];
	unsigned int portid = mnl_socket_get_portid(nl);

	if (mnl_socket_sendto(nl, buf, len) < 0)
		return -errno;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, rbuf, sizeof(rbuf));
		int r;

		if (n < 0)
			return -errno;
		r = mnl_cb_run(rbuf, (size_t)n, 0, portid, NULL, NULL);
		if (r < 0)
			return -errno;
		/* The ack of the last message ends the exchange (batches ack every message). */
		const struct nlmsghdr *h = (const struct nlmsghdr *)rbuf;
		if (h->nlmsg_type == RTM_NEWLINK) {
			echoed_ifindex = ((const struct ifinfomsg *)mnl_nlmsg_get_payload(h))->ifi_index;
			continue;
		}
		if (h->nlmsg_seq >= last_seq)
			return 0;
	}
}

static struct nlmsghdr *rt_msg(char *buf, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *h = mnl_nlmsg_put_header(buf);

	h->nlmsg_type = type;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	h->nlmsg_seq = seq++;
	return h;
}

static int rt_send(struct mnl_socket *nl, struct nlmsghdr *h)
{
	return nl_talk(nl, h, h->nlmsg_len, h->nlmsg_seq);
}

/* Link @ifindex up or down (one RTM_NEWLINK changing IFF_UP only). */
static void link_set_updown(struct mnl_socket *nl, int ifindex, int up)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *h = rt_msg(buf, RTM_NEWLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(h, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ifi->ifi_flags = up ? IFF_UP : 0;
	ifi->ifi_change = IFF_UP;
	if (rt_send(nl, h) < 0)
		die(up ? "link up" : "link down");
}

/*
 * @addrgen_none: first a request of its own for addrgenmode none, as nsnet does: in one request
 * the kernel would bring the link up (and make its IPv6 link-local address) before the mode.
 */
static void link_up(struct mnl_socket *nl, int ifindex, int addrgen_none)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];

	if (addrgen_none) {
		struct nlmsghdr *h = rt_msg(buf, RTM_NEWLINK, 0);
		struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(h, sizeof(*ifi));
		struct nlattr *spec, *in6;

		ifi->ifi_family = AF_UNSPEC;
		ifi->ifi_index = ifindex;
		spec = mnl_attr_nest_start(h, IFLA_AF_SPEC);
		in6 = mnl_attr_nest_start(h, AF_INET6);
		mnl_attr_put_u8(h, IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE);
		mnl_attr_nest_end(h, in6);
		mnl_attr_nest_end(h, spec);
		if (rt_send(nl, h) < 0)
			die("addrgenmode");
	}
	link_set_updown(nl, ifindex, 1);
}

/* A bridge port cut off as nsnet's DEL does it: marked going, then disabled (bridge setlink). */
static void port_disable(struct mnl_socket *nl, int ifindex)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *h = rt_msg(buf, RTM_NEWLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(h, sizeof(*ifi));
	struct nlattr *info;

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	mnl_attr_put_strz(h, IFLA_IFALIAS, "nsnet:floor going");
	if (rt_send(nl, h) < 0)
		die("port alias");
	h = rt_msg(buf, RTM_SETLINK, 0);
	ifi = mnl_nlmsg_put_extra_header(h, sizeof(*ifi));
	ifi->ifi_family = AF_BRIDGE;
	ifi->ifi_index = ifindex;
	info = mnl_attr_nest_start(h, IFLA_PROTINFO);
	mnl_attr_put_u8(h, IFLA_BRPORT_STATE, BR_STATE_DISABLED);
	mnl_attr_nest_end(h, info);
	if (rt_send(nl, h) < 0)
		die("port disable");
}

/* The netns as `ip netns add` makes it: a file in /run/netns bind-mounted over a new namespace. */
struct ns {
	char name[32], path[64];
	int fd;
	struct mnl_socket *nl; /* a netlink socket opened inside it */
};

static void ns_create(struct ns *ns, int self_fd)
{
	int fd;

	snprintf(ns->path, sizeof(ns->path), "/run/netns/%s", ns->name);
	fd = open(ns->path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0)
		die(ns->path);
	close(fd);
	if (unshare(CLONE_NEWNET) < 0)
		die("unshare");
	if (mount("/proc/self/ns/net", ns->path, "none", MS_BIND, NULL) < 0)
		die("mount");
	ns->fd = open(ns->path, O_RDONLY | O_CLOEXEC);
	ns->nl = mnl_socket_open(NETLINK_ROUTE);
	if (ns->fd < 0 || !ns->nl || mnl_socket_bind(ns->nl, 0, MNL_SOCKET_AUTOPID) < 0)
		die("netns socket");
	if (setns(self_fd, CLONE_NEWNET) < 0)
		die("setns back");
}

static void ns_destroy(struct ns *ns)
{
	mnl_socket_close(ns->nl);
	close(ns->fd);
	if (umount2(ns->path, MNT_DETACH) < 0 || unlink(ns->path) < 0)
		die("netns delete");
}

static void resolv_write(const char *name)
{
	char dir[96], file[128];
	FILE *f;

	snprintf(dir, sizeof(dir), "/etc/netns/%s", name);
	snprintf(file, sizeof(file), "%s/resolv.conf", dir);
	if (mkdir(dir, 0755) < 0 || !(f = fopen(file, "wx")))
		die(file);
	fputs("nameserver 10.255.255.53\n", f);
	if (fclose(f) != 0)
		die(file);
}

static void resolv_remove(const char *name)
{
	char dir[96], file[128];

	snprintf(dir, sizeof(dir), "/etc/netns/%s", name);
	snprintf(file, sizeof(file), "%s/resolv.conf", dir);
	if (unlink(file) < 0 || rmdir(dir) < 0)
		die(file);
}

/*
 * veth HOST (up, with @host_mac unless NULL; a port of @bridge when > 0, else in interface group
 * -@bridge) with peer eth0 (MAC, in the namespace); returns the host ifindex.
 */
static int veth_create(struct mnl_socket *nl, const char *host, const unsigned char *host_mac, int ns_fd,
		       const unsigned char *mac, int bridge)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	/* Echoed back (as nsnet asks): the new link's index without another request. */
	struct nlmsghdr *h = rt_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ECHO);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(h, sizeof(*ifi));
	struct nlattr *info, *data, *peer;
	struct ifinfomsg *pi;

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_flags = ifi->ifi_change = IFF_UP;
	mnl_attr_put_strz(h, IFLA_IFNAME, host);
	mnl_attr_put_u32(h, IFLA_MTU, 1500);
	if (host_mac)
		mnl_attr_put(h, IFLA_ADDRESS, 6, host_mac);
	if (bridge > 0)
		mnl_attr_put_u32(h, IFLA_MASTER, (uint32_t)bridge);
	else
		mnl_attr_put_u32(h, IFLA_GROUP, (uint32_t)-bridge);
	/* One queue each way, as nsnet asks: otherwise an RCU grace period per end (veth_init_queues). */
	mnl_attr_put_u32(h, IFLA_NUM_TX_QUEUES, 1);
	mnl_attr_put_u32(h, IFLA_NUM_RX_QUEUES, 1);
	info = mnl_attr_nest_start(h, IFLA_LINKINFO);
	mnl_attr_put_strz(h, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(h, IFLA_INFO_DATA);
	peer = mnl_attr_nest_start(h, VETH_INFO_PEER);
	pi = mnl_nlmsg_put_extra_header(h, sizeof(*pi));
	memset(pi, 0, sizeof(*pi));
	pi->ifi_index = 2; /* the first link of the new namespace after lo */
	mnl_attr_put_strz(h, IFLA_IFNAME, "eth0");
	mnl_attr_put(h, IFLA_ADDRESS, 6, mac);
	mnl_attr_put_u32(h, IFLA_MTU, 1500);
	mnl_attr_put_u32(h, IFLA_NET_NS_FD, (uint32_t)ns_fd);
	mnl_attr_put_u32(h, IFLA_NUM_TX_QUEUES, 1);
	mnl_attr_put_u32(h, IFLA_NUM_RX_QUEUES, 1);
	mnl_attr_nest_end(h, peer);
	mnl_attr_nest_end(h, data);
	mnl_attr_nest_end(h, info);
	echoed_ifindex = 0;
	if (rt_send(nl, h) < 0)
		die("veth create");
	return echoed_ifindex ? echoed_ifindex : (int)if_nametoindex(host);
}

/* One request on the host end: the owner's alias mark, no IPv6 link-local address, hairpin on (a bridge port). */
static void port_tune(struct mnl_socket *nl, int ifindex, const char *alias, int bridge_port)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *h = rt_msg(buf, RTM_NEWLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(h, sizeof(*ifi));
	struct nlattr *info, *data, *spec, *in6;

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	mnl_attr_put_strz(h, IFLA_IFALIAS, alias);
	if (bridge_port) {
		info = mnl_attr_nest_start(h, IFLA_LINKINFO);
		mnl_attr_put_strz(h, IFLA_INFO_SLAVE_KIND, "bridge");
		data = mnl_attr_nest_start(h, IFLA_INFO_SLAVE_DATA);
		mnl_attr_put_u8(h, IFLA_BRPORT_MODE, 1);
		mnl_attr_nest_end(h, data);
		mnl_attr_nest_end(h, info);
	}
	spec = mnl_attr_nest_start(h, IFLA_AF_SPEC);
	in6 = mnl_attr_nest_start(h, AF_INET6);
	mnl_attr_put_u8(h, IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE);
	mnl_attr_nest_end(h, in6);
	mnl_attr_nest_end(h, spec);
	if (rt_send(nl, h) < 0)
		die("host end settings");
}

/* An address of @len bits on @ifindex (of @nl's namespace). */
static void addr_add(struct mnl_socket *nl, int ifindex, uint32_t addr, unsigned int len)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *h = rt_msg(buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(h, sizeof(*ifa));

	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (unsigned char)len;
	ifa->ifa_index = (unsigned int)ifindex;
	mnl_attr_put_u32(h, IFA_LOCAL, addr);
	mnl_attr_put_u32(h, IFA_ADDRESS, addr);
	if (rt_send(nl, h) < 0)
		die("address add");
}

/*
 * A route of @family to @dst/@len (@dst NULL: the default route) out of @ifindex, via @gw unless
 * NULL (@onlink: no route of the namespace leads to it).
 */
static void route_add(struct mnl_socket *nl, int ifindex, int family, const void *dst, unsigned int len,
		      const void *gw, int onlink)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *h = rt_msg(buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
	struct rtmsg *rt = mnl_nlmsg_put_extra_header(h, sizeof(*rt));
	size_t alen = family == AF_INET ? 4 : 16;

	rt->rtm_family = (unsigned char)family;
	rt->rtm_dst_len = (unsigned char)len;
	rt->rtm_table = RT_TABLE_MAIN;
	rt->rtm_protocol = RTPROT_BOOT;
	rt->rtm_scope = gw || family == AF_INET6 ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	rt->rtm_type = RTN_UNICAST;
	if (dst)
		mnl_attr_put(h, RTA_DST, alen, dst);
	if (gw)
		mnl_attr_put(h, RTA_GATEWAY, alen, gw);
	if (onlink)
		rt->rtm_flags |= RTNH_F_ONLINK;
	mnl_attr_put_u32(h, RTA_OIF, (uint32_t)ifindex);
	if (rt_send(nl, h) < 0)
		die("route add");
}

/* `ip neigh add ADDR lladdr MAC dev IFINDEX nud permanent` (of @nl's namespace), @addr of @family. */
static void neigh_add(struct mnl_socket *nl, int ifindex, int family, const void *addr, const unsigned char *mac)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *h = rt_msg(buf, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_EXCL);
	struct ndmsg *nd = mnl_nlmsg_put_extra_header(h, sizeof(*nd));

	nd->ndm_family = (unsigned char)family;
	nd->ndm_ifindex = ifindex;
	nd->ndm_state = NUD_PERMANENT;
	mnl_attr_put(h, NDA_DST, family == AF_INET ? 4 : 16, addr);
	mnl_attr_put(h, NDA_LLADDR, 6, mac);
	if (rt_send(nl, h) < 0)
		die("neighbour add");
}

/* IPv6 address @a/@len on @ifindex, without duplicate address detection (as nsnet adds them). */
static void addr6_add(struct mnl_socket *nl, int ifindex, const unsigned char *a, unsigned int len)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *h = rt_msg(buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(h, sizeof(*ifa));

	ifa->ifa_family = AF_INET6;
	ifa->ifa_prefixlen = (unsigned char)len;
	ifa->ifa_flags = IFA_F_NODAD;
	ifa->ifa_index = (unsigned int)ifindex;
	mnl_attr_put(h, IFA_LOCAL, 16, a);
	mnl_attr_put(h, IFA_ADDRESS, 16, a);
	if (rt_send(nl, h) < 0)
		die("IPv6 address add");
}

static void addr_route_add(struct mnl_socket *nl, int ifindex, uint32_t addr, uint32_t gw)
{
	addr_add(nl, ifindex, addr, 16);
	route_add(nl, ifindex, AF_INET, NULL, 0, &gw, 0);
}

static void link_delete(struct mnl_socket *nl, int ifindex)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *h = rt_msg(buf, RTM_DELLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(h, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	if (rt_send(nl, h) < 0)
		die("link delete");
}

/* nftables: one batch with the three anti-spoofing elements of a port (added or deleted). */
struct elem {
	const char *set;
	unsigned char key[16];
	uint32_t klen;
};

static void nft_elems(struct mnl_socket *nf, int add, const struct elem *e, int n)
{
	char buf[MNL_SOCKET_BUFFER_SIZE * 2];
	struct mnl_nlmsg_batch *b = mnl_nlmsg_batch_start(buf, sizeof(buf));
	unsigned int first = seq;

	nftnl_batch_begin(mnl_nlmsg_batch_current(b), seq++);
	mnl_nlmsg_batch_next(b);
	for (int i = 0; i < n; i++) {
		struct nftnl_set *s = nftnl_set_alloc();
		struct nftnl_set_elem *el = nftnl_set_elem_alloc();
		struct nlmsghdr *h;

		nftnl_set_set_str(s, NFTNL_SET_TABLE, TABLE);
		nftnl_set_set_str(s, NFTNL_SET_NAME, e[i].set);
		nftnl_set_elem_set(el, NFTNL_SET_ELEM_KEY, e[i].key, e[i].klen);
		nftnl_set_elem_add(s, el);
		h = nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(b),
					  add ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM, NFPROTO_BRIDGE,
					  NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_EXCL : 0), seq++);
		nftnl_set_elems_nlmsg_build_payload(h, s);
		nftnl_set_free(s);
		mnl_nlmsg_batch_next(b);
	}
	nftnl_batch_end(mnl_nlmsg_batch_current(b), seq++);
	mnl_nlmsg_batch_next(b);
	(void)first;
	if (nl_talk(nf, mnl_nlmsg_batch_head(b), mnl_nlmsg_batch_size(b), seq - 2) < 0)
		die(add ? "nft element add" : "nft element delete");
	mnl_nlmsg_batch_stop(b);
}

static void port_elems(struct elem *e, int ifindex, const unsigned char *mac, uint32_t addr)
{
	uint32_t idx = (uint32_t)ifindex;

	memset(e, 0, 3 * sizeof(*e));
	e[0].set = "ports";
	memcpy(e[0].key, &idx, 4);
	e[0].klen = 4;
	e[1].set = "mac"; /* iface_index . ether_addr: 4 + 6 padded to 8 */
	memcpy(e[1].key, &idx, 4);
	memcpy(e[1].key + 4, mac, 6);
	e[1].klen = 12;
	e[2].set = "addr4";
	memcpy(e[2].key, &idx, 4);
	memcpy(e[2].key + 4, &addr, 4);
	e[2].klen = 8;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void report(const char *op, double *t, int n)
{
	qsort(t, (size_t)n, sizeof(*t), cmp_double);
	printf("%-8s median %7.3f ms   p10 %7.3f   p90 %7.3f   (%d runs)\n", op, t[n / 2], t[n / 10],
	       t[(n * 9) / 10], n);
}

struct port {
	struct ns ns;
	char host[IFNAMSIZ];
	unsigned char mac[6];
	uint32_t addr;
	int ifindex;
};

/* Everything `ns add` (with_ns) or a CNI ADD (the runtime made the namespace) asks of the kernel. */
static void port_add(struct port *p, struct mnl_socket *nl, struct mnl_socket *nf, int self_fd,
		     int bridge, int with_ns)
{
	struct elem e[3];

	if (with_ns) {
		ns_create(&p->ns, self_fd);
		link_up(p->ns.nl, 1, 0);
		resolv_write(p->ns.name);
	}
	p->ifindex = veth_create(nl, p->host, NULL, p->ns.fd, p->mac, bridge);
	port_tune(nl, p->ifindex, "nsnet:floor", 1);
	link_up(p->ns.nl, 2, 1);
	addr_route_add(p->ns.nl, 2, p->addr, htonl(0x0a020001));
	port_elems(e, p->ifindex, p->mac, p->addr);
	nft_elems(nf, 1, e, 3);
}

/* No IPv6 on host end @host (what nsnet does on a routed network without an IPv6 subnet). */
static void host_end_no_ipv6(const char *host)
{
	char path[96];
	int fd;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", host);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "1", 1) != 1 || close(fd) < 0)
		die(path);
}

#define ROUTED_GROUP 7
#define ROUTED_GW 0xa9fe0101u /* 169.254.1.1 */
/* Every host end's MAC, the namespaces' entry for the gateway (src/core/drivers/routed.c). */
static const unsigned char routed_host_mac[6] = { 0xee, 0xee, 0xee, 0xee, 0xee, 0xee };

/*
 * FLOOR_V6, an experiment for IPv6 (bench/README.md, "scale"): unset, IPv4 only (IPv6 off on the
 * host end, as nsnet on an IPv4-only network); "addr", dual stack as nsnet does it: fe80::1/64 on
 * the host end, fd00::N/128 in the namespace, a host route to it, the default route via fe80::1;
 * "neigh", the same without fe80::1 on the host end: a permanent entry fe80::1 -> the host end's
 * MAC in the namespace and one for fd00::N -> the namespace's MAC on the host end, as for IPv4.
 */
static const char *v6_mode;

/* The IPv6 part of a routed `ns add` (FLOOR_V6), the namespace's address fd00::@n. */
static void routed_add6(struct port *p, struct mnl_socket *nl, unsigned int n)
{
	static const unsigned char gw6[16] = { 0xfe, 0x80, [15] = 1 };
	unsigned char a[16] = { 0xfd, 0x00, [12] = (unsigned char)(n >> 24), (unsigned char)(n >> 16),
				(unsigned char)(n >> 8), (unsigned char)n };

	if (!strcmp(v6_mode, "addr"))
		addr6_add(nl, p->ifindex, gw6, 64);
	addr6_add(p->ns.nl, 2, a, 128);
	if (strcmp(v6_mode, "addr"))
		neigh_add(nl, p->ifindex, AF_INET6, a, p->mac);
	route_add(nl, p->ifindex, AF_INET6, a, 128, NULL, 0);
	if (strcmp(v6_mode, "addr"))
		neigh_add(p->ns.nl, 2, AF_INET6, gw6, routed_host_mac);
	route_add(p->ns.nl, 2, AF_INET6, NULL, 0, gw6, 0);
}

/*
 * Everything a routed network's `ns add` asks of the kernel: the namespace (lo up, resolv.conf),
 * the veth in the network's group with the fixed host MAC, the namespace's address as /32, the
 * host's permanent neighbour entry for it and a host route to it, the namespace's permanent entry
 * for the link-local gateway and its default route via the gateway.
 */
static void routed_add(struct port *p, struct mnl_socket *nl, int self_fd)
{
	uint32_t gw;

	ns_create(&p->ns, self_fd);
	link_up(p->ns.nl, 1, 0);
	resolv_write(p->ns.name);
	p->ifindex = veth_create(nl, p->host, routed_host_mac, p->ns.fd, p->mac, -ROUTED_GROUP);
	port_tune(nl, p->ifindex, "nsnet:floor", 0);
	if (!v6_mode)
		host_end_no_ipv6(p->host);
	link_up(p->ns.nl, 2, !v6_mode);
	addr_add(p->ns.nl, 2, p->addr, 32);
	neigh_add(nl, p->ifindex, AF_INET, &p->addr, p->mac);
	route_add(nl, p->ifindex, AF_INET, &p->addr, 32, NULL, 0);
	gw = htonl(ROUTED_GW);
	neigh_add(p->ns.nl, 2, AF_INET, &gw, routed_host_mac);
	route_add(p->ns.nl, 2, AF_INET, NULL, 0, &gw, 1);
	if (v6_mode)
		routed_add6(p, nl, ntohl(p->addr));
	/* Not kept (10,000 namespaces would need 20,000 descriptors); nsnet keeps none either. */
	mnl_socket_close(p->ns.nl);
	close(p->ns.fd);
}

/* A routed `ns rm`: the host end down (its route goes now), resolv.conf, the namespace. */
static void routed_rm(struct port *p, struct mnl_socket *nl)
{
	/* Down: the port passes no packet from here on (what a DEL must do before it answers). */
	link_set_updown(nl, p->ifindex, 0);
	resolv_remove(p->ns.name);
	if (umount2(p->ns.path, MNT_DETACH) < 0 || unlink(p->ns.path) < 0)
		die("netns delete");
}

/* bench/scale's window: the operations that end at each count. */
#define WINDOW 15

/* The median of the WINDOW timings in @t that end at index @end (exclusive), as bench/scale reports. */
static double window_median(const double *t, int end)
{
	double w[WINDOW];
	int n = 0;

	for (int i = end - WINDOW; i < end; i++)
		if (i >= 0)
			w[n++] = t[i];
	qsort(w, (size_t)n, sizeof(*w), cmp_double);
	return n ? w[n / 2] : 0;
}

/*
 * WINDOW routed adds (namespaces fo<@n>.., addresses 10.1.0.0/16 + index), then their removals
 * newest first, as nsnet's run does them: "ADD_MS RM_MS", the medians.
 */
static int routed_one(int n, struct mnl_socket *nl, int self_fd)
{
	struct port p[WINDOW];
	double add[WINDOW], rm[WINDOW];

	memset(p, 0, sizeof(p));
	for (int i = 0; i < WINDOW; i++) {
		int k = n + i;
		double t0;

		snprintf(p[i].ns.name, sizeof(p[i].ns.name), "fo%d", k);
		snprintf(p[i].host, sizeof(p[i].host), "fo%d", k);
		p[i].mac[0] = 0x02, p[i].mac[1] = 0xf0, p[i].mac[4] = (unsigned char)(k >> 8);
		p[i].mac[5] = (unsigned char)k;
		p[i].addr = htonl(0x0a010000u + (uint32_t)k);
		t0 = now_ms();
		routed_add(&p[i], nl, self_fd);
		add[i] = now_ms() - t0;
	}
	for (int i = WINDOW - 1; i >= 0; i--) {
		double t0 = now_ms();

		routed_rm(&p[i], nl);
		rm[i] = now_ms() - t0;
	}
	printf("%.3f %.3f\n", window_median(add, WINDOW), window_median(rm, WINDOW));
	return 0;
}

static int routed_main(int count, struct mnl_socket *nl, int self_fd)
{
	static const int marks[] = { 10, 1000, 5000, 10000 };
	struct port *p = calloc((size_t)count, sizeof(*p));
	double *add = calloc((size_t)count, sizeof(*add)), *rm = calloc((size_t)count, sizeof(*rm));
	char cmd[160];

	if (!p || !add || !rm)
		die("memory");
	for (int i = 0; i < count; i++) {
		uint32_t a = 0x0a000002u + (uint32_t)i;

		snprintf(p[i].ns.name, sizeof(p[i].ns.name), "fl%d", i);
		snprintf(p[i].host, sizeof(p[i].host), "fv%d", i);
		p[i].mac[0] = 0x02;
		p[i].mac[3] = (unsigned char)(i >> 16);
		p[i].mac[4] = (unsigned char)(i >> 8);
		p[i].mac[5] = (unsigned char)i;
		p[i].addr = htonl(a);
	}
	for (int i = 0; i < count; i++) {
		double t0 = now_ms();

		routed_add(&p[i], nl, self_fd);
		add[i] = now_ms() - t0;
	}
	/* The work was real: the last namespace reaches the first through the host. */
	snprintf(cmd, sizeof(cmd), "sysctl -qw net.ipv4.ip_forward=1 && ip netns exec %s ping -q -c 1 -W 2 10.0.0.2 >/dev/null",
		 p[count - 1].ns.name);
	if (system(cmd) != 0) {
		fprintf(stderr, "floor: %s failed: the ns add work is not complete\n", cmd);
		return 1;
	}
	snprintf(cmd, sizeof(cmd), "sysctl -qw net.ipv6.conf.all.forwarding=1 && ip netns exec %s ping -q -c 1 -W 2 fd00::a00:2 >/dev/null",
		 p[count - 1].ns.name);
	if (v6_mode && system(cmd) != 0) {
		fprintf(stderr, "floor: %s failed: the ns add work is not complete\n", cmd);
		return 1;
	}
	/* Newest first, as bench/scale removes: rm[i] is the removal that starts from i + 1. */
	for (int i = count - 1; i >= 0; i--) {
		double t0 = now_ms();

		routed_rm(&p[i], nl);
		rm[i] = now_ms() - t0;
	}
	printf("namespaces | floor add ms | floor rm ms\n");
	for (size_t m = 0; m < sizeof(marks) / sizeof(marks[0]); m++) {
		if (marks[m] > count)
			break;
		/* The adds that bring the network to marks[m], the removals that start from up to that many. */
		printf("%-10d | %12.3f | %11.3f\n", marks[m], window_median(add, marks[m]), window_median(rm, marks[m]));
	}
	free(p);
	free(add);
	free(rm);
	return 0;
}

/* Port @i of a bridge run: namespace fl<i>, host end fv<i>, MAC and address from @i. */
static void port_name(struct port *p, int i)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->ns.name, sizeof(p->ns.name), "fl%d", i);
	snprintf(p->host, sizeof(p->host), "fv%d", i);
	p->mac[0] = 0x02;
	p->mac[4] = (unsigned char)(i >> 8);
	p->mac[5] = (unsigned char)i;
	p->addr = htonl(0x0a020002u + (uint32_t)i);
}

/*
 * --cold-add I / --cold-rm I / --cold-cni-add I / --cold-cni-del I: the `ns add`, `ns rm`, CNI
 * ADD or CNI DEL work of port I alone, in a process of its own, so that bench/floor_cold.py can
 * time it as it times nsnet: a fresh process per operation, its wall time minus an exec of
 * /bin/true. The removals find the host end's index by its name (the warm run keeps it in
 * memory). The CNI DEL is the deferred one nsnet does (the port cut off; the harness removes the
 * veths and the elements afterwards, untimed).
 */
enum cold_op { COLD_ADD, COLD_RM, COLD_CNI_ADD, COLD_CNI_DEL };

static int cold_main(enum cold_op op, int i, struct mnl_socket *nl, struct mnl_socket *nf, int self_fd, int bridge)
{
	struct port p;
	struct elem e[3];

	port_name(&p, i);
	if (op == COLD_ADD) {
		port_add(&p, nl, nf, self_fd, bridge, 1);
		return 0;
	}
	if (op == COLD_CNI_ADD) {
		/* The runtime's namespace fl<I> exists (made by the harness, lo up): open it, as a CNI ADD does. */
		snprintf(p.ns.path, sizeof(p.ns.path), "/run/netns/%s", p.ns.name);
		p.ns.fd = open(p.ns.path, O_RDONLY | O_CLOEXEC);
		if (p.ns.fd < 0 || setns(p.ns.fd, CLONE_NEWNET) < 0)
			die(p.ns.path);
		p.ns.nl = mnl_socket_open(NETLINK_ROUTE);
		if (!p.ns.nl || mnl_socket_bind(p.ns.nl, 0, MNL_SOCKET_AUTOPID) < 0 || setns(self_fd, CLONE_NEWNET) < 0)
			die("netns socket");
		port_add(&p, nl, nf, self_fd, bridge, 0);
		return 0;
	}
	if (!(p.ifindex = (int)if_nametoindex(p.host)))
		die(p.host);
	if (op == COLD_CNI_DEL) {
		/* As nsnet's DEL: the port cut off now, the veth and the elements removed later (the harness). */
		port_disable(nl, p.ifindex);
		return 0;
	}
	snprintf(p.ns.path, sizeof(p.ns.path), "/run/netns/%s", p.ns.name);
	port_elems(e, p.ifindex, p.mac, p.addr);
	nft_elems(nf, 0, e, 3);
	resolv_remove(p.ns.name);
	if (umount2(p.ns.path, MNT_DETACH) < 0 || unlink(p.ns.path) < 0)
		die("netns delete");
	return 0;
}

int main(int argc, char **argv)
{
	bool routed = argc > 2 && !strcmp(argv[1], "--routed"), one = argc > 2 && !strcmp(argv[1], "--routed-one");
	static const char *const cold_names[] = { "--cold-add", "--cold-rm", "--cold-cni-add", "--cold-cni-del" };
	int cold = -1;

	for (int k = 0; argc > 2 && k < 4; k++)
		if (!strcmp(argv[1], cold_names[k]))
			cold = k;
	int count = argc > 1 ? atoi(argv[routed || one || cold >= 0 ? 2 : 1]) : 200;
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE), *nf = mnl_socket_open(NETLINK_NETFILTER);
	int self_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	int bridge = (int)if_nametoindex(BRIDGE);
	struct port *p;
	double *t;

	if (cold >= 0) {
		if (!*argv[2] || strspn(argv[2], "0123456789") != strlen(argv[2]) || count < 0 || count > 60000) {
			fprintf(stderr, "floor: port %s: expected a number from 0 to 60000\n", argv[2]);
			return 2;
		}
	} else if (count < 1 || count > 60000) {
		fprintf(stderr, "floor: COUNT %s: expected a number of runs from 1 to 60000\n", argv[argc - 1]);
		return 2;
	}
	if (!nl || !nf || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_bind(nf, 0, MNL_SOCKET_AUTOPID) < 0 || self_fd < 0)
		die("netlink sockets");
	v6_mode = getenv("FLOOR_V6");
	if (v6_mode && strcmp(v6_mode, "addr") && strcmp(v6_mode, "neigh")) {
		fprintf(stderr, "floor: FLOOR_V6=%s: expected addr or neigh\n", v6_mode);
		return 2;
	}
	if (one)
		return routed_one(count, nl, self_fd);
	if (routed)
		return routed_main(count, nl, self_fd);
	if (!bridge && !routed && !one)
		die("bridge " BRIDGE " (made by bench/floor's setup)");
	if (cold >= 0)
		return cold_main((enum cold_op)cold, count, nl, nf, self_fd, bridge);
	p = calloc((size_t)count, sizeof(*p));
	t = calloc((size_t)count, sizeof(*t));
	if (!p || !t)
		die("memory");
	for (int i = 0; i < count; i++)
		port_name(&p[i], i);

	/* ns add, then ns rm: the namespace is made and deleted with the port. */
	for (int i = 0; i < count; i++) {
		double t0 = now_ms();

		port_add(&p[i], nl, nf, self_fd, bridge, 1);
		t[i] = now_ms() - t0;
	}
	report("ns add", t, count);
	/* The work was real: the last namespace reaches the bridge's address through its port. */
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "ip netns exec %s ping -q -c 1 -W 2 10.2.0.1 >/dev/null", p[count - 1].ns.name);
	if (system(cmd) != 0) {
		fprintf(stderr, "floor: %s failed: the ns add work is not complete\n", cmd);
		return 1;
	}
	for (int i = 0; i < count; i++) {
		struct elem e[3];
		double t0 = now_ms();

		port_elems(e, p[i].ifindex, p[i].mac, p[i].addr);
		nft_elems(nf, 0, e, 3);
		resolv_remove(p[i].ns.name);
		ns_destroy(&p[i].ns);
		t[i] = now_ms() - t0;
	}
	report("ns rm", t, count);
	/* The veths go with their namespaces in the background: wait (untimed) until they are gone. */
	for (int tries = 0; tries < 500 && if_nametoindex(p[count - 1].host); tries++)
		usleep(10000);

	/* CNI ADD and DEL: the runtime's namespace exists before and after (made untimed here). */
	for (int i = 0; i < count; i++) {
		ns_create(&p[i].ns, self_fd);
		link_up(p[i].ns.nl, 1, 0);
	}
	for (int i = 0; i < count; i++) {
		double t0 = now_ms();

		port_add(&p[i], nl, nf, self_fd, bridge, 0);
		t[i] = now_ms() - t0;
	}
	report("cni add", t, count);
	for (int i = 0; i < count; i++) {
		struct elem e[3];
		double t0 = now_ms();

		port_elems(e, p[i].ifindex, p[i].mac, p[i].addr);
		nft_elems(nf, 0, e, 3);
		link_delete(nl, p[i].ifindex);
		t[i] = now_ms() - t0;
	}
	report("cni del", t, count);
	/*
	 * The same DEL with its slow parts out of the caller's way, as nsnet's DEL does them: the
	 * port is disabled (the container is off the network when DEL answers), its deletion (an RCU
	 * grace period) and the elements' (a commit whose freeing the socket's close waits for) come
	 * later, untimed here.
	 */
	for (int i = 0; i < count; i++) {
		ns_destroy(&p[i].ns);	/* fresh namespaces: eth0 is index 2 in each again */
		ns_create(&p[i].ns, self_fd);
		link_up(p[i].ns.nl, 1, 0);
		port_add(&p[i], nl, nf, self_fd, bridge, 0);
	}
	for (int i = 0; i < count; i++) {
		double t0 = now_ms();

		port_disable(nl, p[i].ifindex);
		t[i] = now_ms() - t0;
	}
	report("cni del, deletion deferred", t, count);
	for (int i = 0; i < count; i++) {
		struct elem e[3];

		port_elems(e, p[i].ifindex, p[i].mac, p[i].addr);
		nft_elems(nf, 0, e, 3);
		link_delete(nl, p[i].ifindex);
	}
	for (int i = 0; i < count; i++)
		ns_destroy(&p[i].ns);

	free(p);
	free(t);
	close(self_fd);
	mnl_socket_close(nl);
	mnl_socket_close(nf);
	return 0;
}
