// SPDX-License-Identifier: MIT
// nsnet trace (the path of one probe and every verdict on it) and nsnet graph (the topology as a picture).
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/trace.h"
#include "util/spawn.h"

static const char trace_help[] =
	"usage: nsnet trace SRC DST[:PORT][/tcp|/udp|/icmp] [--json] [--timeout SECONDS]\n"
	"\n"
	"Why can SRC (a namespace, or `host`) reach DST or not? DST is a namespace name, an address,\n"
	"a VIP or a host address with a published port (IPv6 with a port: [ADDR]:PORT). Without a port\n"
	"the probe is an ICMP echo; with one, a TCP connection (or /udp). First the checks that need no\n"
	"packet (route in SRC, link and bridge port, forwarding, rp_filter, br_netfilter); then one real\n"
	"probe from inside SRC, traced with nftables tracing in every namespace on the path (temporary\n"
	"tables owned by nsnet's netlink socket: the kernel removes them when nsnet exits or is killed).\n"
	"Prints every hop: namespace, kind, table, chain, rule (nsnet's by what it is for), verdict, and\n"
	"the result: connected, refused, dropped, no-route or timeout.\n"
	"\n"
	"  --json             {\"result\", \"hops\": [{\"netns\", \"kind\", \"family\", \"table\", \"chain\",\n"
	"                     \"rule\", \"verdict\", \"detail\"}...], \"checks\", ...} (docs/trace.md)\n"
	"  --timeout SECONDS  how long to wait for an answer (default 2)\n"
	"\n"
	"Exit status: 0 DST was reached (connected, or refused: nobody listens), 1 it was not, 2 usage.\n";

static const char graph_help[] =
	"usage: nsnet graph [--format dot|svg|mermaid] [-o FILE]\n"
	"\n"
	"Draw the topology: networks (driver, subnet, gateway), namespaces with their interfaces and\n"
	"addresses, VIPs with edges to their backends, published ports from the host. dot (default) and\n"
	"mermaid are text; svg runs Graphviz's `dot -Tsvg`. -o FILE writes to FILE instead of stdout.\n";

static void print_trace(const json_t *j)
{
	size_t i;
	json_t *h;
	const char *note = json_string_value(json_object_get(j, "note"));

	printf("trace %s -> %s (%s", json_string_value(json_object_get(j, "src")),
	       json_string_value(json_object_get(j, "dst")), json_string_value(json_object_get(j, "address")));
	if (json_integer_value(json_object_get(j, "port")))
		printf(" port %lld", (long long)json_integer_value(json_object_get(j, "port")));
	printf(", %s", json_string_value(json_object_get(j, "protocol")));
	if (json_integer_value(json_object_get(j, "source_port")))
		printf(" from %s %lld", !strcmp(json_string_value(json_object_get(j, "protocol")) ?: "", "icmp") ? "id" : "port",
		       (long long)json_integer_value(json_object_get(j, "source_port")));
	printf(")\n\nchecks:\n");
	json_array_foreach(json_object_get(j, "checks"), i, h)
		printf("  %-4s %-13s %s\n", json_is_true(json_object_get(h, "ok")) ? "ok" : "FAIL",
		       json_string_value(json_object_get(h, "check")), json_string_value(json_object_get(h, "detail")));
	printf("\nhops:\n");
	json_array_foreach(json_object_get(j, "hops"), i, h) {
		const char *table = json_string_value(json_object_get(h, "table")) ?: "";
		const char *rule = json_string_value(json_object_get(h, "rule")) ?: "";

		printf("  %2zu %-8s %-9s", i + 1, json_string_value(json_object_get(h, "netns")),
		       json_string_value(json_object_get(h, "kind")));
		if (!*table && !*rule) {
			printf(" %s\n", json_string_value(json_object_get(h, "detail")));
			continue;
		}
		if (*table)
			printf(" %s %s %s:", json_string_value(json_object_get(h, "family")), table,
			       json_string_value(json_object_get(h, "chain")));
		if (*rule)
			printf(" %s", rule);
		printf(" -> %s\n", json_string_value(json_object_get(h, "verdict")));
		printf("  %2s %-8s %-9s %s\n", "", "", "", json_string_value(json_object_get(h, "detail")));
	}
	if (json_object_get(j, "dropped_by")) {
		const json_t *d = json_object_get(j, "dropped_by");

		printf("\ndropped in %s by %s %s %s: %s\n", json_string_value(json_object_get(d, "netns")),
		       json_string_value(json_object_get(d, "family")), json_string_value(json_object_get(d, "table")),
		       json_string_value(json_object_get(d, "chain")), json_string_value(json_object_get(d, "rule")));
	}
	if (note)
		printf("\nnote: %s\n", note);
	printf("\nresult: %s\n", json_string_value(json_object_get(j, "result")));
}

int cmd_trace(struct cli *c, int argc, char **argv)
{
	struct trace_req req = { .timeout_ms = 2000 };
	struct nsnet_err err = { 0 };
	const char *pos[2] = { NULL, NULL }, *val;
	char dst[512];
	bool json = false;
	json_t *out = NULL;
	int n = 0, r;

	for (int i = 1; i < argc; i++) {
		if (cli_is_help(argv[i])) {
			fputs(trace_help, stdout);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if ((r = cli_opt_value(c, argc, argv, &i, "--timeout", &val)) != 0) {
			char *end;
			double s;

			if (r < 0)
				return EXIT_USAGE;
			s = strtod(val, &end);
			if (!*val || *end || !(s > 0) || s > 3600)
				return cli_usage_error(c, "--timeout %s: expected seconds, more than 0 and at most 3600", val);
			req.timeout_ms = (unsigned int)(s * 1000);
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return cli_usage_error(c, "trace: unknown option %s", argv[i]);
		} else if (n < 2) {
			pos[n++] = argv[i];
		} else {
			return cli_usage_error(c, "trace: unexpected argument '%s'", argv[i]);
		}
	}
	if (n < 2)
		return cli_usage_error(c, "trace: expected SRC DST[:PORT][/tcp|/udp|/icmp]");
	if (c->opts.dry_run)
		return cli_usage_error(c, "trace: not with --dry-run (it changes nothing but a temporary trace table)");
	req.src = pos[0];
	if (strcmp(req.src, "host") && cli_check_name(c, "namespace", req.src))
		return EXIT_USAGE;
	if (trace_dst_parse(pos[1], dst, sizeof(dst), &req, &err) < 0) {
		fprintf(stderr, "nsnet: %s\n", err.msg);
		return EXIT_USAGE;
	}
	r = core_trace(&c->opts, &req, &out, &err);
	if (r < 0)
		return cli_fail(&err);
	if (json) {
		char *s = json_dumps(out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

		if (s)
			printf("%s\n", s);
		free(s);
	} else {
		print_trace(out);
	}
	json_decref(out);
	return r == 0 ? EXIT_OK : EXIT_FAIL;
}

int cmd_graph(struct cli *c, int argc, char **argv)
{
	const char *format = "dot", *file = NULL, *val;
	struct strbuf text = { 0 }, svg = { 0 }, errout = { 0 };
	struct nsnet_err err = { 0 };
	const struct strbuf *result = &text;
	int r;

	for (int i = 1; i < argc; i++) {
		if (cli_is_help(argv[i])) {
			fputs(graph_help, stdout);
			return EXIT_OK;
		} else if ((r = cli_opt_value(c, argc, argv, &i, "--format", &val)) != 0) {
			if (r < 0)
				return EXIT_USAGE;
			format = val;
		} else if ((r = cli_opt_value(c, argc, argv, &i, "-o", &val)) != 0) {
			if (r < 0)
				return EXIT_USAGE;
			file = val;
		} else {
			return cli_usage_error(c, "graph: unexpected argument '%s'", argv[i]);
		}
	}
	if (strcmp(format, "dot") && strcmp(format, "svg") && strcmp(format, "mermaid"))
		return cli_usage_error(c, "graph: format %s: expected dot, svg or mermaid", format);
	if ((r = core_graph(&c->opts, !strcmp(format, "svg") ? "dot" : format, &text, &err)) < 0) {
		strbuf_free(&text);
		return cli_fail(&err);
	}
	if (!strcmp(format, "svg")) {
		char *dot[] = { "dot", "-Tsvg", NULL };

		r = spawn_run(dot, strbuf_str(&text), &svg, &errout, &err);
		if (r == -ENOENT) {
			fprintf(stderr, "nsnet: graph --format svg needs Graphviz's `dot` (Debian: apt-get install graphviz); "
				"--format dot prints its input\n");
		} else if (r != 0) {
			fprintf(stderr, "nsnet: dot -Tsvg failed: %s\n", r < 0 ? err.msg : strbuf_str(&errout));
		}
		if (r != 0) {
			strbuf_free(&text);
			strbuf_free(&svg);
			strbuf_free(&errout);
			return EXIT_FAIL;
		}
		result = &svg;
	}
	if (file) {
		FILE *f = fopen(file, "we");

		if (!f || fputs(strbuf_str(result), f) < 0 || fclose(f) != 0) {
			fprintf(stderr, "nsnet: graph: cannot write %s: %s\n", file, strerror(errno));
			r = EXIT_FAIL;
		}
	} else {
		fputs(strbuf_str(result), stdout);
	}
	strbuf_free(&text);
	strbuf_free(&svg);
	strbuf_free(&errout);
	return r ? EXIT_FAIL : EXIT_OK;
}
