// Drives a tcp-peer.js process inside a namespace: the test side of real
// traffic between namespaces.
import { spawn, type ChildProcessWithoutNullStreams } from 'child_process';
import * as path from 'path';
import * as readline from 'readline';
import type { NetNs } from '../../src/netns';
import type { Netlink } from '../../src/netlink/handle';

export interface PeerAnswer {
  ok: boolean;
  error?: string;
  id?: number;
  localAddress?: string;
  localPort?: number;
  bytes?: number;
  accepted?: number;
}

export class TcpPeer {
  private readonly pending: Array<(a: PeerAnswer) => void> = [];

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    readline.createInterface({ input: child.stdout }).on('line', (line) => this.pending.shift()?.(JSON.parse(line) as PeerAnswer));
    child.on('exit', () => {
      for (const p of this.pending.splice(0)) p({ ok: false, error: 'peer exited' });
    });
  }

  /** Starts a peer in the namespace (`ip netns exec NS node tcp-peer.js`). */
  static start(ns: NetNs): TcpPeer {
    const script = path.join(__dirname, 'tcp-peer.js');
    const child = spawn('ip', ['netns', 'exec', ns.name!, process.execPath, script], { stdio: 'pipe' });
    return new TcpPeer(child);
  }

  async call(cmd: Record<string, unknown>): Promise<PeerAnswer> {
    const answer = new Promise<PeerAnswer>((resolve) => this.pending.push(resolve));
    this.child.stdin.write(JSON.stringify(cmd) + '\n');
    const a = await answer;
    if (!a.ok) throw new Error(`tcp peer: ${JSON.stringify(cmd)} failed: ${a.error}`);
    return a;
  }

  listen(host: string, port: number): Promise<PeerAnswer> { return this.call({ op: 'listen', host, port }); }
  connect(host: string, port: number): Promise<PeerAnswer> { return this.call({ op: 'connect', host, port }); }
  send(id: number, bytes: number): Promise<PeerAnswer> { return this.call({ op: 'send', id, bytes }); }
  close(id: number): Promise<PeerAnswer> { return this.call({ op: 'close', id }); }
  async received(): Promise<number> { return (await this.call({ op: 'received' })).bytes!; }

  /** Waits until the peer has received `bytes` in all (TCP delivered them, so every counter on the way has moved). */
  async waitReceived(bytes: number, timeoutMs = 10000): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const got = await this.received();
      if (got >= bytes) return;
      if (Date.now() > until) throw new Error(`tcp peer received ${got} of ${bytes} bytes`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.stdin.end();
    await exited;
  }
}

/**
 * Two namespaces joined by a veth pair, addressed in v4 and v6, lo up in each.
 * `ip link add` is done by netplumb's own handle (not under test here).
 */
export async function linkedPair(
  a: { ns: NetNs; nl: Netlink },
  b: { ns: NetNs; nl: Netlink },
  names: { a: string; b: string },
  v4: { a: string; b: string },
  v6: { a: string; b: string },
): Promise<void> {
  await a.nl.linkAdd({ name: names.a, kind: 'veth', peer: { name: names.b, netns: b.ns } });
  await a.nl.linkSet('lo', { up: true });
  await b.nl.linkSet('lo', { up: true });
  await a.nl.linkSet(names.a, { up: true });
  await b.nl.linkSet(names.b, { up: true });
  await a.nl.addrAdd(names.a, `${v4.a}/24`);
  await b.nl.addrAdd(names.b, `${v4.b}/24`);
  await a.nl.addrAdd(names.a, `${v6.a}/64`, { nodad: true });
  await b.nl.addrAdd(names.b, `${v6.b}/64`, { nodad: true });
}
