import assert from 'assert';
import { NetlinkError, errnoName } from '../../src/errors';

describe('NetlinkError', () => {
  it('names the action, the object, the reason and the errno code', () => {
    const e = new NetlinkError({ errno: 17, systemMessage: 'File exists', op: 'RTM_NEWLINK', action: 'create veth', object: 'np3f2a1' });
    assert.strictEqual(e.message, 'cannot create veth np3f2a1: File exists (EEXIST)');
    assert.strictEqual(e.code, 'EEXIST');
    assert.strictEqual(e.op, 'RTM_NEWLINK');
    assert.ok(e instanceof Error);
  });

  it("appends the kernel's extended-ack text", () => {
    const e = new NetlinkError({ errno: 22, systemMessage: 'Invalid argument', op: 'RTM_NEWROUTE', action: 'add route', object: 'default', kernelMessage: 'Nexthop has invalid gateway' });
    assert.match(e.message, /Invalid argument \(EINVAL\): Nexthop has invalid gateway$/);
  });

  it('maps unknown errno values to a readable code', () => {
    assert.strictEqual(errnoName(2), 'ENOENT');
    assert.strictEqual(errnoName(9999), 'E9999');
  });
});
