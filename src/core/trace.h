/* SPDX-License-Identifier: MIT */
/* nsnet trace and graph: the path of one real probe with every verdict on it, and the topology as a picture. */
#ifndef NSNET_CORE_TRACE_H
#define NSNET_CORE_TRACE_H

#include <jansson.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/core.h"
#include "util/inet.h"

/* What `nsnet trace SRC DST[:PORT][/PROTO]` asks. */
struct trace_req {
	const char *src;	/* a namespace name or "host" */
	const char *dst;	/* a namespace name or an address (VIP, host address, anything) */
	uint16_t port;		/* 0: none given (ICMP unless @proto says otherwise) */
	uint8_t proto;		/* IPPROTO_TCP/UDP/ICMP; 0: TCP with a port, else ICMP */
	unsigned int timeout_ms;
};

/*
 * Parse "DST[:PORT][/tcp|/udp|/icmp]" (IPv6 with a port as "[ADDR]:PORT") into @req's dst (a
 * pointer into @buf, a copy of @s), port and proto. Returns 0 or -EINVAL naming the bad part.
 */
int trace_dst_parse(const char *s, char *buf, size_t len, struct trace_req *req, struct nsnet_err *err);

/*
 * Trace one probe from @req->src to @req->dst (docs/trace.md). Fills *@out with {"result", "src",
 * "dst", "protocol", "port", "checks", "hops", "note"} (caller decrefs) and returns 0 when the
 * destination was reached (connected, refused), 1 when not (dropped, no-route, timeout), -errno
 * when the trace itself failed.
 */
int core_trace(const struct nsnet_opts *o, const struct trace_req *req, json_t **out, struct nsnet_err *err);

/* The topology (core_query) as Graphviz dot or mermaid text (@format "dot", "mermaid") in @out. */
int core_graph(const struct nsnet_opts *o, const char *format, struct strbuf *out, struct nsnet_err *err);

/* --- internal to core/trace*.c --- */

/* What the route lookup in the source namespace said. */
struct trace_route {
	bool found;
	int error;			/* -errno of the lookup (-ENETUNREACH...) when not found */
	unsigned char type;		/* RTN_UNICAST, RTN_LOCAL, ... */
	uint32_t oif;
	char oif_name[IF_NAMESIZE];
	bool oif_up;			/* IFF_UP and carrier (operstate up or unknown) */
	struct nsnet_addr gw, prefsrc;
};

/* RTM_GETROUTE for @dst in the namespace behind @netns_fd (-1: the caller's), then its link. */
int trace_route_get(int netns_fd, const struct nsnet_addr *dst, struct trace_route *rt, struct nsnet_err *err);
/* The name of interface @ifindex in the namespace behind @netns_fd, "" when unknown. */
void trace_ifname(int netns_fd, uint32_t ifindex, char *buf, size_t len);

/* The probe: one socket made inside the source namespace. */
enum trace_outcome {
	TRACE_PENDING,
	TRACE_CONNECTED,
	TRACE_REFUSED,
	TRACE_UNREACHABLE,
	TRACE_FAILED,
};

struct trace_probe {
	int fd;
	int family;
	uint8_t proto;
	uint16_t sport;		/* TCP/UDP source port, ICMP echo id */
	uint16_t dport;
	struct nsnet_addr dst;
	int error;		/* errno behind TRACE_UNREACHABLE/FAILED */
};

/* Make the socket inside @netns_fd's namespace and fix its source port (or id). Returns 0 or -errno. */
int trace_probe_open(struct trace_probe *p, int netns_fd, const struct nsnet_addr *dst, uint16_t dport,
		     uint8_t proto, struct nsnet_err *err);
/* Send the probe (TCP: start connecting). Returns 0 or -errno. */
int trace_probe_send(struct trace_probe *p, struct nsnet_err *err);
/* poll() events to wait for. */
short trace_probe_events(const struct trace_probe *p);
/* After poll() said @revents: what happened (TRACE_PENDING: nothing decisive yet). */
enum trace_outcome trace_probe_result(struct trace_probe *p, short revents);
void trace_probe_close(struct trace_probe *p);

/* One namespace on the path, with its trace session. */
#define TRACE_MAX_NS 16
struct nftrace;
struct nftrace_event;
struct trace_ns {
	char name[NSNET_NAME_MAX + 1];	/* "host" for the namespace nsnet runs in */
	int fd;				/* -1 for the host */
	struct nftrace *t;
	uint64_t fwd_key, rep_key;	/* the first packet each way, the one reported (trace_hops.c) */
	bool fwd_seen, rep_seen;
	size_t n_links;			/* ifindex -> name, read once when a hop needs it */
	struct trace_link { uint32_t index; char name[IF_NAMESIZE]; } *links;
	bool links_read;
};

/* A trace event kept for the report. */
struct trace_ev {
	size_t ns;
	bool reply;
	struct nftrace_event *ev;
};

/* One trace: what was asked, where, and what the kernel reported. */
struct trace_ctx {
	const json_t *topo;		/* core_query() */
	const struct trace_probe *probe;
	size_t n_ns;
	struct trace_ns ns[TRACE_MAX_NS];
	struct trace_ev *ev;
	size_t n_ev, cap_ev;
	bool oom;
	long drop_ev;			/* index of the first drop verdict, -1: none */
};

/* Keep event @ev of namespace @ns if it is about the probe's first packet of either direction. */
void trace_event_add(struct trace_ctx *c, size_t ns, const struct nftrace_event *ev);
/* The hops, in path order: the probe's way out, then the reply's way back. */
json_t *trace_hops_json(struct trace_ctx *c);
void trace_ctx_free(struct trace_ctx *c);

#endif
