/* SPDX-License-Identifier: MIT */
/* A header-only unit test framework: checks that record and continue, TAP-like output. */
#ifndef NSNET_TESTS_UNIT_H
#define NSNET_TESTS_UNIT_H

/*
 * Usage:
 *	TEST(test_parse) { CHECK_EQ_INT(f(1), 2); }
 *	int main(void) { RUN(test_parse); return unit_done(); }
 *
 * A test case is a static function, so one that is written but not RUN() trips -Wunused-function
 * and -Werror refuses the build: no test is silently skipped. A failed check records file:line
 * and the values, and the test goes on, so one run shows every broken expectation. Each case
 * prints "ok - name" or "not ok - name: <first failure>" (later failures follow as "#" lines),
 * and the last line is "# passed=N failed=M" counting cases, which the runner reads.
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct unit_state {
	const char *name;	/* current test case */
	int fails;		/* failed checks in it */
	char first[512];	/* its first failure */
	int passed, failed;	/* test cases so far */
};

static struct unit_state unit_st;

#define UNIT_PRINTF(a, b) __attribute__((format(printf, a, b)))

static inline void UNIT_PRINTF(3, 4) unit_fail(const char *file, int line, const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Only the first failure goes on the "not ok" line; print the others now so none is lost. */
	if (unit_st.fails++ == 0)
		snprintf(unit_st.first, sizeof(unit_st.first), "%s:%d: %s", file, line, msg);
	else
		printf("#   %s:%d: %s\n", file, line, msg);
}

static inline int unit_check(int ok, const char *file, int line, const char *expr)
{
	if (!ok)
		unit_fail(file, line, "CHECK(%s) failed", expr);
	return ok;
}

static inline int unit_check_str(const char *got, const char *want, const char *file, int line,
				 const char *expr)
{
	int ok = got && want ? strcmp(got, want) == 0 : got == want;

	if (!ok)
		unit_fail(file, line, "%s: got \"%s\", expected \"%s\"", expr, got ? got : "(null)",
			  want ? want : "(null)");
	return ok;
}

static inline int unit_check_int(long long got, long long want, const char *file, int line,
				 const char *expr)
{
	if (got != want)
		unit_fail(file, line, "%s: got %lld, expected %lld", expr, got, want);
	return got == want;
}

#define CHECK(cond) unit_check(!!(cond), __FILE__, __LINE__, #cond)
#define CHECK_EQ_STR(got, want) unit_check_str((got), (want), __FILE__, __LINE__, #got)
#define CHECK_EQ_INT(got, want) \
	unit_check_int((long long)(got), (long long)(want), __FILE__, __LINE__, #got)

#define TEST(name) static void name(void)
#define RUN(name) unit_run(#name, name)

static inline void unit_run(const char *name, void (*fn)(void))
{
	unit_st.name = name;
	unit_st.fails = 0;
	unit_st.first[0] = '\0';
	fn();
	if (unit_st.fails) {
		unit_st.failed++;
		printf("not ok - %s: %s", name, unit_st.first);
		if (unit_st.fails > 1)
			printf(" (and %d more, above)", unit_st.fails - 1);
		printf("\n");
	} else {
		unit_st.passed++;
		printf("ok - %s\n", name);
	}
	fflush(stdout);
}

/* Print the summary line and return the exit status for main(). */
static inline int unit_done(void)
{
	printf("# passed=%d failed=%d\n", unit_st.passed, unit_st.failed);
	return unit_st.failed ? 1 : 0;
}

#endif
