// Per-namespace sysctls under net.*, read and written inside the namespace
// on a dedicated thread (never by switching the main thread's namespace).
import { native } from '../../bindings';
import type { NetNs } from '../netns';

/** 'net.ipv4.ip_forward' -> '/proc/sys/net/ipv4/ip_forward'; interface names may hold dots, so use '/' there. */
export function sysctlPath(key: string): string {
  if (typeof key !== 'string' || !/^net[./][A-Za-z0-9_./-]+$/.test(key) || key.includes('..'))
    throw new TypeError(`sysctl: ${JSON.stringify(key)} is not a net.* key (e.g. net.ipv4.ip_forward)`);
  const parts = key.includes('/') ? key.split('/') : key.split('.');
  return `/proc/sys/${parts.join('/')}`;
}

export function read(netns: NetNs | undefined, key: string): Promise<string> {
  return native.sysctlRead(netns ? netns.path : null, sysctlPath(key));
}

export function write(netns: NetNs | undefined, key: string, value: string | number): Promise<void> {
  const text = String(value);
  if (/[\n\0]/.test(text)) throw new TypeError('sysctl: value may not contain a newline or NUL');
  return native.sysctlWrite(netns ? netns.path : null, sysctlPath(key), text);
}
