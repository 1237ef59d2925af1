# SPDX-License-Identifier: GPL-3.0-or-later
# Included by agent/module.mk and tests/module.mk, whichever comes first.
ifndef FUZZ_MK
FUZZ_MK := 1
# libFuzzer targets of the library's parsers of disk bytes (clang), one per
# tests/fuzz/fuzz-*.c.  The library is built a second time, from its own
# source list (OW_LIB_SRCS, OW_LIB_ASMS), with coverage and sanitizers into
# $(BUILD)/fuzz/obj, so a harness links exactly what the product ships.
# `make fuzz` builds every target; tests/test-fuzz-*.sh run each briefly (a
# fixed number of runs); `make fuzz-long` runs each for FUZZ_SECONDS (600).
FUZZ_CC      ?= clang
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined
# MAX_HIVE_SIZE is lowered so that a fuzzed hive-bins size cannot make a
# single replay allocate gigabytes (hive/hivelog.h).
FUZZ_CFLAGS  := -g -O1 -std=c11 -Wall -Wextra -pthread -fno-strict-aliasing \
  -fno-omit-frame-pointer -fsanitize=fuzzer-no-link $(FUZZ_SAN) -DMAX_HIVE_SIZE='(UINT32_C(64) << 20)'
FUZZ_LDFLAGS := -pthread -fsanitize=fuzzer $(FUZZ_SAN)
FUZZ_OBJ     := $(BUILD)/fuzz/obj
FUZZ_OW_LIB  := $(BUILD)/fuzz/libofflinewin.a
FUZZ_OW_OBJS := $(OW_LIB_SRCS:%.c=$(FUZZ_OBJ)/%.o) $(OW_LIB_ASMS:%.S=$(FUZZ_OBJ)/%.o)
FUZZ_LIB_SRCS := $(sort $(wildcard tests/fuzz/fuzz-*.c))
# The agent's harnesses (fuzz-agent-*.c) are linked by agent/module.mk.
FUZZ_LIB_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(filter-out tests/fuzz/fuzz-agent-%,$(FUZZ_LIB_SRCS)))

$(FUZZ_OBJ)/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<
$(FUZZ_OBJ)/%.o: %.S
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) -MMD -MP -c -o $@ $<
$(FUZZ_OBJ)/offline-win/data/data.o: $(wildcard offline-win/data/*.json offline-win/data/*.ps1)
$(FUZZ_OW_LIB): $(FUZZ_OW_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^
$(FUZZ_LIB_BINS): $(BUILD)/fuzz/%: $(FUZZ_OBJ)/tests/fuzz/%.o $(FUZZ_OW_LIB)
	$(FUZZ_CC) $(FUZZ_LDFLAGS) -o $@ $< $(FUZZ_OW_LIB) $(PKG_LIBS)

.PHONY: fuzz-lib fuzz-long
fuzz: fuzz-lib
fuzz-lib: $(FUZZ_LIB_BINS)
# Every target for FUZZ_SECONDS each, one after the other, at low priority;
# the corpora grow in $(BUILD)/fuzz/corpus/ (docs/BENCHMARKS.md).
FUZZ_SECONDS ?= 600
fuzz-long: fuzz test-progs
	CE_BUILD=$(BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run-long $(patsubst tests/fuzz/fuzz-%.c,%,$(FUZZ_LIB_SRCS))
endif
