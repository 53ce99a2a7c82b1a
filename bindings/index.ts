// The only place that loads the native addon. It hands the addon the error
// class once, and says every path it tried when the .node file is missing.
import * as path from 'path';
import type { NativeAddon } from './native';
import { NetlinkError } from '../src/errors';

export type * from './native';

function load(): NativeAddon {
  const root = path.resolve(__dirname, '..', '..');
  // NETPLUMB_ADDON names the one addon to load (the sanitizer build in
  // `npm run test:asan`): falling back to another would test the wrong one.
  const candidates = process.env.NETPLUMB_ADDON
    ? [process.env.NETPLUMB_ADDON]
    : [path.join(root, 'build', 'Release', 'netplumb.node'), path.join(root, 'build', 'Debug', 'netplumb.node')];
  const failures: string[] = [];
  for (const candidate of candidates) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const addon = require(candidate) as NativeAddon;
      addon.setErrorClass(NetlinkError);
      return addon;
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      failures.push(`  ${candidate}: ${e.code === 'MODULE_NOT_FOUND' ? 'not found' : e.message}`);
    }
  }
  throw new Error(`netplumb: cannot load the native addon (run \`npm install\` to build it). Tried:\n${failures.join('\n')}`);
}

export const native: NativeAddon = load();
export const K = native.constants;
