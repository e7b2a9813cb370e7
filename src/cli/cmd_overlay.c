// SPDX-License-Identifier: MIT
// Overlay networks on the command line: network create's --driver vxlan options, and `nsnet agent`.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static const char agent_help[] =
	"usage: nsnet agent [--ttl SECONDS]\n"
	"\n"
	"Serve this host's overlay networks (vxlan driver, docs/overlay.md) in the foreground: keep\n"
	"this host's liveness lease in etcd alive, watch the other hosts' keys and program them as\n"
	"peers (neighbour, FDB, route) as they come and go. nsnet starts one detached when a host\n"
	"joins its first overlay; run it under a service manager instead with nsnet-agent.service.\n"
	"Exits when no overlay network is left.\n"
	"\n"
	"  --ttl SECONDS    the liveness lease's TTL (default: each network's --ttl, 10)\n";

/* A number from @lo to @hi, or EXIT_USAGE after printing. */
static int overlay_num(struct cli *c, const char *flag, const char *val, unsigned long lo, unsigned long hi,
		       unsigned long *out)
{
	char *end;

	*out = strtoul(val, &end, 10);
	if (!*val || *end || val[0] == '-' || *out < lo || *out > hi)
		return cli_usage_error(c, "%s %s: expected a number from %lu to %lu", flag, val, lo, hi);
	return 0;
}

int cli_overlay_opt(struct cli *c, int argc, char **argv, int *i, struct overlay_req *o)
{
	static const struct {
		const char *flag;
		unsigned long lo, hi;
	} nums[] = { { "--vni", 1, 16777215 }, { "--port", 1, 65535 }, { "--host-prefix", 1, 30 }, { "--ttl", 1, 3600 } };
	const char *val;
	unsigned long v;
	int r;

	if ((r = cli_opt_value(c, argc, argv, i, "--store", &val)) != 0) {
		if (r < 0)
			return -EXIT_USAGE;
		if (strncmp(val, "http://", 7) && strncmp(val, "https://", 8))
			return -cli_usage_error(c, "--store %s: expected http://HOST:PORT[,http://HOST2:PORT...]", val);
		o->store = val;
		return 1;
	}
	{
		/* The store's TLS files and credentials; core checks the files and the endpoints' scheme. */
		static const char *const auth[] = { "--store-cacert", "--store-cert", "--store-key", "--store-user",
						     "--store-password-file" };
		const char **dst[] = { &o->cacert, &o->cert, &o->key, &o->user, &o->password_file };

		for (size_t k = 0; k < sizeof(auth) / sizeof(auth[0]); k++) {
			char *colon;

			if ((r = cli_opt_value(c, argc, argv, i, auth[k], &val)) == 0)
				continue;
			if (r < 0)
				return -EXIT_USAGE;
			if (!val[0])
				return -cli_usage_error(c, "%s: expected a value", auth[k]);
			/* etcdctl's --user USER[:PASSWORD]: argv is ours to split (the password then shows in ps). */
			if (dst[k] == &o->user && (colon = strchr(val, ':'))) {
				*colon = '\0';
				o->password = colon + 1;
			}
			*dst[k] = val;
			return 1;
		}
	}
	if ((r = cli_opt_value(c, argc, argv, i, "--underlay", &val)) != 0) {
		if (r < 0)
			return -EXIT_USAGE;
		o->underlay = val;
		return 1;
	}
	for (size_t k = 0; k < sizeof(nums) / sizeof(nums[0]); k++) {
		if ((r = cli_opt_value(c, argc, argv, i, nums[k].flag, &val)) == 0)
			continue;
		if (r < 0 || overlay_num(c, nums[k].flag, val, nums[k].lo, nums[k].hi, &v))
			return -EXIT_USAGE;
		if (k == 0)
			o->vni = (uint32_t)v;
		else if (k == 1)
			o->port = (uint16_t)v;
		else if (k == 2)
			o->host_prefix = (unsigned int)v;
		else
			o->ttl = (unsigned int)v;
		return 1;
	}
	return 0;
}

int cmd_agent(struct cli *c, int argc, char **argv)
{
	struct nsnet_err err = { 0 };
	unsigned long ttl = 0;
	const char *val;
	int r;

	for (int i = 1; i < argc; i++) {
		if (cli_is_help(argv[i])) {
			fputs(agent_help, stdout);
			return EXIT_OK;
		}
		if ((r = cli_opt_value(c, argc, argv, &i, "--ttl", &val)) != 0) {
			if (r < 0 || overlay_num(c, "--ttl", val, 1, 3600, &ttl))
				return EXIT_USAGE;
		} else {
			return cli_usage_error(c, "unexpected argument '%s'", argv[i]);
		}
	}
	if (core_agent_run(&c->opts, (unsigned int)ttl, &err) < 0)
		return cli_fail(&err);
	return EXIT_OK;
}
