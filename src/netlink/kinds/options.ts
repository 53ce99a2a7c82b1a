// Checks shared by the kind planners: every option is validated here, in
// TypeScript, before anything reaches the addon; a bad one is one TypeError or
// RangeError naming the option.
import type { LinkSpec } from '../links';

/** The generic LinkSpec fields; a kind's planner accepts these plus its own options. */
const GENERIC_KEYS = new Set([
  'name', 'kind', 'parent', 'index', 'numTxQueues', 'numRxQueues',
  'mtu', 'address', 'txqlen', 'alias', 'group', 'up', 'promisc', 'noarp', 'master', 'netns',
]);

/** Rejects options the kind does not know (a typo would otherwise be silently ignored). */
export function rejectUnknownOptions(spec: LinkSpec, kindKeys: readonly string[]): void {
  for (const key of Object.keys(spec)) {
    if (spec[key] === undefined || GENERIC_KEYS.has(key) || kindKeys.includes(key)) continue;
    throw new TypeError(`${key}: not an option of link kind '${spec.kind}' (its options: ${kindKeys.join(', ') || 'none'})`);
  }
}

export function checkInteger(value: unknown, what: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw new RangeError(`${what}: expected an integer from ${min} to ${max}, got ${String(value)}`);
  return value;
}

export function checkBoolean(value: unknown, what: string): boolean {
  if (typeof value !== 'boolean') throw new TypeError(`${what}: expected true or false, got ${String(value)}`);
  return value;
}

export function checkChoice<T extends string>(value: unknown, what: string, choices: readonly T[]): T {
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value))
    throw new RangeError(`${what}: expected one of ${choices.join(', ')}, got ${JSON.stringify(value)}`);
  return value as T;
}

/** Copies the defined boolean options into data, checked. */
export function copyBooleans(spec: Record<string, unknown>, keys: readonly string[], data: Record<string, unknown>): void {
  for (const key of keys) if (spec[key] !== undefined) data[key] = checkBoolean(spec[key], key);
}
