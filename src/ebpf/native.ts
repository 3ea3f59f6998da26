/** Loads the compiled native bridge (native/build/Release). */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NativeBridge } from './bridge.ts';
import { BpfError } from './errors.ts';

const ADDON = join('native', 'build', 'Release', 'bpfwarden_native.node');

function findAddon(): string {
  const override = process.env.BPFWARDEN_NATIVE;
  if (override) return override;
  // Walk up from this file: works from src/ (tests) and dist/src/ (built).
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, ADDON);
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new BpfError(
    'BPF_NATIVE_MISSING',
    `the native bridge (${ADDON}) is not built; run "npm run build:native" (needs libbpf-dev and a C compiler)`,
  );
}

let cached: NativeBridge | undefined;

/** The process-wide native bridge, loaded on first use. */
export function nativeBridge(): NativeBridge {
  if (!cached) {
    const require = createRequire(import.meta.url);
    cached = require(findAddon()) as NativeBridge;
  }
  return cached;
}
