/**
 * Root-only Unix sockets (the API and gRPC). The socket is never chmod'ed
 * after it listens, since a client could connect in between: it is created
 * with the process umask at 0177 (mode 0600), in a directory only the agent's user can
 * enter. The agent's runtime directory (or one the agent creates) is forced
 * to 0700; any other directory must already be private, since tightening a
 * directory other software shares (/run, /tmp) would break it.
 */
import { chmodSync, existsSync, lstatSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { makeDirs } from '../host/make-dirs.ts';

/** Makes the socket's directory private, or throws fail(message) naming the directory and the fix. */
export function preparePrivateDir(
  socket: string,
  runtimeDir: string | undefined,
  setting: string,
  fail: (message: string) => Error,
): void {
  const dir = dirname(resolve(socket));
  const created = !existsSync(dir);
  try {
    // mkdir's mode is masked by the umask; chmod below makes it exact.
    makeDirs(dir, 0o700);
  } catch (err) {
    throw fail(`${setting}: cannot create ${dir}: ${(err as Error).message}`);
  }
  const st = lstatSync(dir);
  if (!st.isDirectory()) {
    throw fail(`${setting}: ${dir} is not a directory${st.isSymbolicLink() ? ' (a symbolic link)' : ''}`);
  }
  const me = process.geteuid?.() ?? st.uid;
  if (st.uid !== me) {
    throw fail(
      `${setting}: ${dir} is owned by uid ${st.uid}, not by the agent's user (uid ${me}): refusing to put a root-only socket there; chown it or choose another directory`,
    );
  }
  const mode = st.mode & 0o7777;
  if ((mode & 0o077) === 0) return;
  const ours = created || (runtimeDir !== undefined && resolve(runtimeDir) === dir);
  if (!ours) {
    throw fail(
      `${setting}: ${dir} has mode ${mode.toString(8).padStart(4, '0')}, so other users can reach the socket; it must be 0700 (chmod 700 ${dir}), or choose a directory of its own`,
    );
  }
  try {
    chmodSync(dir, 0o700);
  } catch (err) {
    throw fail(`${setting}: cannot make ${dir} private (mode 0700): ${(err as Error).message}`);
  }
}

/**
 * Runs listen() with the process umask at 0177, so the socket is born 0600.
 * The umask is process-wide: it is restored as soon as the listen settles.
 */
export async function listenPrivately<T>(listen: () => Promise<T>): Promise<T> {
  const old = process.umask(0o177);
  try {
    return await listen();
  } finally {
    process.umask(old);
  }
}
