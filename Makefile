# SPDX-License-Identifier: MIT
# nsnet build: `make` builds build/nsnet; `make check` installs deps, builds and runs every suite;
# `make demo` installs deps, builds and runs the sandboxed demo. SANITIZE=1 builds with ASan+UBSan.

CC       ?= cc
PREFIX   ?= /usr/local
DESTDIR  ?=
BUILD    ?= build
PKGS     := libmnl libnftnl libnftables jansson libcurl yaml-0.1
# libnftables and libcurl are dlopen'ed on first use (src/firewall/nft.c, src/store/etcd.c): only their
# headers are needed to build.
LINK_PKGS := libmnl libnftnl jansson yaml-0.1

WARN     := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Werror -Wno-format-truncation
CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 -D_GNU_SOURCE $(WARN) -fstack-protector-strong -pthread -Isrc
# FAULT=1: NSNET_FAULT=N kills an operation at its Nth step (crash tests); never in release builds.
ifeq ($(FAULT),1)
CFLAGS   += -DNSNET_FAULT_INJECTION
endif
# VERSION=X: what `nsnet --version` prints (the Debian package's build passes its version).
ifneq ($(VERSION),)
CFLAGS   += -DNSNET_VERSION='"$(VERSION)"'
endif
ifeq ($(SANITIZE),1)
CFLAGS   += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS  += -fsanitize=address,undefined
else ifeq ($(filter -O0,$(CFLAGS)),)
# (_FORTIFY_SOURCE needs optimization: a -O0 build, e.g. DEB_BUILD_OPTIONS=noopt, would warn.)
CFLAGS   += -D_FORTIFY_SOURCE=2
endif
CFLAGS   += $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# libnftnl, jansson and libyaml are linked statically when their archives are installed (Debian's -dev
# packages ship them): shared objects fewer to map and relocate at every start, 0.11-0.14 ms (two) of
# the ~1 ms a CNI runtime pays to exec nsnet (measured; bench/cni). STATIC=0 links them shared.
STATIC   ?= 1
STATIC_A := $(if $(filter 1,$(STATIC)),$(foreach l,nftnl jansson yaml,$(if $(filter /%,$(shell $(CC) -print-file-name=lib$(l).a)),$(l))))
ifneq ($(strip $(STATIC_A)),)
LDLIBS   += -Wl,-Bstatic $(addprefix -l,$(STATIC_A)) -Wl,-Bdynamic
endif
LDLIBS   += $(filter-out $(addprefix -l,$(STATIC_A)),$(shell pkg-config --libs $(LINK_PKGS) 2>/dev/null)) -ldl -pthread

LIB_SRC  := $(wildcard src/util/*.c src/model/*.c src/state/*.c src/ipam/*.c src/kernel/*.c src/firewall/*.c src/core/*.c src/core/drivers/*.c src/store/*.c src/cni/*.c src/topology/*.c)
CLI_SRC  := $(wildcard src/cli/*.c)
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps check check-unit check-integration demo bench install clean unit-bins
all: $(BUILD)/nsnet

$(BUILD)/%.o: %.c $(wildcard src/*/*.h src/*/*/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/libnsnet.a: $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/nsnet: $(CLI_OBJ) $(BUILD)/libnsnet.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(BUILD)/libnsnet.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(BUILD)/libnsnet.a $(LDLIBS)

# Installs what building and testing need (Debian packages), only when something is missing.
deps:
	@sh tests/deps.sh

# The tests run against an AddressSanitizer + UBSan build in its own directory (SANITIZE=0: plain).
CHECK_SANITIZE ?= $(if $(SANITIZE),$(SANITIZE),1)
CHECK_BUILD    := $(if $(filter 1,$(CHECK_SANITIZE)),build/asan,build/plain)
check: deps
	@$(MAKE) --no-print-directory BUILD=$(CHECK_BUILD) SANITIZE=$(CHECK_SANITIZE) FAULT=1 all unit-bins
	@if sh tests/fuzz/can-build.sh; then $(MAKE) --no-print-directory BUILD=$(CHECK_BUILD) fuzz-bins; fi
	@if command -v valgrind >/dev/null 2>&1; then $(MAKE) --no-print-directory valgrind-bins; fi
	@NSNET_TEST_JOBS=$${NSNET_TEST_JOBS:-$$(nproc)} NSNET_VALGRIND_DIR=$$(command -v valgrind >/dev/null 2>&1 && echo build/valgrind) sh tests/run.sh $(CHECK_BUILD)

# t_compose.sh's program: several in-operation forms composed into one operation (not a unit test: needs root).
$(BUILD)/tests/compose_prog: tests/integration/core/compose_prog.c $(BUILD)/libnsnet.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libnsnet.a $(LDLIBS)

# t_etcd_client.sh's program: one call of the etcd client (src/store/) per run, against a real etcd.
$(BUILD)/tests/etcd_prog: tests/integration/overlay/etcd_prog.c $(BUILD)/libnsnet.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libnsnet.a $(LDLIBS)

# t_vxlan_dataplane.sh's program: the overlay's kernel requests (src/kernel/vxlan.c), one per run.
$(BUILD)/tests/vxlan_prog: tests/integration/overlay/vxlan_prog.c $(BUILD)/libnsnet.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libnsnet.a $(LDLIBS)

# t_crash_random.sh's helper: a command killed a precise number of microseconds after its start.
$(BUILD)/tests/killafter: tests/integration/reliability/killafter.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $<

unit-bins: $(UNIT_BIN) $(BUILD)/tests/compose_prog $(BUILD)/tests/etcd_prog $(BUILD)/tests/vxlan_prog $(BUILD)/tests/killafter

check-unit: all unit-bins
	@sh tests/run.sh $(BUILD) unit

check-integration: all
	@sh tests/run.sh $(BUILD) integration

demo: deps
	@$(MAKE) --no-print-directory all
	@sh demo/demo.sh $(BUILD)/nsnet

bench: deps
	@$(MAKE) --no-print-directory all $(BUILD)/bench/floor
	@sh bench/floor $(BUILD)/bench/floor
	@sh bench/floor $(BUILD)/bench/floor --cold $(BUILD)/nsnet
	@sh bench/attach $(BUILD)/nsnet
	@sh bench/cni $(BUILD)/nsnet
	@sh bench/apply $(BUILD)/nsnet

# The kernel's floor for nsnet's ops (bench/floor.c): libmnl and libnftnl only, no nsnet code.
$(BUILD)/bench/floor: bench/floor.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(shell pkg-config --libs libmnl libnftnl)

# CNIDIR=/opt/cni/bin (CNI plugin dirs, several allowed): also link nsnet there, where runtimes
# look for "type": "nsnet". BINDIR=/usr/sbin: where the Debian package puts it.
CNIDIR   ?=
BINDIR   ?= $(PREFIX)/bin
MANDIR   ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
# SYSTEMDDIR: where nsnet-apply@.service goes (docs/topology.md).
SYSTEMDDIR ?= /lib/systemd/system
install: all man
	install -D -m 0755 $(BUILD)/nsnet $(DESTDIR)$(BINDIR)/nsnet
	@for d in $(CNIDIR); do \
		mkdir -p $(DESTDIR)$$d && ln -sf $(BINDIR)/nsnet $(DESTDIR)$$d/nsnet && \
		echo "ln -sf $(BINDIR)/nsnet $(DESTDIR)$$d/nsnet" || exit 1; done
	install -D -m 0644 $(BUILD)/man/nsnet.8 $(DESTDIR)$(MANDIR)/man8/nsnet.8
	install -D -m 0644 completion/nsnet.bash $(DESTDIR)$(BASHCOMPDIR)/nsnet
	@mkdir -p $(DESTDIR)$(SYSTEMDDIR)
	sed 's|@BINDIR@|$(BINDIR)|g' systemd/nsnet-apply@.service >$(DESTDIR)$(SYSTEMDDIR)/nsnet-apply@.service
	sed 's|@BINDIR@|$(BINDIR)|g' systemd/nsnet-agent.service >$(DESTDIR)$(SYSTEMDDIR)/nsnet-agent.service

# The man page, from docs/man/nsnet.8.scd with scdoc (small, Debian-packaged, man output only).
# `make man-check`: is every command and option of --help in it and in docs/cli.md (no root)?
MAN_PAGES := $(patsubst docs/man/%.scd,$(BUILD)/man/%,$(wildcard docs/man/*.scd))
.PHONY: man man-check deb
man: $(MAN_PAGES)
$(BUILD)/man/%: docs/man/%.scd
	@mkdir -p $(dir $@)
	scdoc <$< >$@
man-check: all
	@sh docs/man/check.sh $(BUILD)/nsnet

# $(DEBDIR)/nsnet_VERSION_ARCH.deb (default build/deb) with debhelper, built in a temporary copy of the tree (plain,
# no sanitizers); VERSION from `git describe` (debian/version.sh). See docs/packaging.md.
DEBDIR ?= build/deb
deb:
	@sh debian/build.sh $(DEBDIR)

clean:
	rm -rf $(BUILD)

# libFuzzer targets for the parsers (clang). FUZZ_SECONDS per target; new inputs go to build/fuzz/corpus-*.
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS  := -g -O1 -std=c11 -D_GNU_SOURCE $(filter-out -Wno-format-truncation,$(WARN)) -Isrc -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_TARGETS := inet names service records cni topology
FUZZ_SRC_inet    := src/util/inet.c src/util/err.c src/ipam/ipam.c
FUZZ_SRC_names   := src/util/names.c src/util/err.c
FUZZ_SRC_service := src/model/service.c src/model/model.c src/model/rate.c src/model/overlay_rec.c src/util/inet.c src/util/names.c src/util/err.c src/util/strbuf.c
FUZZ_SRC_records := src/model/model.c src/model/rate.c src/model/overlay_rec.c src/util/inet.c src/util/names.c src/util/err.c src/util/strbuf.c
FUZZ_SRC_cni     := src/cni/conf.c src/cni/result.c src/model/model.c src/model/rate.c src/model/overlay_rec.c src/util/inet.c src/util/names.c src/util/err.c src/util/strbuf.c
FUZZ_SRC_topology := src/topology/topo_load.c src/topology/topo_render.c src/topology/ytree.c src/model/service.c src/model/model.c src/model/rate.c src/model/overlay_rec.c src/util/inet.c src/util/names.c src/util/err.c src/util/strbuf.c
FUZZ_LIB_topology := -lyaml
FUZZ_DEF_service := -DFUZZ_SERVICE_STRICT

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(wildcard src/*/*.c src/*/*.h)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) $(FUZZ_DEF_$*) $< $(FUZZ_SRC_$*) -ljansson $(FUZZ_LIB_$*) -o $@

.PHONY: fuzz-bins
fuzz-bins: $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz_%)

.PHONY: fuzz stress valgrind valgrind-bins
fuzz: fuzz-bins
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p $(BUILD)/fuzz/corpus-$$t; \
		seeds=tests/fuzz/corpus/$$t; [ -d $$seeds ] || seeds=; \
		$(BUILD)/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) $(BUILD)/fuzz/corpus-$$t $$seeds || exit 1; \
	done

# The integration suite (or VALGRIND_TESTS, words of test names) with every nsnet run under
# valgrind memcheck, on a plain build; ~10x slower than make check.
VALGRIND_TESTS ?=
valgrind-bins:
	@$(MAKE) --no-print-directory BUILD=build/valgrind-bin all build/valgrind-bin/tests/killafter
	@mkdir -p build/valgrind/tests
	@cp build/valgrind-bin/tests/killafter build/valgrind/tests/killafter
	@cp build/valgrind-bin/nsnet build/valgrind/nsnet.real
	@cp tests/valgrind-nsnet build/valgrind/nsnet
	@cp tests/valgrind.supp build/valgrind/valgrind.supp
valgrind: deps valgrind-bins
	@NSNET_TEST_TIMEOUT=600 sh tests/run.sh build/valgrind integration $(VALGRIND_TESTS)

# The long forms of what make check runs briefly: every step of every operation killed (t_crash,
# t_cni_crash), 200 randomly killed operations, a 60 s soak of
# 8 parallel workers, and every fuzz target for FUZZ_SECONDS (default here 300).
stress: deps
	@$(MAKE) --no-print-directory BUILD=build/asan SANITIZE=1 FAULT=1 all unit-bins
	@NSNET_CRASH_ROUNDS=200 NSNET_CRASH_STRIDE=1 NSNET_SOAK_SECONDS=60 NSNET_TEST_TIMEOUT=600 sh tests/run.sh build/asan integration crash soak t_apply_rollback
	@$(MAKE) --no-print-directory valgrind
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(if $(filter command line,$(origin FUZZ_SECONDS)),$(FUZZ_SECONDS),300)

