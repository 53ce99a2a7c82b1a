// DNS over TCP frames each message with a two-byte big-endian length (RFC 1035
// 4.2.2). This collects whole messages from a byte stream.

export class TcpFrameReader {
  private pending: Buffer = Buffer.alloc(0);

  /** Feeds bytes in; returns the messages they complete, in order. */
  push(chunk: Buffer): Buffer[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const out: Buffer[] = [];
    while (this.pending.length >= 2) {
      const len = this.pending.readUInt16BE(0);
      if (this.pending.length < 2 + len) break;
      out.push(this.pending.subarray(2, 2 + len));
      this.pending = this.pending.subarray(2 + len);
    }
    return out;
  }
}

/** A message with its two-byte length in front, ready to write to a TCP stream. */
export function tcpFrame(message: Buffer): Buffer {
  const head = Buffer.alloc(2);
  head.writeUInt16BE(message.length, 0);
  return Buffer.concat([head, message]);
}
