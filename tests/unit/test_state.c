// SPDX-License-Identifier: MIT
// Unit tests for state/store: the id allocator that cannot repeat (issue 18, item 9) and the
// --wait parser.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state/store.h"
#include "unit.h"

static char tmpdir[64];

/* A fresh state dir with the kind folders; the struct points at it without state_open(). */
static void st_fresh(struct state *st)
{
	char path[PATH_MAX + 32];

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/nsnet-unit-state.XXXXXX");
	if (!mkdtemp(tmpdir))
		abort();
	memset(st, 0, sizeof(*st));
	st->lock_fd = -1;
	snprintf(st->dir, sizeof(st->dir), "%s", tmpdir);
	snprintf(path, sizeof(path), "%s/%s", tmpdir, STATE_IDS);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/%s", tmpdir, STATE_VIPS);
	mkdir(path, 0700);
}

static void st_put(struct state *st, const char *kind, const char *name, const char *text)
{
	CHECK_EQ_INT(state_write_text(st, kind, name, text, strlen(text), NULL), 0);
}

static void st_gone(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "# could not remove %s\n", tmpdir);
}

/* With the vip counter set to @counter (NULL: as it is), the next vip id is @want. */
static void check_next_vip_id(struct state *st, const char *counter, unsigned int want)
{
	unsigned int id = 0;

	if (counter)
		st_put(st, STATE_IDS, "vip", counter);
	CHECK_EQ_INT(state_id_next(st, "vip", STATE_VIPS, &id, NULL), 0);
	CHECK_EQ_INT(id, want);
}

TEST(test_id_next_empty)
{
	struct state st;

	st_fresh(&st);
	check_next_vip_id(&st, NULL, 1);
	check_next_vip_id(&st, "{\"next\":7}", 7);
	st_gone();
}

/* Item 9: a corrupt counter must not hand out an id a record has. */
TEST(test_id_next_corrupt_counter)
{
	static const char *const bad[] = { "{\"next\":\"x\"}", "garbage", "{\"next\":0}", "{\"next\":-5}",
					   "{\"next\":99999999999}", "{}", "{\"next\":1.5}" };
	struct state st;

	st_fresh(&st);
	st_put(&st, STATE_VIPS, "tcp-10.100.0.1-80", "{\"id\":1}");
	st_put(&st, STATE_VIPS, "tcp-10.100.0.2-80", "{\"id\":4}");
	st_put(&st, STATE_VIPS, "tcp-10.100.0.3-80", "not json");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		check_next_vip_id(&st, bad[i], 5);
	/*
	 * A well-formed counter is trusted without a scan (one read per add, also at 10,000 VIPs): the
	 * state dir is root's alone. `nsnet check` reports duplicate ids a hand-edited one could cause.
	 */
	check_next_vip_id(&st, "{\"next\":2}", 2);
	/* Ahead is fine: ids need not be dense. */
	check_next_vip_id(&st, "{\"next\":40}", 40);
	st_gone();
}

TEST(test_id_next_exhausted)
{
	struct state st;
	struct nsnet_err e = { 0 };
	char rec[64];
	unsigned int id = 0;

	st_fresh(&st);
	snprintf(rec, sizeof(rec), "{\"id\":%d}", STATE_ID_MAX);
	st_put(&st, STATE_VIPS, "tcp-10.100.0.1-80", rec);
	CHECK_EQ_INT(state_id_next(&st, "vip", STATE_VIPS, &id, &e), -ENOSPC);
	CHECK(strstr(e.msg, "no vip id left") != NULL);
	st_gone();
}

TEST(test_wait_parse)
{
	struct nsnet_err e = { 0 };
	unsigned int s = 99;

	CHECK_EQ_INT(state_wait_parse("0", &s, NULL), 0);
	CHECK_EQ_INT(s, 0);
	CHECK_EQ_INT(state_wait_parse("86400", &s, NULL), 0);
	CHECK_EQ_INT(s, 86400);
	CHECK_EQ_INT(state_wait_parse("86401", &s, NULL), -EINVAL);
	CHECK_EQ_INT(state_wait_parse("-1", &s, NULL), -EINVAL);
	CHECK_EQ_INT(state_wait_parse("", &s, NULL), -EINVAL);
	CHECK_EQ_INT(state_wait_parse("1x", &s, NULL), -EINVAL);
	CHECK_EQ_INT(state_wait_parse("99999999999999999999999", &s, &e), -EINVAL);
	CHECK(strstr(e.msg, "expected seconds") != NULL);
}

int main(void)
{
	RUN(test_id_next_empty);
	RUN(test_id_next_corrupt_counter);
	RUN(test_id_next_exhausted);
	RUN(test_wait_parse);
	return unit_done();
}
