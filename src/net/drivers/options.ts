// The -o KEY=VALUE options a network driver takes: a key the driver does not
// know is refused before anything is made (Docker ignores it silently, which
// hides typos such as `parnet=eth0`).
import { NetplumbError } from '../errors';

/** Throws when `options` holds a key outside `known`, naming the driver and the keys it takes. */
export function rejectUnknownOptions(driver: string, options: Record<string, string>, known: ReadonlySet<string>): void {
  for (const key of Object.keys(options))
    if (!known.has(key)) throw new NetplumbError(`unknown option ${key} for the ${driver} driver (known: ${[...known].join(', ')})`);
}
