/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Bearer-token check.  The presented and configured tokens are both hashed
 * (SHA-256) and the digests compared with CRYPTO_memcmp, so neither content
 * nor length leaks through timing.  Repeated failures from one source
 * address earn a growing delay before the 401; the server applies it by
 * suspending that connection (http/delay.c), never by sleeping. */
#include <pthread.h>
#include <string.h>
#include <strings.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "agent.h"

#define MAX_AUTH_SOURCES 256
#define AUTH_FREE_FAILURES 3               /* failures before any delay */
#define AUTH_FIRST_DELAY_MS 250
#define AUTH_MAX_DELAY_MS 8000
#define AUTH_FORGET_SECONDS 900.0

struct source {
  uint8_t addr[16];
  int family;
  unsigned failures;
  double last;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct source sources[MAX_AUTH_SOURCES];

static void
peer_key (const struct sockaddr *sa, uint8_t addr[16], int *family)
{
  memset (addr, 0, 16);
  *family = sa ? sa->sa_family : AF_UNSPEC;
  if (sa && sa->sa_family == AF_INET)
    memcpy (addr, &((const struct sockaddr_in *) sa)->sin_addr, 4);
  else if (sa && sa->sa_family == AF_INET6)
    memcpy (addr, &((const struct sockaddr_in6 *) sa)->sin6_addr, 16);
}

/* The source's slot, or NULL; expired entries are forgotten on the way. */
static struct source *
find_locked (const uint8_t addr[16], int family, double now)
{
  for (size_t i = 0; i < MAX_AUTH_SOURCES; i++) {
    struct source *s = &sources[i];
    if (s->failures && now - s->last > AUTH_FORGET_SECONDS)
      s->failures = 0;
    if (s->failures && s->family == family && !memcmp (s->addr, addr, 16))
      return s;
  }
  return NULL;
}

/* A slot for a new source: a free one, else the least recently failed. */
static struct source *
new_slot_locked (const uint8_t addr[16], int family)
{
  struct source *pick = &sources[0];
  for (size_t i = 0; i < MAX_AUTH_SOURCES; i++) {
    struct source *s = &sources[i];
    if (!s->failures) {
      pick = s;
      break;
    }
    if (s->last < pick->last)
      pick = s;
  }
  memset (pick, 0, sizeof *pick);
  memcpy (pick->addr, addr, 16);
  pick->family = family;
  return pick;
}

static bool
token_ok (const char *authorization)
{
  const char *tok;
  uint8_t a[32], b[32];
  unsigned n;
  bool ok;

  if (!authorization || strncasecmp (authorization, "Bearer ", 7))
    return false;
  tok = authorization + 7;
  while (*tok == ' ')
    tok++;
  if (!EVP_Digest (tok, strlen (tok), a, &n, EVP_sha256 (), NULL) ||
      !EVP_Digest (ce_agent.config.token, strlen (ce_agent.config.token), b, &n,
                   EVP_sha256 (), NULL))
    return false;
  ok = CRYPTO_memcmp (a, b, sizeof a) == 0;
  OPENSSL_cleanse (a, sizeof a);
  OPENSSL_cleanse (b, sizeof b);
  return ok;
}

int
ce_auth_check (const char *authorization, const struct sockaddr *peer,
               unsigned *delay, struct ce_error *err)
{
  uint8_t addr[16];
  int family;
  double now = ce_mono_now ();
  unsigned delay_ms = 0, failures;

  *delay = 0;
  peer_key (peer, addr, &family);
  if (token_ok (authorization)) {
    pthread_mutex_lock (&lock);
    struct source *s = find_locked (addr, family, now);
    if (s)
      s->failures = 0;
    pthread_mutex_unlock (&lock);
    atomic_store (&ce_agent.last_auth_mono, now);
    return 0;
  }

  pthread_mutex_lock (&lock);
  struct source *s = find_locked (addr, family, now);
  if (!s)
    s = new_slot_locked (addr, family);
  s->failures++;
  s->last = now;
  failures = s->failures;
  pthread_mutex_unlock (&lock);
  if (failures > AUTH_FREE_FAILURES) {
    unsigned shift = failures - AUTH_FREE_FAILURES - 1;
    delay_ms = shift >= 6 ? AUTH_MAX_DELAY_MS : AUTH_FIRST_DELAY_MS << shift;
    if (delay_ms > AUTH_MAX_DELAY_MS)
      delay_ms = AUTH_MAX_DELAY_MS;
  }
  ce_log (CE_LOG_WARN, "auth.failed", "authentication failed (%u in a row from this "
          "source; delaying %u ms)", failures, delay_ms);
  *delay = delay_ms;
  /* No detail: the client learns nothing about why. */
  return ce_error_set (err, CE_E_AUTH, "unauthorized", "authentication required");
}
