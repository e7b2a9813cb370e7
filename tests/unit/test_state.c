// SPDX-License-Identifier: MIT
// Unit tests for state/store: the id allocator that cannot repeat (issue 18, item 9) and the
// --wait parser.
#include <errno.h>
#include <fcntl.h>
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

/* The text of @kind/@name as state_read_text() gives it, or "-" when there is none. */
static void check_text(struct state *st, const char *kind, const char *name, const char *want)
{
	char *text = NULL;
	int r = state_read_text(st, kind, name, &text, NULL);

	CHECK_EQ_INT(r, !strcmp(want, "-") ? -ENOENT : 0);
	if (r == 0)
		CHECK_EQ_STR(text, want);
	CHECK_EQ_INT(state_has(st, kind, name), strcmp(want, "-") != 0);
	free(text);
}

/* Under the lock, records are cached: what is read is what this process last wrote or removed. */
TEST(test_cache_follows_writes)
{
	char path[PATH_MAX + 64];
	struct state st;
	FILE *f;

	st_fresh(&st);
	st.lock_fd = open(tmpdir, O_RDONLY | O_CLOEXEC);	/* "locked": the cache is on */
	check_text(&st, STATE_IDS, "a", "-");
	st_put(&st, STATE_IDS, "a", "{\"x\":1}\n");
	check_text(&st, STATE_IDS, "a", "{\"x\":1}\n");
	CHECK_EQ_INT(state_remove(&st, STATE_IDS, "a", NULL), 0);
	check_text(&st, STATE_IDS, "a", "-");
	st_put(&st, STATE_IDS, "a", "2");
	check_text(&st, STATE_IDS, "a", "2");
	/* Exactly a page, and more: read whole. */
	{
		char big[9000];

		memset(big, 'x', sizeof(big) - 1);
		big[sizeof(big) - 1] = 0;
		big[4095] = 0;
		st_put(&st, STATE_IDS, "b", big);
		state_cache_drop(&st);
		check_text(&st, STATE_IDS, "b", big);
		big[4095] = 'x';
		st_put(&st, STATE_IDS, "b", big);
		state_cache_drop(&st);
		check_text(&st, STATE_IDS, "b", big);
	}
	/* A change behind the store's back is seen once the cache is dropped (gc's quarantine does that). */
	check_text(&st, STATE_IDS, "a", "2");	/* cached again */
	snprintf(path, sizeof(path), "%s/%s/a.json", tmpdir, STATE_IDS);
	CHECK((f = fopen(path, "w")) != NULL);
	if (f) {
		fputs("3", f);
		fclose(f);
	}
	check_text(&st, STATE_IDS, "a", "2");
	state_cache_drop(&st);
	check_text(&st, STATE_IDS, "a", "3");
	/* More records than the cache holds: each still reads right. */
	for (int i = 0; i < 40; i++) {
		char name[16], text[16];

		snprintf(name, sizeof(name), "n%d", i);
		snprintf(text, sizeof(text), "%d", i);
		st_put(&st, STATE_VIPS, name, text);
	}
	for (int i = 39; i >= 0; i--) {
		char name[16], text[16];

		snprintf(name, sizeof(name), "n%d", i);
		snprintf(text, sizeof(text), "%d", i);
		check_text(&st, STATE_VIPS, name, text);
	}
	state_close(&st);
	/* Without the lock nothing is cached: the file is the answer. */
	CHECK((f = fopen(path, "w")) != NULL);
	if (f) {
		fputs("4", f);
		fclose(f);
	}
	check_text(&st, STATE_IDS, "a", "4");
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
	RUN(test_cache_follows_writes);
	RUN(test_wait_parse);
	return unit_done();
}
