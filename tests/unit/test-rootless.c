/* /etc/subuid and /etc/subgid lines: the range of a user by name or id. */
#include "config.h"

#include "exec/rootless.h"
#include "tap.h"

static void
range_is (const char *text, const char *name, unsigned long id, int want, unsigned long start, unsigned long count,
          const char *what)
{
  struct bld_subid_range r = { 0, 0 };
  int got = bld_subid_find (text, name, id, &r);
  ok (got == want && (!want || (r.start == start && r.count == count)), "%s (got %d %lu:%lu)", what, got, r.start,
      r.count);
}

int
main (void)
{
  const char *file = "# comment\n"
                     "alice:100000:65536\n"
                     "bob:165536:65536\n"
                     "1003:231072:1000\n"
                     "alice:400000:10\n";

  range_is (file, "alice", 1001, 1, 100000, 65536, "the first line of a name");
  range_is (file, "bob", 1002, 1, 165536, 65536, "a later name");
  range_is (file, "carol", 1003, 1, 231072, 1000, "a line naming the uid");
  range_is (file, "al", 1, 0, 0, 0, "a prefix of a name is not the name");
  range_is (file, "alic", 1, 0, 0, 0, "nor is a shorter name");
  range_is (file, NULL, 100, 0, 0, 0, "no name, no id line: none");
  range_is ("", "alice", 1, 0, 0, 0, "an empty file");
  range_is ("alice:100000:65536", "alice", 1, 1, 100000, 65536, "a last line without newline");
  range_is ("alice:x:65536\nalice:5:0\nalice:7:\nalice:9:9\n", "alice", 1, 1, 9, 9,
            "malformed lines and empty ranges are skipped");
  range_is ("#alice:1:1\n", "alice", 1, 0, 0, 0, "a commented line");
  range_is ("alice\nalice:3:4\n", "alice", 1, 1, 3, 4, "a line without colon");
  return tap_done ();
}
