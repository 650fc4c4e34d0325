/* process.terminal: a pty made inside the container (from its own devpts),
 * its master handed over --console-socket with SCM_RIGHTS (runc's
 * protocol), or proxied to our own stdio by `run` in the foreground. */
#ifndef RL_CONSOLE_H
#define RL_CONSOLE_H

#include <stdbool.h>

#include "error.h"
#include "runtime.h"

int rl_console_socket_connect (const char *path, struct oci_error *err);

/* In the container's mount namespace: opens /dev/ptmx, sizes the terminal,
 * makes the slave the controlling terminal and fds 0-2, and sends the
 * master over sock.  For the init (is_console), the slave is also bound on
 * /dev/console, so the console is the container's own pty. */
int rl_console_setup (int sock, const struct oci_console_size *size, bool is_console, struct oci_error *err);

int rl_console_send_fd (int sock, int fd, const char *name, struct oci_error *err);
int rl_console_receive_fd (int sock, int *fd, struct oci_error *err);

/* Copies our stdin to master and master to our stdout until the pty
 * closes; our terminal (if stdin is one) is in raw mode meanwhile. */
int rl_console_proxy (int master, struct oci_error *err);

#endif
