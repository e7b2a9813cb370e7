#!/bin/sh
# SPDX-License-Identifier: MIT
# Exit 0 when clang can build libFuzzer targets here (clang and its fuzzer runtime installed).
command -v clang >/dev/null 2>&1 || exit 1
t=$(mktemp -d) || exit 1
printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n);\nint LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' >"$t/p.c"
clang -fsanitize=fuzzer "$t/p.c" -o "$t/p" >/dev/null 2>&1
r=$?
rm -rf "$t"
exit $r
