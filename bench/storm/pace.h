/* Pacing shared by the storms: operation i of a worker starts no earlier
 * than t0 + i / rate (absolute deadlines, so oversleeping one step is made
 * up by the next ones instead of drifting). */
#ifndef BW_PACE_H
#define BW_PACE_H

#include <errno.h>
#include <sys/time.h>
#include <time.h>

struct pacer {
  struct timespec start;
  double period_ns; /* 0: unpaced */
};

static inline double pace_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline double pace_tv(struct timeval tv) { return tv.tv_sec + tv.tv_usec / 1e6; }

static inline void pace_init(struct pacer *p, double rate) {
  clock_gettime(CLOCK_MONOTONIC, &p->start);
  p->period_ns = rate > 0 ? 1e9 / rate : 0;
}

/* Sleeps until operation i may start. */
static inline void pace_wait(struct pacer *p, long i) {
  if (p->period_ns == 0) return;
  double off = p->period_ns * (double)i;
  long long ns = p->start.tv_nsec + (long long)off;
  struct timespec due = {p->start.tv_sec + ns / 1000000000LL, ns % 1000000000LL};
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  if (now.tv_sec > due.tv_sec || (now.tv_sec == due.tv_sec && now.tv_nsec >= due.tv_nsec)) return;
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due, NULL) == EINTR) {}
}

#endif
