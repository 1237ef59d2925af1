/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Data files embedded in the library, so the appliance needs no data
 * directory: each is a byte array between a start and an end symbol.
 * Paths are relative to the top of the tree (the build runs there). */
	.section .rodata
	.balign 16
	.globl ow_data_platforms
	.globl ow_data_platforms_end
ow_data_platforms:
	.incbin "offline-win/data/platforms.json"
ow_data_platforms_end:
	.byte 0

	.balign 16
	.globl ow_data_components
	.globl ow_data_components_end
ow_data_components:
	.incbin "offline-win/data/components.json"
ow_data_components_end:
	.byte 0

	.balign 16
	.globl ow_data_firstboot_runner
	.globl ow_data_firstboot_runner_end
ow_data_firstboot_runner:
	.incbin "offline-win/data/firstboot-runner.ps1"
ow_data_firstboot_runner_end:
	.byte 0

	.balign 16
	.globl ow_data_source_tools
	.globl ow_data_source_tools_end
ow_data_source_tools:
	.incbin "offline-win/data/source-tools.json"
ow_data_source_tools_end:
	.byte 0

	.section .note.GNU-stack,"",@progbits
