// The control protocol between the networking layer and the DNS server: one
// JSON object per line over the unix socket RUNTIME_DIR/dns.sock (mode 0600,
// so only root can change what containers resolve). Each request carries an
// id that its reply repeats.
//
//   {"id":1,"op":"ping"}                               -> {"id":1,"ok":true,"pid":1234}
//   {"id":2,"op":"setNetwork","network":{...}}          -> {"id":2,"ok":true}
//   {"id":3,"op":"removeNetwork","networkId":"n1"}      -> {"id":3,"ok":true,"removed":true}
//   {"id":4,"op":"status"}                             -> {"id":4,"ok":true,"pid":1234,"networks":[...]}
//   any failure                                        -> {"id":N,"ok":false,"error":{"code":"EINVAL","message":"..."}}
//
// setNetwork replaces everything known of the network (it is idempotent);
// removeNetwork of an unknown id answers removed:false. When the last network
// is removed the server stops: it unlinks its socket, answers, and exits;
// requests that reach it after that point get the code EXITING, which tells
// the client to start a new server and ask again.
import * as path from 'path';
import type { DnsNetwork } from './network';

export const DEFAULT_RUNTIME_DIR = '/run/netplumb';

/** An error the control protocol reports with a code, such as EADDRINUSE. */
export class DnsServerError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'DnsServerError';
  }
}

export type ControlRequest =
  | { id: number; op: 'ping' }
  | { id: number; op: 'status' }
  | { id: number; op: 'setNetwork'; network: DnsNetwork }
  | { id: number; op: 'removeNetwork'; networkId: string };

export interface ServedNetwork {
  id: string;
  name: string;
  /** The addresses listened on (UDP and TCP, port 53). */
  gateways: string[];
  members: number;
}

export interface ControlReply {
  id: number;
  ok: boolean;
  pid?: number;
  removed?: boolean;
  networks?: ServedNetwork[];
  error?: { code: string; message: string };
}

/** Error codes of the protocol beyond errno names. */
export const EXITING = 'EXITING';

export function controlSocketPath(runtimeDir: string): string {
  return path.join(runtimeDir, 'dns.sock');
}

export function pidFilePath(runtimeDir: string): string {
  return path.join(runtimeDir, 'dns.pid');
}

export function logFilePath(runtimeDir: string): string {
  return path.join(runtimeDir, 'dns.log');
}

/** Splits a byte stream into lines (JSON messages). */
export class LineReader {
  private pending = '';

  push(chunk: Buffer | string): string[] {
    this.pending += chunk.toString();
    const lines = this.pending.split('\n');
    this.pending = lines.pop() ?? '';
    return lines.filter((l) => l.trim().length > 0);
  }
}
