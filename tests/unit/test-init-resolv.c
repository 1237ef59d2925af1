/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ce-init's resolv.conf from a DHCP lease (imagebuild/init/resolv.c): only
 * IPv4/IPv6 literals as name servers, at most three, a valid DNS name as the
 * search domain; a newline or any other text from a hostile DHCP server
 * never reaches the file. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "init.h"

static void
test_good_lease (void **state)
{
  unsigned dropped;
  char *t = init_resolv_conf_text ("10.0.0.2 fd00::53", "corp.example.com", &dropped);
  (void) state;
  assert_non_null (t);
  assert_string_equal (t, "search corp.example.com\nnameserver 10.0.0.2\n"
                       "nameserver fd00::53\noptions timeout:2 attempts:2\n");
  assert_int_equal (dropped, 0);
  free (t);
}

static void
test_injected_lines_are_dropped (void **state)
{
  unsigned dropped;
  char *t = init_resolv_conf_text ("10.0.0.2\noptions ndots:15 192.0.2.7 1.2.3.4;x",
                                   "x.example\nnameserver 6.6.6.6", &dropped);
  (void) state;
  assert_non_null (t);
  /* Only the one clean address survives; the rest is counted. */
  assert_string_equal (t, "nameserver 192.0.2.7\noptions timeout:2 attempts:2\n");
  assert_int_equal (dropped, 4);
  free (t);
  t = init_resolv_conf_text ("192.0.2.1\n", NULL, &dropped);
  assert_null (t);              /* no usable server: the file is not written */
  assert_int_equal (dropped, 1);
}

static void
test_server_count_is_bounded (void **state)
{
  unsigned dropped;
  char *t = init_resolv_conf_text ("1.1.1.1 2.2.2.2 bad 3.3.3.3 4.4.4.4 5.5.5.5", "", &dropped);
  (void) state;
  assert_non_null (t);
  assert_string_equal (t, "nameserver 1.1.1.1\nnameserver 2.2.2.2\nnameserver 3.3.3.3\n"
                       "options timeout:2 attempts:2\n");
  assert_int_equal (dropped, 3);
  free (t);
}

static void
test_dns_names (void **state)
{
  char long_label[70], long_name[300];
  (void) state;
  assert_true (init_dns_name_valid ("example.com"));
  assert_true (init_dns_name_valid ("a-b.c0.EXAMPLE"));
  assert_true (init_dns_name_valid ("localdomain"));
  assert_false (init_dns_name_valid (""));
  assert_false (init_dns_name_valid (".example.com"));
  assert_false (init_dns_name_valid ("example..com"));
  assert_false (init_dns_name_valid ("-a.example"));
  assert_false (init_dns_name_valid ("a-.example"));
  assert_false (init_dns_name_valid ("a b"));
  assert_false (init_dns_name_valid ("a\nb"));
  assert_false (init_dns_name_valid ("a_b.example"));
  memset (long_label, 'a', 64);
  long_label[64] = '\0';
  assert_false (init_dns_name_valid (long_label));
  long_label[63] = '\0';
  assert_true (init_dns_name_valid (long_label));
  for (size_t i = 0; i < 254; i++)
    long_name[i] = i % 2 ? '.' : 'a';
  long_name[253] = '\0';        /* 253 characters ending in 'a' */
  assert_true (init_dns_name_valid (long_name));
  long_name[253] = '.';
  long_name[254] = 'a';
  long_name[255] = '\0';
  assert_false (init_dns_name_valid (long_name));
}

static void
test_ip_literals (void **state)
{
  (void) state;
  assert_true (init_ip_literal_valid ("192.0.2.1", 9));
  assert_true (init_ip_literal_valid ("::1", 3));
  assert_true (init_ip_literal_valid ("2001:db8::1 trailing", 11));
  assert_false (init_ip_literal_valid ("192.0.2.256", 11));
  assert_false (init_ip_literal_valid ("dns.example", 11));
  assert_false (init_ip_literal_valid ("fe80::1%eth0", 12));
  assert_false (init_ip_literal_valid ("", 0));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_good_lease),
    cmocka_unit_test (test_injected_lines_are_dropped),
    cmocka_unit_test (test_server_count_is_bounded),
    cmocka_unit_test (test_dns_names),
    cmocka_unit_test (test_ip_literals),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
