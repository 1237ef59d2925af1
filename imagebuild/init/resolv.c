/* SPDX-License-Identifier: GPL-3.0-or-later */
/* resolv.conf from a DHCP lease.  The lease's "dns" and "domain" come from
 * whoever answers DHCP on the wire: they are checked before they reach
 * /etc/resolv.conf, where a newline would add resolver options or servers
 * of the sender's choosing.  Name servers must be IPv4 or IPv6 literals
 * (at most INIT_MAX_DNS_SERVERS are kept), the domain a valid DNS name;
 * anything else is dropped and counted. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "init.h"

#define MAX_DNS_NAME 253
#define MAX_DNS_LABEL 63
/* The longest IPv6 literal with a zone would not be accepted anyway. */
#define MAX_ADDR_TEXT INET6_ADDRSTRLEN
#define DNS_TIMEOUT_SECONDS 2
#define DNS_ATTEMPTS 2

bool
init_dns_name_valid (const char *name)
{
  size_t len = name ? strlen (name) : 0, label = 0;

  if (len == 0 || len > MAX_DNS_NAME)
    return false;
  for (size_t i = 0; i < len; i++) {
    char c = name[i];
    if (c == '.') {
      if (label == 0 || name[i - 1] == '-')
        return false;           /* empty label, or one ending in '-' */
      label = 0;
      continue;
    }
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9') || c == '-'))
      return false;
    if (c == '-' && label == 0)
      return false;             /* a label starting with '-' */
    if (++label > MAX_DNS_LABEL)
      return false;
  }
  return name[len - 1] != '-';
}

bool
init_ip_literal_valid (const char *s, size_t n)
{
  char buf[MAX_ADDR_TEXT + 1];
  unsigned char addr[sizeof (struct in6_addr)];

  if (n == 0 || n > MAX_ADDR_TEXT)
    return false;
  memcpy (buf, s, n);
  buf[n] = '\0';
  return inet_pton (AF_INET, buf, addr) == 1 || inet_pton (AF_INET6, buf, addr) == 1;
}

char *
init_resolv_conf_text (const char *dns, const char *domain, unsigned *dropped)
{
  char *text = NULL;
  size_t size = 0;
  unsigned kept = 0;
  FILE *f;

  *dropped = 0;
  if (!dns)
    return NULL;
  f = open_memstream (&text, &size);
  if (!f)
    return NULL;
  if (domain && *domain) {
    if (init_dns_name_valid (domain))
      fprintf (f, "search %s\n", domain);
    else
      (*dropped)++;
  }
  for (const char *p = dns; *p;) {
    size_t n;
    p += strspn (p, " \t");
    n = strcspn (p, " \t");
    if (n == 0)
      break;
    if (kept < INIT_MAX_DNS_SERVERS && init_ip_literal_valid (p, n)) {
      fprintf (f, "nameserver %.*s\n", (int) n, p);
      kept++;
    }
    else
      (*dropped)++;
    p += n;
  }
  /* A dead DNS server must not stall a job (an SMB host by name) for the
   * resolver's default 5 s x 2 tries per server. */
  fprintf (f, "options timeout:%d attempts:%d\n", DNS_TIMEOUT_SECONDS, DNS_ATTEMPTS);
  if (fclose (f) != 0 || kept == 0) {
    free (text);
    return NULL;
  }
  return text;
}
