# SPDX-License-Identifier: GPL-3.0-or-later
# Compositing Engine appliance: one entry point.
#   make              build/bin/ce-offline, build/lib/libofflinewin.a
#   make check        every test, ends with "N passed, N failed"
#   make check-host   the subset that needs no QEMU
#   make bench        benchmarks (docs/BENCHMARKS.md)
#   make demo         see README.md

BUILD    ?= build
SANITIZE ?= 0
CC       ?= cc
PKGS     := hivex libntfs-3g libnbd jansson libcrypto

CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 -Wall -Wextra -Werror -pthread -fno-strict-aliasing
CPPFLAGS += -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -Ioffline-win/include -Ioffline-win
LDFLAGS  += -pthread
ifeq ($(SANITIZE),1)
CFLAGS   += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS  += -fsanitize=address,undefined
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CPPFLAGS   += $(PKG_CFLAGS)

.PHONY: all deps check check-host bench demo clean fuzz
all: deps

# Run scripts/install-deps only when something it provides is missing
# (its --check is the one list of what the build and the tests need).
deps:
	@scripts/install-deps --check >/dev/null 2>&1 || scripts/install-deps

include offline-win/module.mk
-include agent/module.mk
-include imagebuild/module.mk
include tests/module.mk

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# Tests run against a sanitizer build in its own tree.
check: deps
	$(MAKE) --no-print-directory BUILD=build/asan SANITIZE=1 all test-progs
	@CE_BUILD=build/asan tests/run-tests.sh

check-host: deps
	$(MAKE) --no-print-directory BUILD=build/asan SANITIZE=1 all test-progs
	@CE_BUILD=build/asan CE_SKIP_QEMU=1 tests/run-tests.sh

bench: deps all test-progs image
	scripts/bench-inspect
	scripts/bench-prepare
	scripts/bench-hive-replay
	scripts/bench-export
	scripts/bench-agent
	scripts/appliance-agent-rss
	scripts/appliance-bench

# The end-to-end demo on a fresh machine (imagebuild/module.mk).
demo: demo-appliance

clean:
	rm -rf build
