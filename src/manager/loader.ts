/**
 * Loads an object file and pins every loaded program and map under the
 * object's pin directory, then closes it: the pins alone keep it in the
 * kernel. Used by `prog load` and by reconcile's reload after a reboot.
 */
import { rmSync } from 'node:fs';
import { checkZero } from '../ebpf/check.ts';
import { BpfError, BpfObjectSpec, type NativeBridge } from '../ebpf/index.ts';
import { ManagerError } from './errors.ts';
import { ensureParent, mapPin, objectDir, programPin } from './pins.ts';

export interface LoadRequest {
  readonly path: string;
  readonly name: string;
  /** Programs to load; empty: all of them. */
  readonly programs: readonly string[];
  /** Global variables (const volatile / .data / .bss) set before load, as text. */
  readonly globals: Readonly<Record<string, string>>;
}

export interface LoadedProgram {
  readonly name: string;
  readonly section: string;
  readonly type: number;
  readonly expectedAttachType: number;
  readonly kernelId: number;
  readonly tag: string;
  readonly pin: string;
}

export interface LoadedMap {
  readonly name: string;
  readonly type: number;
  readonly kernelId: number;
  readonly pin: string;
}

export interface LoadResult {
  readonly programs: readonly LoadedProgram[];
  readonly maps: readonly LoadedMap[];
}

/** "42", "0x2a", "true": what --global KEY=VALUE accepts. */
export function parseGlobalValue(key: string, v: string): number | bigint | boolean {
  if (v === 'true' || v === 'false') return v === 'true';
  if (/^(0x[0-9a-f]+|\d+)$/i.test(v)) {
    const b = BigInt(v);
    return b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
  }
  throw new ManagerError(
    'MANAGER_BAD_ARGUMENT',
    `--global ${key}=${v}: the value must be an unsigned integer (decimal or 0x hex) or true/false`,
  );
}

export function loadAndPin(
  bridge: NativeBridge,
  req: LoadRequest,
  root: string,
  objectId: number,
): LoadResult {
  let spec: BpfObjectSpec;
  try {
    spec = BpfObjectSpec.open(req.path, { name: req.name, bridge });
  } catch (err) {
    const detail =
      err instanceof BpfError ? err.message.replace(/^open BPF object [^:]*: /, '') : String(err);
    throw new ManagerError('MANAGER_BAD_OBJECT', `${req.path} is not a loadable BPF object: ${detail}`, {
      cause: err,
    });
  }
  const dir = objectDir(root, objectId);
  try {
    const metas = spec.programs;
    const names = metas.map((p) => p.name);
    for (const want of req.programs) {
      if (!names.includes(want)) {
        throw new ManagerError(
          'MANAGER_BAD_ARGUMENT',
          `no program named "${want}" in ${req.path}; it has: ${names.join(', ')}`,
        );
      }
    }
    if (req.programs.length > 0) for (const n of names) spec.setAutoload(n, req.programs.includes(n));
    for (const [k, v] of Object.entries(req.globals)) spec.setGlobal(k, parseGlobalValue(k, v));
    let obj: ReturnType<BpfObjectSpec['load']>;
    try {
      obj = spec.load();
    } catch (err) {
      // The message already carries the verifier log's tail when the verifier refused.
      throw new ManagerError('MANAGER_LOAD_FAILED', (err as Error).message, { cause: err });
    }
    try {
      const programs = obj.programs.map((p): LoadedProgram => {
        const pin = programPin(root, objectId, p.name);
        ensureParent(pin);
        p.pin(pin);
        const info = bridge.infoByFd('prog', p.fd);
        if (typeof info === 'number')
          throw new ManagerError(
            'MANAGER_LOAD_FAILED',
            `cannot read program ${p.name}: ${bridge.lastError()}`,
          );
        const meta = metas.find((x) => x.name === p.name);
        return {
          name: p.name,
          section: p.section,
          type: p.type,
          expectedAttachType: meta?.expectedAttachType ?? 0,
          kernelId: info.id,
          tag: info.tag,
          pin,
        };
      });
      const maps = obj.maps.map((m): LoadedMap => {
        const pin = mapPin(root, objectId, m.name);
        ensureParent(pin);
        checkZero(bridge, bridge.objPin(m.fd, pin), `pin map ${m.name}`);
        const info = bridge.infoByFd('map', m.fd);
        if (typeof info === 'number')
          throw new ManagerError('MANAGER_LOAD_FAILED', `cannot read map ${m.name}: ${bridge.lastError()}`);
        return { name: m.name, type: m.type, kernelId: info.id, pin };
      });
      return { programs, maps };
    } finally {
      obj.close();
    }
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  } finally {
    spec.close();
  }
}
