// The error a user made or a state the request cannot be met in: shown as one
// line, `netplumb: <message>`, with exit status 1. Argument mistakes in the
// library API stay TypeError/RangeError; this is for everything that is about
// networks, sandboxes and addresses.
export class NetplumbError extends Error {
  constructor(message: string, readonly code: NetplumbErrorCode = 'EINVAL') {
    super(message);
    this.name = 'NetplumbError';
  }
}

export type NetplumbErrorCode =
  | 'EINVAL'    // a bad value (a CIDR, a name, an option)
  | 'EEXIST'    // a name already taken
  | 'ENOENT'    // no such network or sandbox
  | 'EBUSY'     // in use (a network with endpoints, a running sandbox)
  | 'ENOSPC'    // no free subnet or address
  | 'ENOTSUP';  // not possible in this build or mode

/** Teardown that went on past errors: every failure, in the order met. */
export class TeardownError extends Error {
  constructor(readonly what: string, readonly errors: Error[]) {
    super(`${what}: ${errors.length} step${errors.length === 1 ? '' : 's'} failed: ${errors.map((e) => e.message).join('; ')}`);
    this.name = 'TeardownError';
  }
}
