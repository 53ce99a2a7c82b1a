// -p specs as Docker takes them, and the errors for bad ones.
import * as assert from 'assert';
import { parsePortSpec } from '../../../src/net/ports';

describe('ports: -p specs', () => {
  it('parses every Docker form', () => {
    assert.deepStrictEqual(parsePortSpec('80'), [{ hostIp: '0.0.0.0', hostPort: 0, containerPort: 80, protocol: 'tcp' }]);
    assert.deepStrictEqual(parsePortSpec('8080:80/udp'), [{ hostIp: '0.0.0.0', hostPort: 8080, containerPort: 80, protocol: 'udp' }]);
    assert.deepStrictEqual(parsePortSpec('127.0.0.1:8080:80'), [{ hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80, protocol: 'tcp' }]);
    assert.deepStrictEqual(parsePortSpec('127.0.0.1::80'), [{ hostIp: '127.0.0.1', hostPort: 0, containerPort: 80, protocol: 'tcp' }]);
    assert.deepStrictEqual(parsePortSpec('8000-8001:80-81').map((p) => `${p.hostPort}:${p.containerPort}`), ['8000:80', '8001:81']);
  });
  it('rejects bad ports, protocols, addresses and uneven ranges', () => {
    assert.throws(() => parsePortSpec('80:0'), /invalid container port "0"/);
    assert.throws(() => parsePortSpec('70000:80'), /invalid host port "70000"/);
    assert.throws(() => parsePortSpec('80/icmp'), /invalid protocol "icmp"/);
    assert.throws(() => parsePortSpec('1.2.3:80:80'), /invalid host address/);
    assert.throws(() => parsePortSpec('8000-8002:80-81'), /ranges differ in length/);
    assert.throws(() => parsePortSpec('a:b:c:d'), /expected \[IP:\]\[HOSTPORT:\]PORT/);
  });
});
