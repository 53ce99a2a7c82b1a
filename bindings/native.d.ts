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
  execute(requests: NativeRequest[], transaction: boolean): Promise<NativeResult[]>;
  close(): void;
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
  netnsCreate(dir: string, path: string): Promise<void>;
  netnsDelete(path: string): Promise<void>;
  sysctlRead(netnsPath: string | null, procPath: string): Promise<string>;
  sysctlWrite(netnsPath: string | null, procPath: string, value: string): Promise<void>;
  constants: Readonly<Record<string, number>>;
}
