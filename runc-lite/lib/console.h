/* process.terminal: a pty made inside the container (from its own devpts),
 * its master handed over --console-socket with SCM_RIGHTS (runc's
 * protocol), or proxied to our own stdio by `run` in the foreground. */
#ifndef RL_CONSOLE_H
#define RL_CONSOLE_H

#include <stdbool.h>
#include <termios.h>

#include "error.h"
#include "runtime.h"

int rl_console_socket_connect (const char *path, struct oci_error *err);

/* In the container's mount namespace: opens /dev/ptmx, sizes the terminal,
 * makes the slave the controlling terminal and fds 0-2, and sends the
 * master over sock.  For the init (is_console), the slave is also bound on
 * /dev/console, so the console is the container's own pty. */
int rl_console_setup (int sock, const struct oci_console_size *size, bool is_console, struct oci_error *err);

int rl_console_send_fd (int sock, int fd, char *name, struct oci_error *err);
int rl_console_receive_fd (int sock, int *fd, struct oci_error *err);

/* The foreground side of a pty (run, exec -t): our stdin goes to master,
 * master to our stdout; our terminal, if stdin is one, is in raw mode
 * meanwhile and its size is the pty's.  The caller polls master and fd 0
 * (while in_open) and hands the events to rl_console_proxy_pump; master
 * becomes -1 once the pty has no slave left and all its output is read. */
struct rl_console_proxy
{
  int master;
  bool in_open;  /* still copying our stdin */
  bool out_open; /* our stdout still takes output */
  bool tty;      /* stdin is a terminal in raw mode, saved to restore */
  struct termios saved;
};

void rl_console_proxy_begin (struct rl_console_proxy *px, int master);
void rl_console_proxy_pump (struct rl_console_proxy *px, short master_revents, short in_revents);
/* Restores our terminal and closes master. */
void rl_console_proxy_end (struct rl_console_proxy *px);
/* Gives master our terminal's size (SIGWINCH), when stdin is a terminal. */
void rl_console_resize (int master);

#endif
