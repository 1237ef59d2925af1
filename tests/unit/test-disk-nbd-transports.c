/* SPDX-License-Identifier: GPL-3.0-or-later */
/* NBD URIs may only use TCP or Unix sockets (no nbd+vsock, no nbd+ssh, no
 * local command): the library restricts libnbd before connecting, and when
 * the restriction cannot be set it refuses the disk without connecting.
 * The failure is injected with the linker (-Wl,--wrap, see tests/module.mk);
 * everything else is the real libnbd. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include <libnbd.h>

#include "offlinewin.h"

int __real_nbd_set_uri_allow_transports (struct nbd_handle *h, uint32_t mask);
int __real_nbd_connect_uri (struct nbd_handle *h, const char *uri);

static bool fail_restriction;
static uint32_t mask_seen;
static int connects;

int
__wrap_nbd_set_uri_allow_transports (struct nbd_handle *h, uint32_t mask)
{
  mask_seen = mask;
  if (fail_restriction) {
    errno = EINVAL;
    return -1;
  }
  return __real_nbd_set_uri_allow_transports (h, mask);
}

int
__wrap_nbd_connect_uri (struct nbd_handle *h, const char *uri)
{
  connects++;
  return __real_nbd_connect_uri (h, uri);
}

static void
test_restriction_failure_refuses_without_connecting (void **state)
{
  (void) state;
  fail_restriction = true;
  connects = 0;
  assert_null (ow_disk_open ("nbd://127.0.0.1:1/", OW_DISK_RDONLY));
  assert_int_equal (connects, 0);
  assert_non_null (strstr (ow_error_message (), "cannot restrict NBD URI transports"));
  fail_restriction = false;
}

static void
test_only_tcp_and_unix_are_allowed (void **state)
{
  (void) state;
  /* A vsock URI: libnbd refuses it because of the restriction, before any
   * connection is made (an unrestricted handle would try vsock). */
  assert_null (ow_disk_open ("nbd+vsock:///?socket=x", OW_DISK_RDONLY));
  assert_int_equal (mask_seen, LIBNBD_ALLOW_TRANSPORT_TCP | LIBNBD_ALLOW_TRANSPORT_UNIX);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_restriction_failure_refuses_without_connecting),
    cmocka_unit_test (test_only_tcp_and_unix_are_allowed),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
