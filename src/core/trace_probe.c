// SPDX-License-Identifier: MIT
// nsnet trace: the route lookup in the source namespace and the probe sent from inside it.
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/errqueue.h>
#include <linux/rtnetlink.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/trace.h"
#include "kernel/link.h"
#include "kernel/nl.h"

static int route_attr(const struct nlattr *attr, void *data)
{
	struct trace_route *rt = data;
	size_t alen = rt->prefsrc.family == AF_INET6 ? 16 : 4;

	switch (mnl_attr_get_type(attr)) {
	case RTA_OIF:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
			rt->oif = mnl_attr_get_u32(attr);
		break;
	case RTA_GATEWAY:
		if (mnl_attr_get_payload_len(attr) == alen) {
			memcpy(rt->gw.b, mnl_attr_get_payload(attr), alen);
			rt->gw.family = rt->prefsrc.family;
		}
		break;
	case RTA_PREFSRC:
		if (mnl_attr_get_payload_len(attr) == alen)
			memcpy(rt->prefsrc.b, mnl_attr_get_payload(attr), alen);
		break;
	}
	return MNL_CB_OK;
}

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct trace_route *rt = data;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return MNL_CB_OK;
	rt->found = true;
	rt->type = rtm->rtm_type;
	rt->prefsrc.family = rtm->rtm_family;	/* gw.family is set when there is a gateway */
	mnl_attr_parse(nlh, sizeof(*rtm), route_attr, rt);
	return MNL_CB_OK;
}

int trace_route_get(int netns_fd, const struct nsnet_addr *dst, struct trace_route *rt, struct nsnet_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nsnet_err lerr = { 0 };
	struct rtmsg *rtm;
	struct link_list links = { 0 };
	struct nl nl;
	int r;

	memset(rt, 0, sizeof(*rt));
	if ((r = nl_open(&nl, netns_fd, err)) < 0)
		return r;
	nlh->nlmsg_type = RTM_GETROUTE;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (unsigned char)dst->family;
	rtm->rtm_dst_len = dst->family == AF_INET ? 32 : 128;
	mnl_attr_put(nlh, RTA_DST, dst->family == AF_INET ? 4 : 16, dst->b);
	/* A lookup error (no route, unreachable, prohibit) is an answer, not a failure. */
	if ((r = nl_request(&nl, nlh, route_cb, rt, &lerr)) < 0) {
		rt->found = false;
		rt->error = r;
		nl_close(&nl);
		return 0;
	}
	if (rt->oif && link_list_dump(&nl, &links, &lerr) == 0) {
		for (size_t i = 0; i < links.n; i++)
			if ((uint32_t)links.v[i].ifindex == rt->oif) {
				snprintf(rt->oif_name, sizeof(rt->oif_name), "%s", links.v[i].name);
				rt->oif_up = links.v[i].up;
			}
	}
	link_list_free(&links);
	nl_close(&nl);
	return 0;
}

void trace_ifname(int netns_fd, uint32_t ifindex, char *buf, size_t len)
{
	struct link_list links = { 0 };
	struct nsnet_err err = { 0 };
	struct nl nl;

	buf[0] = 0;
	if (!ifindex || nl_open(&nl, netns_fd, &err) < 0)
		return;
	if (link_list_dump(&nl, &links, &err) == 0)
		for (size_t i = 0; i < links.n; i++)
			if ((uint32_t)links.v[i].ifindex == ifindex)
				snprintf(buf, len, "%s", links.v[i].name);
	link_list_free(&links);
	nl_close(&nl);
}

/* A socket made inside the namespace behind @netns_fd (-1: here); it stays there. */
static int probe_socket(int netns_fd, int family, int type, int proto, struct nsnet_err *err)
{
	int self = -1, fd, saved;

	if (netns_fd >= 0) {
		if ((self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) < 0)
			return nsnet_err_set(err, errno, "open /proc/self/ns/net: %s", strerror(errno));
		if (setns(netns_fd, CLONE_NEWNET) < 0) {
			saved = errno;
			close(self);
			return nsnet_err_set(err, saved, "enter the source namespace: %s", strerror(saved));
		}
	}
	fd = socket(family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, proto);
	saved = errno;
	if (self >= 0) {
		if (setns(self, CLONE_NEWNET) < 0) {
			saved = errno;
			close(self);
			if (fd >= 0)
				close(fd);
			return nsnet_err_set(err, saved, "return to own namespace: %s", strerror(saved));
		}
		close(self);
	}
	if (fd < 0)
		return nsnet_err_set(err, saved, "probe socket: %s", strerror(saved));
	return fd;
}

static socklen_t probe_sockaddr(int family, const struct nsnet_addr *a, uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		if (a)
			memcpy(&in->sin_addr, a->b, 4);
		return sizeof(*in);
	}
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons(port);
	if (a)
		memcpy(&in6->sin6_addr, a->b, 16);
	return sizeof(*in6);
}

int trace_probe_open(struct trace_probe *p, int netns_fd, const struct nsnet_addr *dst, uint16_t dport,
		     uint8_t proto, struct nsnet_err *err)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int one = 1;

	memset(p, 0, sizeof(*p));
	p->fd = -1;
	p->family = dst->family;
	p->proto = proto;
	p->dst = *dst;
	p->dport = dport;
	if (proto == IPPROTO_ICMP) {
		int ip = p->family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;

		p->proto = (uint8_t)ip;
		if ((p->fd = probe_socket(netns_fd, p->family, SOCK_RAW, ip, err)) < 0)
			return p->fd;
		/* Our own echo id: one no other ping of this moment is likely to share. */
		p->sport = (uint16_t)((getpid() ^ (unsigned int)time(NULL) ^ (unsigned int)clock()) | 0x8000);
		return 0;
	}
	if ((p->fd = probe_socket(netns_fd, p->family, proto == IPPROTO_TCP ? SOCK_STREAM : SOCK_DGRAM, proto, err)) < 0)
		return p->fd;
	if (proto == IPPROTO_UDP)
		setsockopt(p->fd, p->family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6,
			   p->family == AF_INET ? IP_RECVERR : IPV6_RECVERR, &one, sizeof(one));
	/* A fresh source port, known before anything is sent, so the trace tables can match it. */
	len = probe_sockaddr(p->family, NULL, 0, &ss);
	if (bind(p->fd, (struct sockaddr *)&ss, len) < 0 || getsockname(p->fd, (struct sockaddr *)&ss, &len) < 0)
		return nsnet_err_set(err, errno, "probe socket: bind: %s", strerror(errno));
	p->sport = ntohs(p->family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
					      : ((struct sockaddr_in6 *)&ss)->sin6_port);
	return 0;
}

int trace_probe_send(struct trace_probe *p, struct nsnet_err *err)
{
	struct sockaddr_storage ss;
	socklen_t len = probe_sockaddr(p->family, &p->dst, p->proto == IPPROTO_TCP || p->proto == IPPROTO_UDP ? p->dport : 0, &ss);
	static const char payload[] = "nsnet trace probe\n";

	if (p->proto == IPPROTO_TCP) {
		if (connect(p->fd, (struct sockaddr *)&ss, len) < 0 && errno != EINPROGRESS)
			p->error = errno;
		return 0;
	}
	if (p->proto == IPPROTO_UDP) {
		if (connect(p->fd, (struct sockaddr *)&ss, len) < 0 || send(p->fd, payload, sizeof(payload) - 1, 0) < 0)
			p->error = errno;
		return 0;
	}
	/* ICMP echo request (ICMPv6: the kernel fills the checksum of a raw ICMPv6 socket). */
	uint8_t pkt[8 + sizeof(payload)] = { 0 };
	uint16_t id = htons(p->sport), seq = htons(1);

	pkt[0] = p->family == AF_INET ? ICMP_ECHO : ICMP6_ECHO_REQUEST;
	memcpy(pkt + 4, &id, 2);
	memcpy(pkt + 6, &seq, 2);
	memcpy(pkt + 8, payload, sizeof(payload));
	if (p->family == AF_INET) {
		uint32_t sum = 0;

		for (size_t i = 0; i < sizeof(pkt); i += 2)
			sum += (uint32_t)(pkt[i] << 8 | (i + 1 < sizeof(pkt) ? pkt[i + 1] : 0));
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		sum = ~sum & 0xffff;
		pkt[2] = (uint8_t)(sum >> 8);
		pkt[3] = (uint8_t)sum;
	}
	if (sendto(p->fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&ss, len) < 0)
		return nsnet_err_set(err, errno, "send the ICMP echo: %s", strerror(errno));
	return 0;
}

short trace_probe_events(const struct trace_probe *p)
{
	return p->proto == IPPROTO_TCP ? POLLOUT : POLLIN;
}

static enum trace_outcome probe_errno(struct trace_probe *p, int e)
{
	p->error = e;
	switch (e) {
	case 0:
		return TRACE_CONNECTED;
	case ECONNREFUSED:
		return TRACE_REFUSED;
	case EHOSTUNREACH:
	case ENETUNREACH:
	case EACCES:
	case EPERM:
		return TRACE_UNREACHABLE;
	case EAGAIN:
	case EINPROGRESS:
		p->error = 0;
		return TRACE_PENDING;
	default:
		return TRACE_FAILED;
	}
}

/* Raw ICMP: an echo reply with our id; anything else (other pings, other errors) is not ours. */
static enum trace_outcome probe_icmp(struct trace_probe *p)
{
	uint8_t buf[1500];
	ssize_t n;

	while ((n = recv(p->fd, buf, sizeof(buf), 0)) > 0) {
		const uint8_t *icmp = buf;
		size_t len = (size_t)n;
		uint16_t id;

		if (p->family == AF_INET) {
			size_t ihl = (size_t)(buf[0] & 0x0f) * 4;

			if (len < ihl + 8)
				continue;
			icmp += ihl;
			len -= ihl;
		}
		if (len < 8)
			continue;
		memcpy(&id, icmp + 4, 2);
		if ((icmp[0] == ICMP_ECHOREPLY && p->family == AF_INET) || (icmp[0] == ICMP6_ECHO_REPLY && p->family == AF_INET6)) {
			if (ntohs(id) == p->sport)
				return TRACE_CONNECTED;
		}
	}
	return TRACE_PENDING;
}

enum trace_outcome trace_probe_result(struct trace_probe *p, short revents)
{
	int e = 0;
	socklen_t len = sizeof(e);
	char buf[64];

	if (p->error)
		return probe_errno(p, p->error);
	if (!revents)
		return TRACE_PENDING;
	if (p->proto == IPPROTO_TCP) {
		if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
			e = errno;
		return probe_errno(p, e);
	}
	if (p->proto == IPPROTO_UDP) {
		if (recv(p->fd, buf, sizeof(buf), 0) >= 0)
			return TRACE_CONNECTED;
		return probe_errno(p, errno);
	}
	return probe_icmp(p);
}

void trace_probe_close(struct trace_probe *p)
{
	if (p->fd < 0)
		return;
	if (p->proto == IPPROTO_TCP) {
		/* A reset, not a FIN handshake: nothing of the probe lingers in TIME_WAIT. */
		struct linger l = { .l_onoff = 1, .l_linger = 0 };

		setsockopt(p->fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	}
	close(p->fd);
	p->fd = -1;
}
