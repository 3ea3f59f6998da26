/**
 * Every event family, one line each. Event types, decoders, store tables,
 * the monitors' config and the DETAILS column derive from this list; the
 * order is the order of `monitors` in the config and of the event types.
 * Adding a family: docs/architecture.md, "Adding an event family".
 */
import { dnsFamily } from './dns/index.ts';
import { dropFamily } from './drop/index.ts';
import { fileFamily } from './file/index.ts';
import { netFamily } from './net/index.ts';
import { policyFamily } from './policy/index.ts';
import { processFamily } from './process/index.ts';

export const FAMILIES = [processFamily, dropFamily, dnsFamily, fileFamily, netFamily, policyFamily] as const;
