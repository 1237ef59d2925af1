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
PKGS     := hivex libntfs-3g libnbd jansson libcrypto libevtx libbfio

CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 -Wall -Wextra -Werror -pthread -fno-strict-aliasing
# The checkout's path must not reach a binary: the debug info names the
# compile directory, and the linker's build id hashes the debug info too,
# so even a stripped binary would differ between two clones (the appliance
# image is reproducible: docs/APPLIANCE.md).
CFLAGS   += -ffile-prefix-map=$(CURDIR)=.
CPPFLAGS += -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -Ioffline-win/include -Ioffline-win
LDFLAGS  += -pthread
ifeq ($(SANITIZE),1)
CFLAGS   += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS  += -fsanitize=address,undefined
endif

# Every $(shell pkg-config ...) in this Makefile and the module.mk files is
# expanded while make reads them.  On a fresh machine that is before
# install-deps has put the .pc files in place, so the first make must install
# first and then read everything again.  GNU make does exactly that for an
# included makefile it had to remake: it restarts with a clean slate.  The
# stamp below is remade (and make restarts) only when install-deps installed
# something, or on the very first run.  INSTALL_DEPS is a seam for
# tests/test-build-works-on-a-machine-without-packages.sh.
INSTALL_DEPS ?= scripts/install-deps
DEPS_STAMP   := $(BUILD)/.deps.mk
ifeq ($(filter clean,$(MAKECMDGOALS)),)
-include $(DEPS_STAMP)
endif
$(DEPS_STAMP): FORCE_DEPS
	@mkdir -p $(@D)
	@if ! $(INSTALL_DEPS) --check >/dev/null 2>&1; then \
	  $(INSTALL_DEPS) && echo '# packages installed $(shell date -u +%FT%TZ)' >$@; \
	elif [ ! -f $@ ]; then echo '# packages present' >$@; fi
.PHONY: FORCE_DEPS
FORCE_DEPS:

# libarchive (driver packages, offline-win/drivers/pkg.c) is linked
# statically: Debian's shared libarchive needs libxml2 and ICU (30+ MB the
# appliance initramfs must not carry, imagebuild/mkinitramfs), for formats
# we never read.  The static archive brings only the readers pkg.c enables
# (ISO9660, ZIP, tar; gzip, xz) and the libraries they call; libxml2 is
# left out on purpose, so enabling a format that needs it fails the link.
ARCHIVE_LIBS := -Wl,-Bstatic -larchive -Wl,-Bdynamic \
                -Wl,--push-state,--as-needed -lnettle -llzma -lzstd -lbz2 -lz -Wl,--pop-state
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) libarchive 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) $(ARCHIVE_LIBS)
CPPFLAGS   += $(PKG_CFLAGS)

.PHONY: all deps check check-host torture bench demo clean fuzz
all:

# Explicitly: install what is missing (its --check is the one list of what
# the build and the tests need).
deps:
	@$(INSTALL_DEPS) --check >/dev/null 2>&1 || $(INSTALL_DEPS)

include offline-win/module.mk
-include agent/module.mk
-include imagebuild/module.mk
include tests/module.mk

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# Tests run against a sanitizer build in its own tree, compiled on every
# core (`make check` is the README's command: no -j needed from the user).
NPROC := $(shell nproc 2>/dev/null || echo 1)
check: deps
	$(MAKE) -j$(NPROC) --no-print-directory BUILD=build/asan SANITIZE=1 all test-progs
	@CE_BUILD=build/asan tests/run-tests.sh

check-host: deps
	$(MAKE) -j$(NPROC) --no-print-directory BUILD=build/asan SANITIZE=1 all test-progs
	@CE_BUILD=build/asan CE_SKIP_QEMU=1 tests/run-tests.sh

# The every-cut power-cut sweep of a full prepare (minutes; the tests run
# a sample of it).  Figures: docs/crash-safety.md.
torture: deps
	$(MAKE) --no-print-directory BUILD=build/asan SANITIZE=1 all test-progs
	@CE_BUILD=build/asan nice tests/torture-every-cut.sh

bench: deps all test-progs image
	scripts/bench-inspect
	scripts/bench-diagnose
	scripts/bench-prepare
	scripts/bench-drivers
	scripts/bench-hive-replay
	scripts/bench-export
	scripts/bench-agent
	scripts/appliance-agent-rss
	scripts/appliance-bench

# The end-to-end demo on a fresh machine (imagebuild/module.mk).
demo: demo-appliance

clean:
	rm -rf build
