# SPDX-License-Identifier: GPL-3.0-or-later
# The appliance: kernel (cached outside the tree), ce-init, initramfs, the
# bootable disk and its per-platform formats, the QEMU smoke test, the demo.
#   make kernel            $(IMG_DIR)/kernel/{bzImage,config,gen_init_cpio}
#   make image [DEBUG=1]   $(IMG_DIR)/ce-appliance.{raw,qcow2,vhd,vmdk,ova},
#                          $(IMG_DIR)/ce-appliance-gce.tar.gz
#   make smoke             boot it under QEMU (BIOS and UEFI) and drive a job
#   make demo-appliance    the end-to-end demo (make demo once the lead switches)
# The image holds release binaries: build it with SANITIZE=0 (the default).
# Its ce-agent is its own build, without libnbd ($(IMG_DIR)/ce-agent).
IMG_DIR     := $(BUILD)/image
DEBUG       ?= 0
INIT_SRCS   := $(sort $(wildcard imagebuild/init/*.c))
INIT_OBJS   := $(INIT_SRCS:%.c=$(BUILD)/%.o)
CE_INIT     := $(IMG_DIR)/ce-init
KERNEL_DIR  := $(IMG_DIR)/kernel
# The image's own ce-agent and library: built with -DOW_NO_NBD and linked
# without libnbd (which pulls libxml2 and ICU: 30+ MB of the initramfs).
# The appliance works on attached block devices only; the host build
# (build/bin/ce-agent, ce-offline) keeps NBD.
IMG_AGENT   := $(IMG_DIR)/ce-agent
IMG_OW_LIB  := $(IMG_DIR)/lib/libofflinewin-nonbd.a
IMG_NONBD_OBJ := $(IMG_DIR)/obj/offline-win/disk/disk-nbd-nonbd.o
IMG_OW_OBJS := $(filter-out $(BUILD)/offline-win/disk/disk-nbd.o,$(OW_LIB_OBJS)) $(IMG_NONBD_OBJ)
# ce-offline on the same library: not in the image; the initramfs test runs
# it to see the OW_NO_NBD backend refuse an nbd:// URI.
IMG_CE_OFFLINE := $(IMG_DIR)/ce-offline-nonbd
IMG_PKG_LIBS := $(shell pkg-config --libs $(filter-out libnbd,$(PKGS)) 2>/dev/null) $(ARCHIVE_LIBS)
IMG_FORMATS := $(IMG_DIR)/ce-appliance.qcow2 $(IMG_DIR)/ce-appliance.vhd \
               $(IMG_DIR)/ce-appliance.vmdk $(IMG_DIR)/ce-appliance.ova \
               $(IMG_DIR)/ce-appliance-gce.tar.gz

.PHONY: kernel image smoke demo-appliance deps-appliance FORCE

# The appliance needs more than the top-level deps check looks for (QEMU,
# OVMF, syslinux, linux-source...): install-deps is quick when all is there.
deps-appliance: deps
	@$(INSTALL_DEPS)
$(INIT_OBJS): CPPFLAGS += -DCE_VERSION='"$(shell git describe --always --dirty 2>/dev/null || echo dev)"'

# Static: PID 1 must start before any library could be found.
$(CE_INIT): $(INIT_OBJS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -static -o $@ $(INIT_OBJS)

$(IMG_NONBD_OBJ): offline-win/disk/disk-nbd.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -DOW_NO_NBD $(CFLAGS) -MMD -MP -c -o $@ $<

$(IMG_OW_LIB): $(IMG_OW_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

$(IMG_AGENT): $(AGENT_OBJS) $(IMG_OW_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(AGENT_OBJS) $(IMG_OW_LIB) $(IMG_PKG_LIBS) $(AGENT_PKG_LIBS)

$(IMG_CE_OFFLINE): $(CE_OFFLINE_OBJS) $(IMG_OW_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(CE_OFFLINE_OBJS) $(IMG_OW_LIB) $(IMG_PKG_LIBS)

# scripts/kernel-build is quick when its cache holds the kernel and copies
# only changed files, so this runs every time.
kernel: $(KERNEL_DIR)/bzImage
$(KERNEL_DIR)/bzImage: FORCE | deps-appliance
	scripts/kernel-build $(KERNEL_DIR) >/dev/null
$(KERNEL_DIR)/gen_init_cpio: $(KERNEL_DIR)/bzImage

# DEBUG changes the initramfs and the command line: remember the last value.
$(IMG_DIR)/.debug-$(DEBUG):
	@mkdir -p $(@D)
	@rm -f $(IMG_DIR)/.debug-*
	@touch $@

$(IMG_DIR)/initramfs.cpio.lz4: $(CE_INIT) $(IMG_AGENT) $(KERNEL_DIR)/gen_init_cpio \
                               imagebuild/mkinitramfs $(IMG_DIR)/.debug-$(DEBUG)
	@test "$(SANITIZE)" = 0 || { echo "make image: needs SANITIZE=0 (release binaries)"; exit 1; }
	DEBUG=$(DEBUG) imagebuild/mkinitramfs $(KERNEL_DIR)/gen_init_cpio $(CE_INIT) $(IMG_AGENT) $@

$(IMG_DIR)/ce-appliance.raw: $(KERNEL_DIR)/bzImage $(IMG_DIR)/initramfs.cpio.lz4 imagebuild/mkdisk
	DEBUG=$(DEBUG) imagebuild/mkdisk $(KERNEL_DIR)/bzImage $(IMG_DIR)/initramfs.cpio.lz4 $@

$(IMG_FORMATS) &: $(IMG_DIR)/ce-appliance.raw imagebuild/mkformats imagebuild/mkovf
	imagebuild/mkformats $< $(IMG_DIR)

image: deps-appliance $(IMG_DIR)/ce-appliance.raw $(IMG_FORMATS) $(IMG_CE_OFFLINE)

# The smoke tests with this tree's binaries (make check runs them too,
# against the sanitizer build's cectl).
smoke: image test-progs
	@CE_BUILD=$(BUILD) CE_IMAGE_DIR=$(IMG_DIR) tests/run-tests.sh test-smoke-

demo-appliance: deps-appliance all test-progs image
	@CE_BUILD=$(BUILD) CE_IMAGE_DIR=$(IMG_DIR) scripts/appliance-demo
