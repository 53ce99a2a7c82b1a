// Named network namespaces, compatible with iproute2: `NetNs.create('A')`
// does what `ip netns add A` does (a bind mount at /run/netns/A), so
// `ip netns exec A ...` works on ours and we can open theirs.
import { promises as fs } from 'fs';
import * as path from 'path';
import { K, native, type NativeSocket } from '../bindings';
import { NetlinkError } from './errors';

/** Where named namespaces live: iproute2's folder. */
export const NETNS_DIR = '/run/netns';

/** A name `ip netns` would accept: a single path component. */
export function checkNetnsName(name: string): void {
  if (typeof name !== 'string' || name.length === 0 || name.length > 255 || name.includes('/') || name === '.' || name === '..' || name.includes('\0'))
    throw new TypeError(`invalid network namespace name ${JSON.stringify(name)}: 1 to 255 bytes, no '/', not '.' or '..'`);
}

function missing(errno: number, op: string, object: string, systemMessage?: string): NetlinkError {
  return new NetlinkError({ errno, op, action: 'open network namespace', object, systemMessage });
}

/** "No such file or directory" from Node's "ENOENT: no such file or directory, stat '...'". */
function systemText(err: NodeJS.ErrnoException): string | undefined {
  const m = /^[A-Z0-9]+: ([^,]+)/.exec(err.message);
  return m ? m[1].charAt(0).toUpperCase() + m[1].slice(1) : undefined;
}

export class NetNs {
  private constructor(
    /** The name under /run/netns, when it has one. */
    readonly name: string | undefined,
    /** A path whose open() gives the namespace: /run/netns/NAME or /proc/PID/ns/net. */
    readonly path: string,
    /** The namespace's inode: two NetNs with the same inode are the same namespace. */
    readonly inode: number,
  ) {}

  /** `ip netns add NAME`. Fails with EEXIST when the name is taken. */
  static async create(name: string): Promise<NetNs> {
    return NetNs.createOpening(name, []);
  }

  /**
   * @internal `ip netns add NAME`, opening the given unopened sockets inside
   * the new namespace on the thread that made it. Used by openNewNetns().
   */
  static async createOpening(name: string, sockets: Array<{ socket: NativeSocket; protocol: number }>): Promise<NetNs> {
    checkNetnsName(name);
    const file = path.join(NETNS_DIR, name);
    const inode = await native.netnsCreate(NETNS_DIR, file, sockets);
    return new NetNs(name, file, inode);
  }

  /**
   * Opens an existing namespace: by name (`ip netns exec NAME`), by path
   * (`{ path: '/proc/1234/ns/net' }`), or by process (`{ pid: 1234 }`).
   */
  static async open(ref: string | { path: string } | { pid: number }): Promise<NetNs> {
    if (typeof ref === 'string') {
      checkNetnsName(ref);
      return NetNs.atPath(path.join(NETNS_DIR, ref), ref);
    }
    if ('pid' in ref) {
      if (!Number.isInteger(ref.pid) || ref.pid <= 0) throw new TypeError(`invalid pid ${ref.pid}`);
      return NetNs.atPath(`/proc/${ref.pid}/ns/net`, undefined);
    }
    return NetNs.atPath(ref.path, undefined);
  }

  /** The namespace this process runs in. */
  static async current(): Promise<NetNs> {
    return NetNs.atPath('/proc/self/ns/net', undefined);
  }

  /** `ip netns list`: the named namespaces under /run/netns. */
  static async list(): Promise<NetNs[]> {
    let names: string[];
    try {
      names = await fs.readdir(NETNS_DIR);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const found: NetNs[] = [];
    for (const name of names.sort()) {
      try {
        found.push(await NetNs.atPath(path.join(NETNS_DIR, name), name));
      } catch {
        // a placeholder file whose mount is gone (e.g. a half-finished `ip netns add`): not a namespace
      }
    }
    return found;
  }

  private static async atPath(file: string, name: string | undefined): Promise<NetNs> {
    let inode: number;
    try {
      const st = await fs.stat(file);
      inode = st.ino;
      // An nsfs file is what a live namespace bind mount shows; a plain file is a stale placeholder.
      const fsType = await fs.statfs(file);
      if (fsType.type !== K.NSFS_MAGIC) throw missing(22, 'statfs', `${file} (not a network namespace)`, 'Invalid argument');
    } catch (err) {
      if (err instanceof NetlinkError) throw err;
      const e = err as NodeJS.ErrnoException;
      throw missing(e.errno ? -e.errno : 2, 'stat', name ?? file, systemText(e));
    }
    return new NetNs(name, file, inode);
  }

  /** `ip netns delete NAME`: removes the name; the namespace ends once nothing uses it. */
  async delete(): Promise<void> {
    if (!this.name) throw new TypeError(`namespace ${this.path} has no name under ${NETNS_DIR}; only named namespaces can be deleted`);
    await native.netnsDelete(this.path);
  }

  toString(): string {
    return this.name ?? this.path;
  }
}
