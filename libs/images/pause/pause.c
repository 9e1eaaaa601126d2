/*
 * Skiff's pause container: the process that holds a pod's namespaces (network, IPC) open while the
 * pod's containers come and go. It does nothing but wait: SIGINT/SIGTERM end it cleanly (exit 0, so a
 * stopped sandbox is not reported as crashed), and as PID 1 of the sandbox it reaps orphaned children
 * that would otherwise stay zombies. Built static so the image can be FROM scratch.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void exit_cleanly(int sig) {
  (void)sig;
  _exit(0);
}

static void reap_children(int sig) {
  (void)sig;
  int saved = errno; /* a handler must not clobber errno of the code it interrupted */
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
  errno = saved;
}

static int install(int sig, void (*handler)(int), int flags) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = handler;
  sa.sa_flags = flags;
  sigemptyset(&sa.sa_mask);
  return sigaction(sig, &sa, NULL);
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "-v") == 0) {
    printf("skiff-pause 3.9\n");
    return 0;
  }
  if (getpid() != 1) fprintf(stderr, "pause: warning: not running as PID 1\n");
  if (install(SIGINT, exit_cleanly, 0) < 0 || install(SIGTERM, exit_cleanly, 0) < 0 ||
      install(SIGCHLD, reap_children, SA_NOCLDSTOP | SA_RESTART) < 0) {
    perror("pause: sigaction");
    return 1;
  }
  for (;;) pause();
  return 42; /* unreachable: pause() only returns to loop again */
}
