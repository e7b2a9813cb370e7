// SPDX-License-Identifier: MIT
// nsnet trace: resolve source and destination, pre-send checks, one traced probe, the outcome.
#include <errno.h>
#include <fcntl.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/drivers/drivers.h"
#include "core/trace.h"
#include "firewall/nftrace.h"
#include "kernel/neigh.h"
#include "kernel/netns.h"
#include "kernel/sysctl.h"
#include "util/spawn.h"

/*
 * Theory of operation. core_trace() reads the topology (core_query), resolves DST to an address
 * and lists the namespaces on the path: the source, the host (bridges, forwarding, NAT and
 * services live there) and every namespace that may receive the probe (the one holding the
 * address, a VIP's backends, a published port's namespace). It looks up the route in the source
 * namespace, opens the probe's socket there (so its source port is known), opens a trace session
 * in each namespace on the path (firewall/nftrace.h: owner tables, gone with the socket), sends
 * the probe and reads trace events until the probe has an answer, a drop verdict was reported, or
 * the time is up. Every session is closed before returning, which removes its tables; if nsnet
 * is killed instead, the kernel closes the sockets and removes them all the same.
 */

int trace_dst_parse(const char *s, char *buf, size_t len, struct trace_req *req, struct nsnet_err *err)
{
	char *proto, *port = NULL, *host = buf;

	if (snprintf(buf, len, "%s", s) >= (int)len || !*s)
		return nsnet_err_set(err, EINVAL, "destination %s: expected NAME, ADDRESS or ADDRESS:PORT[/tcp|/udp|/icmp]", s);
	req->proto = 0;
	req->port = 0;
	if ((proto = strrchr(buf, '/'))) {
		*proto++ = 0;
		if (!strcmp(proto, "tcp"))
			req->proto = IPPROTO_TCP;
		else if (!strcmp(proto, "udp"))
			req->proto = IPPROTO_UDP;
		else if (!strcmp(proto, "icmp"))
			req->proto = IPPROTO_ICMP;
		else
			return nsnet_err_set(err, EINVAL, "destination %s: protocol %s: expected tcp, udp or icmp", s, proto);
	}
	if (buf[0] == '[') {
		char *end = strchr(buf, ']');

		if (!end || (end[1] && end[1] != ':'))
			return nsnet_err_set(err, EINVAL, "destination %s: expected [IPV6]:PORT", s);
		*end = 0;
		host = buf + 1;
		port = end[1] ? end + 2 : NULL;
	} else if (strchr(buf, ':') && strchr(buf, ':') == strrchr(buf, ':')) {
		port = strchr(buf, ':');
		*port++ = 0;
	}
	if (port) {
		char *end;
		long v = strtol(port, &end, 10);

		if (!*port || *end || v < 1 || v > 65535)
			return nsnet_err_set(err, EINVAL, "destination %s: port %s: expected 1-65535", s, port);
		req->port = (uint16_t)v;
	}
	if (!*host)
		return nsnet_err_set(err, EINVAL, "destination %s: expected NAME, ADDRESS or ADDRESS:PORT", s);
	if (req->proto == IPPROTO_ICMP && req->port)
		return nsnet_err_set(err, EINVAL, "destination %s: ICMP has no port", s);
	if ((req->proto == IPPROTO_TCP || req->proto == IPPROTO_UDP) && !req->port)
		return nsnet_err_set(err, EINVAL, "destination %s: %s needs a port (DST:PORT/%s)", s,
				     req->proto == IPPROTO_TCP ? "tcp" : "udp", req->proto == IPPROTO_TCP ? "tcp" : "udp");
	if (!req->proto)
		req->proto = req->port ? IPPROTO_TCP : IPPROTO_ICMP;
	req->dst = host;
	return 0;
}

/* Add namespace @name to the path once (a namespace that does not exist is left out). */
static void path_add(struct trace_ctx *c, const char *name)
{
	struct nsnet_err err = { 0 };
	int fd;

	if (!name || !*name || c->n_ns >= TRACE_MAX_NS)
		return;
	for (size_t i = 0; i < c->n_ns; i++)
		if (!strcmp(c->ns[i].name, name))
			return;
	if (!strcmp(name, "host"))
		fd = -1;
	else if ((fd = netns_open(name, &err)) < 0)
		return;
	snprintf(c->ns[c->n_ns].name, sizeof(c->ns[c->n_ns].name), "%s", name);
	c->ns[c->n_ns++].fd = fd;
}

/* The namespace holding address @a (from the leases), NULL if none. */
static const char *topo_owner(const json_t *topo, const struct nsnet_addr *a)
{
	char want[INET6_ADDRSTRLEN];
	size_t i, k, m;
	json_t *ns, *att, *addr;

	nsnet_addr_str(a, want);
	json_array_foreach(json_object_get(topo, "namespaces"), i, ns)
		json_array_foreach(json_object_get(ns, "attachments"), k, att)
			json_array_foreach(json_object_get(att, "addresses"), m, addr)
				if (!strcmp(json_string_value(addr) ?: "", want))
					return json_string_value(json_object_get(ns, "name"));
	return NULL;
}

/* The first address of namespace @name, of family @family if it has one. 0 or -ENOENT. */
static int topo_ns_addr(const json_t *topo, const char *name, struct nsnet_addr *out)
{
	size_t i, k, m;
	json_t *ns, *att, *addr;
	int r = -ENOENT;

	json_array_foreach(json_object_get(topo, "namespaces"), i, ns) {
		if (strcmp(json_string_value(json_object_get(ns, "name")) ?: "", name))
			continue;
		json_array_foreach(json_object_get(ns, "attachments"), k, att)
			json_array_foreach(json_object_get(att, "addresses"), m, addr) {
				struct nsnet_addr a;

				if (nsnet_addr_parse(json_string_value(addr) ?: "", &a, NULL) < 0)
					continue;
				if (r < 0 || (out->family == AF_INET6 && a.family == AF_INET)) {
					*out = a;
					r = 0;
				}
			}
	}
	return r;
}

/* The namespaces behind @dst: its owner, the backends of a VIP at it, a port published at it. */
static void path_add_receivers(struct trace_ctx *c, const struct trace_req *req, const struct nsnet_addr *dst)
{
	char want[INET6_ADDRSTRLEN];
	size_t i, k;
	json_t *v, *b;

	path_add(c, topo_owner(c->topo, dst));
	nsnet_addr_str(dst, want);
	json_array_foreach(json_object_get(c->topo, "vips"), i, v) {
		if (strcmp(json_string_value(json_object_get(v, "address")) ?: "", want) ||
		    json_integer_value(json_object_get(v, "port")) != req->port)
			continue;
		json_array_foreach(json_object_get(v, "backends"), k, b) {
			struct nsnet_addr a;

			path_add(c, json_string_value(json_object_get(b, "namespace")));
			if (nsnet_addr_parse(json_string_value(json_object_get(b, "address")) ?: "", &a, NULL) == 0)
				path_add(c, topo_owner(c->topo, &a));
		}
	}
	json_array_foreach(json_object_get(c->topo, "ports"), i, v) {
		const char *hip = json_string_value(json_object_get(v, "host_ip")) ?: "";

		if (json_integer_value(json_object_get(v, "host_port")) == req->port && (!*hip || !strcmp(hip, want)))
			path_add(c, json_string_value(json_object_get(v, "namespace")));
	}
}

static void check_add(json_t *checks, const char *name, bool ok, const char *fmt, ...) NSNET_PRINTF(4, 5);
static void check_add(json_t *checks, const char *name, bool ok, const char *fmt, ...)
{
	char detail[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	json_array_append_new(checks, json_pack("{s:s, s:b, s:s}", "check", name, "ok", ok, "detail", detail));
}

/* Read a sysctl of the host ("" when absent). */
static void host_sysctl(const char *key, char *buf, size_t len)
{
	struct nsnet_err err = { 0 };

	if (sysctl_get(key, buf, len, &err) < 0)
		buf[0] = 0;
}

/* Attachment @ifname of namespace @ns in the records, NULL if none. */
static json_t *topo_att(const json_t *topo, const char *ns, const char *ifname)
{
	size_t i, k;
	json_t *n, *att;

	json_array_foreach(json_object_get(topo, "namespaces"), i, n) {
		if (strcmp(json_string_value(json_object_get(n, "name")) ?: "", ns))
			continue;
		json_array_foreach(json_object_get(n, "attachments"), k, att)
			if (!strcmp(json_string_value(json_object_get(att, "ifname")) ?: "", ifname))
				return att;
	}
	return NULL;
}

/* Where the source's route leaves: the bridge port behind its interface, from the records. */
static const char *topo_host_end(const json_t *topo, const char *ns, const char *ifname)
{
	return json_string_value(json_object_get(topo_att(topo, ns, ifname), "host_ifname"));
}

/* The driver of the network behind attachment @ifname of namespace @ns ("" when unknown). */
static const char *topo_driver(const json_t *topo, const char *ns, const char *ifname)
{
	const char *net = json_string_value(json_object_get(topo_att(topo, ns, ifname), "network"));
	size_t i;
	json_t *n;

	json_array_foreach(json_object_get(topo, "networks"), i, n)
		if (net && !strcmp(json_string_value(json_object_get(n, "name")) ?: "", net))
			return json_string_value(json_object_get(n, "driver")) ?: "";
	return "";
}

/*
 * A routed network's source: nothing answers ARP or neighbour solicitations for its gateway
 * (169.254.1.1, fe80::1), the namespace's permanent neighbour entry leads to the host end (routed.c).
 */
static void trace_gw_neigh(struct trace_ctx *c, const struct trace_route *rt, json_t *checks)
{
	char g[INET6_ADDRSTRLEN];
	struct nsnet_err err = { 0 };
	struct neigh_info ni;
	struct nl nl;
	int r;

	nsnet_addr_str(&rt->gw, g);
	if ((r = nl_open(&nl, c->ns[0].fd, &err)) == 0) {
		r = neigh_has_permanent(&nl, (int)rt->oif, &rt->gw, routed_host_mac, &ni, &err);
		nl_close(&nl);
	}
	if (r < 0)
		check_add(checks, "neighbour", false, "%s on %s in %s: %s", g, rt->oif_name, c->ns[0].name, err.msg);
	else
		check_add(checks, "neighbour", r == 1, "%s on %s in %s: %s", g, rt->oif_name, c->ns[0].name,
			  r == 1 ? "permanent entry to the host end's MAC"
				 : "no permanent entry to the host end's MAC; nothing else resolves it (nsnet check)");
}

/* The pre-send checks. Returns false when there is no route (nothing to send). */
static bool trace_checks(struct trace_ctx *c, const struct nsnet_addr *dst, json_t *checks, json_t *hops)
{
	struct trace_route rt;
	struct nsnet_err err = { 0 };
	char a[INET6_ADDRSTRLEN], g[INET6_ADDRSTRLEN], s[INET6_ADDRSTRLEN], val[32], path[128], detail[256];
	const char *src = c->ns[0].name, *host_end;
	bool v4 = dst->family == AF_INET;

	nsnet_addr_str(dst, a);
	if (trace_route_get(c->ns[0].fd, dst, &rt, &err) < 0 || !rt.found || rt.type == RTN_UNREACHABLE ||
	    rt.type == RTN_PROHIBIT || rt.type == RTN_BLACKHOLE) {
		snprintf(detail, sizeof(detail), "no route to %s in %s (%s)", a, src,
			 rt.error ? strerror(-rt.error) : err.msg[0] ? err.msg : "unreachable");
		check_add(checks, "route", false, "%s", detail);
		json_array_append_new(hops, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "netns", src, "kind", "route",
						      "family", v4 ? "ip" : "ip6", "table", "", "chain", "", "rule", "",
						      "verdict", "no-route", "detail", detail));
		return false;
	}
	s[0] = 0;
	if (rt.prefsrc.family)
		nsnet_addr_str(&rt.prefsrc, s);
	snprintf(detail, sizeof(detail), "%s%s%s%s dev %s%s%s", a, rt.type == RTN_LOCAL ? " is local" : "",
		 rt.gw.family ? " via " : "", rt.gw.family ? nsnet_addr_str(&rt.gw, g) : "", rt.oif_name,
		 *s ? " src " : "", s);
	check_add(checks, "route", true, "%s", detail);
	json_array_append_new(hops, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "netns", src, "kind", "route",
					      "family", v4 ? "ip" : "ip6", "table", "", "chain", "", "rule", "",
					      "verdict", "route", "detail", detail));
	check_add(checks, "link", rt.oif_up, "%s in %s is %s", rt.oif_name, src, rt.oif_up ? "up" : "down");
	host_end = strcmp(src, "host") ? topo_host_end(c->topo, src, rt.oif_name) : NULL;
	if (host_end && !strcmp(topo_driver(c->topo, src, rt.oif_name), NSNET_DRIVER_ROUTED)) {
		/* No bridge: the host end is the other end of a point-to-point link. */
		if (rt.gw.family)
			trace_gw_neigh(c, &rt, checks);
	} else if (host_end) {
		FILE *f;
		int state = -1;

		snprintf(path, sizeof(path), "/sys/class/net/%s/brport/state", host_end);
		if ((f = fopen(path, "re"))) {
			if (fscanf(f, "%d", &state) != 1)
				state = -1;
			fclose(f);
		}
		check_add(checks, "bridge-port", state == 3, "%s (host end of %s) %s", host_end, rt.oif_name,
			  state == 3 ? "is forwarding" : state < 0 ? "is not a bridge port" : "is not forwarding (STP state)");
	}
	host_sysctl(v4 ? "net.ipv4.ip_forward" : "net.ipv6.conf.all.forwarding", val, sizeof(val));
	check_add(checks, "forwarding", !strcmp(val, "1"), "host %s = %s", v4 ? "net.ipv4.ip_forward" : "net.ipv6.conf.all.forwarding",
		  *val ? val : "?");
	if (v4) {
		host_sysctl("net.ipv4.conf.all.rp_filter", val, sizeof(val));
		check_add(checks, "rp_filter", true, "host net.ipv4.conf.all.rp_filter = %s%s", *val ? val : "?",
			  !strcmp(val, "1") ? " (strict: replies must return the way they came)" : "");
	}
	check_add(checks, "br_netfilter", true, "%s", access("/proc/sys/net/bridge/bridge-nf-call-iptables", F_OK) == 0
		  ? "loaded: bridged traffic also passes the ip/inet forward hooks"
		  : "not loaded: bridged traffic passes only bridge-family hooks");
	return true;
}

/* iptables-legacy: its rules never show in nf_tables traces. */
static bool trace_legacy(const json_t *topo)
{
	char *argv[] = { "iptables", "-V", NULL };
	struct strbuf out = { 0 };
	struct nsnet_err err = { 0 };
	bool legacy;

	if (strcmp(json_string_value(json_object_get(topo, "backend")) ?: "", "iptables"))
		return false;
	legacy = spawn_run(argv, NULL, &out, NULL, &err) == 0 && strstr(strbuf_str(&out), "legacy");
	strbuf_free(&out);
	return legacy;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void trace_cb(void *ctx, const struct nftrace_event *ev)
{
	struct trace_ctx *c = ((void **)ctx)[0];
	size_t ns = *(size_t *)((void **)ctx)[1];

	trace_event_add(c, ns, ev);
}

/* Read every session's waiting events. */
static void trace_drain(struct trace_ctx *c)
{
	struct nsnet_err err = { 0 };

	for (size_t i = 0; i < c->n_ns; i++) {
		void *ctx[2] = { c, &i };

		if (c->ns[i].t)
			nftrace_read(c->ns[i].t, trace_cb, ctx, &err);
	}
}

/* Send the probe and wait for its answer, a drop, or the deadline. */
static enum trace_outcome trace_run(struct trace_ctx *c, struct trace_probe *p, unsigned int timeout_ms,
				    struct nsnet_err *err)
{
	long deadline = now_ms() + timeout_ms, quiet;
	enum trace_outcome o = TRACE_PENDING;
	int r;

	if ((r = trace_probe_send(p, err)) < 0)
		return TRACE_FAILED;
	while (o == TRACE_PENDING && c->drop_ev < 0) {
		struct pollfd pfd[TRACE_MAX_NS + 1];
		long left = deadline - now_ms();

		if (left <= 0)
			break;
		pfd[0] = (struct pollfd){ .fd = p->fd, .events = trace_probe_events(p) };
		for (size_t i = 0; i < c->n_ns; i++)
			pfd[i + 1] = (struct pollfd){ .fd = c->ns[i].t ? nftrace_fd(c->ns[i].t) : -1, .events = POLLIN };
		if (poll(pfd, c->n_ns + 1, (int)left) < 0 && errno != EINTR)
			break;
		trace_drain(c);
		o = trace_probe_result(p, pfd[0].revents);
	}
	/* The answer came; the last events (the reply's way back) may still be in flight. */
	quiet = now_ms() + 200;
	while (now_ms() < quiet) {
		struct pollfd pfd[TRACE_MAX_NS];
		size_t before = c->n_ev;

		for (size_t i = 0; i < c->n_ns; i++)
			pfd[i] = (struct pollfd){ .fd = c->ns[i].t ? nftrace_fd(c->ns[i].t) : -1, .events = POLLIN };
		if (poll(pfd, c->n_ns, 50) <= 0 && c->n_ev == before)
			break;
		trace_drain(c);
	}
	return o;
}

static const char *const outcome_names[] = { "connected", "refused", "dropped", "no-route", "timeout" };
enum { R_CONNECTED, R_REFUSED, R_DROPPED, R_NOROUTE, R_TIMEOUT };

int core_trace(const struct nsnet_opts *o, const struct trace_req *req, json_t **out, struct nsnet_err *err)
{
	struct trace_ctx c = { .drop_ev = -1 };
	struct trace_probe p = { .fd = -1 };
	struct nsnet_addr dst;
	json_t *topo = NULL, *checks = json_array(), *hops = json_array(), *more;
	char a[INET6_ADDRSTRLEN], note[256] = "";
	int r, res = R_TIMEOUT;
	bool legacy;
	enum trace_outcome oc;

	*out = NULL;
	if ((r = core_query(o, &topo, err)) < 0)
		goto out;
	c.topo = topo;
	c.probe = &p;
	if (strcmp(req->src, "host") && !netns_exists(req->src)) {
		r = nsnet_err_set(err, ENOENT, "trace: source %s: no such namespace (expected a namespace name or host)", req->src);
		goto out;
	}
	if (nsnet_addr_parse(req->dst, &dst, NULL) < 0) {
		if (!netns_exists(req->dst) && topo_ns_addr(topo, req->dst, &dst) < 0) {
			r = nsnet_err_set(err, ENOENT, "trace: destination %s: no such namespace, and not an address", req->dst);
			goto out;
		}
		dst.family = AF_INET6;	/* prefer IPv4: topo_ns_addr replaces an IPv6 first pick */
		if (topo_ns_addr(topo, req->dst, &dst) < 0) {
			r = nsnet_err_set(err, ENOENT, "trace: destination %s: namespace has no address nsnet knows", req->dst);
			goto out;
		}
	}
	path_add(&c, req->src);
	if (!c.n_ns) {
		r = nsnet_err_set(err, ENOENT, "trace: source %s: cannot open its namespace", req->src);
		goto out;
	}
	path_add(&c, "host");
	path_add_receivers(&c, req, &dst);
	if (!trace_checks(&c, &dst, checks, hops)) {
		res = R_NOROUTE;
		goto done;
	}
	if ((r = trace_probe_open(&p, c.ns[0].fd, &dst, req->port, req->proto, err)) < 0)
		goto out;
	legacy = trace_legacy(topo);
	for (size_t i = 0; !legacy && i < c.n_ns; i++) {
		if ((r = nftrace_open(&c.ns[i].t, c.ns[i].fd, !strcmp(c.ns[i].name, "host"), p.proto, p.sport, err)) < 0) {
			nsnet_err_prefix(err, "trace in %s", c.ns[i].name);
			goto out;
		}
	}
	oc = trace_run(&c, &p, req->timeout_ms, err);
	for (size_t i = 0; i < c.n_ns; i++) {
		nftrace_close(c.ns[i].t);	/* the kernel removes the trace tables with the socket */
		c.ns[i].t = NULL;
	}
	if (oc == TRACE_FAILED && p.error == 0) {
		r = -EIO;
		goto out;
	}
	if (c.drop_ev >= 0)
		res = R_DROPPED;
	else if (oc == TRACE_CONNECTED)
		res = R_CONNECTED;
	else if (oc == TRACE_REFUSED)
		res = R_REFUSED;
	else if (oc == TRACE_UNREACHABLE)
		res = R_NOROUTE;
	if (oc == TRACE_UNREACHABLE || oc == TRACE_FAILED)
		snprintf(note, sizeof(note), "the probe got: %s", strerror(p.error));
	if (legacy)
		snprintf(note, sizeof(note), "rule-level tracing needs nftables: the iptables-legacy rules are not seen "
			 "by nft tracing (use iptables-nft); shown: the checks before sending and the outcome");
	more = trace_hops_json(&c);
	json_array_extend(hops, more);
	json_decref(more);
	if (c.oom) {
		r = nsnet_err_set(err, ENOMEM, "out of memory");
		goto out;
	}
done:
	*out = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:O, s:O}", "result", outcome_names[res], "src", req->src,
			 "dst", req->dst, "address", nsnet_addr_str(&dst, a),
			 "protocol", req->proto == IPPROTO_TCP ? "tcp" : req->proto == IPPROTO_UDP ? "udp" : "icmp",
			 "port", req->port, "source_port", p.fd >= 0 ? p.sport : 0, "checks", checks, "hops", hops);
	if (*out && note[0])
		json_object_set_new(*out, "note", json_string(note));
	if (*out && c.drop_ev >= 0) {
		/* The hop that dropped: the first drop verdict among them. */
		size_t i;
		json_t *h;

		json_array_foreach(hops, i, h)
			if (!strcmp(json_string_value(json_object_get(h, "verdict")) ?: "", "drop")) {
				json_object_set(*out, "dropped_by", h);
				break;
			}
	}
	r = !*out ? nsnet_err_set(err, ENOMEM, "out of memory") : res <= R_REFUSED ? 0 : 1;
out:
	for (size_t i = 0; i < c.n_ns; i++) {
		nftrace_close(c.ns[i].t);
		if (c.ns[i].fd >= 0)
			close(c.ns[i].fd);
	}
	trace_probe_close(&p);
	trace_ctx_free(&c);
	json_decref(checks);
	json_decref(hops);
	json_decref(topo);
	return r;
}
