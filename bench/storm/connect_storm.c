/* Connect storm: COUNT TCP connections over loopback to a listener this
 * process runs itself (a thread on 127.0.0.1, ephemeral port), from WORKERS
 * threads, optionally paced to RATE connects per second in total. Each
 * connection is connected, then closed by the client; the listener accepts
 * and closes its side. Prints one JSON line:
 *   {"ops":N,"failed":N,"accepted":N,"port":P,"seconds":S,"perSecond":R,"cpuUser":S,"cpuSys":S}
 *
 *   connect_storm COUNT [RATE] [WORKERS] */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pace.h"

struct worker {
  pthread_t thread;
  struct sockaddr_in addr;
  long count;
  double rate;
  long failed;
  int last_errno;
};

static int listen_fd = -1;
static volatile long accepted;

static void *listener(void *arg) {
  (void)arg;
  for (;;) {
    int fd = accept(listen_fd, NULL, NULL);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return NULL; /* shut down */
    }
    __atomic_add_fetch(&accepted, 1, __ATOMIC_RELAXED);
    close(fd);
  }
}

static void *run(void *arg) {
  struct worker *w = arg;
  struct pacer p;
  pace_init(&p, w->rate);
  for (long i = 0; i < w->count; i++) {
    pace_wait(&p, i);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
      w->failed++;
      w->last_errno = errno;
      continue;
    }
    if (connect(fd, (struct sockaddr *)&w->addr, sizeof(w->addr)) != 0) {
      w->failed++;
      w->last_errno = errno;
    }
    close(fd);
  }
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: connect_storm COUNT [RATE] [WORKERS]\n");
    return 2;
  }
  long count = atol(argv[1]);
  double rate = argc > 2 ? atof(argv[2]) : 0;
  int workers = argc > 3 ? atoi(argv[3]) : 1;
  if (count <= 0 || workers <= 0 || rate < 0) {
    fprintf(stderr, "connect_storm: COUNT and WORKERS must be positive, RATE not negative\n");
    return 2;
  }
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  listen_fd = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  socklen_t alen = sizeof(addr);
  if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 ||
      listen(listen_fd, 4096) != 0 || getsockname(listen_fd, (struct sockaddr *)&addr, &alen) != 0) {
    perror("listener");
    return 1;
  }
  pthread_t lt;
  if (pthread_create(&lt, NULL, listener, NULL) != 0) {
    perror("pthread_create");
    return 1;
  }

  struct worker *ws = calloc(workers, sizeof(*ws));
  if (!ws) return 1;
  double t0 = pace_now();
  for (int i = 0; i < workers; i++) {
    ws[i].addr = addr;
    ws[i].count = count / workers + (i < count % workers ? 1 : 0);
    ws[i].rate = rate / workers;
    if (pthread_create(&ws[i].thread, NULL, run, &ws[i]) != 0) {
      perror("pthread_create");
      return 1;
    }
  }
  long failed = 0;
  int last_errno = 0;
  for (int i = 0; i < workers; i++) {
    pthread_join(ws[i].thread, NULL);
    failed += ws[i].failed;
    if (ws[i].last_errno) last_errno = ws[i].last_errno;
  }
  double dt = pace_now() - t0;
  /* Let the listener take the last connections off the backlog, then stop it. */
  for (int i = 0; i < 100 && __atomic_load_n(&accepted, __ATOMIC_RELAXED) < count - failed; i++) usleep(10000);
  shutdown(listen_fd, SHUT_RDWR);
  pthread_join(lt, NULL);
  close(listen_fd);
  if (last_errno) fprintf(stderr, "connect_storm: %ld failed, last: %s\n", failed, strerror(last_errno));
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("{\"ops\":%ld,\"failed\":%ld,\"accepted\":%ld,\"port\":%d,\"seconds\":%.4f,\"perSecond\":%.0f,"
         "\"cpuUser\":%.3f,\"cpuSys\":%.3f}\n",
         count - failed, failed, accepted, ntohs(addr.sin_port), dt, (count - failed) / dt, pace_tv(ru.ru_utime),
         pace_tv(ru.ru_stime));
  free(ws);
  return failed ? 1 : 0;
}
