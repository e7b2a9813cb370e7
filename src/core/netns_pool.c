// SPDX-License-Identifier: MIT
// Apply's namespace pool: network namespaces made ahead on a thread of their own, named in turn by op_netns_add().
/*
 * Theory of operation. Making a network namespace is the largest single piece of kernel work of
 * an apply (setup_net: every subsystem's per-namespace state, about 0.3 ms each), and it needs
 * nothing of the operation. So in batch mode a thread makes them ahead (netns_new_unnamed(): a
 * new namespace and an fd of it, a netlink socket opened inside it, lo set up), on the other CPU,
 * while the operation's thread makes links, rules and records. Such a namespace has no name:
 * nothing of it persists until op_netns_add() binds it to /run/netns/NAME, a step like any other,
 * its undo journaled first. So a kill leaves nothing of the pool behind (the namespaces die with
 * the process's fds), a rollback has nothing of it to undo, and op_netns_pool_stop() (op_end,
 * op_rollback) closes what was not used. At most POOL_AHEAD wait at once. The thread touches
 * nothing of the operation; one that fails stops, and op_netns_add() then makes the namespaces
 * itself (and reports the kernel's error, if it fails again).
 */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/op.h"
#include "kernel/link.h"
#include "kernel/netns.h"

#define POOL_AHEAD 16

struct pool_slot {
	int fd;
	struct nl nl;
};

struct netns_pool {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	size_t want, made, taken;	/* made - taken wait in slot[] (a ring) */
	bool stop, done;
	struct pool_slot slot[POOL_AHEAD];
};

/* One namespace: its fd, a netlink socket in it, lo up. 0 or -errno (nothing left open). */
static int pool_make(struct pool_slot *s)
{
	struct nsnet_err e = { 0 };
	int r;

	if ((s->fd = netns_new_unnamed(&e)) < 0)
		return s->fd;
	if ((r = nl_open(&s->nl, -1, &e)) == 0 && (r = link_set_up(&s->nl, "lo", &e)) < 0)
		nl_close(&s->nl);
	if (r < 0)
		close(s->fd);
	return r;
}

static void *pool_main(void *arg)
{
	struct netns_pool *p = arg;

	pthread_mutex_lock(&p->mu);
	while (!p->stop && p->made < p->want) {
		struct pool_slot s;
		int r;

		if (p->made - p->taken >= POOL_AHEAD) {
			pthread_cond_wait(&p->cv, &p->mu);
			continue;
		}
		pthread_mutex_unlock(&p->mu);
		r = pool_make(&s);
		pthread_mutex_lock(&p->mu);
		if (r < 0)
			break;
		p->slot[p->made++ % POOL_AHEAD] = s;
		pthread_cond_broadcast(&p->cv);
	}
	p->done = true;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

void op_netns_pool_start(struct op *op, size_t n)
{
	struct netns_pool *p;

	if (!op->batch || op->opts->dry_run || op->pool || n < 2 || !(p = calloc(1, sizeof(*p))))
		return;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	p->want = n;
	if (!op_thread_start(&p->thread, pool_main, p)) {
		pthread_cond_destroy(&p->cv);
		pthread_mutex_destroy(&p->mu);
		free(p);
		return;
	}
	op->pool = p;
}

bool op_netns_pool_take(struct op *op, int *fd, struct nl *nl)
{
	struct netns_pool *p = op->pool;
	bool ok;

	if (!p)
		return false;
	pthread_mutex_lock(&p->mu);
	while (!p->done && p->taken == p->made)
		pthread_cond_wait(&p->cv, &p->mu);
	if ((ok = p->taken < p->made)) {
		const struct pool_slot *s = &p->slot[p->taken++ % POOL_AHEAD];

		*fd = s->fd;
		*nl = s->nl;
		pthread_cond_broadcast(&p->cv);
	}
	pthread_mutex_unlock(&p->mu);
	return ok;
}

void op_netns_pool_stop(struct op *op)
{
	struct netns_pool *p = op->pool;

	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = true;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	pthread_join(p->thread, NULL);
	for (; p->taken < p->made; p->taken++) {
		struct pool_slot *s = &p->slot[p->taken % POOL_AHEAD];

		nl_close(&s->nl);
		close(s->fd);
	}
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	free(p);
	op->pool = NULL;
}
