// Hostile input straight at the addon's exports: each case is one the
// sanitizer build or the fuzzers (native/fuzz/) found aborting the process or
// running into undefined behaviour. Each must now be an ordinary JS error or
// a well-defined result. `npm run test:asan` runs these against the
// instrumented addon, where the old behaviour is a sanitizer report.
import { strict as assert } from 'assert';
import { K, native } from '../../bindings';
import { NetlinkError } from '../../src/errors';

const NLMSG_HDRLEN = 16;
const NLMSG_ERROR = 2;
const EPROTO = 71;

/** An NLMSG_ERROR carrying `status` and the 16-byte header of the request it answers. */
function errorMessage(status: number): Buffer {
  const out = Buffer.alloc(NLMSG_HDRLEN + 4 + NLMSG_HDRLEN);
  out.writeUInt32LE(out.length, 0);
  out.writeUInt16LE(NLMSG_ERROR, 4);
  out.writeUInt32LE(9, 8);
  out.writeInt32LE(status, NLMSG_HDRLEN);
  return out;
}

describe('addon exports on hostile input', () => {
  it('encode(): a request naming a namespace that does not exist is a NetlinkError (it aborted the process)', () => {
    assert.throws(
      () => native.encode(K.NETLINK_ROUTE, [{ op: 'link.create', args: { name: 'v0', kind: 'veth', peer: { name: 'v1', netns: '/nonexistent/netns' } } }], false),
      (e: unknown) => e instanceof NetlinkError && e.code === 'ENOENT' && e.object === '/nonexistent/netns',
    );
    assert.throws(
      () => native.encode(K.NETLINK_ROUTE, [{ op: 'link.create', args: { name: 'v0', netns: '/nonexistent/netns' } }], false),
      (e: unknown) => e instanceof NetlinkError && e.code === 'ENOENT',
    );
  });

  it('an error status the kernel never sends reads as EPROTO (negating INT_MIN overflowed)', () => {
    const read = (status: number) => native.parse(K.NETLINK_ROUTE, errorMessage(status))[0] as unknown as { type: string; error: number };
    assert.deepEqual([read(-17).type, read(-17).error], ['NLMSG_ERROR', 17]);
    assert.equal(read(0).error, 0);
    assert.equal(read(-2147483648).error, EPROTO);
    assert.equal(read(-4096).error, EPROTO);
    assert.equal(read(-4095).error, 4095);
    assert.equal(read(5).error, EPROTO);
  });

  it('a Buffer that starts at any byte offset reads the same (headers were read misaligned)', () => {
    const aligned = Buffer.concat([errorMessage(-2), errorMessage(-17)]);
    const expected = native.parse(K.NETLINK_ROUTE, aligned);
    for (let shift = 1; shift < 8; shift++) {
      const backing = Buffer.alloc(aligned.length + shift);
      aligned.copy(backing, shift);
      const shifted = backing.subarray(shift);
      assert.deepEqual(native.parse(K.NETLINK_ROUTE, shifted), expected, `offset ${shift}`);
    }
  });
});
