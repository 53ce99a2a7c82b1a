// The shapes of names the DNS side accepts: host names and domains as glibc's
// resolver and /etc/hosts take them, and container names as Docker takes them.
import { isIPv4, isIPv6 } from 'net';

const LABEL = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/i;

/**
 * Why `text` is not a usable DNS name (labels of 1-63 letters, digits, '-' or
 * '_', not starting or ending with '-', 253 bytes in all), or undefined when
 * it is. A trailing dot is allowed. An IP address is not a name.
 */
export function dnsNameProblem(text: string): string | undefined {
  const name = text.endsWith('.') ? text.slice(0, -1) : text;
  if (name.length === 0) return 'it is empty';
  if (name.length > 253) return 'it is longer than 253 bytes';
  // Every IPv6 address has a ':' (no name does): Node's IPv6 pattern costs 3-4 ms to compile on first use.
  if (isIPv4(name) || (name.includes(':') && isIPv6(name))) return 'it is an IP address, not a name';
  for (const label of name.split('.')) {
    if (label.length === 0) return 'it has an empty label (two dots in a row, or a leading dot)';
    if (label.length > 63) return `its label "${label}" is longer than 63 bytes`;
    if (!LABEL.test(label)) return `its label "${label}" may hold only letters, digits, '-' and '_', and may not start or end with '-'`;
  }
  return undefined;
}

/** Docker's rule for container names: [a-zA-Z0-9][a-zA-Z0-9_.-]*. */
export const CONTAINER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** The form names are compared in: lower case, no trailing dot (DNS names are case-insensitive). */
export function canonicalName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}
