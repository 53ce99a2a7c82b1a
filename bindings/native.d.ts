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

export interface NativeAddon {
  NetlinkSocket: new () => NativeSocket;
  NetlinkEvents: new () => NativeEvents;
  setErrorClass(cls: new (fields: NativeErrorFields) => Error): void;
  /** Record mode: the bytes execute() would send, sequence numbers counting from 1. */
  encode(protocol: number, requests: NativeRequest[], transaction: boolean): Buffer;
  /** Each message of a received buffer through the registered reply parser (for tests on captured replies). */
  parse(protocol: number, buffer: Buffer): Array<{ type: string; object?: Record<string, unknown> }>;
  requestNames(): string[];
  netnsCreate(dir: string, path: string): Promise<void>;
  netnsDelete(path: string): Promise<void>;
  sysctlRead(netnsPath: string | null, procPath: string): Promise<string>;
  sysctlWrite(netnsPath: string | null, procPath: string, value: string): Promise<void>;
  constants: Readonly<Record<string, number>>;
}
