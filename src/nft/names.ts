// Checks of the names and families users give, and the constants shared by
// the batch and the readers.
import { K } from '../../bindings';
import type { Family } from './types';

export const FAMILIES: readonly Family[] = ['ip', 'ip6', 'inet', 'arp', 'bridge', 'netdev'];

/** nft's named chain priorities for ip, ip6 and inet tables. */
export const PRIORITIES: Record<string, number> = {
  raw: K.NF_IP_PRI_RAW,
  mangle: K.NF_IP_PRI_MANGLE,
  dstnat: K.NF_IP_PRI_NAT_DST,
  filter: K.NF_IP_PRI_FILTER,
  security: K.NF_IP_PRI_SECURITY,
  srcnat: K.NF_IP_PRI_NAT_SRC,
};

/** The comment that marks a table as netplumb's. */
export const OWNER_TAG = 'netplumb';

export function ownerComment(owner?: string): string {
  return owner ? `${OWNER_TAG}:${owner}` : OWNER_TAG;
}

export function isOwnedComment(comment: string | undefined): boolean {
  return comment === OWNER_TAG || (comment?.startsWith(`${OWNER_TAG}:`) ?? false);
}

export function checkFamily(family: unknown): asserts family is Family {
  if (!FAMILIES.includes(family as Family)) throw new RangeError(`family: ${JSON.stringify(family)} is not one of ${FAMILIES.join(', ')}`);
}

/** Table, chain, set and owner names: 1 to NFT_NAME_MAXLEN - 1 bytes, no NUL. */
export function checkName(name: unknown, what: string): asserts name is string {
  if (typeof name !== 'string') throw new TypeError(`${what}: expected a string, got ${typeof name}`);
  const bytes = Buffer.byteLength(name);
  if (bytes === 0 || bytes >= K.NFT_NAME_MAXLEN || name.includes('\0')) throw new RangeError(`${what}: ${JSON.stringify(name)} must be 1 to ${K.NFT_NAME_MAXLEN - 1} bytes without NUL`);
}
