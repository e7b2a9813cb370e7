// SPDX-License-Identifier: MIT
// Unit tests for the findings list that gc, check and doctor hand back instead of printing.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "unit.h"

/* What the hook saw, in order: "kind|object|message" per finding. */
struct seen {
	char log[4096];
	int calls;
};

static void seen_add(const struct nsnet_finding *f, void *data)
{
	struct seen *s = data;
	size_t len = strlen(s->log);

	snprintf(s->log + len, sizeof(s->log) - len, "%s|%s|%s;", f->kind, f->object, f->message);
	s->calls++;
}

TEST(test_findings_add_formats_and_copies)
{
	struct nsnet_findings fs = { 0 };
	char object[32] = "namespace/a", fix[16] = "do this";

	CHECK_EQ_INT(findings_add(&fs, "veth-missing", NULL, object, NULL, "namespace %s: host end %s is missing", "a",
				  "nv00000001"), 0);
	CHECK_EQ_INT(findings_add(&fs, "route-overlap", "blocker", "route/10.0.0.128/25", fix, "line one\nline %d", 2), 0);
	/* The list keeps copies: the caller's buffers may change. */
	strcpy(object, "changed");
	strcpy(fix, "changed");
	CHECK_EQ_INT((int)fs.n, 2);
	CHECK(!fs.oom);
	CHECK_EQ_STR(fs.v[0].kind, "veth-missing");
	CHECK(fs.v[0].level == NULL);
	CHECK_EQ_STR(fs.v[0].object, "namespace/a");
	CHECK_EQ_STR(fs.v[0].message, "namespace a: host end nv00000001 is missing");
	CHECK(fs.v[0].fix == NULL);
	CHECK_EQ_STR(fs.v[1].level, "blocker");
	CHECK_EQ_STR(fs.v[1].message, "line one\nline 2");
	CHECK_EQ_STR(fs.v[1].fix, "do this");
	findings_free(&fs);
	CHECK_EQ_INT((int)fs.n, 0);
	CHECK(fs.v == NULL);
	findings_free(&fs);	/* twice is harmless */
}

TEST(test_findings_grow_and_hook_in_order)
{
	struct seen s = { .log = "" };
	struct nsnet_findings fs = { .added = seen_add, .data = &s };
	char want[4096] = "", obj[32];

	/* Past the first allocation (16) and its doubling. */
	for (int i = 0; i < 40; i++) {
		size_t len = strlen(want);

		snprintf(obj, sizeof(obj), "link/nv%08d", i);
		CHECK_EQ_INT(findings_add(&fs, "link-stray", NULL, obj, NULL, "link %d", i), 0);
		snprintf(want + len, sizeof(want) - len, "link-stray|%s|link %d;", obj, i);
	}
	CHECK_EQ_INT((int)fs.n, 40);
	CHECK_EQ_INT(s.calls, 40);
	CHECK_EQ_STR(s.log, want);
	CHECK_EQ_STR(fs.v[39].object, "link/nv00000039");
	CHECK_EQ_STR(fs.v[17].message, "link 17");
	findings_free(&fs);
}

int main(void)
{
	RUN(test_findings_add_formats_and_copies);
	RUN(test_findings_grow_and_hook_in_order);
	return unit_done();
}
