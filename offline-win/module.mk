# SPDX-License-Identifier: GPL-3.0-or-later
# libofflinewin (every .c under offline-win/ but cli/) and the ce-offline CLI.
OW_LIB_SRCS := $(sort $(filter-out offline-win/cli/%,$(wildcard offline-win/*/*.c)))
# Data files are embedded with .incbin in offline-win/*/*.S.
OW_LIB_ASMS := $(sort $(wildcard offline-win/*/*.S))
OW_LIB_OBJS := $(OW_LIB_SRCS:%.c=$(BUILD)/%.o) $(OW_LIB_ASMS:%.S=$(BUILD)/%.o)
OW_LIB      := $(BUILD)/lib/libofflinewin.a
CE_OFFLINE_SRCS := $(sort $(wildcard offline-win/cli/*.c))
CE_OFFLINE_OBJS := $(CE_OFFLINE_SRCS:%.c=$(BUILD)/%.o)

all: $(OW_LIB) $(BUILD)/bin/ce-offline

$(OW_LIB): $(OW_LIB_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/bin/ce-offline: $(CE_OFFLINE_OBJS) $(OW_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(CE_OFFLINE_OBJS) $(OW_LIB) $(PKG_LIBS)

$(BUILD)/offline-win/%.o: offline-win/%.S
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -MMD -MP -c -o $@ $<

# The embedded data files are inputs of data.o.
$(BUILD)/offline-win/data/data.o: $(wildcard offline-win/data/*.json offline-win/data/*.ps1)
