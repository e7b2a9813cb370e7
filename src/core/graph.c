// SPDX-License-Identifier: MIT
// nsnet graph: the topology (networks, namespaces, VIPs, published ports) as Graphviz dot or mermaid text.
#include <errno.h>
#include <string.h>

#include "core/trace.h"

/*
 * Theory of operation. The picture is drawn from core_query()'s JSON, the same data `nsnet ls
 * --json` prints: one node per network (driver, subnets, gateways), per namespace (interfaces
 * and addresses, one edge to each network it is attached to), per VIP (edges to its backends'
 * namespaces, or to the bare address of a backend nsnet does not know) and one "host" node with
 * an edge per published port to its namespace. Node ids are derived from the names with a kind
 * prefix (net_, ns_, vip_), every character outside [A-Za-z0-9_] replaced, so any name nsnet
 * accepts makes a valid id in both languages; labels are quoted and escaped.
 */

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key)) ?: "";
}

/* A node id: @prefix + @name with anything but [A-Za-z0-9] as '_' and its code, so ids stay distinct. */
static void node_id(const char *prefix, const char *name, struct strbuf *out)
{
	strbuf_printf(out, "%s", prefix);
	for (const unsigned char *s = (const unsigned char *)name; *s; s++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9'))
			strbuf_printf(out, "%c", *s);
		else
			strbuf_printf(out, "_%02x", *s);
	}
}

/* @s in a quoted label: '"' and '\' escaped (dot); mermaid gets #quot; for '"'. */
static void label_text(const char *s, bool mermaid, struct strbuf *out)
{
	for (; *s; s++) {
		if (*s == '"')
			strbuf_printf(out, mermaid ? "#quot;" : "\\\"");
		else if (*s == '\\' && !mermaid)
			strbuf_printf(out, "\\\\");
		else if (*s == '\n')
			strbuf_printf(out, mermaid ? "<br/>" : "\\n");
		else
			strbuf_printf(out, "%c", *s);
	}
}

/* "a, b" of a JSON array of strings. */
static void join(const json_t *arr, struct strbuf *out)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
		strbuf_printf(out, "%s%s", i ? ", " : "", json_string_value(v) ?: "");
}

struct graph {
	bool mermaid;
	struct strbuf *out;
};

static void g_node(struct graph *g, const char *prefix, const char *name, const char *shape, const char *label)
{
	strbuf_printf(g->out, "  ");
	node_id(prefix, name, g->out);
	if (g->mermaid) {
		/* box: rectangle, ellipse: stadium, component (a namespace): rounded, hexagon: hexagon */
		static const char *const shapes[][3] = {
			{ "box", "[\"", "\"]" }, { "ellipse", "([\"", "\"])" }, { "component", "(\"", "\")" },
			{ "hexagon", "{{\"", "\"}}" },
		};
		size_t k = 0;

		while (k < 3 && strcmp(shapes[k][0], shape))
			k++;
		strbuf_printf(g->out, "%s", shapes[k][1]);
		label_text(label, true, g->out);
		strbuf_printf(g->out, "%s\n", shapes[k][2]);
	} else {
		strbuf_printf(g->out, " [shape=%s, label=\"", shape);
		label_text(label, false, g->out);
		strbuf_printf(g->out, "\"];\n");
	}
}

static void g_edge(struct graph *g, const char *pa, const char *a, const char *pb, const char *b, const char *label, bool dashed)
{
	strbuf_printf(g->out, "  ");
	node_id(pa, a, g->out);
	if (g->mermaid) {
		strbuf_printf(g->out, dashed ? " -.->" : " ---");
		if (*label) {
			strbuf_printf(g->out, "|\"");
			label_text(label, true, g->out);
			strbuf_printf(g->out, "\"|");
		}
		strbuf_printf(g->out, " ");
		node_id(pb, b, g->out);
		strbuf_printf(g->out, "\n");
		return;
	}
	strbuf_printf(g->out, " -> ");
	node_id(pb, b, g->out);
	strbuf_printf(g->out, " [label=\"");
	label_text(label, false, g->out);
	strbuf_printf(g->out, "\"%s];\n", dashed ? ", style=dashed" : ", dir=none");
}

static void graph_render(const json_t *topo, struct graph *g)
{
	size_t i, k, m;
	json_t *v, *att, *b;
	struct strbuf l = { 0 };

	strbuf_printf(g->out, g->mermaid ? "flowchart LR\n" : "digraph nsnet {\n  rankdir=LR;\n  node [fontname=\"sans\"];\n"
		      "  edge [fontname=\"sans\", fontsize=10];\n");
	g_node(g, "host", "", "ellipse", "host");
	json_array_foreach(json_object_get(topo, "networks"), i, v) {
		strbuf_free(&l);
		strbuf_printf(&l, "network %s\n%s %s\nsubnet ", str(v, "name"),
			      *str(v, "driver") ? str(v, "driver") : "bridge", str(v, "bridge"));
		join(json_object_get(v, "subnets"), &l);
		strbuf_printf(&l, "\ngateway ");
		join(json_object_get(v, "gateways"), &l);
		if (json_is_true(json_object_get(v, "internal")))
			strbuf_printf(&l, "\ninternal");
		g_node(g, "net_", str(v, "name"), "box", strbuf_str(&l));
		if (!json_is_true(json_object_get(v, "internal")))
			g_edge(g, "host", "", "net_", str(v, "name"), json_is_true(json_object_get(v, "nat")) ? "NAT" : "routed", false);
	}
	json_array_foreach(json_object_get(topo, "namespaces"), i, v) {
		strbuf_free(&l);
		strbuf_printf(&l, "%s", str(v, "name"));
		json_array_foreach(json_object_get(v, "attachments"), k, att) {
			strbuf_printf(&l, "\n%s ", str(att, "ifname"));
			join(json_object_get(att, "addresses"), &l);
		}
		g_node(g, "ns_", str(v, "name"), "component", strbuf_str(&l));
		json_array_foreach(json_object_get(v, "attachments"), k, att)
			g_edge(g, "net_", str(att, "network"), "ns_", str(v, "name"), str(att, "ifname"), false);
	}
	json_array_foreach(json_object_get(topo, "vips"), i, v) {
		char id[96];

		snprintf(id, sizeof(id), "%lld", (long long)json_integer_value(json_object_get(v, "id")));
		strbuf_free(&l);
		strbuf_printf(&l, "VIP %s%s%s:%lld/%s", str(v, "name"), *str(v, "name") ? " " : "", str(v, "address"),
			      (long long)json_integer_value(json_object_get(v, "port")), str(v, "protocol"));
		g_node(g, "vip_", id, "hexagon", strbuf_str(&l));
		json_array_foreach(json_object_get(v, "backends"), m, b) {
			char port[64];

			snprintf(port, sizeof(port), "%s:%lld", str(b, "address"), (long long)json_integer_value(json_object_get(b, "port")));
			if (*str(b, "namespace")) {
				g_edge(g, "vip_", id, "ns_", str(b, "namespace"), port, true);
			} else {
				g_node(g, "addr_", port, "ellipse", port);
				g_edge(g, "vip_", id, "addr_", port, "", true);
			}
		}
	}
	json_array_foreach(json_object_get(topo, "ports"), i, v) {
		char label[128];

		snprintf(label, sizeof(label), "%s:%lld -> %lld/%s", *str(v, "host_ip") ? str(v, "host_ip") : "*",
			 (long long)json_integer_value(json_object_get(v, "host_port")),
			 (long long)json_integer_value(json_object_get(v, "port")), str(v, "protocol"));
		g_edge(g, "host", "", "ns_", str(v, "namespace"), label, true);
	}
	if (!g->mermaid)
		strbuf_printf(g->out, "}\n");
	strbuf_free(&l);
}

int core_graph(const struct nsnet_opts *o, const char *format, struct strbuf *out, struct nsnet_err *err)
{
	struct graph g = { .out = out };
	json_t *topo;
	int r;

	if (strcmp(format, "dot") && strcmp(format, "mermaid"))
		return nsnet_err_set(err, EINVAL, "graph: format %s: expected dot, svg or mermaid", format);
	g.mermaid = !strcmp(format, "mermaid");
	if ((r = core_query(o, &topo, err)) < 0)
		return r;
	graph_render(topo, &g);
	json_decref(topo);
	return 0;
}
