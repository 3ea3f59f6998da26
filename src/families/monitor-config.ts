/** `monitors` in the agent's config: one key per family, each with its family's schema. */
import { z } from 'zod';
import { FAMILIES } from './index.ts';

type Family = (typeof FAMILIES)[number];
type MonitorsShape = { readonly [F in Family as F['name']]: F['monitorConfig'] };

const SHAPE = Object.fromEntries(FAMILIES.map((f) => [f.name, f.monitorConfig])) as MonitorsShape;

export const MonitorsConfigSchema = z.object(SHAPE).strict().prefault({});
