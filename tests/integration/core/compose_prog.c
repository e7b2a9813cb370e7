// SPDX-License-Identifier: MIT
// Test program for t_compose.sh: runs several in-operation forms inside ONE operation, rolled back together on failure.
/*
 * Usage: compose_prog STEP...   each STEP one argument, its words separated by spaces:
 *	"network NAME SUBNET"            network_create_apply
 *	"ns NAME NET"                    ns_add_apply (attached to NET)
 *	"attach NS NET"                  ns_attach_apply
 *	"vip ADDR:PORT[/PROTO] BACKEND"  vip_add_apply (one backend, NS:PORT or IP:PORT)
 *	"publish NS HOSTPORT:PORT"       publish_apply
 * The state dir and backend come from NSNET_STATE_DIR and NSNET_BACKEND, as for nsnet. The first
 * failing step rolls back every step before it, as one command would. Exit status 0, 1 after a
 * failed (rolled back) operation with "compose_prog: MESSAGE" on stderr, 2 for a bad STEP.
 * NSNET_FAULT=N (FAULT=1 builds) kills the operation at its Nth step boundary, as for nsnet.
 * Not installed, not part of nsnet: the in-operation forms have no command of their own yet.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

#define MAX_WORDS 4

static int usage(const char *step)
{
	fprintf(stderr, "compose_prog: bad step \"%s\" (see the comment at the top of compose_prog.c)\n", step);
	return 2;
}

/* Run one step inside @op. Returns 0, -errno (@err filled), or 1 for a malformed step. */
static int step_run(struct op *op, char *step, struct nsnet_err *err)
{
	char *w[MAX_WORDS] = { 0 }, *save = NULL;
	size_t n = 0;

	for (char *t = strtok_r(step, " ", &save); t; t = strtok_r(NULL, " ", &save))
		if (n < MAX_WORDS)
			w[n++] = t;
	if (n == 3 && !strcmp(w[0], "network")) {
		struct network_req req = { .name = w[1], .n_subnets = 1 };

		if (nsnet_prefix_parse(w[2], &req.subnet[0], err) < 0)
			return 1;
		return network_create_apply(op, &req, NULL, err);
	}
	if (n == 3 && !strcmp(w[0], "ns")) {
		struct ns_req req = { .name = w[1], .n_att = 1, .att[0] = { .net = w[2] } };

		return ns_add_apply(op, &req, err);
	}
	if (n == 3 && !strcmp(w[0], "attach")) {
		struct attach_req req = { .net = w[2] };

		return ns_attach_apply(op, w[1], &req, err);
	}
	if (n == 3 && !strcmp(w[0], "vip")) {
		static struct nsnet_vip v;	/* large: 64 backends */

		memset(&v, 0, sizeof(v));
		v.n_backends = 1;
		if (endpoint_parse(w[1], &v.vip, &v.proto, err) < 0 || backend_parse(w[2], &v.backend[0], err) < 0)
			return 1;
		return vip_add_apply(op, &v, err);
	}
	if (n == 3 && !strcmp(w[0], "publish")) {
		struct nsnet_port p = { 0 };

		if (port_spec_parse(w[2], &p, err) < 0)
			return 1;
		return publish_apply(op, w[1], NULL, &p, err);
	}
	return 1;
}

int main(int argc, char **argv)
{
	struct nsnet_opts o = { .state_dir = getenv("NSNET_STATE_DIR"), .backend = getenv("NSNET_BACKEND") };
	struct nsnet_err err = { 0 };
	struct op op;
	int r, i;

	if (!o.state_dir || !*o.state_dir)
		o.state_dir = NSNET_STATE_DIR_DEFAULT;
	if (o.backend && !*o.backend)
		o.backend = NULL;
	if (argc < 2)
		return usage("");
	if ((r = op_begin(&op, &o, true, &err)) < 0) {
		op_end(&op);
		fprintf(stderr, "compose_prog: %s\n", err.msg);
		return 1;
	}
	for (i = 1, r = 0; i < argc && r == 0; i++) {
		char *step = strdup(argv[i]);

		r = step ? step_run(&op, step, &err) : -ENOMEM;
		free(step);
	}
	if (r != 0)
		op_rollback(&op);
	op_end(&op);
	if (r == 1)
		return usage(argv[i - 1]);
	if (r < 0) {
		fprintf(stderr, "compose_prog: %s\n", err.msg);
		return 1;
	}
	return 0;
}
