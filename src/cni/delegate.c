// SPDX-License-Identifier: MIT
// Delegated IPAM: run the IPAM plugin named in ipam.type as the runtime would, and read its answer.
#include "cni/cni.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define DELEGATE_OUT_MAX (1 << 20)

extern char **environ;

/* The first executable @type in the ':'-separated @path. */
static int delegate_find(const char *path, const char *type, char *out, size_t len)
{
	const char *p = path;

	while (*p) {
		size_t n = strcspn(p, ":");

		if (n) {
			snprintf(out, len, "%.*s/%s", (int)n, p, type);
			if (access(out, X_OK) == 0)
				return 0;
		}
		p += n + (p[n] == ':');
	}
	return -1;
}

/* environ with CNI_COMMAND=@cmd (the runtime's ADD may need a DEL of the delegate). */
static char **delegate_env(const char *cmd)
{
	size_t n = 0, k = 0;
	char **env;

	while (environ[n])
		n++;
	env = calloc(n + 2, sizeof(*env));
	if (!env)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "CNI_COMMAND=", 12))
			env[k++] = environ[i];
	if (asprintf(&env[k], "CNI_COMMAND=%s", cmd) < 0) {
		free(env);
		return NULL;
	}
	return env;
}

int cni_delegate(const struct cni_env *env, const char *type, const char *cmd, const char *conf, size_t len,
		 json_t **out, struct cni_error *e)
{
	char exe[PATH_MAX], *buf = NULL, **envp;
	int in[2] = { -1, -1 }, outp[2] = { -1, -1 }, status = 0, r = -1;
	size_t got = 0;
	json_t *j = NULL;
	pid_t pid;

	if (out)
		*out = NULL;
	if (delegate_find(env->path ? env->path : "", type, exe, sizeof(exe)) < 0)
		return cni_fail(e, CNI_ERR_CONFIG, "ipam.type %s: no such plugin in CNI_PATH (%.200s)", type,
				env->path ? env->path : "");
	if (!(envp = delegate_env(cmd)))
		return cni_fail(e, CNI_ERR_INTERNAL, "out of memory");
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(outp, O_CLOEXEC) < 0 || !(buf = malloc(DELEGATE_OUT_MAX + 1))) {
		cni_fail(e, CNI_ERR_IO, "IPAM plugin %s: %s", type, strerror(errno));
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		cni_fail(e, CNI_ERR_IO, "IPAM plugin %s: fork: %s", type, strerror(errno));
		goto out;
	}
	if (pid == 0) {
		/* Its stderr is ours: the runtime logs it. */
		if (dup2(in[0], 0) < 0 || dup2(outp[1], 1) < 0)
			_exit(127);
		execve(exe, (char *[]){ exe, NULL }, envp);
		_exit(127);
	}
	close(in[0]);
	close(outp[1]);
	in[0] = outp[1] = -1;
	{
		/* A plugin that exits without reading stdin must not kill us with SIGPIPE. */
		struct sigaction ign = { .sa_handler = SIG_IGN }, old;
		size_t off = 0;

		sigaction(SIGPIPE, &ign, &old);
		while (off < len) {
			ssize_t w = write(in[1], conf + off, len - off);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				break;
			off += (size_t)w;
		}
		sigaction(SIGPIPE, &old, NULL);
	}
	close(in[1]);
	in[1] = -1;
	for (;;) {
		ssize_t n = read(outp[0], buf + got, DELEGATE_OUT_MAX - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
		if (got == DELEGATE_OUT_MAX)
			break;
	}
	buf[got] = '\0';
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	j = got ? json_loads(buf, 0, NULL) : NULL;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		const char *msg = json_string_value(json_object_get(j, "msg"));
		json_int_t code = json_integer_value(json_object_get(j, "code"));

		cni_fail(e, code > 0 ? (int)code : CNI_ERR_INTERNAL, "IPAM plugin %s %s: %s", type, cmd,
			 msg ? msg : WIFEXITED(status) ? "failed without an error message" : "killed by a signal");
		if (json_string_value(json_object_get(j, "details")))
			snprintf(e->details, sizeof(e->details), "%s", json_string_value(json_object_get(j, "details")));
		goto out;
	}
	if (out) {
		if (!json_is_object(j)) {
			cni_fail(e, CNI_ERR_DECODE, "IPAM plugin %s %s: its result is not a JSON object", type, cmd);
			goto out;
		}
		*out = j;
		j = NULL;
	}
	r = 0;
out:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (outp[i] >= 0)
			close(outp[i]);
	}
	json_decref(j);
	free(buf);
	for (size_t i = 0; envp[i]; i++)
		if (!strncmp(envp[i], "CNI_COMMAND=", 12))
			free(envp[i]);
	free(envp);
	return r;
}

int cni_take_ipam_result(struct cni_conf *c, const json_t *res, struct cni_error *e)
{
	struct network_req *net = &c->sb.net;
	bool derive = net->n_subnets == 0;
	const json_t *ips = json_object_get(res, "ips");
	size_t i;
	json_t *ip;

	if (!json_is_array(ips) || json_array_size(ips) == 0)
		return cni_fail(e, CNI_ERR_DECODE, "IPAM plugin %s gave no \"ips\"", c->ipam_type);
	json_array_foreach(ips, i, ip) {
		const char *a = json_string_value(json_object_get(ip, "address"));
		const char *gw = json_string_value(json_object_get(ip, "gateway"));
		char buf[NSNET_PREFIX_STRLEN];
		struct nsnet_prefix p;
		struct nsnet_addr addr;
		struct nsnet_err err;
		unsigned int len;
		const char *slash = a ? strchr(a, '/') : NULL;

		if (!a || !slash || (size_t)(slash - a) >= sizeof(buf) || sscanf(slash + 1, "%u", &len) != 1)
			return cni_fail(e, CNI_ERR_DECODE, "IPAM plugin %s: ips[%zu].address: expected ADDRESS/LEN", c->ipam_type, i);
		snprintf(buf, sizeof(buf), "%.*s", (int)(slash - a), a);
		if (nsnet_addr_parse(buf, &addr, &err) < 0)
			return cni_fail(e, CNI_ERR_DECODE, "IPAM plugin %s: ips[%zu]: %s", c->ipam_type, i, err.msg);
		if (c->sb.n_ips == NSNET_MAX_SUBNETS)
			return cni_fail(e, CNI_ERR_FIELD, "IPAM plugin %s: more than one address per family", c->ipam_type);
		for (size_t k = 0; k < c->sb.n_ips; k++)
			if (c->sb.ip[k].family == addr.family)
				return cni_fail(e, CNI_ERR_FIELD, "IPAM plugin %s: more than one address per family", c->ipam_type);
		c->sb.ip[c->sb.n_ips++] = addr;
		if (!derive)
			continue;
		/* The subnet the address lies in: its host bits cleared. */
		p.addr = addr;
		p.len = len;
		if (len > nsnet_family_bits(addr.family))
			return cni_fail(e, CNI_ERR_DECODE, "IPAM plugin %s: %s: bad prefix length", c->ipam_type, a);
		for (unsigned int bit = len; bit < nsnet_family_bits(addr.family); bit++)
			p.addr.b[bit / 8] &= (uint8_t)~(0x80u >> (bit % 8));
		net->subnet[net->n_subnets++] = p;
		if (gw) {
			if (nsnet_addr_parse(gw, &net->gateway[net->n_gateways], &err) < 0)
				return cni_fail(e, CNI_ERR_DECODE, "IPAM plugin %s: ips[%zu].gateway: %s", c->ipam_type, i, err.msg);
			net->n_gateways++;
			c->sb.given |= SANDBOX_GIVEN_GATEWAY;
		}
	}
	/* The delegate's routes: added in the container, given back in the result. */
	json_array_foreach(json_object_get(res, "routes"), i, ip) {
		const char *dst = json_string_value(json_object_get(ip, "dst"));
		const char *gw = json_string_value(json_object_get(ip, "gw"));
		struct sandbox_route *rt = &c->sb.route[c->sb.n_routes];
		struct nsnet_err err;

		if (c->sb.n_routes == NSNET_MAX_ROUTES)
			return cni_fail(e, CNI_ERR_FIELD, "IPAM plugin %s: more than %d routes", c->ipam_type, NSNET_MAX_ROUTES);
		memset(rt, 0, sizeof(*rt));
		if (!dst || nsnet_prefix_parse(dst, &rt->dst, &err) < 0)
			return cni_fail(e, CNI_ERR_DECODE, "IPAM plugin %s: routes[%zu].dst: expected a CIDR", c->ipam_type, i);
		if (gw && nsnet_addr_parse(gw, &rt->gw, &err) < 0)
			return cni_fail(e, CNI_ERR_DECODE, "IPAM plugin %s: routes[%zu].gw: %s", c->ipam_type, i, err.msg);
		if (gw && rt->gw.family != rt->dst.addr.family)
			return cni_fail(e, CNI_ERR_DECODE, "IPAM plugin %s: routes[%zu]: gateway %s is not of the family of %s",
					c->ipam_type, i, gw, dst);
		c->sb.n_routes++;
	}
	/* The delegate's DNS, unless the configuration has its own. */
	if (!c->dns && json_is_object(json_object_get(res, "dns")) && json_object_size(json_object_get(res, "dns")))
		c->dns = json_deep_copy(json_object_get(res, "dns"));
	return 0;
}
