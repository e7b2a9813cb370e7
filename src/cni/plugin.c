// SPDX-License-Identifier: MIT
// nsnet as a CNI plugin: read the request, run the verb through the core, print the answer.
#include "cni/cni.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state/store.h"

#define CNI_STDIN_MAX (4 << 20)

static const char *cni_getenv(const char *name)
{
	return getenv(name);
}

/* The whole of stdin (at most CNI_STDIN_MAX bytes). Returns 0 or -1 with @e. */
static int cni_read_stdin(char **out, size_t *len, struct cni_error *e)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);

	if (!buf)
		return cni_fail(e, CNI_ERR_INTERNAL, "out of memory");
	for (;;) {
		ssize_t r;

		if (n == cap) {
			char *b;

			if (cap >= CNI_STDIN_MAX) {
				free(buf);
				return cni_fail(e, CNI_ERR_DECODE, "configuration on stdin is larger than %d bytes", CNI_STDIN_MAX);
			}
			if (!(b = realloc(buf, cap * 2))) {
				free(buf);
				return cni_fail(e, CNI_ERR_INTERNAL, "out of memory");
			}
			buf = b;
			cap *= 2;
		}
		r = read(0, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(buf);
			return cni_fail(e, CNI_ERR_IO, "read stdin: %s", strerror(errno));
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*out = buf;
	*len = n;
	return 0;
}

/*
 * The runtime's CNI_NETNS must be another network namespace than the plugin's own: ADD into
 * /proc/self/ns/net (or any path to the same namespace) would put the container's interface,
 * address and default route on the host. Compared by nsfs identity (device and inode), before
 * the core is called (nsnet as the interface plugin only: as an IPAM plugin it touches no
 * namespace). A path that leads nowhere is left to the core (its own error, or DEL's "already
 * gone"). Returns 0 or -1 with @e (code 4).
 */
static int cni_netns_not_self(const struct cni_env *env, struct cni_error *e)
{
	struct stat self, ns;

	if (!env->netns || !*env->netns || stat(env->netns, &ns) < 0)
		return 0;
	if (stat("/proc/self/ns/net", &self) < 0)
		return cni_fail(e, CNI_ERR_ENV, "CNI_NETNS '%.64s': cannot compare with the plugin's own namespace: %s",
				env->netns, strerror(errno));
	if (ns.st_dev == self.st_dev && ns.st_ino == self.st_ino)
		return cni_fail(e, CNI_ERR_ENV, "CNI_NETNS '%.64s' is the plugin's own network namespace (the host's), not a container's",
				env->netns);
	return 0;
}

/* NSNET_WAIT (seconds) or STATE_WAIT_CNI for the state dir's lock. Returns 0 or -1 with @e (code 4). */
static int cni_wait(struct cni_error *e)
{
	const char *w = getenv("NSNET_WAIT");
	struct nsnet_err err;
	unsigned int sec = STATE_WAIT_CNI;

	if (w && state_wait_parse(w, &sec, &err) < 0)
		return cni_fail(e, CNI_ERR_ENV, "NSNET_WAIT: %s", err.msg);
	state_lock_wait_set(sec);
	return 0;
}

/* A core failure as a CNI error: the code says what kind of trouble, the message says which. */
static int cni_core_fail(struct cni_error *e, int r, const struct nsnet_err *err)
{
	int code;

	switch (-r) {
	case EINVAL:
	case EEXIST:		/* a network of that name differs, a subnet overlaps, a bridge is taken */
		code = CNI_ERR_CONFIG;
		break;
	case ENOTNAM:		/* CNI_NETNS leads to no network namespace */
		code = CNI_ERR_ENV;
		break;
	case EAGAIN:
	case EBUSY:
	case EINTR:
	case ETIMEDOUT:
		code = CNI_ERR_AGAIN;
		break;
	case EACCES:
	case EROFS:
	case EPERM:
	case EIO:
		code = CNI_ERR_IO;
		break;
	default:
		code = CNI_ERR_INTERNAL;
	}
	return cni_fail(e, code, "%s", err->msg[0] ? err->msg : strerror(-r));
}

/*
 * The protocol's output, the only place the CNI front end writes: a result (consumed: @j NULL is
 * out of memory, -1) on stdout for the runtime.
 */
static int cni_output_result(json_t *j)
{
	if (!j)
		return -1;
	json_dumpf(j, stdout, JSON_INDENT(2));
	fputc('\n', stdout);
	json_decref(j);
	return 0;
}

/* ... and an error: its JSON on stdout for the runtime, one line on stderr for its log. */
static void cni_output_error(const char *version, const struct cni_error *e)
{
	json_t *j = cni_error_json(version, e);

	if (j) {
		json_dumpf(j, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(j);
	}
	fprintf(stderr, "nsnet: CNI %.16s: %s\n", getenv("CNI_COMMAND") ? getenv("CNI_COMMAND") : "?", e->msg);
}

/* ADD of nsnet as the interface plugin, with its delegated IPAM around it. */
static int cni_add(const struct nsnet_opts *o, struct cni_conf *c, const struct cni_env *env, const char *text,
		   size_t len, struct cni_error *e)
{
	struct sandbox_result res;
	struct nsnet_err err = { 0 };
	json_t *ipam = NULL;
	int r;

	if (c->ipam_type) {
		if (cni_delegate(env, c->ipam_type, "ADD", text, len, &ipam, e) < 0)
			return -1;
		if (cni_take_ipam_result(c, ipam, e) < 0)
			goto undo;
	}
	r = core_sandbox_add(o, &c->sb, &res, &err);
	if (r < 0) {
		cni_core_fail(e, r, &err);
		goto undo;
	}
	json_decref(ipam);
	return cni_output_result(cni_result(c, env, &res)) < 0 ? cni_fail(e, CNI_ERR_INTERNAL, "out of memory") : 0;
undo:
	/* SPEC.md: an IPAM plugin's ADD is undone by its DEL when the interface plugin fails later. */
	if (c->ipam_type) {
		struct cni_error ignored;

		cni_delegate(env, c->ipam_type, "DEL", text, len, NULL, &ignored);
	}
	json_decref(ipam);
	return -1;
}

static int cni_plugin(const struct nsnet_opts *o, struct cni_conf *c, const struct cni_env *env, const char *text,
		      size_t len, struct cni_error *e)
{
	struct nsnet_err err = { 0 };
	int r = 0;

	switch (env->cmd) {
	case CNI_CMD_ADD:
		return cni_add(o, c, env, text, len, e);
	case CNI_CMD_DEL:
		r = core_sandbox_del(o, env->cid, env->ifname, c->sb.net.name, &err);
		if (r < 0)
			cni_core_fail(e, r, &err);
		/* The delegate's DEL runs even when ours failed: it holds its own leases. */
		if (c->ipam_type) {
			struct cni_error e2;

			if (cni_delegate(env, c->ipam_type, "DEL", text, len, NULL, &e2) < 0 && r == 0) {
				*e = e2;
				r = -1;
			}
		}
		return r < 0 ? -1 : 0;
	case CNI_CMD_CHECK: {
		struct sandbox_result res;

		r = core_sandbox_check(o, env->cid, env->ifname, env->netns, c->name, &res, &err);
		if (r == -ENOENT)
			return cni_fail(e, CNI_ERR_UNKNOWN, "%s", err.msg);
		if (r < 0)
			return cni_core_fail(e, r, &err);
		if (cni_check_prev(json_object_get(c->root, "prevResult"), env, &res, e) < 0)
			return -1;
		return c->ipam_type ? cni_delegate(env, c->ipam_type, "CHECK", text, len, NULL, e) : 0;
	}
	case CNI_CMD_GC:
		r = core_sandbox_gc(o, c->name, c->valid, c->n_valid, &err);
		if (r < 0)
			cni_core_fail(e, r, &err);
		if (c->ipam_type) {
			struct cni_error e2;

			if (cni_delegate(env, c->ipam_type, "GC", text, len, NULL, &e2) < 0 && r >= 0) {
				*e = e2;
				r = -1;
			}
		}
		return r < 0 ? -1 : 0;
	case CNI_CMD_STATUS:
		r = core_sandbox_status(o, &c->sb.net, &err);
		if (r < 0)
			return cni_fail(e, r == -ENETDOWN ? CNI_ERR_LIMITED : CNI_ERR_UNAVAILABLE, "%s", err.msg);
		return c->ipam_type ? cni_delegate(env, c->ipam_type, "STATUS", text, len, NULL, e) : 0;
	case CNI_CMD_VERSION:
		break;
	}
	return 0;
}

/* nsnet as the IPAM plugin of another plugin. */
static int cni_ipam(const struct nsnet_opts *o, struct cni_conf *c, const struct cni_env *env, struct cni_error *e)
{
	struct sandbox_result res;
	struct nsnet_err err = { 0 };
	int r = 0;

	switch (env->cmd) {
	case CNI_CMD_ADD:
		r = core_pool_add(o, &c->pool, env->cid, env->ifname, &res, &err);
		if (r < 0)
			return cni_core_fail(e, r, &err);
		return cni_output_result(cni_ipam_result(c, &res)) < 0 ? cni_fail(e, CNI_ERR_INTERNAL, "out of memory") : 0;
	case CNI_CMD_DEL:
		r = core_pool_del(o, c->name, env->cid, env->ifname, &err);
		break;
	case CNI_CMD_CHECK:
		r = core_pool_check(o, c->name, env->cid, env->ifname, &err);
		if (r == -ENOENT)
			return cni_fail(e, CNI_ERR_UNKNOWN, "%s", err.msg);
		break;
	case CNI_CMD_GC:
		r = core_pool_gc(o, c->name, c->valid, c->n_valid, &err);
		break;
	case CNI_CMD_STATUS:
		r = core_pool_status(o, &c->pool, &err);
		if (r < 0)
			return cni_fail(e, CNI_ERR_UNAVAILABLE, "%s", err.msg);
		break;
	case CNI_CMD_VERSION:
		break;
	}
	return r < 0 ? cni_core_fail(e, r, &err) : 0;
}

int cni_main(const struct nsnet_opts *o)
{
	struct cni_error e = { 0 };
	struct cni_env env;
	struct cni_conf c = { 0 };
	char *text = NULL;
	size_t len = 0;
	int r;

	r = cni_env_read(cni_getenv, &env, &e);
	if (r == 0)
		r = cni_wait(&e);
	if (r == 0)
		r = cni_read_stdin(&text, &len, &e);
	/* VERSION with nothing on stdin (a person probing, some tools): answer in the newest. */
	if (r == 0 && env.cmd == CNI_CMD_VERSION && strspn(text ? text : "", " \t\r\n") == len) {
		if (cni_output_result(cni_version_result(NULL)) < 0)
			r = cni_fail(&e, CNI_ERR_INTERNAL, "out of memory");
		goto out;
	}
	if (r == 0)
		r = cni_conf_parse(text, len, &env, &c, &e);
	if (r == 0 && env.cmd == CNI_CMD_VERSION) {
		/* Engines call VERSION before every ADD and DEL: no state dir, no firewall, just this. */
		if (cni_output_result(cni_version_result(c.version)) < 0)
			r = cni_fail(&e, CNI_ERR_INTERNAL, "out of memory");
	} else if (r == 0) {
		/* As the IPAM plugin nsnet touches no namespace: only the interface plugin checks CNI_NETNS. */
		if (c.mode == CNI_MODE_PLUGIN &&
		    (env.cmd == CNI_CMD_ADD || env.cmd == CNI_CMD_CHECK || env.cmd == CNI_CMD_DEL))
			r = cni_netns_not_self(&env, &e);
		if (r == 0)
			r = c.mode == CNI_MODE_PLUGIN ? cni_plugin(o, &c, &env, text, len, &e) : cni_ipam(o, &c, &env, &e);
	}
	if (r < 0)
		cni_output_error(c.version, &e);
out:
	fflush(stdout);
	cni_conf_free(&c);
	free(text);
	return r < 0 ? 1 : 0;
}
