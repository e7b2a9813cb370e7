// SPDX-License-Identifier: MIT
// nsnet vip add|set|rm|ls, publish, unpublish, publish ls
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "model/service.h"

static const char vip_help[] =
	"usage: nsnet vip add VIP:PORT[/tcp|/udp] BACKEND... [--name NAME] [--affinity SECONDS]\n"
	"       nsnet vip set VIP:PORT[/tcp|/udp] BACKEND...\n"
	"       nsnet vip rm  VIP:PORT[/tcp|/udp]\n"
	"       nsnet vip ls [--json]\n"
	"\n"
	"A virtual IP: an address no interface holds, whose connections are DNAT'ed to one of the\n"
	"backends, chosen at random per connection (or, with --affinity, the same backend for a client\n"
	"until it has made no connection for SECONDS). Reachable from the host, from namespaces on\n"
	"nsnet networks and from outside through the host. Without backends it rejects at once.\n"
	"\n"
	"  BACKEND     NS:PORT (the namespace's address of the VIP's family) or IP:PORT ([IP6]:PORT)\n"
	"  vip set     replace the backend list in one transaction\n"
	"  vip rm      the VIP stops at the kernel's next clock tick (its map elements expire)\n"
	"  IPv6 VIPs are written in brackets: [fd00:100::1]:80/tcp\n";

static const char publish_help[] =
	"usage: nsnet publish NS [HOSTIP:]HOSTPORT:PORT[/tcp|/udp] [--net NET]\n"
	"       nsnet unpublish NS [HOSTIP:]HOSTPORT[/tcp|/udp]\n"
	"       nsnet publish ls [--json]\n"
	"\n"
	"Forward the host's HOSTPORT to PORT of namespace NS (Docker's -p). Without HOSTIP: every\n"
	"local address of the host except loopback; with 127.0.0.1: the host's loopback only (see\n"
	"docs/services.md). --net picks the network whose address of NS is the target (default: the\n"
	"first with an address of HOSTIP's family). Removing NS unpublishes its ports.\n";

/* Parse the arguments after "vip add|set": VIP BACKEND... and options into @v. */
static int vip_args(struct cli *c, int argc, char **argv, bool is_set, struct nsnet_vip *v)
{
	struct nsnet_err err = { 0 };
	const char *val;
	bool have_vip = false;
	int r;

	memset(v, 0, sizeof(*v));
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!is_set && (r = cli_opt_value(c, argc, argv, &i, "--name", &val)) != 0) {
			if (r < 0)
				return EXIT_USAGE;
			if (names_check("VIP", val, &err) < 0)
				return cli_usage_error(c, "--name: %s", err.msg);
			snprintf(v->name, sizeof(v->name), "%s", val);
		} else if (!is_set && (r = cli_opt_value(c, argc, argv, &i, "--affinity", &val)) != 0) {
			char *end;
			unsigned long s;

			if (r < 0)
				return EXIT_USAGE;
			s = strtoul(val, &end, 10);
			if (!*val || *end || val[0] == '-' || s < 1 || s > NSNET_AFFINITY_MAX)
				return cli_usage_error(c, "--affinity %s: expected seconds from 1 to %d", val, NSNET_AFFINITY_MAX);
			v->affinity = (unsigned int)s;
		} else if (a[0] == '-' && a[1]) {
			return cli_usage_error(c, "unknown option '%s'", a);
		} else if (!have_vip) {
			if (endpoint_parse(a, &v->vip, &v->proto, &err) < 0)
				return cli_usage_error(c, "VIP %s", err.msg);
			have_vip = true;
		} else {
			if (v->n_backends == NSNET_MAX_BACKENDS)
				return cli_usage_error(c, "at most %d backends", NSNET_MAX_BACKENDS);
			if ((r = backend_parse(a, &v->backend[v->n_backends++], &err)) < 0)
				return cli_value_fail(c, r, &err);
		}
	}
	if (!have_vip)
		return cli_usage_error(c, "expected VIP:PORT[/tcp|/udp] BACKEND...");
	return 0;
}

static int vip_add(struct cli *c, int argc, char **argv)
{
	struct nsnet_err err = { 0 };
	struct nsnet_vip *v = calloc(1, sizeof(*v));
	int r;

	if (argc > 1 && cli_is_help(argv[1])) {
		fputs(vip_help, stdout);
		free(v);
		return EXIT_OK;
	}
	if (!v)
		return EXIT_FAIL;
	r = vip_args(c, argc, argv, !strcmp(argv[0], "set"), v);
	if (r == 0) {
		r = !strcmp(argv[0], "set") ? core_vip_set(&c->opts, v, &err) : core_vip_add(&c->opts, v, &err);
		r = r < 0 ? cli_fail(&err) : EXIT_OK;
	}
	free(v);
	return r;
}

static int vip_rm(struct cli *c, int argc, char **argv)
{
	struct nsnet_err err = { 0 };
	struct nsnet_endpoint ep;
	uint8_t proto;

	if (argc > 1 && cli_is_help(argv[1])) {
		fputs(vip_help, stdout);
		return EXIT_OK;
	}
	if (argc != 2)
		return cli_usage_error(c, "expected VIP:PORT[/tcp|/udp]");
	if (endpoint_parse(argv[1], &ep, &proto, &err) < 0)
		return cli_usage_error(c, "VIP %s", err.msg);
	if (core_vip_rm(&c->opts, proto, &ep, &err) < 0)
		return cli_fail(&err);
	return EXIT_OK;
}


static int vip_ls(struct cli *c, int argc, char **argv)
{
	return cli_ls(c, argc, argv, vip_help, "vips", cli_print_vips);
}

int cmd_vip(struct cli *c, int argc, char **argv)
{
	static const struct cli_cmd cmds[] = {
		{ "add", vip_add, NULL },
		{ "set", vip_add, NULL },
		{ "rm", vip_rm, NULL },
		{ "ls", vip_ls, NULL },
		{ NULL, NULL, NULL },
	};

	return cli_dispatch(c, "vip", cmds, vip_help, argc - 1, argv + 1);
}

int cmd_publish(struct cli *c, int argc, char **argv)
{
	struct nsnet_err err = { 0 };
	const char *ns = NULL, *spec = NULL, *net = NULL, *val;
	struct nsnet_port p = { 0 };
	int r;

	if (argc > 1 && !strcmp(argv[1], "ls"))
		return cli_ls(c, argc - 1, argv + 1, publish_help, "ports", cli_print_ports);
	for (int i = 1; i < argc; i++) {
		if (cli_is_help(argv[i])) {
			fputs(publish_help, stdout);
			return EXIT_OK;
		} else if ((r = cli_opt_value(c, argc, argv, &i, "--net", &val)) != 0) {
			if (r < 0)
				return EXIT_USAGE;
			net = val;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return cli_usage_error(c, "unknown option '%s'", argv[i]);
		} else if (!ns) {
			ns = argv[i];
		} else if (!spec) {
			spec = argv[i];
		} else {
			return cli_usage_error(c, "unexpected argument '%s'", argv[i]);
		}
	}
	if (!ns || !spec)
		return cli_usage_error(c, "expected NS [HOSTIP:]HOSTPORT:PORT[/tcp|/udp]");
	if (port_spec_parse(spec, &p, &err) < 0)
		return cli_usage_error(c, "%.1023s", err.msg);
	if (cli_check_name(c, "namespace", ns) || (net && cli_check_name(c, "network", net)))
		return EXIT_USAGE;
	if (core_publish(&c->opts, ns, net, &p, &err) < 0)
		return cli_fail(&err);
	return EXIT_OK;
}

int cmd_unpublish(struct cli *c, int argc, char **argv)
{
	struct nsnet_err err = { 0 };
	struct nsnet_port p = { 0 };
	char spec[160];
	const char *slash;

	if (argc > 1 && cli_is_help(argv[1])) {
		fputs(publish_help, stdout);
		return EXIT_OK;
	}
	if (argc != 3)
		return cli_usage_error(c, "expected NS [HOSTIP:]HOSTPORT[/tcp|/udp]");
	/* Same grammar as publish without ":PORT": parse it as such with a placeholder port. */
	slash = strrchr(argv[2], '/');
	if (strlen(argv[2]) > 120)
		return cli_usage_error(c, "'%.32s...': too long", argv[2]);
	snprintf(spec, sizeof(spec), "%.*s:1%s", slash ? (int)(slash - argv[2]) : (int)strlen(argv[2]), argv[2],
		 slash ? slash : "");
	if (port_spec_parse(spec, &p, &err) < 0)
		return cli_usage_error(c, "'%s': expected [HOSTIP:]HOSTPORT[/tcp|/udp]", argv[2]);
	if (cli_check_name(c, "namespace", argv[1]))
		return EXIT_USAGE;
	if (core_unpublish(&c->opts, argv[1], &p, &err) < 0)
		return cli_fail(&err);
	return EXIT_OK;
}
