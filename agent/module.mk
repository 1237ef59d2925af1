# SPDX-License-Identifier: GPL-3.0-or-later
# ce-agent (HTTPS job API) and cectl (the connector-side client).
AGENT_PKGS        := libmicrohttpd gnutls openssl jansson libcurl
AGENT_PKG_CFLAGS  := $(shell pkg-config --cflags $(AGENT_PKGS) 2>/dev/null)
AGENT_PKG_LIBS    := $(shell pkg-config --libs $(AGENT_PKGS) 2>/dev/null)
CECTL_PKGS        := openssl jansson libcurl
CECTL_PKG_LIBS    := $(shell pkg-config --libs $(CECTL_PKGS) 2>/dev/null)

AGENT_SRCS  := agent/main.c $(sort $(filter-out agent/cectl/%,$(wildcard agent/*/*.c)))
AGENT_OBJS  := $(AGENT_SRCS:%.c=$(BUILD)/%.o)
# Everything but main.c: what unit tests of agent pieces link against.
AGENT_LIB_OBJS := $(filter-out $(BUILD)/agent/main.o,$(AGENT_OBJS))
CECTL_SRCS  := $(sort $(wildcard agent/cectl/*.c)) agent/util/util.c
CECTL_OBJS  := $(CECTL_SRCS:%.c=$(BUILD)/%.o)

$(AGENT_OBJS) $(CECTL_OBJS): CPPFLAGS += -Iagent $(AGENT_PKG_CFLAGS)

all: $(BUILD)/bin/ce-agent $(BUILD)/bin/cectl

$(BUILD)/bin/ce-agent: $(AGENT_OBJS) $(OW_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(AGENT_OBJS) $(OW_LIB) $(PKG_LIBS) $(AGENT_PKG_LIBS)

$(BUILD)/bin/cectl: $(CECTL_OBJS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(CECTL_OBJS) $(CECTL_PKG_LIBS)

# Unit tests of agent pieces link the agent objects too (a more specific
# pattern than tests/module.mk's, so make prefers it).
$(BUILD)/tests/unit/test-agent-%.o: CPPFLAGS += -Iagent $(AGENT_PKG_CFLAGS)
$(BUILD)/tests/unit/test-agent-%: $(BUILD)/tests/unit/test-agent-%.o $(AGENT_LIB_OBJS) $(OW_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(AGENT_LIB_OBJS) $(OW_LIB) $(PKG_LIBS) $(AGENT_PKG_LIBS) \
	  $(shell pkg-config --libs cmocka)

# Helper programs that tests/test-*.sh run with an environment they set up
# (not unit tests: the runner does not run tests/progs/ on its own).
AGENT_TEST_PROGS := $(BUILD)/tests/progs/agent-platform-ready
test-progs: $(AGENT_TEST_PROGS)
$(BUILD)/tests/progs/agent-%.o: CPPFLAGS += -Iagent $(AGENT_PKG_CFLAGS)
$(BUILD)/tests/progs/agent-%: $(BUILD)/tests/progs/agent-%.o $(AGENT_LIB_OBJS) $(OW_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(AGENT_LIB_OBJS) $(OW_LIB) $(PKG_LIBS) $(AGENT_PKG_LIBS) \
	  $(shell pkg-config --libs cmocka)

# libFuzzer targets of agent parsers (tests/fuzz/fuzz-agent-*.c, clang): the
# agent's own source list built with coverage like the library's
# (tests/fuzz/fuzz.mk), linked against both.
include tests/fuzz/fuzz.mk
FUZZ_AGENT_LIB  := $(BUILD)/fuzz/libagent.a
FUZZ_AGENT_OBJS := $(filter-out $(FUZZ_OBJ)/agent/main.o,$(AGENT_SRCS:%.c=$(FUZZ_OBJ)/%.o))
FUZZ_AGENT_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(wildcard tests/fuzz/fuzz-agent-*.c))
$(FUZZ_AGENT_OBJS) $(FUZZ_AGENT_BINS:$(BUILD)/fuzz/%=$(FUZZ_OBJ)/tests/fuzz/%.o): \
  CPPFLAGS += -Iagent $(AGENT_PKG_CFLAGS)
$(FUZZ_AGENT_LIB): $(FUZZ_AGENT_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^
$(FUZZ_AGENT_BINS): $(BUILD)/fuzz/%: $(FUZZ_OBJ)/tests/fuzz/%.o $(FUZZ_AGENT_LIB) $(FUZZ_OW_LIB)
	$(FUZZ_CC) $(FUZZ_LDFLAGS) -o $@ $< $(FUZZ_AGENT_LIB) $(FUZZ_OW_LIB) $(PKG_LIBS) $(AGENT_PKG_LIBS)
.PHONY: fuzz-agent
fuzz: fuzz-agent
fuzz-agent: $(FUZZ_AGENT_BINS)
