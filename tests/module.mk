# SPDX-License-Identifier: GPL-3.0-or-later
# Unit tests (cmocka, one binary per tests/unit/test-*.c) and fixture tools
# (one binary per tests/fixtures/*.c).
UNIT_SRCS   := $(sort $(wildcard tests/unit/test-*.c))
UNIT_BINS   := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/unit/%)
FIXTOOL_SRCS := $(sort $(wildcard tests/fixtures/*.c))
FIXTOOL_BINS := $(FIXTOOL_SRCS:tests/fixtures/%.c=$(BUILD)/tests/fixtures/%)

.PHONY: test-progs
test-progs: $(UNIT_BINS) $(FIXTOOL_BINS)

$(BUILD)/tests/unit/%: $(BUILD)/tests/unit/%.o $(OW_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(OW_LIB) $(PKG_LIBS) $(shell pkg-config --libs cmocka)

$(BUILD)/tests/fixtures/%: $(BUILD)/tests/fixtures/%.o $(OW_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(OW_LIB) $(PKG_LIBS)

# libFuzzer targets of the library's parsers of untrusted bytes (clang).
# `make fuzz` builds them; tests/test-fuzz-*.sh run each briefly.
FUZZ_CC ?= clang
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -std=c11 -D_GNU_SOURCE \
  -Ioffline-win/include -Ioffline-win
FUZZ_HIVELOG_SRCS := tests/fuzz/fuzz-hivelog.c offline-win/hive/hivelog.c offline-win/hive/regf.c \
  offline-win/hive/marvin32.c offline-win/util/error.c offline-win/util/debug.c
FUZZ_PTABLE_SRCS := tests/fuzz/fuzz-ptable.c $(wildcard offline-win/part/*.c offline-win/disk/*.c offline-win/fat/*.c) \
  offline-win/util/error.c offline-win/util/debug.c offline-win/util/crc32.c \
  offline-win/util/utf16.c offline-win/util/strv.c
.PHONY: fuzz-lib
fuzz: fuzz-lib
fuzz-lib: $(BUILD)/fuzz/fuzz-hivelog $(BUILD)/fuzz/fuzz-ptable
$(BUILD)/fuzz/fuzz-hivelog: $(FUZZ_HIVELOG_SRCS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -DMAX_HIVE_SIZE='(UINT32_C(64) << 20)' -o $@ $(FUZZ_HIVELOG_SRCS)
$(BUILD)/fuzz/fuzz-ptable: $(FUZZ_PTABLE_SRCS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $(FUZZ_PTABLE_SRCS) $(shell pkg-config --libs libnbd)

# Fault injection into the real libnbd for the NBD transport restriction.
$(BUILD)/tests/unit/test-disk-nbd-transports: LDFLAGS += \
  -Wl,--wrap=nbd_set_uri_allow_transports -Wl,--wrap=nbd_connect_uri

# ce-init's lease validation, linked with its own object.
$(BUILD)/tests/unit/test-init-resolv.o: CPPFLAGS += -Iimagebuild/init
$(BUILD)/tests/unit/test-init-resolv: $(BUILD)/tests/unit/test-init-resolv.o \
                                      $(BUILD)/imagebuild/init/resolv.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(shell pkg-config --libs cmocka)
