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

# libFuzzer targets (tests/fuzz/fuzz.mk; agent/module.mk includes it first).
include tests/fuzz/fuzz.mk

# Fault injection into the real libnbd for the NBD transport restriction.
$(BUILD)/tests/unit/test-disk-nbd-transports: LDFLAGS += \
  -Wl,--wrap=nbd_set_uri_allow_transports -Wl,--wrap=nbd_connect_uri

# ce-init's lease validation, linked with its own object.
$(BUILD)/tests/unit/test-init-resolv.o: CPPFLAGS += -Iimagebuild/init
$(BUILD)/tests/unit/test-init-resolv: $(BUILD)/tests/unit/test-init-resolv.o \
                                      $(BUILD)/imagebuild/init/resolv.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(shell pkg-config --libs cmocka)

# Helper programs the shell tests run (tests/progs/*.c; the agent's own,
# tests/progs/agent-*.c, are linked by agent/module.mk).
PROG_SRCS := $(sort $(filter-out tests/progs/agent-%,$(wildcard tests/progs/*.c)))
PROG_BINS := $(PROG_SRCS:tests/progs/%.c=$(BUILD)/tests/progs/%)
test-progs: $(PROG_BINS)
$(PROG_BINS): $(BUILD)/tests/progs/%: $(BUILD)/tests/progs/%.o $(OW_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(OW_LIB) $(PKG_LIBS)
