/* docker build's option values (builder/exec/build_habits.c): --ulimit,
 * --pull, --format, --add-host and KEY=VALUE, good and bad. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "exec/build.h"
#include "tap.h"

/* "RES SOFT HARD", or "error: MESSAGE" */
static char *
ulimit (const char *spec)
{
  struct oci_error e = OCI_ERROR_INIT;
  int res = -1;
  int64_t soft = 0, hard = 0;
  char *out = NULL;
  if (bld_ulimit_parse (spec, &res, &soft, &hard, &e) < 0)
    {
      if (asprintf (&out, "error: %s", oci_error_msg (&e)) < 0)
        out = NULL;
    }
  else if (asprintf (&out, "%d %lld %lld", res, (long long) soft, (long long) hard) < 0)
    out = NULL;
  oci_error_clear (&e);
  return out;
}

static void
ulimit_is (const char *spec, const char *want, const char *what)
{
  char *got = ulimit (spec);
  is_str (got, want, "--ulimit %s: %s", spec, what);
  free (got);
}

static void
test_ulimit (void)
{
  char want[64];
  snprintf (want, sizeof want, "%d 1024 2048", RLIMIT_NOFILE);
  ulimit_is ("nofile=1024:2048", want, "soft and hard");
  snprintf (want, sizeof want, "%d 100 100", RLIMIT_NPROC);
  ulimit_is ("nproc=100", want, "one value is both");
  snprintf (want, sizeof want, "%d -1 -1", RLIMIT_CORE);
  ulimit_is ("core=-1", want, "-1 is unlimited");
  snprintf (want, sizeof want, "%d 0 -1", RLIMIT_STACK);
  ulimit_is ("stack=0:-1", want, "a finite soft limit under an unlimited hard one");
  ulimit_is ("nofile", "error: build: --ulimit nofile: want NAME=SOFT[:HARD]", "no =");
  ulimit_is ("bogus=1", "error: build: --ulimit bogus=1: unknown limit \"bogus\"", "an unknown name");
  ulimit_is ("nofile=", "error: build: --ulimit nofile=: the limits are numbers (or -1, unlimited)", "no value");
  ulimit_is ("nofile=1:", "error: build: --ulimit nofile=1:: the limits are numbers (or -1, unlimited)",
             "an empty hard limit");
  ulimit_is ("nofile=+5", "error: build: --ulimit nofile=+5: the limits are numbers (or -1, unlimited)", "a sign");
  ulimit_is ("nofile=-2", "error: build: --ulimit nofile=-2: the limits are numbers (or -1, unlimited)",
             "negative other than -1");
  ulimit_is ("nofile=99999999999999999999",
             "error: build: --ulimit nofile=99999999999999999999: the limits are numbers (or -1, unlimited)",
             "beyond 64 bits");
  ulimit_is ("nofile=10:5", "error: build: --ulimit nofile=10:5: the soft limit is above the hard one",
             "soft above hard");
  ulimit_is ("nofile=-1:5", "error: build: --ulimit nofile=-1:5: the soft limit is above the hard one",
             "unlimited soft under a finite hard");
}

static void
test_values (void)
{
  struct oci_error e = OCI_ERROR_INIT;
  enum bld_pull p = BLD_PULL_MISSING;
  enum bld_image_format f = BLD_FORMAT_OCI;

  ok (bld_pull_parse (NULL, &p, &e) == 0 && p == BLD_PULL_ALWAYS, "bare --pull is always");
  ok (bld_pull_parse ("never", &p, &e) == 0 && p == BLD_PULL_NEVER, "--pull=never");
  ok (bld_pull_parse ("missing", &p, &e) == 0 && p == BLD_PULL_MISSING, "--pull=missing");
  ok (bld_pull_parse ("true", &p, &e) == 0 && p == BLD_PULL_ALWAYS, "--pull=true (buildah's) is always");
  ok (bld_pull_parse ("false", &p, &e) == 0 && p == BLD_PULL_MISSING, "--pull=false (buildah's) is missing");
  ok (bld_pull_parse ("sometimes", &p, &e) < 0, "--pull=sometimes is refused");
  is_str (oci_error_msg (&e), "build: --pull=sometimes: want always, missing or never", "its message");
  oci_error_clear (&e);

  ok (bld_format_parse ("docker", &f, &e) == 0 && f == BLD_FORMAT_DOCKER, "--format docker");
  ok (bld_format_parse ("oci", &f, &e) == 0 && f == BLD_FORMAT_OCI, "--format oci");
  ok (bld_format_parse ("v2s2", &f, &e) < 0, "another format is refused");
  oci_error_clear (&e);

  ok (bld_add_host_check ("h:10.0.0.1", &e) == 0, "HOST:IP");
  ok (bld_add_host_check ("h:fd00::1", &e) == 0, "HOST:IPv6");
  ok (bld_add_host_check ("h", &e) < 0, "no IP");
  oci_error_clear (&e);
  ok (bld_add_host_check (":1.2.3.4", &e) < 0, "no HOST");
  oci_error_clear (&e);
  ok (bld_add_host_check ("h:", &e) < 0, "an empty IP");
  oci_error_clear (&e);
  ok (bld_add_host_check ("a b:1.2.3.4", &e) < 0, "a blank would make two names");
  oci_error_clear (&e);
  ok (bld_add_host_check ("h:1.2.3.4\n5.6.7.8 evil", &e) < 0, "a newline would add a line");
  oci_error_clear (&e);

  ok (bld_key_value_check ("--label", "a=", &e) == 0, "KEY= (an empty value)");
  ok (bld_key_value_check ("--label", "=v", &e) < 0, "=VALUE without a key");
  is_str (oci_error_msg (&e), "build: --label =v: want KEY=VALUE", "its message");
  oci_error_clear (&e);
}

int
main (void)
{
  test_ulimit ();
  test_values ();
  return tap_done ();
}
