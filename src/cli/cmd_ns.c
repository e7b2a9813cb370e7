// SPDX-License-Identifier: MIT
// nsnet ns add|rm|ls, attach, detach, limit (and the --rate-in/--rate-out/--burst options they share)
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const char add_help[] =
	"usage: nsnet ns add NAME [--net NET[:IP[,IP6]]]... [--dns IP]... [--ifname IF] [--alias NAME]...\n"
	"                    [--rate-in RATE] [--rate-out RATE] [--burst SIZE]\n"
	"\n"
	"Create a persistent network namespace /run/netns/NAME (as `ip netns add` does) with its\n"
	"loopback up, and attach it to each --net: a veth pair whose host end joins the network's\n"
	"bridge and whose inner end is eth0, eth1, ...; addresses from the network's IPAM (or the\n"
	"given IP per family); a default route via the gateway of the first network.\n"
	"\n"
	"  --net NET[:IP[,IP6]]  attach to network NET, optionally with fixed addresses\n"
	"  --dns IP              nameserver for /etc/netns/NAME/resolv.conf (up to 3); without it\n"
	"                        the resolvers of its networks (their gateways), or for networks\n"
	"                        without one the host's nameservers that a namespace can reach\n"
	"  --alias NAME          one more name on each network's resolver (repeatable)\n"
	"  --ifname IF           name of the first attachment's interface (default eth0)\n"
	"  --rate-in RATE        limit traffic into the namespace on each --net (10mbit, 500kbit, 1gbit)\n"
	"  --rate-out RATE       limit traffic leaving it; --burst SIZE (32kb): see the help of `nsnet limit`\n";

static const char rm_help[] =
	"usage: nsnet ns rm NAME [--force]\n"
	"\n"
	"Remove a namespace nsnet created, with its attachments, leases and resolv.conf. Refused\n"
	"while processes run inside (their PIDs are named), unless --force, which kills them first.\n"
	"Namespaces nsnet did not create are never removed.\n";

static const char ls_help[] =
	"usage: nsnet ns ls [--json]\n"
	"\n"
	"List every namespace in /run/netns, whether nsnet manages it, and its attachments.\n";

static const char ns_help[] =
	"usage: nsnet ns COMMAND ...\n"
	"\n"
	"  add NAME [--net NET[:IP[,IP6]]]... [--dns IP]... [--ifname IF] [--alias NAME]... [--rate-in R] [--rate-out R]\n"
	"  rm NAME [--force]\n"
	"  ls [--json]\n";

static const char attach_help[] =
	"usage: nsnet attach NS NET [--ip IP]... [--ifname IF] [--alias NAME]... [--rate-in RATE] [--rate-out RATE] [--burst SIZE]\n"
	"\n"
	"Attach namespace NS (made by nsnet or not) to network NET: veth, addresses (from IPAM or\n"
	"--ip, one per family), the default route if NS has none yet, and its names (NS and each\n"
	"--alias) on the network's resolver. --rate-in/--rate-out limit the bandwidth into and out\n"
	"of NS on this attachment (see the help of `nsnet limit`).\n";

static const char detach_help[] =
	"usage: nsnet detach NS NET\n"
	"\n"
	"Remove NS's attachment to NET: its veth, addresses and leases.\n";

static int ns_add(struct cli *c, int argc, char **argv)
{
	struct ns_req req = { 0 };
	struct nsnet_err err = { 0 };
	struct limit_req lim = { 0 };
	struct nsnet_limit limit;
	const char *val, *ifname = NULL;
	const char *aliases[NSNET_MAX_ALIASES];
	size_t n_aliases = 0;
	int r;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (cli_is_help(a)) {
			fputs(add_help, stdout);
			return EXIT_OK;
		}
		if ((r = cli_opt_value(c, argc, argv, &i, "--net", &val)) != 0) {
			if (r < 0)
				return EXIT_USAGE;
			if (req.n_att == NSNET_MAX_ATTACH)
				return cli_usage_error(c, "--net %s: at most %d networks", val, NSNET_MAX_ATTACH);
			if (cli_parse_net_arg(c, val, &req.att[req.n_att++]))
				return EXIT_USAGE;
		} else if ((r = cli_opt_value(c, argc, argv, &i, "--dns", &val)) != 0) {
			if (r < 0)
				return EXIT_USAGE;
			if (req.n_dns == NSNET_MAX_DNS)
				return cli_usage_error(c, "--dns %s: at most %d nameservers", val, NSNET_MAX_DNS);
			if (cli_parse_addr(c, "--dns", val, &req.dns[req.n_dns]))
				return EXIT_USAGE;
			if (cli_check_dns(c, &req.dns[req.n_dns++], val))
				return EXIT_FAIL;
		} else if ((r = cli_opt_value(c, argc, argv, &i, "--ifname", &val)) != 0) {
			if (r < 0)
				return EXIT_USAGE;
			ifname = val;
		} else if ((r = cli_limit_opt(c, argc, argv, &i, &lim)) != 0) {
			if (r < 0)
				return EXIT_USAGE;
		} else if ((r = cli_opt_value(c, argc, argv, &i, "--alias", &val)) != 0) {
			if (r < 0)
				return EXIT_USAGE;
			if (n_aliases == NSNET_MAX_ALIASES)
				return cli_usage_error(c, "--alias %s: at most %d aliases", val, NSNET_MAX_ALIASES);
			if (cli_check_name(c, "alias", val))
				return EXIT_USAGE;
			aliases[n_aliases++] = val;
		} else if (a[0] == '-' && a[1]) {
			return cli_usage_error(c, "unknown option '%s'", a);
		} else if (!req.name) {
			req.name = a;
		} else {
			return cli_usage_error(c, "unexpected argument '%s'", a);
		}
	}
	if (!req.name)
		return cli_usage_error(c, "missing namespace NAME");
	if (cli_check_name(c, "namespace", req.name))
		return EXIT_USAGE;
	if (ifname) {
		if (cli_check_ifname(c, "--ifname", ifname))
			return EXIT_USAGE;
		if (req.n_att == 0)
			return cli_usage_error(c, "--ifname %s: needs a --net", ifname);
		req.att[0].ifname = ifname;
	}
	if (cli_limit_take(c, &lim, &limit))
		return EXIT_USAGE;
	if (limit_any(&limit) && req.n_att == 0)
		return cli_usage_error(c, "--rate-in/--rate-out: needs a --net");
	for (size_t k = 0; k < req.n_att; k++)
		req.att[k].limit = limit;
	if (n_aliases && req.n_att == 0)
		return cli_usage_error(c, "--alias %s: needs a --net", aliases[0]);
	for (size_t k = 0; k < req.n_att; k++) {
		req.att[k].n_aliases = n_aliases;
		memcpy(req.att[k].aliases, aliases, n_aliases * sizeof(aliases[0]));
	}
	if (core_ns_add(&c->opts, &req, &err) < 0)
		return cli_fail(&err);
	return EXIT_OK;
}

static int ns_rm(struct cli *c, int argc, char **argv)
{
	return cli_rm(c, argc, argv, rm_help, "namespace", core_ns_rm);
}

static int ns_ls(struct cli *c, int argc, char **argv)
{
	return cli_ls(c, argc, argv, ls_help, "namespaces", cli_print_namespaces);
}

int cmd_ns(struct cli *c, int argc, char **argv)
{
	static const struct cli_cmd cmds[] = {
		{ "add", ns_add, NULL },
		{ "rm", ns_rm, NULL },
		{ "ls", ns_ls, NULL },
		{ NULL, NULL, NULL },
	};

	return cli_dispatch(c, "ns", cmds, ns_help, argc - 1, argv + 1);
}

int cmd_attach(struct cli *c, int argc, char **argv)
{
	struct attach_req req = { 0 };
	struct nsnet_err err = { 0 };
	struct limit_req lim = { 0 };
	const char *ns = NULL, *val;
	int r;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (cli_is_help(a)) {
			fputs(attach_help, stdout);
			return EXIT_OK;
		}
		if ((r = cli_opt_value(c, argc, argv, &i, "--ip", &val)) != 0) {
			if (r < 0)
				return EXIT_USAGE;
			if (req.n_ips == NSNET_MAX_SUBNETS)
				return cli_usage_error(c, "--ip %s: at most one IPv4 and one IPv6 address", val);
			if (cli_parse_addr(c, "--ip", val, &req.ip[req.n_ips++]))
				return EXIT_USAGE;
		} else if ((r = cli_opt_value(c, argc, argv, &i, "--ifname", &val)) != 0) {
			if (r < 0)
				return EXIT_USAGE;
			req.ifname = val;
		} else if ((r = cli_limit_opt(c, argc, argv, &i, &lim)) != 0) {
			if (r < 0)
				return EXIT_USAGE;
		} else if ((r = cli_opt_value(c, argc, argv, &i, "--alias", &val)) != 0) {
			if (r < 0)
				return EXIT_USAGE;
			if (req.n_aliases == NSNET_MAX_ALIASES)
				return cli_usage_error(c, "--alias %s: at most %d aliases", val, NSNET_MAX_ALIASES);
			if (cli_check_name(c, "alias", val))
				return EXIT_USAGE;
			req.aliases[req.n_aliases++] = val;
		} else if (a[0] == '-' && a[1]) {
			return cli_usage_error(c, "unknown option '%s'", a);
		} else if (!ns) {
			ns = a;
		} else if (!req.net) {
			req.net = a;
		} else {
			return cli_usage_error(c, "unexpected argument '%s'", a);
		}
	}
	if (!ns || !req.net)
		return cli_usage_error(c, "expected NS NET");
	if (cli_check_name(c, "namespace", ns) || cli_check_name(c, "network", req.net) ||
	    (req.ifname && cli_check_ifname(c, "--ifname", req.ifname)) || cli_limit_take(c, &lim, &req.limit))
		return EXIT_USAGE;
	if (core_attach(&c->opts, ns, &req, &err) < 0)
		return cli_fail(&err);
	return EXIT_OK;
}

int cmd_detach(struct cli *c, int argc, char **argv)
{
	struct nsnet_err err = { 0 };

	if (argc > 1 && cli_is_help(argv[1])) {
		fputs(detach_help, stdout);
		return EXIT_OK;
	}
	if (argc != 3)
		return cli_usage_error(c, "expected NS NET");
	if (cli_check_name(c, "namespace", argv[1]) || cli_check_name(c, "network", argv[2]))
		return EXIT_USAGE;
	if (core_detach(&c->opts, argv[1], argv[2], &err) < 0)
		return cli_fail(&err);
	return EXIT_OK;
}

static const char limit_help[] =
	"usage: nsnet limit NS NET [--rate-in RATE] [--rate-out RATE] [--burst SIZE] [--clear]\n"
	"\n"
	"Change the bandwidth limits of NS's attachment to NET. --rate-in limits traffic into the\n"
	"namespace (a tbf qdisc on the host end of its veth), --rate-out traffic leaving it (a tbf\n"
	"qdisc on its own end, inside the namespace). A direction not given keeps its limit; --clear\n"
	"removes both first (so `--clear --rate-in 5mbit` leaves only that one).\n"
	"\n"
	"  --rate-in RATE    e.g. 500kbit, 10mbit, 1gbit (tc's units: bit kbit mbit gbit, bps kbps ...)\n"
	"  --rate-out RATE   the same for traffic leaving the namespace\n"
	"  --burst SIZE      bytes the shaper may send at once, e.g. 32kb (default: 10 ms at the rate,\n"
	"                    at least 16kb); with no rate given, for every direction that has one\n"
	"  --clear           remove the limits\n";

int cli_limit_opt(struct cli *c, int argc, char **argv, int *i, struct limit_req *l)
{
	struct nsnet_err err = { 0 };
	const char *val;
	int r;

	if ((r = cli_opt_value(c, argc, argv, i, "--rate-in", &val)) != 0) {
		if (r > 0 && rate_parse("--rate-in", val, &l->rate_in, &err) < 0)
			return cli_usage_error(c, "%.1023s", err.msg), -1;
	} else if ((r = cli_opt_value(c, argc, argv, i, "--rate-out", &val)) != 0) {
		if (r > 0 && rate_parse("--rate-out", val, &l->rate_out, &err) < 0)
			return cli_usage_error(c, "%.1023s", err.msg), -1;
	} else if ((r = cli_opt_value(c, argc, argv, i, "--burst", &val)) != 0) {
		if (r > 0 && size_parse("--burst", val, &l->burst, &err) < 0)
			return cli_usage_error(c, "%.1023s", err.msg), -1;
	}
	return r;
}

int cli_limit_take(struct cli *c, const struct limit_req *l, struct nsnet_limit *out)
{
	char b[NSNET_RATE_STRLEN];

	memset(out, 0, sizeof(*out));
	if (l->burst && !l->rate_in && !l->rate_out)
		return cli_usage_error(c, "--burst %s: needs --rate-in or --rate-out", size_str(l->burst, b));
	out->rate_in = l->rate_in;
	out->rate_out = l->rate_out;
	out->burst_in = l->rate_in ? l->burst : 0;
	out->burst_out = l->rate_out ? l->burst : 0;
	return 0;
}

int cmd_limit(struct cli *c, int argc, char **argv)
{
	struct limit_req req = { 0 };
	struct nsnet_err err = { 0 };
	const char *ns = NULL, *net = NULL;
	int r;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (cli_is_help(a)) {
			fputs(limit_help, stdout);
			return EXIT_OK;
		}
		if ((r = cli_limit_opt(c, argc, argv, &i, &req)) != 0) {
			if (r < 0)
				return EXIT_USAGE;
		} else if (!strcmp(a, "--clear")) {
			req.clear = true;
		} else if (a[0] == '-' && a[1]) {
			return cli_usage_error(c, "unknown option '%s'", a);
		} else if (!ns) {
			ns = a;
		} else if (!net) {
			net = a;
		} else {
			return cli_usage_error(c, "unexpected argument '%s'", a);
		}
	}
	if (!ns || !net)
		return cli_usage_error(c, "expected NS NET");
	if (cli_check_name(c, "namespace", ns) || cli_check_name(c, "network", net))
		return EXIT_USAGE;
	if (!req.rate_in && !req.rate_out && !req.burst && !req.clear)
		return cli_usage_error(c, "nothing to change: give --rate-in, --rate-out, --burst or --clear");
	if (core_limit(&c->opts, ns, net, &req, &err) < 0)
		return cli_fail(&err);
	return EXIT_OK;
}
