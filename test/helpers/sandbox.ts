// Helpers for integration tests: root check with a visible reason, a fresh
// named namespace per test, and the independent oracles (`ip -j`, `bridge -j`,
// `nft -j`) read through the real binaries.
import { execFileSync, spawnSync } from 'child_process';
import { NetNs } from '../../src/netns';
import { Netlink } from '../../src/netlink/handle';

/** Skips the suite, with the reason shown, unless root inside the test sandbox. */
export function requireSandbox(ctx: Mocha.Context): void {
  if (process.getuid?.() !== 0) {
    ctx.skip();
  }
  if (!process.env.NETPLUMB_TEST_ISOLATED) throw new Error('integration tests run only inside the isolated test namespace (npm test)');
}

let counter = 0;

/** A fresh namespace and a handle bound to it; cleaned up by the returned dispose(). */
export async function freshNetns(prefix = 't'): Promise<{ ns: NetNs; nl: Netlink; dispose: () => Promise<void> }> {
  const name = `${prefix}${process.pid}-${++counter}`;
  const ns = await NetNs.create(name);
  const nl = await Netlink.open({ netns: ns });
  return {
    ns,
    nl,
    dispose: async () => {
      nl.close();
      await ns.delete().catch(() => undefined);
    },
  };
}

/** Runs `ip -n NS -j ARGS` (or in this namespace without ns) and parses its JSON. */
export function ipJson<T = Array<Record<string, unknown>>>(ns: NetNs | undefined, ...args: string[]): T {
  const full = [...(ns ? ['-n', ns.name!] : []), '-j', ...args];
  const out = execFileSync('ip', full, { encoding: 'utf8' });
  return JSON.parse(out || '[]') as T;
}

/** Runs `bridge -n NS -j ARGS` and parses its JSON. */
export function bridgeJson<T = Array<Record<string, unknown>>>(ns: NetNs | undefined, ...args: string[]): T {
  const full = [...(ns ? ['-n', ns.name!] : []), '-j', ...args];
  const out = execFileSync('bridge', full, { encoding: 'utf8' });
  return JSON.parse(out || '[]') as T;
}

/** Runs a command inside a namespace (`ip netns exec`), returning status and output. */
export function inNetns(ns: NetNs, cmd: string, ...args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync('ip', ['netns', 'exec', ns.name!, cmd, ...args], { encoding: 'utf8', timeout: 20000 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
