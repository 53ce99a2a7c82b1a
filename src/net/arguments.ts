// Type checks of the library's option objects: a caller from JavaScript (or
// with `any`) gets a TypeError naming the field before anything is read,
// written or sent, never an internal failure half-way or, worse, a default
// taken for a value it could not read.

type FieldKind = 'string' | 'strings' | 'boolean' | 'number' | 'record';

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(JSON.stringify(value) ?? value).slice(0, 40)}`;
}

function fits(kind: FieldKind, value: unknown): boolean {
  switch (kind) {
    case 'string': return typeof value === 'string';
    case 'strings': return Array.isArray(value) && value.every((v) => typeof v === 'string');
    case 'boolean': return typeof value === 'boolean';
    case 'number': return typeof value === 'number';
    case 'record':
      return !!value && typeof value === 'object' && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype
        && Object.values(value).every((v) => typeof v === 'string');
  }
}

const NAMES: Record<FieldKind, string> = {
  string: 'a string', strings: 'an array of strings', boolean: 'true or false', number: 'a number', record: 'an object of string values',
};

/** Throws a TypeError unless `options` is a plain object whose given fields have these kinds (absent fields are fine). */
export function checkOptionTypes(what: string, options: unknown, fields: Record<string, FieldKind>): void {
  if (!options || typeof options !== 'object' || Array.isArray(options)) throw new TypeError(`${what}: options must be an object, not ${describe(options)}`);
  for (const [field, kind] of Object.entries(fields)) {
    const value = (options as Record<string, unknown>)[field];
    if (value !== undefined && !fits(kind, value)) throw new TypeError(`${what}: ${field} must be ${NAMES[kind]}, not ${describe(value)}`);
  }
}

/** Throws a TypeError unless each value is a string. */
export function checkStrings(what: string, values: Record<string, unknown>): void {
  for (const [field, value] of Object.entries(values))
    if (typeof value !== 'string') throw new TypeError(`${what}: ${field} must be a string, not ${describe(value)}`);
}
