// Measurement 6: RSS and descriptors of a library process holding endpoints,
// and their course over many create/remove cycles (bench/drivers/netplumb-memory.ts).
import * as path from 'path';
import { REPO } from './peers';
import { run } from './proc';

export interface MemorySample { rssMiB: number; heapMiB: number; fds: number }
export interface MemoryResult {
  hold: number;
  base: MemorySample;
  holding: MemorySample;
  released: MemorySample;
  cycleMs: number;
  cycles: Array<MemorySample & { cycle: number }>;
}

const BRIDGE = 'br-mem';

export async function measureMemory(hold: number, cycles: number): Promise<MemoryResult> {
  run('ip', ['link', 'add', BRIDGE, 'type', 'bridge']);
  run('ip', ['addr', 'add', '10.230.0.1/16', 'dev', BRIDGE]);
  run('ip', ['link', 'set', BRIDGE, 'up']);
  try {
    const out = run(process.execPath, ['--expose-gc', path.join(REPO, 'dist/bench/drivers/netplumb-memory.js'), BRIDGE, 'mem', '10.230', String(hold), String(cycles)]);
    const result = JSON.parse(out.trim().split('\n').pop()!) as MemoryResult;
    // The oracle: nothing of the driver's is left in the kernel.
    const left = run('ip', ['netns', 'list']).split('\n').filter((l) => l.startsWith('memn'));
    if (left.length) throw new Error(`memory driver left ${left.length} namespaces behind`);
    return result;
  } finally {
    run('ip', ['link', 'del', BRIDGE]);
  }
}
