// SPDX-License-Identifier: MIT
// Unit tests for util/mem.c: large arrays (huge pages asked for), zeroed or not, and overflow.
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "util/mem.h"

static int all_zero(const unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i])
			return 0;
	return 1;
}

TEST(test_mem_small_and_large)
{
	/* Below the threshold (malloc) and above it (2 MiB aligned): usable to the last byte. */
	size_t sizes[] = { 1, 4096, (4u << 20) - 1, 4u << 20, 9u << 20 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		unsigned char *p = mem_array(sizes[i], 1);

		CHECK(p != NULL);
		if (!p)
			continue;
		memset(p, 0xa5, sizes[i]);
		CHECK(p[sizes[i] - 1] == 0xa5);
		if (sizes[i] >= (4u << 20))
			CHECK(((uintptr_t)p & ((2u << 20) - 1)) == 0);
		free(p);
	}
	/* n = 0 still gives a pointer that free() takes. */
	free(mem_array(0, 8));
}

TEST(test_mem_zeroed)
{
	size_t sizes[] = { 100, 3u << 20, 6u << 20 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		unsigned char *p = mem_zarray(sizes[i] / 4, 4);

		CHECK(p != NULL);
		if (!p)
			continue;
		CHECK(all_zero(p, sizes[i] / 4 * 4));
		free(p);
	}
}

TEST(test_mem_overflow)
{
	errno = 0;
	CHECK(mem_array(SIZE_MAX / 2, 4) == NULL);
	CHECK_EQ_INT(errno, ENOMEM);
	errno = 0;
	CHECK(mem_zarray(SIZE_MAX / 8, 16) == NULL);
	CHECK_EQ_INT(errno, ENOMEM);
}

int main(void)
{
	RUN(test_mem_small_and_large);
	RUN(test_mem_zeroed);
	RUN(test_mem_overflow);
	return unit_done();
}
