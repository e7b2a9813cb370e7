// SPDX-License-Identifier: MIT
// Human and JSON output of what exists.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

void cli_print_json(const json_t *j)
{
	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
}

/* Join a JSON array of strings with @sep into stdout. */
static void print_strings(const json_t *arr, const char *sep, const char *none)
{
	size_t i;
	json_t *v;

	if (json_array_size(arr) == 0) {
		fputs(none, stdout);
		return;
	}
	json_array_foreach(arr, i, v)
		printf("%s%s", i ? sep : "", json_string_value(v));
}

/* "  rate in 8mbit out 2mbit" for an attachment with a "limit" (nothing without one). */
static void print_limit(const json_t *a)
{
	const json_t *l = json_object_get(a, "limit");
	char buf[NSNET_RATE_STRLEN];

	if (!l)
		return;
	fputs("  rate", stdout);
	if (json_integer_value(json_object_get(l, "rate_in")) > 0)
		printf(" in %s", rate_str((uint64_t)json_integer_value(json_object_get(l, "rate_in")), buf));
	if (json_integer_value(json_object_get(l, "rate_out")) > 0)
		printf(" out %s", rate_str((uint64_t)json_integer_value(json_object_get(l, "rate_out")), buf));
}

/* String member @key of @o, or "?" (records from disk may lack one). */
static const char *jstr(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v ? v : "?";
}

/* A routed network has no bridge: its link column says so instead of naming one (docs/networks.md). */
static bool net_routed(const json_t *n)
{
	const char *d = json_string_value(json_object_get(n, "driver"));

	return d && !strcmp(d, "routed");
}

static const char *net_link(const json_t *n)
{
	return net_routed(n) ? "routed" : json_string_value(json_object_get(n, "bridge"));
}

static const char *net_mode(const json_t *n)
{
	if (json_is_true(json_object_get(n, "internal")))
		return "internal";
	return json_is_true(json_object_get(n, "nat")) ? "nat" : "no-nat";
}

void cli_print_networks(const json_t *nets)
{
	size_t i, k;
	json_t *n, *sub;

	printf("%-16s %-15s %-32s %-8s %s\n", "NAME", "BRIDGE", "SUBNETS", "MODE", "NAMESPACES");
	json_array_foreach(nets, i, n) {
		char subnets[128] = "";

		json_array_foreach(json_object_get(n, "subnets"), k, sub)
			snprintf(subnets + strlen(subnets), sizeof(subnets) - strlen(subnets), "%s%s",
				 k ? "," : "", json_string_value(sub));
		printf("%-16s %-15s %-32s %-8s ", json_string_value(json_object_get(n, "name")), net_link(n), subnets,
		       net_mode(n));
		print_strings(json_object_get(n, "namespaces"), ",", "-");
		putchar('\n');
	}
}

void cli_print_namespaces(const json_t *nss)
{
	size_t i, k;
	json_t *n, *a;

	printf("%-20s %-9s %s\n", "NAME", "MANAGED", "ATTACHMENTS");
	json_array_foreach(nss, i, n) {
		const json_t *atts = json_object_get(n, "attachments");

		printf("%-20s %-9s ", json_string_value(json_object_get(n, "name")),
		       !json_is_true(json_object_get(n, "exists")) ? "gone" :
		       json_is_true(json_object_get(n, "managed")) ? "yes" : "no");
		if (json_array_size(atts) == 0)
			fputs("-", stdout);
		json_array_foreach(atts, k, a) {
			printf("%s%s:%s ", k ? "  " : "", json_string_value(json_object_get(a, "network")),
			       json_string_value(json_object_get(a, "ifname")));
			print_strings(json_object_get(a, "addresses"), ",", "-");
			print_limit(a);
		}
		putchar('\n');
	}
}

void cli_print_tree(const json_t *root)
{
	const json_t *nets = json_object_get(root, "networks"), *nss = json_object_get(root, "namespaces");
	size_t i, k;
	json_t *n, *a;
	bool any = false;

	json_array_foreach(nets, i, n) {
		const json_t *atts = json_object_get(n, "attachments");

		printf("%s  %s %s  ", json_string_value(json_object_get(n, "name")), net_routed(n) ? "driver" : "bridge",
		       net_link(n));
		print_strings(json_object_get(n, "subnets"), " ", "-");
		printf("  gateway ");
		print_strings(json_object_get(n, "gateways"), " ", "-");
		printf("  %s\n", net_mode(n));
		if (json_is_object(json_object_get(n, "dns"))) {
			const json_t *d = json_object_get(n, "dns");

			printf("   resolver ");
			print_strings(json_object_get(d, "servers"), " ", "-");
			printf("  domain %s  ", jstr(d, "domain"));
			if (json_is_integer(json_object_get(d, "pid")))
				printf("PID %lld %s\n", (long long)json_integer_value(json_object_get(d, "pid")),
				       json_is_true(json_object_get(d, "running")) ? "running" : "NOT RUNNING");
			else
				printf("not running\n");
		}
		json_array_foreach(atts, k, a) {
			printf("%s %s  %s  ", k + 1 == json_array_size(atts) ? "└─" : "├─",
			       json_string_value(json_object_get(a, "namespace")),
			       json_string_value(json_object_get(a, "ifname")));
			print_strings(json_object_get(a, "addresses"), " ", "-");
			print_limit(a);
			if (json_string_value(json_object_get(a, "container_id")))
				printf("  (CNI container %.24s)", json_string_value(json_object_get(a, "container_id")));
			putchar('\n');
		}
	}
	json_array_foreach(nss, i, n) {
		if (json_array_size(json_object_get(n, "attachments")))
			continue;
		if (!any)
			printf("%snamespaces on no network:\n", json_array_size(nets) ? "\n" : "");
		any = true;
		printf("  %s%s\n", json_string_value(json_object_get(n, "name")),
		       json_is_true(json_object_get(n, "managed")) ? "" : "  (not managed by nsnet)");
	}
	if (json_array_size(json_object_get(root, "vips"))) {
		printf("\nvirtual IPs:\n");
		cli_print_vips(json_object_get(root, "vips"));
	}
	if (json_array_size(json_object_get(root, "ports"))) {
		printf("\npublished ports:\n");
		cli_print_ports(json_object_get(root, "ports"));
	}
	if (json_array_size(json_object_get(root, "pools"))) {
		printf("\naddress pools (nsnet as a CNI IPAM plugin):\n");
		json_array_foreach(json_object_get(root, "pools"), i, n) {
			printf("  %s  ", jstr(n, "name"));
			print_strings(json_object_get(n, "subnets"), " ", "-");
			printf("  %zu lease%s\n", json_array_size(json_object_get(n, "leases")),
			       json_array_size(json_object_get(n, "leases")) == 1 ? "" : "s");
			json_array_foreach(json_object_get(n, "leases"), k, a)
				printf("    %s  container %.24s  %s\n", jstr(a, "address"), jstr(a, "container_id"),
				       jstr(a, "ifname"));
		}
	}
	if (!json_array_size(nets) && !any && !json_array_size(json_object_get(root, "vips")) &&
	    !json_array_size(json_object_get(root, "ports")) && !json_array_size(json_object_get(root, "pools")))
		printf("no networks, no namespaces\n");
}

void cli_print_vips(const json_t *vips)
{
	size_t i, k;
	json_t *v, *b;

	printf("%-28s %-5s %-9s %-12s %s\n", "VIP", "PROTO", "AFFINITY", "NAME", "BACKENDS");
	json_array_foreach(vips, i, v) {
		const char *addr = json_string_value(json_object_get(v, "address"));
		char ep[80];

		snprintf(ep, sizeof(ep), strchr(addr, ':') ? "[%s]:%d" : "%s:%d", addr,
			 (int)json_integer_value(json_object_get(v, "port")));
		char aff[24] = "-";

		if (json_integer_value(json_object_get(v, "affinity")))
			snprintf(aff, sizeof(aff), "%llds", (long long)json_integer_value(json_object_get(v, "affinity")));
		printf("%-28s %-5s %-9s ", ep, json_string_value(json_object_get(v, "protocol")), aff);
		printf("%-12s ", *json_string_value(json_object_get(v, "name")) ? json_string_value(json_object_get(v, "name")) : "-");
		if (!json_array_size(json_object_get(v, "backends")))
			fputs("(none: rejects)", stdout);
		json_array_foreach(json_object_get(v, "backends"), k, b) {
			const char *ba = json_string_value(json_object_get(b, "address"));
			const char *ns = json_string_value(json_object_get(b, "namespace"));

			printf(strchr(ba, ':') ? "%s[%s]:%d" : "%s%s:%d", k ? " " : "", ba, (int)json_integer_value(json_object_get(b, "port")));
			if (ns)
				printf("(%s)", ns);
		}
		putchar('\n');
	}
}

void cli_print_ports(const json_t *ports)
{
	size_t i;
	json_t *p;

	printf("%-16s %-5s %-24s %s\n", "NAMESPACE", "PROTO", "HOST", "TARGET");
	json_array_foreach(ports, i, p) {
		const char *hip = json_string_value(json_object_get(p, "host_ip"));
		const char *tgt = json_string_value(json_object_get(p, "target"));
		char host[80], target[80];

		snprintf(host, sizeof(host), strchr(hip, ':') ? "[%s]:%d" : "%s:%d", *hip ? hip : "*",
			 (int)json_integer_value(json_object_get(p, "host_port")));
		snprintf(target, sizeof(target), strchr(tgt, ':') ? "[%s]:%d" : "%s:%d", tgt,
			 (int)json_integer_value(json_object_get(p, "port")));
		printf("%-16s %-5s %-24s %s (%s)\n", json_string_value(json_object_get(p, "namespace")),
		       json_string_value(json_object_get(p, "protocol")), host, target,
		       json_string_value(json_object_get(p, "network")));
	}
}

/* @s with each '\n' followed by @indent spaces (a finding's line breaks, under its first line). */
static void print_indented(const char *s, size_t indent)
{
	for (; *s; s++) {
		putchar(*s);
		if (*s == '\n')
			printf("%*s", (int)indent, "");
	}
}

void cli_print_finding(const struct nsnet_finding *f, void *prefix)
{
	const char *p = prefix ? prefix : f->level ? f->level : "?";
	size_t indent = strlen(p) + 2, len = strlen(f->message);

	printf("%s: ", p);
	print_indented(f->message, indent);
	if (f->fix) {
		/* After a full sentence the fix follows it; a parenthesised one goes on a line of its own. */
		if (len && f->message[len - 1] == '.')
			putchar(' ');
		else if (f->fix[0] == '(')
			printf("\n%*s", (int)indent, "");
		else
			fputs(": ", stdout);
		print_indented(f->fix, indent);
	}
	putchar('\n');
}

/* @s as one line: the line breaks meant for a terminal become spaces. NULL stays NULL (JSON null). */
static json_t *one_line(const char *s)
{
	json_t *j;
	char *t;

	if (!s)
		return json_null();
	if (!(t = strdup(s)))
		return NULL;
	for (char *p = t; *p; p++)
		if (*p == '\n')
			*p = ' ';
	j = json_string(t);
	free(t);
	return j;
}

int cli_print_findings_json(const struct nsnet_findings *fs, bool ok, bool doctor, const char *error)
{
	json_t *root = json_object(), *arr = json_array();
	int r = 0;

	if (!root || !arr || json_object_set_new(root, "findings", arr) < 0) {
		json_decref(arr);
		r = -1;
	}
	for (size_t i = 0; r == 0 && i < fs->n; i++) {
		const struct nsnet_finding *f = &fs->v[i];
		json_t *o = json_pack("{s:s, s:s, s:o}", "kind", f->kind, "object", f->object, "message",
				      one_line(f->message));

		if (o && doctor && (json_object_set_new(o, "level", json_string(f->level ? f->level : "?")) < 0 ||
				    json_object_set_new(o, "fix", one_line(f->fix)) < 0)) {
			json_decref(o);
			o = NULL;
		}
		if (!o || json_array_append_new(arr, o) < 0)
			r = -1;
	}
	if (r == 0 && (json_object_set_new(root, "ok", json_boolean(ok)) < 0 ||
		       (error && json_object_set_new(root, "error", json_string(error)) < 0)))
		r = -1;
	if (r == 0)
		cli_print_json(root);
	json_decref(root);
	return r;
}
