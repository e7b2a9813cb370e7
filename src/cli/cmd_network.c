// SPDX-License-Identifier: MIT
// nsnet network create|rm|ls
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static const char create_help[] =
	"usage: nsnet network create NAME --subnet CIDR [--subnet CIDR] [--gateway IP]...\n"
	"                            [--bridge IFNAME] [--no-nat] [--internal] [--mtu N]\n"
	"                            [--driver bridge|routed]\n"
	"                            [--no-dns | [--domain NAME] [--dns-upstream IP]...]\n"
	"\n"
	"Create a bridge network: bridge nsnet-NAME (or IFNAME) holding the gateway address (the\n"
	"first host of each subnet unless --gateway), IP forwarding on, the network's traffic\n"
	"accepted in the forward path, isolation from other nsnet networks, and masquerade for\n"
	"traffic leaving the subnet, and a resolver (dnsmasq) on the gateway that answers the names\n"
	"of the network's namespaces to them and forwards the rest (docs/dns.md).\n"
	"\n"
	"  --subnet CIDR    an IPv4 or IPv6 subnet (one of each for dual stack), e.g. 10.0.0.0/24\n"
	"  --gateway IP     gateway address instead of the first host (once per family)\n"
	"  --bridge IFNAME  bridge name (default nsnet-NAME, shortened with a hash past 15 bytes)\n"
	"  --no-nat         no masquerade: the subnet must be routed by someone else\n"
	"  --internal       no way out: no default route in namespaces, no forwarding elsewhere\n"
	"  --mtu N          MTU of the bridge and every veth (default 1500)\n"
	"  --driver NAME    bridge (default), or routed: each namespace's veth a routed point-to-\n"
	"                   point link, no bridge ports (past a bridge's 1,023; docs/networks.md)\n"
	"  --no-dns         no resolver: namespaces get the host's nameservers as before\n"
	"  --domain NAME    the names' domain (default: the network's name)\n"
	"  --dns-upstream IP  where the resolver forwards other names (up to 3; default: the\n"
	"                   host's /etc/resolv.conf, re-read when it changes)\n"
	"\n"
	"usage: nsnet network create NAME --driver vxlan --subnet CIDR --store URL[,URL]...\n"
	"                            [--vni N] [--port N] [--host-prefix N] [--ttl SECONDS]\n"
	"                            [--underlay IP|IFNAME] [--mtu N]\n"
	"                            [--store-cacert FILE] [--store-cert FILE --store-key FILE]\n"
	"                            [--store-user USER[:PASSWORD]] [--store-password-file FILE]\n"
	"\n"
	"This host's part of an overlay spanning hosts, coordinated through etcd (docs/overlay.md).\n"
	"\n"
	"  --store URL,...  etcd endpoints, http:// or https://\n"
	"  --vni N, --port N, --host-prefix N  the VXLAN id (1), UDP port (4789), block length (24)\n"
	"  --ttl SECONDS    this host's liveness lease (default 10)\n"
	"  --underlay IP|IFNAME  the local VXLAN address (default: source of the route to the store)\n"
	"  --store-cacert FILE   CA certificate that signed the endpoints' (https)\n"
	"  --store-cert FILE, --store-key FILE  client certificate and its key (https)\n"
	"  --store-user USER[:PASSWORD]  etcd user, as with etcdctl; the password, if not\n"
	"                   here (ps shows it), from --store-password-file FILE (its first line,\n"
	"                   read again by every later operation) or $NSNET_STORE_PASSWORD (kept\n"
	"                   in the state dir, mode 0600)\n";

static const char rm_help[] =
	"usage: nsnet network rm NAME [--force]\n"
	"\n"
	"Remove a network: its firewall rules, bridge and leases. Refused while namespaces are\n"
	"attached, unless --force, which detaches them first.\n";

static const char ls_help[] =
	"usage: nsnet network ls [--json]\n"
	"\n"
	"List networks: bridge, subnets, gateways, NAT, attached namespaces.\n";

static const char network_help[] =
	"usage: nsnet network COMMAND ...\n"
	"\n"
	"  create NAME --subnet CIDR ...   create a bridge network\n"
	"  rm NAME [--force]               remove it\n"
	"  ls [--json]                     list networks\n";

/*
 * Addresses that cannot work, refused before the core plans anything (issue 18, item 10): a
 * gateway outside the subnets is malformed (2); a subnet in a special range is refused (1). A
 * subnet holding an address of this host is refused by the core (network_create_apply).
 */
static int network_create_check(struct cli *c, const struct network_req *req)
{
	struct nsnet_err err = { 0 };
	char b[INET6_ADDRSTRLEN];

	for (size_t i = 0; i < req->n_gateways; i++) {
		bool in = false;

		for (size_t k = 0; k < req->n_subnets; k++)
			in |= nsnet_prefix_is_host(&req->subnet[k], &req->gateway[i]);
		if (!in)
			return cli_usage_error(c, "--gateway %s: not a host address of the network's subnets",
					       nsnet_addr_str(&req->gateway[i], b));
	}
	for (size_t i = 0; i < req->n_subnets; i++)
		if (nsnet_subnet_check(&req->subnet[i], &err) < 0)
			return cli_fail(&err);
	return 0;
}

static int network_create(struct cli *c, int argc, char **argv)
{
	struct network_req req = { 0 };
	struct overlay_req ov = { 0 };
	struct nsnet_err err = { 0 };
	const char *val;
	int i, r;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (cli_is_help(a)) {
			fputs(create_help, stdout);
			return EXIT_OK;
		}
		if ((r = cli_opt_value(c, argc, argv, &i, "--subnet", &val)) != 0) {
			if (r < 0)
				return EXIT_USAGE;
			if (req.n_subnets == NSNET_MAX_SUBNETS)
				return cli_usage_error(c, "--subnet %s: at most one IPv4 and one IPv6 subnet", val);
			if (nsnet_prefix_parse(val, &req.subnet[req.n_subnets], &err) < 0)
				return cli_usage_error(c, "%.1023s", err.msg);
			req.n_subnets++;
		} else if ((r = cli_opt_value(c, argc, argv, &i, "--gateway", &val)) != 0) {
			if (r < 0)
				return EXIT_USAGE;
			if (req.n_gateways == NSNET_MAX_SUBNETS)
				return cli_usage_error(c, "--gateway %s: at most one per family", val);
			if (cli_parse_addr(c, "--gateway", val, &req.gateway[req.n_gateways++]))
				return EXIT_USAGE;
		} else if ((r = cli_opt_value(c, argc, argv, &i, "--bridge", &val)) != 0) {
			if (r < 0)
				return EXIT_USAGE;
			req.bridge = val;
		} else if ((r = cli_opt_value(c, argc, argv, &i, "--driver", &val)) != 0) {
			if (r < 0)
				return EXIT_USAGE;
			if (strcmp(val, "bridge") && strcmp(val, "routed") && strcmp(val, "vxlan"))
				return cli_usage_error(c, "--driver %s: expected bridge, routed or vxlan", val);
			req.driver = val;
		} else if ((r = cli_overlay_opt(c, argc, argv, &i, &ov)) != 0) {
			if (r < 0)
				return -r;
		} else if ((r = cli_opt_value(c, argc, argv, &i, "--mtu", &val)) != 0) {
			char *end;
			unsigned long mtu;

			if (r < 0)
				return EXIT_USAGE;
			mtu = strtoul(val, &end, 10);
			if (!*val || *end || val[0] == '-' || mtu < 68 || mtu > 65535)
				return cli_usage_error(c, "--mtu %s: expected a number from 68 to 65535", val);
			req.mtu = (unsigned int)mtu;
		} else if ((r = cli_opt_value(c, argc, argv, &i, "--domain", &val)) != 0) {
			struct nsnet_err derr = { 0 };

			if (r < 0)
				return EXIT_USAGE;
			if (domain_check(val, &derr) < 0)
				return cli_usage_error(c, "--domain %.1000s", derr.msg);
			req.domain = val;
		} else if ((r = cli_opt_value(c, argc, argv, &i, "--dns-upstream", &val)) != 0) {
			if (r < 0)
				return EXIT_USAGE;
			if (req.n_upstream == NSNET_MAX_DNS)
				return cli_usage_error(c, "--dns-upstream %s: at most %d upstreams", val, NSNET_MAX_DNS);
			if (cli_parse_addr(c, "--dns-upstream", val, &req.upstream[req.n_upstream++]))
				return EXIT_USAGE;
		} else if (!strcmp(a, "--no-dns")) {
			req.no_dns = true;
		} else if (!strcmp(a, "--no-nat")) {
			req.no_nat = true;
		} else if (!strcmp(a, "--internal")) {
			req.internal = true;
		} else if (a[0] == '-' && a[1]) {
			return cli_usage_error(c, "unknown option '%s'", a);
		} else if (!req.name) {
			req.name = a;
		} else {
			return cli_usage_error(c, "unexpected argument '%s'", a);
		}
	}
	if (!req.name)
		return cli_usage_error(c, "missing network NAME");
	if (cli_check_name(c, "network", req.name))
		return EXIT_USAGE;
	if (req.n_subnets == 0)
		return cli_usage_error(c, "network %s: missing --subnet CIDR", req.name);
	if (req.bridge && cli_check_ifname(c, "--bridge", req.bridge))
		return EXIT_USAGE;
	if ((r = network_create_check(c, &req)) != 0)
		return r;
	if (req.driver && !strcmp(req.driver, "vxlan")) {
		if (!ov.store)
			return cli_usage_error(c, "network %s: --driver vxlan needs --store http://HOST:PORT", req.name);
		if (ov.user && ov.password && ov.password_file)
			return cli_usage_error(c, "network %s: --store-user USER:PASSWORD and --store-password-file: give one password",
					       req.name);
		if (ov.user && !ov.password && !ov.password_file)
			ov.password = getenv("NSNET_STORE_PASSWORD");
		if (ov.user && !ov.password && !ov.password_file)
			return cli_usage_error(c, "network %s: --store-user %s: no password (give USER:PASSWORD, --store-password-file FILE or NSNET_STORE_PASSWORD)",
					       req.name, ov.user);
		if (!ov.user && (ov.password || ov.password_file))
			return cli_usage_error(c, "network %s: --store-password-file needs --store-user", req.name);
		req.overlay = &ov;
	} else if (ov.store || ov.vni || ov.port || ov.host_prefix || ov.ttl || ov.underlay || ov.cacert || ov.cert ||
		   ov.key || ov.user || ov.password_file) {
		return cli_usage_error(c, "network %s: --store, --store-*, --vni, --port, --host-prefix, --ttl and --underlay need --driver vxlan",
				       req.name);
	}
	if (core_network_create(&c->opts, &req, &err) < 0)
		return cli_fail(&err);
	return EXIT_OK;
}

static int network_rm(struct cli *c, int argc, char **argv)
{
	return cli_rm(c, argc, argv, rm_help, "network", core_network_rm);
}

static int network_ls(struct cli *c, int argc, char **argv)
{
	return cli_ls(c, argc, argv, ls_help, "networks", cli_print_networks);
}

int cmd_network(struct cli *c, int argc, char **argv)
{
	static const struct cli_cmd cmds[] = {
		{ "create", network_create, NULL },
		{ "rm", network_rm, NULL },
		{ "ls", network_ls, NULL },
		{ NULL, NULL, NULL },
	};

	return cli_dispatch(c, "network", cmds, network_help, argc - 1, argv + 1);
}
