/* A SQLite loadable extension that bounds how long a statement runs.
 *
 * node:sqlite can neither interrupt a statement nor install a progress
 * handler, so without this a runaway rule could only be stopped by killing
 * the process that runs it (which is why rules ran in a child process of
 * their own). Loaded into the rule connection, it installs a progress
 * handler that aborts the running statement (SQLITE_INTERRUPT) once the
 * connection's deadline has passed, and adds one SQL function:
 *
 *   SELECT bw_deadline(ms)   -- statements started from now on must end
 *                               within ms milliseconds (0: no deadline)
 *
 * The handler runs every PROGRESS_OPS virtual machine operations; a
 * monotonic clock read costs tens of nanoseconds there. */
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1
#include <stdint.h>
#include <time.h>

#define PROGRESS_OPS 1000

struct deadline {
  int64_t at_ns; /* 0: none */
};

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int on_progress(void *arg) {
  const struct deadline *d = arg;
  return d->at_ns != 0 && now_ns() > d->at_ns;
}

static void set_deadline(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  struct deadline *d = sqlite3_user_data(ctx);
  sqlite3_int64 ms = sqlite3_value_int64(argv[0]);
  d->at_ns = ms > 0 ? now_ns() + (int64_t)ms * 1000000LL : 0;
  sqlite3_result_int64(ctx, ms > 0 ? ms : 0);
}

#ifdef _WIN32
__declspec(dllexport)
#endif
int sqlite3_bwdeadline_init(sqlite3 *db, char **err, const sqlite3_api_routines *api) {
  (void)err;
  SQLITE_EXTENSION_INIT2(api);
  struct deadline *d = sqlite3_malloc(sizeof *d);
  if (!d) return SQLITE_NOMEM;
  d->at_ns = 0;
  int rc = sqlite3_create_function_v2(db, "bw_deadline", 1, SQLITE_UTF8 | SQLITE_DIRECTONLY, d, set_deadline,
                                      NULL, NULL, sqlite3_free);
  if (rc != SQLITE_OK) return rc;
  sqlite3_progress_handler(db, PROGRESS_OPS, on_progress, d);
  return SQLITE_OK;
}
