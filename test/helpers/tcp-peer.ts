// A TCP peer that runs inside a test namespace (`ip netns exec NS node tcp-peer.js`)
// and does what the test tells it, one JSON command per stdin line, one JSON
// answer per stdout line. It makes the real traffic whose byte counts a test
// knows: listen, connect, send N bytes, close, and report what it received.
import * as net from 'net';
import * as readline from 'readline';

interface Command {
  op: 'listen' | 'connect' | 'send' | 'close' | 'received' | 'exit';
  host?: string;
  port?: number;
  id?: number;
  bytes?: number;
}

const sockets = new Map<number, net.Socket>();
let nextId = 1;
let receivedBytes = 0;
let accepted = 0;
const servers: net.Server[] = [];

function answer(value: unknown): void {
  process.stdout.write(JSON.stringify(value) + '\n');
}

async function run(cmd: Command): Promise<unknown> {
  switch (cmd.op) {
    case 'listen': {
      const server = net.createServer((s) => {
        accepted++;
        const id = nextId++;
        sockets.set(id, s);
        s.on('data', (d) => { receivedBytes += d.length; });
        s.on('end', () => s.end());
        s.on('error', () => undefined);
      });
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(cmd.port, cmd.host, () => resolve());
      });
      return { ok: true };
    }
    case 'connect': {
      const s = net.connect({ host: cmd.host!, port: cmd.port! });
      await new Promise<void>((resolve, reject) => {
        s.once('connect', resolve);
        s.once('error', reject);
      });
      s.on('error', () => undefined);
      s.on('data', () => undefined);
      const id = nextId++;
      sockets.set(id, s);
      return { ok: true, id, localAddress: s.localAddress, localPort: s.localPort };
    }
    case 'send': {
      const s = sockets.get(cmd.id!);
      if (!s) throw new Error(`no connection ${cmd.id}`);
      await new Promise<void>((resolve, reject) => s.write(Buffer.alloc(cmd.bytes!, 0x61), (err) => (err ? reject(err) : resolve())));
      return { ok: true };
    }
    case 'close': {
      const s = sockets.get(cmd.id!);
      if (!s) throw new Error(`no connection ${cmd.id}`);
      sockets.delete(cmd.id!);
      await new Promise<void>((resolve) => {
        s.once('close', () => resolve());
        s.end();
      });
      return { ok: true };
    }
    case 'received':
      return { ok: true, bytes: receivedBytes, accepted };
    case 'exit':
      for (const s of sockets.values()) s.destroy();
      for (const server of servers) server.close();
      setImmediate(() => process.exit(0));
      return { ok: true };
  }
}

const lines = readline.createInterface({ input: process.stdin });
let chain = Promise.resolve();
lines.on('line', (line) => {
  chain = chain.then(async () => {
    try {
      answer(await run(JSON.parse(line) as Command));
    } catch (err) {
      answer({ ok: false, error: (err as Error).message });
    }
  });
});
lines.on('close', () => process.exit(0));
