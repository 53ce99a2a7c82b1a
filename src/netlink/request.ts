// A request planned in TypeScript, before it goes to the addon: the native
// operation, its plain arguments, and link names still to be turned into
// interface indexes in the handle's namespace.
import type { NativeRequest } from '../../bindings';

export interface PlannedRequest extends NativeRequest {
  args: Record<string, unknown>;
  /** args field -> link name whose index goes there, resolved at send time. */
  linkRefs?: Record<string, string>;
}

/** A link named or numbered as `ip` accepts it: 'eth0' or an interface index. */
export type LinkRef = string | number;

/** Puts a link reference into a request: an index as is, a name for later resolution. */
export function refLink(req: PlannedRequest, field: string, ref: LinkRef): PlannedRequest {
  if (typeof ref === 'number') {
    if (!Number.isInteger(ref) || ref <= 0) throw new RangeError(`${field}: interface index must be a positive integer, got ${ref}`);
    req.args[field] = ref;
  } else {
    checkLinkName(ref, field);
    (req.linkRefs ??= {})[field] = ref;
  }
  return req;
}

/** IFNAMSIZ is 16 with the NUL: names are 1 to 15 bytes, no '/', ':' or white space. */
export function checkLinkName(name: unknown, what = 'name'): asserts name is string {
  if (typeof name !== 'string') throw new TypeError(`${what}: expected a link name, got ${typeof name}`);
  const bytes = Buffer.byteLength(name);
  if (bytes === 0 || bytes > 15) throw new RangeError(`${what}: link name ${JSON.stringify(name)} must be 1 to 15 bytes (IFNAMSIZ), not ${bytes}`);
  if (/[\s/:]/.test(name) || name === '.' || name === '..') throw new RangeError(`${what}: link name ${JSON.stringify(name)} may not contain '/', ':' or white space`);
}
