// SPDX-License-Identifier: MIT
// libFuzzer target: topology files (`nsnet apply`), which a user writes and root reads.
/*
 * Built by the Makefile (`make fuzz-bins`, also by `make check` when clang has libFuzzer)
 * into BUILD/fuzz/fuzz_topology. Seeds: tests/fuzz/corpus/topology (the files of docs/topology.md).
 *
 * One input is a whole file for topo_parse(). Beyond "no crash, no leak":
 *  - a refusal is -EINVAL (or -ENOMEM) with the code set and a one-line message that starts with
 *    the file's "LINE:COL: ", as every refusal of a file must (docs/topology.md);
 *  - what is accepted renders (topo_render), the rendering is accepted again, and renders to the
 *    same text: export's "export -> apply -> export gives the same file" at the parser's level.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "topology/topology.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_refusal(int r, const struct nsnet_err *err)
{
	const char *p = err->msg;

	if (r != -EINVAL && r != -ENOMEM)
		abort();
	if (err->code != -r || !err->msg[0] || strchr(err->msg, '\n') || strchr(err->msg, '\r'))
		abort();
	if (r == -ENOMEM)
		return;
	/* "LINE:COL: " */
	if (*p < '0' || *p > '9')
		abort();
	p += strspn(p, "0123456789");
	if (*p++ != ':' || *p < '0' || *p > '9')
		abort();
	p += strspn(p, "0123456789");
	if (p[0] != ':' || p[1] != ' ')
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nsnet_err err = { 0 };
	struct strbuf a = { 0 }, b = { 0 };
	struct topo t, u;
	int r = topo_parse((const char *)data, size, &t, &err);

	if (r < 0) {
		check_refusal(r, &err);
		return 0;
	}
	topo_render(&t, &a);
	if (a.oom)
		abort();
	memset(&err, 0, sizeof(err));
	if (topo_parse(strbuf_str(&a), a.len, &u, &err) < 0)
		abort();	/* what export writes, apply must read */
	topo_render(&u, &b);
	if (b.oom || strcmp(strbuf_str(&a), strbuf_str(&b)))
		abort();
	topo_free(&t);
	topo_free(&u);
	strbuf_free(&a);
	strbuf_free(&b);
	return 0;
}
