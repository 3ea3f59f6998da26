/**
 * Decoders by family, built from a plain, cloneable description so the same
 * decoder can run where the records are consumed: in the agent's main thread
 * or in the store worker.
 */
import type { BootClock } from '../domain/clock.ts';
import type { BpfEvent } from './events.ts';
import type { RecordDecoder as FamilyRecordDecoder, FamilySpec } from './family.ts';
import { FAMILIES } from './index.ts';

/** Decodes one record of any family (see family.ts). */
export type RecordDecoder<E extends BpfEvent = BpfEvent> = FamilyRecordDecoder<E>;

/** What any family's decoder is built from: `{ family: 'process' }`, `{ family: 'drop', names }`, ... */
export type DecoderSpec = FamilySpec<(typeof FAMILIES)[number]>;

type AnyFactory = (spec: DecoderSpec, clock: BootClock) => RecordDecoder<BpfEvent>;

// Each factory takes only its own family's spec; the lookup by name pairs them.
const FACTORIES = new Map(FAMILIES.map((f) => [f.name, f.decoder as AnyFactory]));

export function createDecoder(spec: DecoderSpec, clock: BootClock): RecordDecoder<BpfEvent> {
  return FACTORIES.get(spec.family)!(spec, clock);
}
