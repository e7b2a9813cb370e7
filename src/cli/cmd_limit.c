// SPDX-License-Identifier: MIT
// nsnet limit, and the --rate-in/--rate-out/--burst options that ns add and attach share with it.
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

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
