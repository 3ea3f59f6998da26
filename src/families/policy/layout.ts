/**
 * The policy record's layout. The enforcement programs write it and the
 * enforcement domain reads their maps with it, so it lives in the pure core
 * (domain/layout/policy-record.ts); the family takes it from there.
 */
export * from '../../domain/layout/policy-record.ts';
