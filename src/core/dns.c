// SPDX-License-Identifier: MIT
// The resolver of a network: dnsmasq's files, its start, stop and supervision, name steps (core/dns.h).
#include "core/dns.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/records.h"
#include "core/undo.h"
#include "util/strbuf.h"

#define DNS_START_FILE "@start"		/* not a record name: names never hold '@' */
#define DNS_OWN_SUFFIX ".nsnet.invalid"
#define DNS_READY_MS 5000
#define DNS_STOP_GRACE_MS 1000

static void dns_undo_stop_process(struct op *op, const char *net, const char *id);
/* What a resolver's start needs: its argv (for daemon_spawn), log and folder. */
struct dns_argv {
	char dir[PATH_MAX], conf[PATH_MAX + 16], log[PATH_MAX];
	char *argv[4];
};
static int dns_run_prepare(struct op *op, const struct nsnet_network *net, struct dns_argv *a, char own[64],
			   struct nsnet_err *err);
static int dns_run_record(struct op *op, const char *net, const struct dns_argv *a, const struct daemon_id *id,
			  bool journal, struct nsnet_err *err);
static int dns_run(struct op *op, const struct nsnet_network *net, struct daemon_id *id, bool journal, char *own_out,
		   struct nsnet_err *err);

static void dns_dir(const struct state *st, const char *net, const char *leaf, char *out, size_t len)
{
	snprintf(out, len, "%s/%s/%s%s%s", st->dir, DNS_DIR, net, leaf ? "/" : "", leaf ? leaf : "");
}

void dns_host_path(const struct state *st, const char *net, const char *owner, char *out, size_t len)
{
	snprintf(out, len, "%s/%s/%s/hosts/%s", st->dir, DNS_DIR, net, owner);
}

/* A fresh own name: 16 random hex digits under nsnet.invalid. */
static void dns_own_name(char out[64])
{
	unsigned char b[8] = { 0 };

	if (getrandom(b, sizeof(b), 0) != sizeof(b)) {
		struct timespec t;

		clock_gettime(CLOCK_MONOTONIC, &t);
		memcpy(b, &t.tv_nsec, sizeof(b) < sizeof(t.tv_nsec) ? sizeof(b) : sizeof(t.tv_nsec));
	}
	snprintf(out, 64, "%02x%02x%02x%02x%02x%02x%02x%02x%s", b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
		 DNS_OWN_SUFFIX);
}

/* Write @text to @dir/@leaf through a temporary file in @tmpdir and a rename. 0 or -errno. */
static int dns_write(const char *tmpdir, const char *path, const char *text, struct nsnet_err *err)
{
	char tmp[PATH_MAX];
	size_t len = strlen(text);
	int fd, r = 0;

	snprintf(tmp, sizeof(tmp), "%s/.tmp.%d", tmpdir, (int)getpid());
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0)
		return nsnet_err_set(err, errno, "%s: %s", tmp, strerror(errno));
	/* No fsync: these files are made from the records, and gc writes again any that differ. */
	if (write(fd, text, len) != (ssize_t)len)
		r = -(errno ? errno : EIO);
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		return nsnet_err_set(err, -r, "%s: %s", path, strerror(-r));
	}
	return 0;
}

static void dns_conf_render(const struct state *st, const struct nsnet_network *net, struct strbuf *out)
{
	char buf[INET6_ADDRSTRLEN], dir[PATH_MAX];

	dns_dir(st, net->name, NULL, dir, sizeof(dir));
	strbuf_printf(out, "# nsnet: the resolver of network %s, written whole by nsnet\n", net->name);
	strbuf_printf(out, "no-hosts\nhostsdir=%s/hosts\n", dir);
	for (size_t i = 0; i < net->n_subnets; i++)
		strbuf_printf(out, "listen-address=%s\n", nsnet_addr_str(&net->gateway[i], buf));
	strbuf_printf(out, "bind-interfaces\nlocal=/%s/\nlocal=/nsnet.invalid/\ndomain-needed\nbogus-priv\n",
		      net->domain);
	/* Root reads the 0700 state dir; no pid file: nsnet records the PID itself. */
	strbuf_printf(out, "user=root\npid-file=\n");
	if (net->n_upstream) {
		strbuf_printf(out, "no-resolv\n");
		for (size_t i = 0; i < net->n_upstream; i++)
			strbuf_printf(out, "server=%s\n", nsnet_addr_str(&net->upstream[i], buf));
	} else {
		/* dnsmasq notices changes of this file by itself. */
		strbuf_printf(out, "resolv-file=/etc/resolv.conf\n");
	}
}

void dns_host_render(const struct nsnet_network *net, const char *owner, bool cni,
		     const struct nsnet_attachment *att, const struct nsnet_addr *addrs, size_t n_addrs,
		     struct strbuf *out)
{
	char buf[INET6_ADDRSTRLEN];

	if (cni && !att->n_aliases)
		return;
	for (size_t i = 0; i < n_addrs; i++) {
		/* The first name is what PTR answers. */
		strbuf_printf(out, "%s", nsnet_addr_str(&addrs[i], buf));
		if (!cni)
			strbuf_printf(out, " %s.%s %s", owner, net->domain, owner);
		for (size_t k = 0; k < att->n_aliases; k++)
			strbuf_printf(out, " %s.%s %s", att->aliases[k], net->domain, att->aliases[k]);
		strbuf_printf(out, "\n");
	}
}

int dns_own_of(const char *text, char *name)
{
	const char *p = strstr(text, DNS_OWN_SUFFIX), *s;

	if (!p)
		return -ENOENT;
	for (s = p; s > text && s[-1] != ' '; s--)
		;
	if ((size_t)(p - s) + sizeof(DNS_OWN_SUFFIX) > 64)
		return -ENOENT;
	snprintf(name, 64, "%.*s", (int)(p - s) + (int)strlen(DNS_OWN_SUFFIX), s);
	return 0;
}

int dns_slurp(const char *path, struct strbuf *out)
{
	char buf[4096];
	size_t n;
	FILE *f = fopen(path, "re");

	if (!f)
		return -errno;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_printf(out, "%.*s", (int)n, buf);
	fclose(f);
	return out->oom ? -ENOMEM : 0;
}

int dns_host_read(const struct state *st, const char *net, const char *owner, struct strbuf *out)
{
	char path[PATH_MAX];
	struct strbuf raw = { 0 };
	int r;

	dns_host_path(st, net, owner, path, sizeof(path));
	if ((r = dns_slurp(path, &raw)) == 0) {
		const char *p = strbuf_str(&raw);

		/* Skip the own name line (the first). */
		if (strstr(p, DNS_OWN_SUFFIX))
			p += strcspn(p, "\n") + (p[strcspn(p, "\n")] != 0);
		strbuf_printf(out, "%s", p);
	}
	strbuf_free(&raw);
	return r;
}

int dns_pid(const struct state *st, const char *net, struct daemon_id *id)
{
	char path[PATH_MAX];

	dns_dir(st, net, "pid", path, sizeof(path));
	return daemon_id_read(path, id);
}

/* --- Queries ----------------------------------------------------------------------------------- */

/*
 * A UDP socket connected to @server port 53. nsnet asks its own resolver, on a gateway address of
 * this host: from that same address, which is in the network's subnet, whatever source the kernel
 * would pick (the resolver's firewall rule accepts the subnet only). The socket or -errno.
 */
static int dns_socket(const struct nsnet_addr *server)
{
	struct sockaddr_storage ss = { 0 }, src;
	socklen_t sl;
	int fd, r;

	if (server->family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET, s4->sin_port = htons(53);
		memcpy(&s4->sin_addr, server->b, 4);
		sl = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6, s6->sin6_port = htons(53);
		memcpy(&s6->sin6_addr, server->b, 16);
		sl = sizeof(*s6);
	}
	if ((fd = socket(server->family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	src = ss;
	((struct sockaddr_in *)&src)->sin_port = 0;	/* sin_port and sin6_port share their place */
	if (bind(fd, (struct sockaddr *)&src, sl) < 0 || connect(fd, (struct sockaddr *)&ss, sl) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

/*
 * Send an A (@type 1) or AAAA (28) query for @name on @fd; its ID into @id. The ID only tells this
 * query's answer from a late one to an earlier query on the same port: the clock's low bits do
 * (no getrandom() call per query). 0 or -errno.
 */
static int dns_send_id(int fd, const char *name, unsigned int type, uint16_t id);

static int dns_send(int fd, const char *name, unsigned int type, uint16_t *id)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	*id = (uint16_t)(now.tv_nsec ^ (now.tv_nsec >> 16));
	return dns_send_id(fd, name, type, *id);
}

/* dns_send() with the ID given. */
static int dns_send_id(int fd, const char *name, unsigned int type, uint16_t id)
{
	unsigned char q[512];
	size_t len = 12;

	memset(q, 0, 12);
	q[0] = (unsigned char)(id >> 8), q[1] = (unsigned char)id, q[2] = 0x01, q[5] = 1;
	for (const char *p = name; *p;) {
		size_t l = strcspn(p, ".");

		if (l == 0 || l > 63 || len + l + 6 > sizeof(q))
			return -EINVAL;
		q[len++] = (unsigned char)l;
		memcpy(q + len, p, l);
		len += l;
		p += l + (p[l] == '.');
	}
	q[len++] = 0;
	q[len++] = (unsigned char)(type >> 8), q[len++] = (unsigned char)type, q[len++] = 0, q[len++] = 1;
	return send(fd, q, len, 0) == (ssize_t)len ? 0 : -errno;
}

/*
 * The answer to query @id on @fd, waiting at most @timeout_ms; with @ready, a recv() first that
 * does not wait (the answer is often there already). Returns the number of answers (0: NODATA),
 * -ENOENT (NXDOMAIN), -ETIMEDOUT or -errno.
 */
static int dns_answer(int fd, uint16_t id, int timeout_ms, bool ready)
{
	unsigned char a[1500];
	int r;

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (!ready && (r = poll(&pfd, 1, timeout_ms)) <= 0)
			return r == 0 ? -ETIMEDOUT : -errno;
		if ((n = recv(fd, a, sizeof(a), ready ? MSG_DONTWAIT : 0)) < 0) {
			if (ready && (errno == EAGAIN || errno == EWOULDBLOCK)) {
				ready = false;
				continue;
			}
			return -errno;	/* ECONNREFUSED: nothing listens */
		}
		ready = false;
		if (n < 12 || a[0] != (unsigned char)(id >> 8) || a[1] != (unsigned char)id || !(a[2] & 0x80))
			continue;
		return (a[3] & 0xf) == 3 ? -ENOENT : (a[3] & 0xf) ? -EPROTO : (a[6] << 8 | a[7]);
	}
}

int dns_query(const struct nsnet_addr *server, const char *name, unsigned int type, int timeout_ms)
{
	uint16_t id;
	int fd = dns_socket(server), r;

	if (fd < 0)
		return fd;
	if ((r = dns_send(fd, name, type, &id)) == 0)
		r = dns_answer(fd, id, timeout_ms, false);
	close(fd);
	return r;
}

/* Query the resolver at @server for @own until it answers (@present) or says NXDOMAIN; bounded. 0 or -errno. */
static int dns_confirm(const struct nsnet_addr *server, const char *own, bool present, const struct daemon_id *id)
{
	struct timespec t0, now, pause = { 0, 50 * 1000 };
	int r;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		r = dns_query(server, own, 1, 200);
		if (present ? r > 0 : r == -ENOENT)
			return 0;
		if (id && !daemon_alive(id))
			return -ESRCH;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000 > DNS_READY_MS)
			return r < 0 ? r : -ETIMEDOUT;
		/*
		 * Not yet: dnsmasq answered before it read its inotify event. Ask again soon (50 us,
		 * doubling to 2 ms): a fixed 2 ms pause made a miss cost more than the whole step.
		 */
		nanosleep(&pause, NULL);
		if (pause.tv_nsec < 2 * 1000 * 1000)
			pause.tv_nsec *= 2;
	}
}

/* --- Start and stop ---------------------------------------------------------------------------- */

/*
 * Is port 53 of each of @net's gateways free, UDP and TCP? 0, or -errno of the first bind that
 * failed, its gateway's index in *@sub and its protocol (0 UDP, 1 TCP) in *@proto.
 */
static int dns_port_probe(const struct nsnet_network *net, size_t *sub, int *proto)
{
	static const int protos[2][2] = { { SOCK_DGRAM, IPPROTO_UDP }, { SOCK_STREAM, IPPROTO_TCP } };

	for (size_t i = 0; i < net->n_subnets; i++) {
		const struct nsnet_addr *gw = &net->gateway[i];

		for (int k = 0; k < 2; k++) {
			struct sockaddr_storage ss = { 0 };
			socklen_t sl;
			int fd = socket(gw->family, protos[k][0] | SOCK_CLOEXEC, 0), one = 1, r = 0;

			*sub = i, *proto = k;
			if (fd < 0)
				return -errno;
			if (gw->family == AF_INET) {
				struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

				s4->sin_family = AF_INET, s4->sin_port = htons(53);
				memcpy(&s4->sin_addr, gw->b, 4);
				sl = sizeof(*s4);
				setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one));
			} else {
				struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

				s6->sin6_family = AF_INET6, s6->sin6_port = htons(53);
				memcpy(&s6->sin6_addr, gw->b, 16);
				sl = sizeof(*s6);
				setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof(one));
			}
			if (bind(fd, (struct sockaddr *)&ss, sl) < 0)
				r = -errno;
			close(fd);
			if (r == -EADDRINUSE)
				return r;
		}
	}
	return 0;
}

int dns_port_check(const struct nsnet_network *net, struct nsnet_err *err)
{
	static const int protos[2] = { IPPROTO_UDP, IPPROTO_TCP };
	char buf[INET6_ADDRSTRLEN], who[128];
	size_t i;
	int k, r = dns_port_probe(net, &i, &k);

	if (r == -EADDRINUSE) {
		const struct nsnet_addr *gw = &net->gateway[i];

		if (daemon_port_holder(gw->family, gw->b, protos[k], 53, who, sizeof(who)) < 0)
			snprintf(who, sizeof(who), "another process");
		return nsnet_err_set(err, EADDRINUSE,
				     "network %s: port %s/53 of gateway %s is taken by %s; the resolver cannot start (stop it, or --no-dns)",
				     net->name, k ? "tcp" : "udp", nsnet_addr_str(gw, buf), who);
	}
	if (r < 0)
		return nsnet_err_set(err, -r, "socket: %s", strerror(-r));
	return 0;
}

/* The last line of the resolver's log, for an error message. */
static void dns_log_tail(const struct state *st, const char *net, char *out, size_t len)
{
	char path[PATH_MAX];
	struct strbuf sb = { 0 };

	snprintf(out, len, "no message");
	dns_dir(st, net, "log", path, sizeof(path));
	if (dns_slurp(path, &sb) == 0 && sb.len) {
		char *s = sb.s, *last;

		while (sb.len && s[sb.len - 1] == '\n')
			s[--sb.len] = '\0';
		last = strrchr(s, '\n');
		snprintf(out, len, "%s", last ? last + 1 : s);
	}
	strbuf_free(&sb);
}

/* The resolver's failure to start, as an error (it is stopped). */
static int dns_start_failed(struct op *op, const char *net, const struct daemon_id *id, int r, struct nsnet_err *err)
{
	char why[256];

	dns_log_tail(&op->st, net, why, sizeof(why));
	daemon_stop(id, DNS_STOP_GRACE_MS);
	return nsnet_err_set(err, -r, "network %s: the resolver (%s) did not start (%s): %s", net, DNS_DNSMASQ,
			     r == -ESRCH ? "it exited" : strerror(-r), why);
}

/* --- Batch mode: waits gathered, then asked in turn (struct op's batch) ------------------------- */

/* A wait the operation owes: the resolver of @net answering @own (a start: @owner ""). */
struct dns_wait {
	char net[NSNET_NAME_MAX + 1];
	struct nsnet_addr server;	/* its first gateway */
	char own[64];			/* a start: "" until dnsmasq is started (dns_start_pending) */
	char owner[NAME_MAX + 1];
	struct daemon_id id;
};

static int dns_wait_add(struct op *op, const struct nsnet_network *net, const char *owner, const char *own,
			const struct daemon_id *id, struct nsnet_err *err)
{
	struct dns_wait *w = op_array_add(&op->dns_wait, &op->n_dns_wait, &op->cap_dns_wait, sizeof(*w), 64, err);

	if (!w)
		return -ENOMEM;
	snprintf(w->net, sizeof(w->net), "%s", net->name);
	w->server = net->gateway[0];
	snprintf(w->own, sizeof(w->own), "%s", own);
	snprintf(w->owner, sizeof(w->owner), "%s", owner);
	if (id)
		w->id = *id;
	return 0;
}

/* Has this operation started @net's resolver, its wait still to come? */
static bool dns_wait_started(const struct op *op, const char *net)
{
	for (size_t i = 0; i < op->n_dns_wait; i++)
		if (!op->dns_wait[i].owner[0] && !strcmp(op->dns_wait[i].net, net))
			return true;
	return false;
}

/*
 * The names of one resolver (@w[0..@n), one network's), asked together: one socket, every query
 * sent, then the answers read (a round trip for all instead of one per name). A name whose answer
 * does not have it yet (dnsmasq answered before it read the file), or that got none within 200
 * ms, is asked again alone until it answers, as dns_confirm() does. 0 or -errno.
 */
static int dns_wait_names(const struct dns_wait *const *w, size_t n, struct nsnet_err *err)
{
	bool *ok = calloc(n, sizeof(*ok));
	struct timespec now;
	uint16_t base;
	size_t left = n;
	int fd = -1, r = 0;

	if (!ok)
		return nsnet_err_set(err, ENOMEM, "out of memory");
	clock_gettime(CLOCK_MONOTONIC, &now);
	base = (uint16_t)(now.tv_nsec ^ (now.tv_nsec >> 16));
	/* At most 65,536 queries in flight on one socket: their IDs stay distinct. */
	if (n <= 65536 && (fd = dns_socket(&w[0]->server)) >= 0)
		for (size_t i = 0; i < n; i++)
			if (dns_send_id(fd, w[i]->own, 1, (uint16_t)(base + i)) < 0)
				left--;	/* asked again below */
	while (fd >= 0 && left > 0) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		unsigned char a[1500];
		ssize_t len;
		size_t i;

		if (poll(&pfd, 1, 200) <= 0 || (len = recv(fd, a, sizeof(a), 0)) < 0)
			break;	/* the rest are asked again below */
		i = (uint16_t)((a[0] << 8 | a[1]) - base);
		if (len < 12 || !(a[2] & 0x80) || i >= n || ok[i])
			continue;
		left--;
		ok[i] = (a[3] & 0xf) == 0 && (a[6] << 8 | a[7]) > 0;
	}
	if (fd >= 0)
		close(fd);
	for (size_t i = 0; i < n && r == 0; i++)
		if (!ok[i] && (r = dns_confirm(&w[i]->server, w[i]->own, true, NULL)) < 0)
			r = nsnet_err_set(err, -r, "network %s: the resolver does not answer the names of %s", w[i]->net,
					  w[i]->owner);
	free(ok);
	return r;
}

/*
 * Batch mode: the resolvers' processes started by a thread (dns_start_pending), while the
 * operation goes on (an apply's VIPs and ports): posix_spawn() returns only once the child has
 * exec'ed, and with the earlier resolvers starting on the other CPU a child may wait a whole
 * scheduler slice for one (0.1 to 4 ms each, 10-14 ms for ten). The thread touches nothing of
 * the operation: each start's step (its undo journaled), files and own name are made before it
 * runs, and dns_spawn_join() records each process (PID file) and counts the step once it is
 * back. An undo without the PID still finds its process (PID file, else its command line).
 */
struct dns_spawns {
	pthread_t thread;
	bool threaded;
	size_t n;
	struct dns_spawn {
		size_t wait;		/* its op->dns_wait entry */
		char net[NSNET_NAME_MAX + 1];
		struct dns_argv *a;
		struct daemon_id id;
		int r;
		struct nsnet_err err;
	} v[];
};

static void *dns_spawn_main(void *arg)
{
	struct dns_spawns *sp = arg;

	for (size_t i = 0; i < sp->n; i++)
		sp->v[i].r = daemon_spawn(sp->v[i].a->argv, sp->v[i].a->log, &sp->v[i].id, &sp->v[i].err);
	return NULL;
}

static void dns_spawns_free(struct dns_spawns *sp)
{
	for (size_t i = 0; sp && i < sp->n; i++)
		free(sp->v[i].a);
	free(sp);
}

int dns_spawn_join(struct op *op, struct nsnet_err *err)
{
	struct dns_spawns *sp = op->dns_spawns;
	int r = 0;

	if (!sp)
		return 0;
	op->dns_spawns = NULL;
	if (sp->threaded)
		pthread_join(sp->thread, NULL);
	for (size_t i = 0; i < sp->n; i++) {
		struct dns_spawn *v = &sp->v[i];

		if (v->r < 0) {
			if (r == 0 && err)
				*err = v->err;
			r = r ? r : v->r;
			continue;
		}
		op->dns_wait[v->wait].id = v->id;
		/* Recorded even when the operation is ending: its undo then finds the process by it. */
		if (dns_run_record(op, v->net, v->a, &v->id, false, r == 0 ? err : NULL) < 0 && r == 0)
			r = err ? -err->code : -EIO;
		else if (r == 0 && err)
			op_applied(op);
	}
	dns_spawns_free(sp);
	return r;
}

int dns_start_pending(struct op *op, struct nsnet_err *err)
{
	struct dns_spawns *sp = NULL;
	size_t n = 0;
	int r = 0;

	for (size_t i = 0; i < op->n_dns_wait; i++)
		n += !op->dns_wait[i].owner[0] && !op->dns_wait[i].own[0];
	/* Batch mode, several at once: spawned by a thread (above). */
	if (n > 1 && op->batch && !op->opts->dry_run && !op->dns_spawns &&
	    (sp = calloc(1, sizeof(*sp) + n * sizeof(sp->v[0])))) {
		for (size_t i = 0; i < op->n_dns_wait && r == 0; i++) {
			struct dns_wait *w = &op->dns_wait[i];
			struct dns_spawn *v = &sp->v[sp->n];
			struct nsnet_network net;

			if (w->owner[0] || w->own[0])
				continue;
			if (!(v->a = calloc(1, sizeof(*v->a)))) {
				r = nsnet_err_set(err, ENOMEM, "out of memory");
				break;
			}
			v->wait = i;
			sp->n++;
			snprintf(v->net, sizeof(v->net), "%s", w->net);
			/* Its own step: the undo (stop it) journaled first. */
			if ((r = rec_network_load(op, w->net, &net, err)) < 0 ||
			    (r = op_push(op, UNDO_DNS_STOP, w->net, "", NULL, NULL, err)) < 0)
				break;
			if ((r = dns_run_prepare(op, &net, v->a, w->own, err)) < 0) {
				op_pop(op);
				break;
			}
		}
		if (r < 0) {
			dns_spawns_free(sp);
			return r;
		}
		if (!(sp->threaded = op_thread_start(&sp->thread, dns_spawn_main, sp)))
			dns_spawn_main(sp);	/* no thread: in line */
		op->dns_spawns = sp;
		return 0;
	}
	for (size_t i = 0; i < op->n_dns_wait && r == 0; i++) {
		struct dns_wait *w = &op->dns_wait[i];
		struct nsnet_network net;

		if (w->owner[0] || w->own[0])
			continue;
		/* Its own step: the undo (stop it) journaled first, with its PID once it runs. */
		if ((r = rec_network_load(op, w->net, &net, err)) < 0 ||
		    (r = op_push(op, UNDO_DNS_STOP, w->net, "", NULL, NULL, err)) < 0)
			break;
		if ((r = dns_run(op, &net, &w->id, true, w->own, err)) < 0) {
			dns_undo_stop(op, w->net, "");
			op_pop(op);
			break;
		}
		op_applied(op);
	}
	return r;
}

/*
 * The resolvers the operation started, in turn (they all start at once: the first wait takes the
 * longest, the others have had that time), then the names, one batch per network
 * (dns_wait_names()): by the time they are asked for, the resolvers have long read their files.
 */
int dns_wait_flush(struct op *op, struct nsnet_err *err)
{
	const struct dns_wait **batch = NULL;
	bool *asked = NULL;
	size_t n = op->n_dns_wait;
	int r = dns_spawn_join(op, err);

	if (r == 0)
		r = dns_start_pending(op, err);
	if (r == 0)
		r = dns_spawn_join(op, err);

	for (size_t i = 0; i < n && r == 0; i++) {
		const struct dns_wait *w = &op->dns_wait[i];

		if (!w->owner[0] && (r = dns_confirm(&w->server, w->own, true, &w->id)) < 0)
			r = dns_start_failed(op, w->net, &w->id, r, err);
	}
	if (r == 0 && n && (!(batch = calloc(n, sizeof(*batch))) || !(asked = calloc(n, sizeof(*asked)))))
		r = nsnet_err_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < n && r == 0; i++) {
		size_t k = 0;

		if (!op->dns_wait[i].owner[0] || asked[i])
			continue;
		for (size_t j = i; j < n; j++)
			if (op->dns_wait[j].owner[0] && !asked[j] && !strcmp(op->dns_wait[j].net, op->dns_wait[i].net)) {
				asked[j] = true;
				batch[k++] = &op->dns_wait[j];
			}
		r = dns_wait_names(batch, k, err);
	}
	free(batch);
	free(asked);
	op->n_dns_wait = 0;
	return r;
}

void dns_wait_free(struct op *op)
{
	free(op->dns_wait);
	op->dns_wait = NULL;
	op->n_dns_wait = op->cap_dns_wait = 0;
}

/* The files a start needs first: the port free, the start file with a fresh own name (@own). */
static int dns_run_prepare(struct op *op, const struct nsnet_network *net, struct dns_argv *a, char own[64],
			   struct nsnet_err *err)
{
	char path[PATH_MAX], text[128];
	int r;

	/* A resolver being stopped may hold the same address and port. */
	dns_stops_wait(op);
	dns_dir(&op->st, net->name, NULL, a->dir, sizeof(a->dir));
	snprintf(a->conf, sizeof(a->conf), "--conf-file=%s/dnsmasq.conf", a->dir);
	dns_dir(&op->st, net->name, "log", a->log, sizeof(a->log));
	a->argv[0] = DNS_DNSMASQ, a->argv[1] = "--keep-in-foreground", a->argv[2] = a->conf, a->argv[3] = NULL;
	dns_own_name(own);
	snprintf(text, sizeof(text), "0.0.0.0 %s\n", own);
	dns_host_path(&op->st, net->name, DNS_START_FILE, path, sizeof(path));
	if ((r = dns_port_check(net, err)) < 0 || (r = dns_write(a->dir, path, text, err)) < 0)
		return r;
	return 0;
}

/* After the spawn: @id journaled (with @journal, into the newest undo entry) and in the pid file. */
static int dns_run_record(struct op *op, const char *net, const struct dns_argv *a, const struct daemon_id *id,
			  bool journal, struct nsnet_err *err)
{
	char path[PATH_MAX], text[128], idstr[DAEMON_ID_STRLEN];

	if (journal && journal_set(op, daemon_id_str(id, idstr)) == 0) {
		char *b = strdup(idstr);

		if (b) {
			free(op->undo[op->n_undo - 1].arg[1]);
			op->undo[op->n_undo - 1].arg[1] = b;
		}
	}
	dns_dir(&op->st, net, "pid", path, sizeof(path));
	snprintf(text, sizeof(text), "%s\n", daemon_id_str(id, idstr));
	return dns_write(a->dir, path, text, err);
}

/*
 * Write @start and run dnsmasq from the files in place, until it answers (with @own: not waited
 * for, its own name into @own). Fills @id.
 */
static int dns_run(struct op *op, const struct nsnet_network *net, struct daemon_id *id, bool journal, char *own_out,
		   struct nsnet_err *err)
{
	struct dns_argv a;
	char own[64];
	int r;

	if ((r = dns_run_prepare(op, net, &a, own, err)) < 0 || (r = daemon_spawn(a.argv, a.log, id, err)) < 0 ||
	    (r = dns_run_record(op, net->name, &a, id, journal, err)) < 0)
		return r;
	if (own_out) {
		memcpy(own_out, own, sizeof(own));
		return 0;
	}
	if ((r = dns_confirm(&net->gateway[0], own, true, id)) < 0)
		return dns_start_failed(op, net->name, id, r, err);
	return 0;
}

static void dns_echo_start(struct op *op, const struct nsnet_network *net, const char *conf_text)
{
	char dir[PATH_MAX];

	dns_dir(&op->st, net->name, NULL, dir, sizeof(dir));
	op_echo(op, "mkdir -p %s/hosts", dir);
	op_echo(op, "cat > %s/dnsmasq.conf <<'EOF'\n%sEOF", dir, conf_text);
	op_echo(op, "setsid %s --keep-in-foreground --conf-file=%s/dnsmasq.conf </dev/null >>%s/log 2>&1 &",
		DNS_DNSMASQ, dir, dir);
}

/* The resolver's folder, its hosts folder and its config, as the record says. 0 or -errno. */
static int dns_prepare(struct op *op, const struct nsnet_network *net, const char *conf, struct nsnet_err *err)
{
	char dir[PATH_MAX], path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", op->st.dir, DNS_DIR);
	dns_dir(&op->st, net->name, NULL, dir, sizeof(dir));
	if ((mkdir(path, 0700) < 0 && errno != EEXIST) || (mkdir(dir, 0700) < 0 && errno != EEXIST))
		return nsnet_err_set(err, errno, "%s: %s", dir, strerror(errno));
	dns_dir(&op->st, net->name, "hosts", path, sizeof(path));
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return nsnet_err_set(err, errno, "%s: %s", path, strerror(errno));
	dns_dir(&op->st, net->name, "dnsmasq.conf", path, sizeof(path));
	return dns_write(dir, path, conf, err);
}

int dns_start(struct op *op, const struct nsnet_network *net, struct nsnet_err *err)
{
	struct strbuf conf = { 0 };
	struct daemon_id id;
	int r;

	if (!net->dns)
		return 0;
	dns_conf_render(&op->st, net, &conf);
	if (conf.oom) {
		strbuf_free(&conf);
		return nsnet_err_set(err, ENOMEM, "out of memory");
	}
	dns_echo_start(op, net, strbuf_str(&conf));
	if (op->opts->dry_run) {
		strbuf_free(&conf);
		return dns_port_check(net, err);
	}
	if ((r = op_push(op, UNDO_DNS_STOP, net->name, "", NULL, NULL, err)) < 0) {
		strbuf_free(&conf);
		return r;
	}
	if ((r = dns_prepare(op, net, strbuf_str(&conf), err)) < 0)
		goto fail;
	/*
	 * Batch mode: dnsmasq starts at the end (dns_start_pending), from the files in place then,
	 * hosts files included: until then nothing wakes it (each new link's and address's netlink
	 * events, each hosts file), which cost an apply of 200 namespaces on 10 networks some 40 ms
	 * of CPU in the resolvers, next to its own.
	 */
	if (op->batch)
		r = dns_wait_add(op, net, "", "", NULL, err);
	else
		r = dns_run(op, net, &id, true, NULL, err);
	if (r < 0)
		goto fail;
	strbuf_free(&conf);
	op_applied(op);
	return 0;
fail:
	dns_undo_stop(op, net->name, "");
	op_pop(op);
	strbuf_free(&conf);
	return r;
}

int dns_ensure(struct op *op, const struct nsnet_network *net, struct nsnet_err *err)
{
	struct strbuf conf = { 0 };
	struct daemon_id id;
	int r;

	if (!net->dns || op->opts->dry_run)
		return 0;
	if (dns_pid(&op->st, net->name, &id) == 0 && daemon_alive(&id))
		return 0;
	op_note(op->opts, 1, "network %s: the resolver is not running; starting it again", net->name);
	/* Whatever is left of the old one (found by its command line) goes first. */
	dns_undo_stop_process(op, net->name, "");
	/*
	 * One signalled just before (an operation killed after its removals) may still be exiting:
	 * past the point where /proc names its program, it still holds its sockets for a moment.
	 * Bounded: a port someone else holds is refused by the start, as always.
	 */
	size_t sub;
	int proto;

	for (int i = 0; i < DNS_STOP_GRACE_MS && dns_port_probe(net, &sub, &proto) == -EADDRINUSE; i++)
		nanosleep(&(struct timespec){ 0, 1000 * 1000 }, NULL);
	/* Its folder may be gone too (a removal rolled back): made again from the record. */
	dns_conf_render(&op->st, net, &conf);
	r = conf.oom ? nsnet_err_set(err, ENOMEM, "out of memory") : dns_prepare(op, net, strbuf_str(&conf), err);
	strbuf_free(&conf);
	if (r < 0 || (r = dns_run(op, net, &id, false, NULL, err)) < 0)
		return r;
	return 0;
}

/*
 * The resolver processes of @net: the recorded one, @idstr, and any running from its config (a
 * crash may come before its PID is recorded). At most 10 into @out; how many.
 */
static size_t dns_procs(struct op *op, const char *net, const char *idstr, struct daemon_id out[10])
{
	char conf[PATH_MAX + 16];
	pid_t pids[8];
	size_t k = 0;
	int n;

	if (idstr && idstr[0] && daemon_id_parse(idstr, &out[k]) == 0)
		k++;
	if (dns_pid(&op->st, net, &out[k]) == 0)
		k++;
	snprintf(conf, sizeof(conf), "--conf-file=%s/%s/%s/dnsmasq.conf", op->st.dir, DNS_DIR, net);
	n = daemon_find_local(DNS_DNSMASQ, conf, pids, 8);
	for (int i = 0; i < n && k < 10; i++)
		if (daemon_stat(pids[i], &out[k].start, NULL) == 0)
			out[k++].pid = pids[i];
	return k;
}

/* Stop the resolver of @net (dns_procs()), and wait until it is gone. */
static void dns_undo_stop_process(struct op *op, const char *net, const char *idstr)
{
	struct daemon_id ids[10];

	daemon_stop_all(ids, dns_procs(op, net, idstr, ids), DNS_STOP_GRACE_MS);
}

void dns_stops_wait(struct op *op)
{
	if (op->n_dns_stopping)
		daemon_stop_all(op->dns_stopping, op->n_dns_stopping, DNS_STOP_GRACE_MS);
	free(op->dns_stopping);
	op->dns_stopping = NULL;
	op->n_dns_stopping = op->cap_dns_stopping = 0;
}

/* Remove @dir's files and @dir (one level of subfolders: hosts/). */
static void dns_rmtree(const char *dir, int depth)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((e = readdir(d))) {
		struct stat sb;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (lstat(path, &sb) == 0 && S_ISDIR(sb.st_mode) && depth > 0)
			dns_rmtree(path, depth - 1);
		else
			unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

/* The folder of @net's resolver, and the resolvers' folder with the last network's. */
static void dns_files_remove(struct op *op, const char *net)
{
	char dir[PATH_MAX];

	dns_dir(&op->st, net, NULL, dir, sizeof(dir));
	dns_rmtree(dir, 1);
	snprintf(dir, sizeof(dir), "%s/%s", op->st.dir, DNS_DIR);
	rmdir(dir);
}

void dns_undo_stop(struct op *op, const char *net, const char *id)
{
	dns_undo_stop_process(op, net, id);
	dns_files_remove(op, net);
}

int dns_stop(struct op *op, const char *net, struct nsnet_err *err)
{
	char dir[PATH_MAX];
	struct daemon_id id;
	struct stat sb;
	int r;

	/* Batch mode: what was started or written answers before anything goes. */
	if (!op->opts->dry_run && (r = dns_wait_flush(op, err)) < 0)
		return r;
	dns_dir(&op->st, net, NULL, dir, sizeof(dir));
	if (lstat(dir, &sb) < 0)
		return 0;
	/* The PID read when the script runs (a literal PID would differ from run to run). */
	if (dns_pid(&op->st, net, &id) == 0)
		op_echo(op, "kill \"$(cut -d: -f1 %s/pid)\"", dir);
	op_echo(op, "rm -r %s", dir);
	if (op->opts->dry_run)
		return 0;
	/*
	 * Park mode (apply, down): signalled now, waited for with the others at the end or before
	 * the next resolver starts (dns_stops_wait): ten networks' resolvers go in the time of one
	 * (each takes 7-20 ms to exit), not one after another. Its files go now.
	 */
	if (op->park) {
		struct daemon_id ids[10], *slot;
		size_t n = dns_procs(op, net, "", ids);

		for (size_t i = 0; i < n; i++) {
			daemon_signal(&ids[i], SIGTERM);
			if (!(slot = op_array_add(&op->dns_stopping, &op->n_dns_stopping, &op->cap_dns_stopping,
						  sizeof(*slot), 16, NULL)))
				daemon_stop(&ids[i], DNS_STOP_GRACE_MS);	/* no room: waited for here */
			else
				*slot = ids[i];
		}
		dns_files_remove(op, net);
		return 0;
	}
	dns_undo_stop(op, net, "");
	return 0;
}

int dns_host_write(struct op *op, const struct nsnet_network *net, const char *owner, const char *body, char own[64],
		   struct nsnet_err *err)
{
	char dir[PATH_MAX], path[PATH_MAX];
	struct strbuf text = { 0 };
	int r;

	dns_own_name(own);
	strbuf_printf(&text, "0.0.0.0 %s\n%s", own, body);
	if (text.oom) {
		strbuf_free(&text);
		return nsnet_err_set(err, ENOMEM, "out of memory");
	}
	dns_dir(&op->st, net->name, NULL, dir, sizeof(dir));
	dns_host_path(&op->st, net->name, owner, path, sizeof(path));
	r = dns_write(dir, path, strbuf_str(&text), err);
	strbuf_free(&text);
	return r;
}

int dns_host_put(struct op *op, const struct nsnet_network *net, const char *owner, bool cni,
		 const struct nsnet_attachment *att, const struct nsnet_addr *addrs, size_t n_addrs,
		 struct dns_pending *pend, struct nsnet_err *err)
{
	struct dns_pending now = { .fd = -1 };
	char path[PATH_MAX];
	struct strbuf body = { 0 };
	int r = 0;

	if (!net->dns)
		return 0;
	/* A resolver this operation started (batch mode) runs: its wait is still to come. */
	if (!dns_wait_started(op, net->name) && (r = dns_ensure(op, net, err)) < 0)
		return r;
	dns_host_render(net, owner, cni, att, addrs, n_addrs, &body);
	if (body.oom) {
		r = nsnet_err_set(err, ENOMEM, "out of memory");
		goto out;
	}
	/*
	 * No name to answer (a CNI container without aliases: dns_host_render() gives it none): no
	 * file, so nothing for dnsmasq to read and no answer to wait for. check and gc take a missing
	 * file for an empty one (dns_check.c); DEL finds none to remove.
	 */
	if (!strbuf_str(&body)[0])
		goto out;
	dns_host_path(&op->st, net->name, owner, path, sizeof(path));
	op_echo(op, "printf '%%s' '%s' > %s", strbuf_str(&body), path);
	if (op->opts->dry_run)
		goto out;
	if ((r = op_push(op, UNDO_DNS_HOST, net->name, owner, NULL, NULL, err)) < 0)
		goto out;
	if (!pend)
		pend = &now;
	/*
	 * When the command returns, the name resolves: the query for the file's own name goes out as
	 * soon as the file is in place (its socket is made before, so that dnsmasq, woken by the
	 * rename, mostly finds the query there too and wakes once), its answer is read by
	 * dns_host_confirm() (at once without @pend).
	 */
	pend->server = net->gateway[0];
	snprintf(pend->net, sizeof(pend->net), "%s", net->name);
	snprintf(pend->owner, sizeof(pend->owner), "%s", owner);
	pend->fd = op->batch ? -1 : dns_socket(&pend->server);	/* batch mode asks at the end */
	if ((r = dns_host_write(op, net, owner, strbuf_str(&body), pend->own, err)) < 0) {
		dns_pending_drop(pend);
		op_pop(op);
		goto out;
	}
	op_applied(op);
	/* When the command returns, the name resolves (batch mode: asked when the operation ends). */
	if (op->batch) {
		r = dns_wait_add(op, net, owner, pend->own, NULL, err);
		dns_pending_drop(pend);
	} else {
		if (pend->fd >= 0 && dns_send(pend->fd, pend->own, 1, &pend->id) < 0) {
			close(pend->fd);
			pend->fd = -1;
		}
		if (pend == &now)
			r = dns_host_confirm(&now, err);
	}
out:
	strbuf_free(&body);
	return r;
}

int dns_host_confirm(struct dns_pending *pend, struct nsnet_err *err)
{
	int r = -EAGAIN;

	if (!pend->own[0])
		return 0;
	if (pend->fd >= 0)
		r = dns_answer(pend->fd, pend->id, 200, true);
	/* No answer with the name yet (dnsmasq answered before it read the file): ask until it does. */
	if (r <= 0)
		r = dns_confirm(&pend->server, pend->own, true, NULL);
	dns_pending_drop(pend);
	return r < 0 ? nsnet_err_set(err, -r, "network %s: the resolver does not answer the names of %s", pend->net,
				     pend->owner) : 0;
}

void dns_pending_drop(struct dns_pending *pend)
{
	if (pend->fd >= 0)
		close(pend->fd);
	pend->fd = -1;
	pend->own[0] = '\0';
}

void dns_undo_host(struct op *op, const char *net, const char *owner)
{
	char path[PATH_MAX];

	dns_host_path(&op->st, net, owner, path, sizeof(path));
	unlink(path);
}

int dns_host_del(struct op *op, const struct nsnet_network *net, const char *owner, struct nsnet_err *err)
{
	char path[PATH_MAX], own[64];
	struct strbuf text = { 0 };
	bool confirm, names;
	int r;

	if (!net->dns)
		return 0;
	if (!op->opts->dry_run && (r = dns_wait_flush(op, err)) < 0)
		return r;
	dns_host_path(&op->st, net->name, owner, path, sizeof(path));
	if (dns_slurp(path, &text) < 0) {
		strbuf_free(&text);
		return 0;
	}
	confirm = dns_own_of(strbuf_str(&text), own) == 0;
	/*
	 * A file that holds only its own name (a CNI container without aliases: dns_host_render()
	 * gives it none) takes no name that resolves with it: nothing to wait for, and no resolver
	 * to make sure of. Waiting for dnsmasq's NXDOMAIN was a tenth to half a millisecond of DEL.
	 */
	names = strchr(strbuf_str(&text), '\n') && strchr(strbuf_str(&text), '\n')[1];
	strbuf_free(&text);
	op_echo(op, "rm %s", path);
	if (op->opts->dry_run)
		return 0;
	if (!names) {
		unlink(path);
		return 0;
	}
	if ((r = dns_ensure(op, net, err)) < 0) {
		/* Removing names of a network whose resolver cannot run: the file goes all the same. */
		op_note(op->opts, 0, "warning: %s", err->msg);
		nsnet_err_clear(err);
		confirm = false;
	}
	unlink(path);
	if (confirm && (r = dns_confirm(&net->gateway[0], own, false, NULL)) < 0)
		op_note(op->opts, 0, "warning: network %s: the resolver still answers the names of %s", net->name, owner);
	return 0;
}
