# SPDX-License-Identifier: GPL-3.0-or-later
# The appliance: kernel (cached outside the tree), ce-init, initramfs, the
# bootable disk and its per-platform formats, the QEMU smoke test, the demo.
#   make kernel            $(IMG_DIR)/kernel/{bzImage,config,gen_init_cpio}
#   make image [DEBUG=1]   $(IMG_DIR)/ce-appliance.{raw,qcow2,vhd,vmdk,ova},
#                          $(IMG_DIR)/ce-appliance-gce.tar.gz
#   make smoke             boot it under QEMU (BIOS and UEFI) and drive a job
#   make demo-appliance    the end-to-end demo (make demo once the lead switches)
#   make image also writes $(IMG_DIR)/ce-appliance.spdx.json (SBOM),
#                          provenance.json and SHA256SUMS (docs/APPLIANCE.md)
#   make image-sources     the Debian source packages (scripts/image-sources)
#   make image-cves        the packages against bookworm-security (scripts/image-cves)
#   make check-image       two builds from clean clones compared byte for byte
# The image holds release binaries: build it with SANITIZE=0 (the default).
# Its ce-agent is its own build, without libnbd ($(IMG_DIR)/ce-agent).
IMG_DIR     := $(BUILD)/image
# Reproducible (docs/APPLIANCE.md, "Verifying an image"): every time stamp
# in the image is SOURCE_DATE_EPOCH, by default the commit's time; every
# identifier (GPT GUIDs, FAT volume id, VMDK CID, VHD unique id) derives
# from CE_COMMIT.  A tree with uncommitted changes says so (-dirty).
CE_COMMIT   := $(shell git rev-parse HEAD 2>/dev/null || echo unknown)$(shell \
                 git status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo -dirty)
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
export CE_COMMIT SOURCE_DATE_EPOCH
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

.PHONY: kernel image smoke demo-appliance deps-appliance FORCE image-sources image-cves check-image

# The appliance needs more than the top-level deps check looks for (QEMU,
# OVMF, syslinux, linux-source...): install-deps is quick when all is there.
deps-appliance: deps
	@$(INSTALL_DEPS)
$(INIT_OBJS): CPPFLAGS += -DCE_VERSION='"$(shell git describe --always --dirty --abbrev=12 2>/dev/null || echo dev)"'

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
	$(AR) rcsD $@ $^

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

# The commit is in the image (/etc/ce-image.json): remember the last one.
$(IMG_DIR)/.commit-$(CE_COMMIT):
	@mkdir -p $(@D)
	@rm -f $(IMG_DIR)/.commit-*
	@touch $@

$(IMG_DIR)/initramfs.cpio.lz4: $(CE_INIT) $(IMG_AGENT) $(KERNEL_DIR)/gen_init_cpio \
                               imagebuild/mkinitramfs scripts/image-digest \
                               $(IMG_DIR)/.debug-$(DEBUG) $(IMG_DIR)/.commit-$(CE_COMMIT)
	@test "$(SANITIZE)" = 0 || { echo "make image: needs SANITIZE=0 (release binaries)"; exit 1; }
	DEBUG=$(DEBUG) CE_KERNEL=$(KERNEL_DIR)/bzImage \
	  imagebuild/mkinitramfs $(KERNEL_DIR)/gen_init_cpio $(CE_INIT) $(IMG_AGENT) $@

$(IMG_DIR)/ce-appliance.raw: $(KERNEL_DIR)/bzImage $(IMG_DIR)/initramfs.cpio.lz4 imagebuild/mkdisk
	DEBUG=$(DEBUG) imagebuild/mkdisk $(KERNEL_DIR)/bzImage $(IMG_DIR)/initramfs.cpio.lz4 $@

$(IMG_FORMATS) &: $(IMG_DIR)/ce-appliance.raw imagebuild/mkformats imagebuild/mkovf imagebuild/pin-ids
	imagebuild/mkformats $< $(IMG_DIR)

# What is inside (SPDX 2.3, read from the disk itself), then the provenance
# and the checksums over every artifact (docs/APPLIANCE.md).
IMG_SBOM := $(IMG_DIR)/ce-appliance.spdx.json
$(IMG_SBOM): $(IMG_DIR)/ce-appliance.raw scripts/image-sbom scripts/image-digest
	scripts/image-sbom $< $(IMG_DIR)/initramfs.cpio.lz4.origins $<.esp-origins > $@.tmp
	mv $@.tmp $@

$(IMG_DIR)/SHA256SUMS $(IMG_DIR)/provenance.json &: $(IMG_FORMATS) $(IMG_SBOM) scripts/image-provenance
	scripts/image-provenance $(IMG_DIR)

image: deps-appliance $(IMG_DIR)/ce-appliance.raw $(IMG_FORMATS) $(IMG_CE_OFFLINE) \
       $(IMG_SBOM) $(IMG_DIR)/SHA256SUMS

# The Debian source packages of everything in the image (the GPL's offer
# of source): $(IMG_DIR)/sources/SOURCES, and the .dsc files where apt can
# fetch them (scripts/image-sources).
image-sources: image
	scripts/image-sources $(IMG_SBOM) $(IMG_DIR)/sources

# The image's packages against bookworm-security (scripts/image-cves).
image-cves: image
	scripts/image-cves $(IMG_SBOM)

# Two builds from clean clones of HEAD, compared byte for byte (minutes:
# the kernel comes from the cache).  make check runs the same test.
check-image: deps-appliance
	@CE_BUILD=$(BUILD) tests/run-tests.sh test-image-is-reproducible

# The smoke tests with this tree's binaries (make check runs them too,
# against the sanitizer build's cectl).
smoke: image test-progs
	@CE_BUILD=$(BUILD) CE_IMAGE_DIR=$(IMG_DIR) tests/run-tests.sh test-smoke-

demo-appliance: deps-appliance all test-progs image
	@CE_BUILD=$(BUILD) CE_IMAGE_DIR=$(IMG_DIR) scripts/appliance-demo
