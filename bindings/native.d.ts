// The exact surface of build/Release/netplumb.node. Only bindings/index.ts loads it.

/** One request for the addon: an operation registered by a native codec and its plain arguments. */
export interface NativeRequest {
  op: string;
  args?: Record<string, unknown>;
}

/** Fields the addon passes to the error class it was handed at load. */
export interface NativeErrorFields {
  errno: number;
  systemMessage: string;
  op: string;
  action: string;
  object: string;
  kernelMessage?: string;
  detail?: string;
  interrupted: boolean;
  /** In a request list: the request it concerned. */
  index?: number;
}

/** Per request: the parsed replies (dump entries, or what a get returned), or the error it met. */
export type NativeResult = Array<Record<string, unknown>> | Error;

export interface NativeSocket {
  open(protocol: number, netnsPath: string | null, groups?: number): Promise<void>;
  /** raw: each request's replies come back as one Buffer of netlink messages instead of parsed objects. */
  execute(requests: NativeRequest[], transaction: boolean, raw?: boolean): Promise<NativeResult[]>;
  /**
   * Sends one dump request and calls onChunk with blocks of its reply
   * messages (Buffers of whole netlink messages) while the kernel is still
   * dumping; resolves after the last block, or rejects with the kernel's
   * error (or what onChunk threw; later blocks are then skipped).
   */
  dump(requests: [NativeRequest], onChunk: (chunk: Buffer, index: Buffer) => void, index?: NativeIndexSpec): Promise<void>;
  close(): void;
}

/**
 * Asks dump() for an attribute index of each block (native/nl/attr_index.h):
 * per message, int32s [offset, type, attributes' start, end, flags] then
 * (payload offset, length) for each of `types`, -1 where absent.
 */
export interface NativeIndexSpec {
  /** The family header's size (sizeof(struct ifinfomsg) for links). */
  headerLen: number;
  types: number[];
  /** Attribute types above this are flagged as unknown. */
  knownMax: number;
}

export interface NativeEvent {
  type: string;
  object?: Record<string, unknown>;
  message?: string;
}

export interface NativeEvents {
  open(protocol: number, netnsPath: string | null, groups: number[], onEvents: (events: NativeEvent[]) => void): Promise<void>;
  close(): void;
}

/** One message as parse() reads it: the parsed object when a parser is registered for its type. */
export interface NativeParsedMessage {
  type: string;
  flags: number;
  seq: number;
  object?: Record<string, unknown>;
  /** NLMSG_ERROR: the positive errno (0 for an ack) and the extended-ack text. */
  error?: number;
  kernelMessage?: string;
}

export interface NativeAddon {
  NetlinkSocket: new () => NativeSocket;
  NetlinkEvents: new () => NativeEvents;
  setErrorClass(cls: new (fields: NativeErrorFields) => Error): void;
  /** Record mode: the bytes execute() would send, sequence numbers counting from 1. */
  encode(protocol: number, requests: NativeRequest[], transaction: boolean): Buffer;
  /** Reads a buffer of netlink messages through the registered reply parsers (for tests and tools); throws on malformed input. */
  parse(protocol: number, buffer: Buffer): NativeParsedMessage[];
  requestNames(): string[];
  /**
   * The kind codecs' reading of IFLA_LINKINFO payloads in buffer, given as
   * [start, length] pairs flattened: {kind, data, port} as a parsed link has them.
   */
  /** The index dump() makes of a block, for a buffer of messages (tests compare it with the JS indexer). */
  indexAttributes(buffer: Buffer, spec: NativeIndexSpec): Buffer;
  parseLinkInfos(buffer: Buffer, ranges: number[]): Array<{ kind?: string; data?: Record<string, unknown>; port?: { kind: string } & Record<string, unknown> }>;
  /**
   * `ip netns add`: binds a new namespace at path and resolves with its inode.
   * The unopened sockets given are opened inside it on the thread that made it.
   */
  netnsCreate(dir: string, path: string, sockets?: Array<{ socket: NativeSocket; protocol: number }>): Promise<number>;
  /**
   * Executes each part on its own socket, in order, in one trip to the worker
   * pool. Once a part has a failed request (or a socket-level Error), the
   * parts after it are not sent: null.
   */
  executeAll(parts: Array<{ socket: NativeSocket; requests: NativeRequest[]; transaction: boolean }>): Promise<Array<NativeResult[] | Error | null>>;
  netnsDelete(path: string): Promise<void>;
  sysctlRead(netnsPath: string | null, procPath: string): Promise<string>;
  sysctlWrite(netnsPath: string | null, procPath: string, value: string): Promise<void>;
  constants: Readonly<Record<string, number>>;
}
