// The one error class for failures of the kernel or of a system call. The
// native addon constructs it (it is handed over at load), so every native
// failure is a real, typed JS error.
import { constants as osConstants } from 'os';

const errnoNames = new Map<number, string>(
  Object.entries(osConstants.errno).map(([name, num]) => [num as number, name]),
);

/** The name of an errno value ('EEXIST'), or 'E<number>' when unknown. */
export function errnoName(errno: number): string {
  return errnoNames.get(errno) ?? `E${errno}`;
}

export interface NetlinkErrorFields {
  errno: number;
  systemMessage?: string;
  op: string;
  action?: string;
  object?: string;
  kernelMessage?: string;
  detail?: string;
  interrupted?: boolean;
  index?: number;
}

/**
 * A failure reported by the kernel (or a system call): what was attempted, on
 * what, and why, in the kernel's own words when it gave any.
 *
 *   cannot create veth veth-a: File exists (EEXIST)
 *   cannot create vxlan vx0: Invalid argument (EINVAL): kernel says "VXLAN: destination port ..."
 */
export class NetlinkError extends Error {
  /** 'EEXIST', 'ENODEV' ... */
  readonly code: string;
  readonly errno: number;
  /** The request or system call: 'RTM_NEWLINK', 'NFT_MSG_NEWRULE', 'setns'. */
  readonly op: string;
  /** What was being done: 'create veth'. */
  readonly action: string;
  /** What it concerned: 'veth-a', '/run/netns/A'. */
  readonly object: string;
  /** The kernel's extended-ack message, when it gave one. */
  readonly kernelMessage?: string;
  readonly detail?: string;
  /** A dump changed while it was read (NLM_F_DUMP_INTR); retrying may succeed. */
  readonly interrupted: boolean;
  /** In a batch: which request failed. */
  index?: number;

  constructor(fields: NetlinkErrorFields) {
    const code = errnoName(fields.errno);
    const systemMessage = fields.systemMessage ?? code;
    const what = [fields.action || fields.op, fields.object].filter(Boolean).join(' ');
    let message = `cannot ${what}: ${systemMessage} (${code})`;
    if (fields.kernelMessage) message += `: ${fields.kernelMessage}`;
    if (fields.detail) message += ` [${fields.detail}]`;
    super(message);
    this.name = 'NetlinkError';
    this.code = code;
    this.errno = fields.errno;
    this.op = fields.op;
    this.action = fields.action ?? '';
    this.object = fields.object ?? '';
    this.kernelMessage = fields.kernelMessage;
    this.detail = fields.detail;
    this.interrupted = fields.interrupted ?? false;
    if (fields.index !== undefined) this.index = fields.index;
  }
}

/** Several failures at once (a batch, or a teardown that went on past errors). */
export class BatchError extends Error {
  constructor(readonly errors: NetlinkError[], readonly completed: number) {
    super(errors.length === 1 ? errors[0].message : `${errors.length} requests failed; first: ${errors[0].message}`);
    this.name = 'BatchError';
  }
}
