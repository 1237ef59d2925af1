# SPDX-License-Identifier: GPL-3.0-or-later
# libofflinewin (every .c under offline-win/ but cli/) and the ce-offline CLI.
OW_LIB_SRCS := $(sort $(filter-out offline-win/cli/%,$(wildcard offline-win/*/*.c)))
OW_LIB_OBJS := $(OW_LIB_SRCS:%.c=$(BUILD)/%.o)
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
