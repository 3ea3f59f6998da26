/* Exec storm: spawns N short processes (fork + execve of /bin/true) from P
 * workers, each child tagged in argv with a marker so stored events can be
 * matched to this run, optionally paced to RATE spawns per second in total
 * (0 or absent: as fast as possible). Prints one JSON line with what it
 * spawned and the CPU time it and its children used.
 *
 *   exec_storm COUNT WORKERS MARKER [BINARY [RATE]] */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pace.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: exec_storm COUNT WORKERS MARKER [BINARY [RATE]]\n");
    return 2;
  }
  long count = atol(argv[1]);
  int workers = atoi(argv[2]);
  const char *marker = argv[3];
  const char *bin = argc > 4 ? argv[4] : "/bin/true";
  double rate = argc > 5 ? atof(argv[5]) : 0;
  if (count <= 0 || workers <= 0) {
    fprintf(stderr, "exec_storm: COUNT and WORKERS must be positive\n");
    return 2;
  }
  double t0 = now();
  for (int w = 0; w < workers; w++) {
    pid_t wp = fork();
    if (wp < 0) { perror("fork"); return 1; }
    if (wp == 0) {
      long mine = count / workers + (w < count % workers ? 1 : 0);
      long failed = 0;
      struct pacer p;
      pace_init(&p, rate / workers);
      for (long i = 0; i < mine; i++) {
        pace_wait(&p, i);
        pid_t c = fork();
        if (c < 0) { failed++; continue; }
        if (c == 0) {
          char *args[] = {(char *)"true", (char *)marker, NULL};
          execv(bin, args);
          _exit(127);
        }
        int st;
        while (waitpid(c, &st, 0) < 0 && errno == EINTR) {}
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) failed++;
      }
      _exit(failed > 255 ? 255 : (int)failed);
    }
  }
  long failed = 0;
  for (int w = 0; w < workers; w++) {
    int st;
    wait(&st);
    if (WIFEXITED(st)) failed += WEXITSTATUS(st);
  }
  double dt = now() - t0;
  struct rusage self, kids;
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &kids);
  double user = self.ru_utime.tv_sec + kids.ru_utime.tv_sec + (self.ru_utime.tv_usec + kids.ru_utime.tv_usec) / 1e6;
  double sys = self.ru_stime.tv_sec + kids.ru_stime.tv_sec + (self.ru_stime.tv_usec + kids.ru_stime.tv_usec) / 1e6;
  printf("{\"spawned\":%ld,\"failed\":%ld,\"seconds\":%.3f,\"perSecond\":%.0f,\"cpuUser\":%.3f,\"cpuSys\":%.3f}\n",
         count - failed, failed, dt, (count - failed) / dt, user, sys);
  return failed ? 1 : 0;
}
