/* File-open storm: COUNT open(2)+close(2) from WORKERS threads, optionally
 * paced to RATE opens per second in total (0: as fast as possible). With one
 * worker it opens PATH; with more, worker i opens PATH.i (one file each, so
 * the workers do not contend on one dentry). Files are created when missing.
 * Prints one JSON line:
 *   {"ops":N,"failed":N,"seconds":S,"perSecond":R,"cpuUser":S,"cpuSys":S}
 *
 *   open_storm PATH COUNT [RATE] [WORKERS] */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "pace.h"

struct worker {
  pthread_t thread;
  char path[4096];
  long count;
  double rate; /* this worker's share; 0: unpaced */
  long failed;
};

static void *run(void *arg) {
  struct worker *w = arg;
  struct pacer p;
  pace_init(&p, w->rate);
  for (long i = 0; i < w->count; i++) {
    pace_wait(&p, i);
    int fd = open(w->path, O_RDONLY);
    if (fd < 0) {
      w->failed++;
      continue;
    }
    close(fd);
  }
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: open_storm PATH COUNT [RATE] [WORKERS]\n");
    return 2;
  }
  const char *path = argv[1];
  long count = atol(argv[2]);
  double rate = argc > 3 ? atof(argv[3]) : 0;
  int workers = argc > 4 ? atoi(argv[4]) : 1;
  if (count <= 0 || workers <= 0 || rate < 0) {
    fprintf(stderr, "open_storm: COUNT and WORKERS must be positive, RATE not negative\n");
    return 2;
  }
  struct worker *ws = calloc(workers, sizeof(*ws));
  if (!ws) return 1;
  for (int i = 0; i < workers; i++) {
    if (workers == 1) snprintf(ws[i].path, sizeof(ws[i].path), "%s", path);
    else snprintf(ws[i].path, sizeof(ws[i].path), "%s.%d", path, i);
    int fd = open(ws[i].path, O_CREAT | O_WRONLY, 0644);
    if (fd < 0) {
      perror(ws[i].path);
      return 1;
    }
    close(fd);
  }
  double t0 = pace_now();
  for (int i = 0; i < workers; i++) {
    ws[i].count = count / workers + (i < count % workers ? 1 : 0);
    ws[i].rate = rate / workers;
    if (pthread_create(&ws[i].thread, NULL, run, &ws[i]) != 0) {
      perror("pthread_create");
      return 1;
    }
  }
  long failed = 0;
  for (int i = 0; i < workers; i++) {
    pthread_join(ws[i].thread, NULL);
    failed += ws[i].failed;
  }
  double dt = pace_now() - t0;
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("{\"ops\":%ld,\"failed\":%ld,\"seconds\":%.4f,\"perSecond\":%.0f,\"cpuUser\":%.3f,\"cpuSys\":%.3f}\n",
         count - failed, failed, dt, (count - failed) / dt, pace_tv(ru.ru_utime), pace_tv(ru.ru_stime));
  free(ws);
  return failed ? 1 : 0;
}
