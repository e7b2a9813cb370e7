// SPDX-License-Identifier: MIT
// The overlay agent: keeps this host's liveness lease alive and the peers of every overlay network current.
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/daemon.h"
#include "core/overlay.h"
#include "core/records.h"
#include "kernel/link.h"
#include "util/names.h"

/*
 * Theory of operation (docs/overlay.md). One agent per state dir serves every overlay network in
 * it. Each round, per network: renew the liveness lease (gone, because etcd expired it while this
 * host was cut off: grant a new one, announce again and take the block back), renew the block's
 * long lease now and then, list the live hosts and make the kernel's peers exactly those
 * (overlay_peers_sync), then watch the hosts' keys from the listing's revision until something
 * changes or a third of the TTL has passed. A store that does not answer changes nothing in the
 * kernel: the data plane keeps the last known peers while the agent retries with backoff. With
 * no overlay network left in the state dir the agent exits.
 */

#define AGENT_STOP_GRACE_MS 2000
#define AGENT_BLOCK_RENEW_S 600
#define AGENT_BACKOFF_MAX_S 3

struct agent_net {
	char name[NSNET_NAME_MAX + 1];
	struct etcd *e;
	int64_t lease, block_lease;
	time_t block_renewed;
	int failures;
	bool seen;
	bool filtered;	/* its VXLAN filter was written since this agent started, */
	unsigned int filter_hash;	/* with these peers */
};

static volatile sig_atomic_t agent_quit;

static void agent_on_signal(int sig)
{
	(void)sig;
	agent_quit = 1;
}

static void agent_path(const struct state *st, const char *file, char *out, size_t len)
{
	snprintf(out, len, "%s/%s%s%s", st->dir, OVERLAY_DIR, file ? "/" : "", file ? file : "");
}

static int agent_pid(const struct state *st, struct daemon_id *id)
{
	char path[PATH_MAX];

	agent_path(st, "agent.pid", path, sizeof(path));
	return daemon_id_read(path, id);
}

int overlay_agent_ensure(struct op *op, struct nsnet_err *err)
{
	char exe[PATH_MAX], dir[PATH_MAX], path[PATH_MAX], log[PATH_MAX], idstr[DAEMON_ID_STRLEN + 2];
	char *argv[] = { exe, "--state-dir", (char *)op->st.dir, "agent", NULL };
	struct daemon_id id;
	ssize_t n;
	int fd, r;

	op_echo(op, "setsid nsnet --state-dir %s agent </dev/null >>%s/%s/agent.log 2>&1 &", op->st.dir, op->st.dir,
		OVERLAY_DIR);
	if (op->opts->dry_run || (agent_pid(&op->st, &id) == 0 && daemon_alive(&id)))
		return 0;
	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) <= 0)
		return nsnet_err_set(err, errno, "/proc/self/exe: %s", strerror(errno));
	exe[n] = '\0';
	agent_path(&op->st, NULL, dir, sizeof(dir));
	agent_path(&op->st, "agent.log", log, sizeof(log));
	agent_path(&op->st, "agent.pid", path, sizeof(path));
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return nsnet_err_set(err, errno, "%s: %s", dir, strerror(errno));
	if ((r = daemon_spawn(argv, log, &id, err)) < 0)
		return r;
	snprintf(idstr, sizeof(idstr), "%s\n", daemon_id_str(&id, dir));
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || write(fd, idstr, strlen(idstr)) != (ssize_t)strlen(idstr)) {
		r = nsnet_err_set(err, errno, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		daemon_stop(&id, AGENT_STOP_GRACE_MS);
		return r;
	}
	close(fd);
	op_note(op->opts, 1, "overlay agent started (pid %d)", (int)id.pid);
	return 0;
}

int overlay_agent_keep(struct op *op, const struct nsnet_network *net, struct nsnet_err *err)
{
	struct daemon_id id;

	if (!net->ov.vxlan[0] || op->opts->dry_run || (agent_pid(&op->st, &id) == 0 && daemon_alive(&id)))
		return 0;
	op_note(op->opts, 1, "network %s: the overlay agent is not running; starting it again", net->name);
	return overlay_agent_ensure(op, err);
}

int overlay_agent_keep_named(struct op *op, const char *name, struct nsnet_err *err)
{
	struct nsnet_network net;
	struct daemon_id id;
	int r;

	/* No pid file: no overlay was ever joined from this state dir (or gc's to judge). */
	if (op->opts->dry_run || (r = agent_pid(&op->st, &id)) == -ENOENT || (r == 0 && daemon_alive(&id)))
		return 0;
	if (rec_network_load(op, name, &net, NULL) < 0)
		return 0;
	return overlay_agent_keep(op, &net, err);
}

void overlay_agent_stop(struct op *op)
{
	char path[PATH_MAX];
	struct daemon_id id;

	op_echo(op, "kill $(cut -d: -f1 %s/%s/agent.pid)", op->st.dir, OVERLAY_DIR);
	if (op->opts->dry_run)
		return;
	if (agent_pid(&op->st, &id) == 0)
		daemon_stop(&id, AGENT_STOP_GRACE_MS);
	agent_path(&op->st, "agent.pid", path, sizeof(path));
	unlink(path);
}

int overlay_agent_audit(struct op *op, const struct nsnet_network *nets, int n, bool fix,
			struct nsnet_findings *fs, struct nsnet_err *err)
{
	struct daemon_id id;
	bool any = false, alive;
	int r;

	for (int i = 0; i < n && !any; i++)
		any = nets[i].ov.vxlan[0] != 0;
	alive = agent_pid(&op->st, &id) == 0 && daemon_alive(&id);
	if (any && !alive) {
		findings_add(fs, "agent-dead", NULL, "overlay/agent", fix ? "restarted" : NULL,
			     "the overlay agent is not running: peers are not kept current%s", fix ? "; starting it" : "");
		if (fix && (r = overlay_agent_ensure(op, err)) < 0)
			return r;
		return 1;
	}
	if (!any && alive) {
		findings_add(fs, "agent-stray", NULL, "overlay/agent", fix ? "stopped" : NULL,
			     "the overlay agent runs with no overlay network recorded%s", fix ? "; stopping it" : "");
		if (fix)
			overlay_agent_stop(op);
		return 1;
	}
	return 0;
}

/* Record this process as the state dir's agent, unless another one runs: -EALREADY. */
static int agent_register(const struct nsnet_opts *o, struct nsnet_err *err)
{
	char dir[PATH_MAX], path[PATH_MAX], text[DAEMON_ID_STRLEN + 2];
	struct daemon_id id, me = { .pid = getpid() };
	struct op op;
	int fd, r;

	if ((r = op_begin(&op, o, false, err)) < 0)
		return r;
	if (agent_pid(&op.st, &id) == 0 && id.pid != me.pid && daemon_alive(&id)) {
		op_end(&op);
		return nsnet_err_set(err, EALREADY, "an overlay agent already runs for %s (PID %d)", o->state_dir,
				     (int)id.pid);
	}
	agent_path(&op.st, NULL, dir, sizeof(dir));
	agent_path(&op.st, "agent.pid", path, sizeof(path));
	op_end(&op);
	if (daemon_stat(me.pid, &me.start, NULL) < 0)
		return nsnet_err_set(err, EIO, "/proc/self/stat: cannot read the start time");
	{
		char idstr[DAEMON_ID_STRLEN];

		snprintf(text, sizeof(text), "%s\n", daemon_id_str(&me, idstr));
	}
	if ((mkdir(dir, 0700) < 0 && errno != EEXIST) ||
	    (fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0)
		return nsnet_err_set(err, errno, "%s: %s", path, strerror(errno));
	r = write(fd, text, strlen(text)) == (ssize_t)strlen(text) ? 0 : -EIO;
	close(fd);
	return r < 0 ? nsnet_err_set(err, EIO, "%s: write failed", path) : 0;
}

/* The liveness lease and the block, (re)made when etcd has none of ours. */
static int agent_announce(struct agent_net *a, const struct nsnet_network *net, const struct overlay_def *d,
			  unsigned int ttl, struct nsnet_err *err)
{
	struct overlay_host self = { .vtep = net->ov.local };
	struct nsnet_prefix block;
	char b1[NSNET_PREFIX_STRLEN], b2[NSNET_PREFIX_STRLEN];
	int r;

	overlay_host_id(&net->ov, self.id, sizeof(self.id));
	if ((r = etcd_lease_grant(a->e, OVERLAY_BLOCK_TTL, &a->block_lease, err)) < 0 ||
	    (r = overlay_block_claim(a->e, d, self.id, a->block_lease, &block, err)) < 0)
		return r;
	a->block_renewed = time(NULL);
	if (block.len != net->subnet[0].len || !nsnet_addr_equal(&block.addr, &net->subnet[0].addr)) {
		/* Someone took this host's block while its lease was gone: not ours to use. */
		overlay_block_release(a->e, d, self.id, &block, err);
		return nsnet_err_set(err, EADDRINUSE, "network %s: block %s is held by another host now (got %s)",
				     net->name, nsnet_prefix_str(&net->subnet[0], b1), nsnet_prefix_str(&block, b2));
	}
	self.block = block;
	overlay_mac(&block.addr, self.mac);
	if ((r = etcd_lease_grant(a->e, (int)ttl, &a->lease, err)) < 0 ||
	    (r = overlay_host_announce(a->e, d, &self, a->lease, err)) < 0) {
		a->lease = 0;
		return r;
	}
	return 0;
}

static int agent_watch_cb(void *ctx, const struct etcd_event *ev, int64_t revision)
{
	(void)ctx, (void)ev, (void)revision;
	return 1;	/* something changed: list again */
}

/* One round for one network: leases, peers, then wait for a change (at most @wait_ms). */
static int agent_round(const struct nsnet_opts *o, struct state *st, struct agent_net *a,
		       const struct nsnet_network *net, unsigned int ttl, long wait_ms, struct nl *nl,
		       struct nsnet_err *err)
{
	struct overlay_def d;
	struct overlay_host *hosts = NULL;
	char prefix[OVERLAY_KEY_MAX];
	struct link_info li;
	struct op op;
	struct nsnet_err ef = { 0 };
	struct nsnet_addr *peers;
	bool locked;
	size_t n = 0, skipped = 0;
	int64_t rev, next;
	int left, r, rf = 0;

	overlay_def_of(net->name, &net->ov, &d);
	if (!a->e && (r = overlay_store_open(st, net->name, &net->ov, &a->e, err)) < 0)
		return r;
	if (a->lease && (r = etcd_lease_keepalive(a->e, a->lease, &left, err)) < 0) {
		if (r != -ENOENT)
			return r;
		op_note(o, 0, "network %s: this host's liveness lease expired; announcing it again", net->name);
		a->lease = 0;
	}
	if (!a->lease && (r = agent_announce(a, net, &d, ttl, err)) < 0)
		return r;
	if (time(NULL) - a->block_renewed > AGENT_BLOCK_RENEW_S &&
	    etcd_lease_keepalive(a->e, a->block_lease, &left, err) == 0)
		a->block_renewed = time(NULL);
	if ((r = overlay_hosts_list(a->e, &d, &hosts, &n, &skipped, &rev, err)) < 0)
		return r;
	/*
	 * The VXLAN filter and the kernel's peers change under the state dir's lock, so gc (which
	 * rebuilds the filter from the FDB) and operations see them agree. The filter goes first,
	 * so a new peer is accepted by the time this host sends to it; it is written whole when the
	 * peers differ from what this agent last wrote, and once at start: whatever a crash or kill
	 * left, it converges. Without the lock (an operation holds it too long) the peers still
	 * follow the store and the filter waits for a later round.
	 */
	locked = op_begin(&op, o, true, err) == 0;
	if (!locked) {
		op_note(o, 0, "network %s: %s (the VXLAN filter waits for the next round)", net->name, err->msg);
		nsnet_err_clear(err);
	} else if ((peers = calloc(OVERLAY_PEERS_MAX, sizeof(*peers)))) {
		size_t np = overlay_hosts_peers(&net->ov, &net->subnet[0], hosts, n, peers);
		unsigned int h = names_hash(NAMES_FNV_INIT, peers, np * sizeof(*peers));

		if (!a->filtered || h != a->filter_hash) {
			a->filtered = false;
			if ((rf = overlay_filter_write(&op, net, peers, np, &ef)) == 0) {
				a->filtered = true;
				a->filter_hash = h;
			}
		}
		free(peers);
	}
	r = link_get(nl, net->ov.vxlan, &li, err);
	if (r == 0 && (r = overlay_peers_sync(nl, li.ifindex, &net->ov, &net->subnet[0], hosts, n, err)) > 0)
		op_note(o, 0, "network %s: %d peer change(s), %zu live host(s)", net->name, r, n);
	if (locked)
		op_end(&op);
	if (r >= 0 && rf < 0) {
		*err = ef;
		r = rf;
	}
	free(hosts);
	if (r < 0)
		return r;
	overlay_key(prefix, &d, "hosts/");
	r = etcd_watch(a->e, prefix, rev + 1, wait_ms, agent_watch_cb, NULL, &next, err);
	return r == -ERANGE || r > 0 ? 0 : r;	/* compacted: the next round lists again anyway */
}

int core_agent_run(const struct nsnet_opts *o, unsigned int ttl_override, struct nsnet_err *err)
{
	struct agent_net nets[32] = { 0 };
	struct state st = { .lock_fd = -1 };
	size_t n_agent = 0;
	struct nl nl;
	int r;

	if ((r = agent_register(o, err)) < 0)
		return r;
	signal(SIGTERM, agent_on_signal);
	signal(SIGINT, agent_on_signal);
	if ((r = nl_open(&nl, -1, err)) < 0)
		return r;
	while (!agent_quit) {
		struct nsnet_network *all = NULL;
		struct op op;
		int n, overlays = 0, failed = 0, skipped = 0;

		if ((r = op_begin(&op, o, false, err)) < 0)
			break;
		op.skip_broken = true;
		n = rec_networks_load(&op, &all, err);
		/* Its dir only (no lock): where a store password nsnet keeps is read from. */
		snprintf(st.dir, sizeof(st.dir), "%s", op.st.dir);
		op_end(&op);
		if (n < 0) {
			r = n;
			break;
		}
		for (size_t k = 0; k < n_agent; k++)
			nets[k].seen = false;
		for (int i = 0; i < n && !agent_quit; i++) {
			struct agent_net *a = NULL;
			unsigned int ttl;

			if (!all[i].ov.vxlan[0])
				continue;
			overlays++;
			ttl = ttl_override ? ttl_override : all[i].ov.ttl;
			for (size_t k = 0; k < n_agent && !a; k++)
				if (!strcmp(nets[k].name, all[i].name))
					a = &nets[k];
			if (!a && n_agent < sizeof(nets) / sizeof(nets[0])) {
				a = &nets[n_agent++];
				snprintf(a->name, sizeof(a->name), "%s", all[i].name);
			}
			if (!a)
				continue;
			a->seen = true;
			if (a->failures && a->failures-- > 1) {	/* backing off: skip this round */
				skipped++;
				continue;
			}
			if (agent_round(o, &st, a, &all[i], ttl, (long)ttl * 1000 / 3 / (n > 0 ? n : 1), &nl, err) < 0) {
				op_note(o, 0, "network %s: %s (keeping the last known peers, retrying)", all[i].name,
					err->msg);
				nsnet_err_clear(err);
				a->failures = AGENT_BACKOFF_MAX_S;
				failed++;
			}
		}
		free(all);
		/* Networks removed since: forget their connection. */
		for (size_t k = 0; k < n_agent;) {
			if (nets[k].seen) {
				k++;
				continue;
			}
			etcd_close(nets[k].e);
			nets[k] = nets[--n_agent];
		}
		if (!overlays) {
			r = 0;
			break;
		}
		if (failed || skipped)
			sleep(1);
	}
	for (size_t k = 0; k < n_agent; k++)
		etcd_close(nets[k].e);
	nl_close(&nl);
	return agent_quit ? 0 : r;
}
