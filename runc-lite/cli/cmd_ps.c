/* ps: the container's processes.  --format json prints the pids; table
 * runs the host's ps(1) with the given options (default -ef) and keeps its
 * header and the lines of the container's pids, as runc does. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "cli/cli.h"
#include "fileutil.h"

static bool
has_pid (const pid_t *pids, size_t n, long pid)
{
  for (size_t i = 0; i < n; i++)
    if (pids[i] == pid)
      return true;
  return false;
}

/* The PID column of ps's header, counted in whitespace-separated fields. */
static int
pid_column (const char *header)
{
  int col = 0;
  for (const char *p = header; *p;)
    {
      while (*p == ' ' || *p == '\t')
        p++;
      if (*p == '\0' || *p == '\n')
        break;
      if (strncmp (p, "PID", 3) == 0 && (p[3] == ' ' || p[3] == '\t' || p[3] == '\n' || p[3] == '\0'))
        return col;
      while (*p && *p != ' ' && *p != '\t' && *p != '\n')
        p++;
      col++;
    }
  return -1;
}

static long
field (const char *line, int col)
{
  const char *p = line;
  for (int c = 0;; c++)
    {
      while (*p == ' ' || *p == '\t')
        p++;
      if (*p == '\0')
        return -1;
      if (c == col)
        return strtol (p, NULL, 10);
      while (*p && *p != ' ' && *p != '\t')
        p++;
    }
}

static int
run_ps (char **ps_args, size_t n, char **out, struct oci_error *err)
{
  cleanup_free char **argv = calloc (n + 2, sizeof (char *));
  int fds[2], status;
  size_t len;
  pid_t pid;

  if (argv == NULL)
    return oci_error_set (err, ENOMEM, "ps");
  argv[0] = (char *) "ps";
  if (n == 0)
    argv[1] = (char *) "-ef";
  for (size_t i = 0; i < n; i++)
    argv[i + 1] = ps_args[i];
  if (pipe2 (fds, O_CLOEXEC) < 0)
    return oci_error_set (err, errno, "pipe");
  pid = fork ();
  if (pid == 0)
    {
      dup2 (fds[1], 1);
      execvp ("ps", argv);
      _exit (127);
    }
  close (fds[1]);
  if (pid < 0)
    {
      close (fds[0]);
      return oci_error_set (err, errno, "fork");
    }
  int r = oci_read_fd (fds[0], "ps output", 64 << 20, out, &len, err);
  close (fds[0]);
  waitpid (pid, &status, 0);
  if (r < 0)
    return -1;
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    return oci_error_set (err, 0, "ps %s failed (exit status %d)", n ? ps_args[0] : "-ef",
                          WIFEXITED (status) ? WEXITSTATUS (status) : -1);
  return 0;
}

static const struct cli_option ps_options[] = {
  { "format", 'f', CLI_VALUE, "table|json", "table: ps(1)'s output for the container's pids; json: the pids" },
  CLI_OPTIONS_END,
};

const struct cli_help rl_help_ps = { "list the container's processes",
                                     "[command options] <container-id> [ps options]", ps_options };

int
cmd_ps (struct rl_global *g, int argc, char **argv, struct oci_error *err)
{
  cleanup_cli_getopt struct cli_getopt p = CLI_GETOPT_INIT;
  cleanup_free pid_t *pids = NULL;
  cleanup_free char *out = NULL;
  const char *format = "table";
  size_t n;
  int c, col;

  /* ps(1)'s options follow the id: the words are taken as getopt reads
   * them (no CLI_STYLE_GO check, as before). */
  if (cli_getopt_start (&p, ps_options, CLI_STYLE_LONG_ONLY, argc, argv, err) < 0)
    return -1;
  while ((c = cli_getopt_next (&p)) != -1)
    {
      if (c != 'f')
        return oci_error_set (err, 0, "ps: unknown or incomplete option \"%s\"", argv[optind - 1]);
      format = optarg;
    }
  if (strcmp (format, "table") != 0 && strcmp (format, "json") != 0)
    return oci_error_set (err, 0, "ps: --format: expected table or json, got \"%s\"", format);
  if (optind >= argc)
    return oci_error_set (err, 0, "ps: usage: ps [--format table|json] <container-id> [ps options]");
  if (rl_container_pids (g, argv[optind], &pids, &n, err) < 0)
    return -1;
  if (strcmp (format, "json") == 0)
    {
      printf ("[");
      for (size_t i = 0; i < n; i++)
        printf ("%s%d", i ? "," : "", pids[i]);
      printf ("]\n");
      return 0;
    }
  if (run_ps (argv + optind + 1, (size_t) (argc - optind - 1), &out, err) < 0)
    return -1;
  {
    char *save = NULL, *line = strtok_r (out, "\n", &save);
    if (line == NULL)
      return 0;
    col = pid_column (line);
    if (col < 0)
      return oci_error_set (err, 0, "ps: no PID column in the output of ps; add -o pid");
    printf ("%s\n", line);
    while ((line = strtok_r (NULL, "\n", &save)) != NULL)
      if (has_pid (pids, n, field (line, col)))
        printf ("%s\n", line);
  }
  return 0;
}
