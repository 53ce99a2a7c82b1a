// The inspect shapes against Docker's own examples, written down here from
// Docker's documentation:
//  - the network: the example response of `GET /networks/{id}` in the Docker
//    Engine API reference (network "net01", 172.19.0.0/16, one container
//    "test"), the body of `docker network inspect net01`; with the fields
//    later versions of the Network schema added (ConfigFrom and ConfigOnly
//    since API 1.30, EnableIPv4 since 1.47) at the values Docker gives a
//    local network.
//  - the container: the example values of the EndpointSettings, PortMap and
//    NetworkSettings schemas in the Docker Engine API reference (v1.57).
import * as assert from 'assert';
import { inspectContainer, inspectNetwork, portMap, type InspectContainerInput, type InspectNetworkInput } from '../../src/net/inspect';

const dockerNetwork = {
  Name: 'net01',
  Id: '7d86d31b1478e7cca9ebed7e73aa0fdeec46c5ca29497431d3007d2d9e15ed99',
  Created: '2016-10-19T04:33:30.360Z',
  Scope: 'local',
  Driver: 'bridge',
  EnableIPv4: true,
  EnableIPv6: false,
  IPAM: { Driver: 'default', Config: [{ Subnet: '172.19.0.0/16', Gateway: '172.19.0.1' }], Options: { foo: 'bar' } },
  Internal: false,
  Attachable: false,
  Ingress: false,
  ConfigFrom: { Network: '' },
  ConfigOnly: false,
  Containers: {
    '19a4d5d687db25203351ed79d478946f861258f018fe384f229f2efa4b23513c': {
      Name: 'test',
      EndpointID: '628cadb8bcb92de107b2a1e516cbffe463e321f548feb37697cce00ad694f21a',
      MacAddress: '02:42:ac:13:00:02',
      IPv4Address: '172.19.0.2/16',
      IPv6Address: '',
    },
  },
  Options: {
    'com.docker.network.bridge.default_bridge': 'true',
    'com.docker.network.bridge.enable_icc': 'true',
    'com.docker.network.bridge.enable_ip_masquerade': 'true',
    'com.docker.network.bridge.host_binding_ipv4': '0.0.0.0',
    'com.docker.network.bridge.name': 'docker0',
    'com.docker.network.driver.mtu': '1500',
  },
  Labels: { 'com.example.some-label': 'some-value', 'com.example.some-other-label': 'some-other-value' },
};

const net01: InspectNetworkInput = {
  name: 'net01',
  id: '7d86d31b1478e7cca9ebed7e73aa0fdeec46c5ca29497431d3007d2d9e15ed99',
  driver: 'bridge',
  // Docker prints nanoseconds (…30.360899459Z); a JS Date holds milliseconds.
  created: new Date('2016-10-19T04:33:30.360899459Z'),
  subnets: [{ subnet: '172.19.0.0/16', gateway: '172.19.0.1' }],
  ipamOptions: { foo: 'bar' },
  options: dockerNetwork.Options,
  labels: dockerNetwork.Labels,
  containers: [{
    id: '19a4d5d687db25203351ed79d478946f861258f018fe384f229f2efa4b23513c',
    name: 'test',
    endpointId: '628cadb8bcb92de107b2a1e516cbffe463e321f548feb37697cce00ad694f21a',
    mac: '02:42:ac:13:00:02',
    addresses: ['172.19.0.2/16'],
  }],
};

const dockerPorts = {
  '443/tcp': [{ HostIp: '127.0.0.1', HostPort: '4443' }],
  '2377/tcp': null,
  '53/udp': [{ HostIp: '0.0.0.0', HostPort: '53' }],
  '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '80' }, { HostIp: '0.0.0.0', HostPort: '8080' }],
  '80/udp': [{ HostIp: '0.0.0.0', HostPort: '80' }],
};

const dockerEndpoint = {
  IPAMConfig: { IPv4Address: '172.20.30.33', IPv6Address: '2001:db8:abcd::3033' },
  Links: null,
  Aliases: ['server_x', 'server_y'],
  MacAddress: '02:42:ac:11:00:04',
  DriverOpts: { 'com.example.some-label': 'some-value', 'com.example.some-other-label': 'some-other-value' },
  NetworkID: '08754567f1f40222263eab4102e1c733ae697e8e354aa9cd6e18d7402835292a',
  EndpointID: 'b88f5b905aabf2893f3cbc4ee42d1ea7980bbc0a92e2c8922b1e1795298afb0b',
  Gateway: '172.17.0.1',
  IPAddress: '172.17.0.4',
  IPPrefixLen: 16,
  IPv6Gateway: '2001:db8:2::100',
  GlobalIPv6Address: '2001:db8::5689',
  GlobalIPv6PrefixLen: 64,
  DNSNames: ['foobar', 'server_x', 'server_y', 'my.ctr'],
};

const container: InspectContainerInput = {
  id: '9d12daf2c33f5959c8bf90aa513e4f65b561738661003029ec84830cd503a0c3',
  name: 'my.ctr',
  sandboxKey: '/var/run/docker/netns/8ab54b426c38',
  endpoints: [{
    network: { id: '08754567f1f40222263eab4102e1c733ae697e8e354aa9cd6e18d7402835292a', name: 'bridge' },
    endpointId: 'b88f5b905aabf2893f3cbc4ee42d1ea7980bbc0a92e2c8922b1e1795298afb0b',
    mac: '02:42:ac:11:00:04',
    addresses: ['172.17.0.4/16', 'fe80::42:acff:fe11:4/64', '2001:db8::5689/64'],
    gateways: ['172.17.0.1', '2001:db8:2::100'],
    aliases: ['server_x', 'server_y'],
    dnsNames: ['foobar', 'server_x', 'server_y', 'my.ctr'],
    requested: { ipv4: '172.20.30.33', ipv6: '2001:db8:abcd::3033' },
    driverOpts: dockerEndpoint.DriverOpts,
  }],
  ports: [
    { protocol: 'tcp', containerPort: 443, hostIp: '127.0.0.1', hostPort: 4443 },
    { protocol: 'tcp', containerPort: 2377 },
    { protocol: 'udp', containerPort: 53, hostPort: 53 },
    { protocol: 'tcp', containerPort: 80, hostPort: 80 },
    { protocol: 'tcp', containerPort: 80, hostPort: 8080 },
    { protocol: 'udp', containerPort: 80, hostPort: 80 },
  ],
};

describe('inspect shapes (against Docker\'s documented examples)', () => {
  it('gives `docker network inspect`\'s object for a network', () => {
    assert.deepStrictEqual(inspectNetwork(net01), dockerNetwork);
    // Key order as Docker prints them, so a diff against Docker's output reads line by line.
    assert.deepStrictEqual(Object.keys(inspectNetwork(net01)), Object.keys(dockerNetwork));
  });

  it('carries IPRange, auxiliary addresses and IPv6 subnets into IPAM.Config', () => {
    const out = inspectNetwork({ ...net01, subnets: [
      { subnet: '172.28.0.0/16', ipRange: '172.28.5.0/24', gateway: '172.28.5.254', auxAddresses: { host1: '172.28.1.5' } },
      { subnet: 'fd28::/64', gateway: 'fd28::1' },
    ], ipamOptions: undefined, containers: [{ ...net01.containers[0], addresses: ['172.28.5.2/16', 'fd28::2/64'] }] });
    assert.deepStrictEqual(out.IPAM, { Driver: 'default', Options: null, Config: [
      { Subnet: '172.28.0.0/16', IPRange: '172.28.5.0/24', Gateway: '172.28.5.254', AuxiliaryAddresses: { host1: '172.28.1.5' } },
      { Subnet: 'fd28::/64', Gateway: 'fd28::1' },
    ] });
    assert.strictEqual(out.EnableIPv6, true);
    assert.strictEqual(out.EnableIPv4, true);
    const member = Object.values(out.Containers)[0];
    assert.strictEqual(member.IPv4Address, '172.28.5.2/16');
    assert.strictEqual(member.IPv6Address, 'fd28::2/64');
  });

  it('gives `docker inspect`\'s Name, Id and NetworkSettings for a container', () => {
    const out = inspectContainer(container);
    assert.strictEqual(out.Name, '/my.ctr');
    assert.strictEqual(out.Id, container.id);
    assert.strictEqual(out.NetworkSettings.SandboxID, '9d12daf2c33f5959c8bf90aa513e4f65b561738661003029ec84830cd503a0c3');
    assert.strictEqual(out.NetworkSettings.SandboxKey, '/var/run/docker/netns/8ab54b426c38');
    assert.deepStrictEqual(out.NetworkSettings.Ports, dockerPorts);
    assert.deepStrictEqual(out.NetworkSettings.Networks, { bridge: dockerEndpoint });
    assert.deepStrictEqual(Object.keys(out.NetworkSettings.Networks.bridge).sort(), Object.keys(dockerEndpoint).sort());
  });

  it('leaves what a container lacks as Docker leaves it: empty strings, zero, null', () => {
    const out = inspectContainer({ id: 'c1', name: 'bare', sandboxKey: '/run/netns/bare', endpoints: [{ network: { id: 'n1', name: 'none' }, endpointId: 'e1', addresses: [] }] });
    assert.deepStrictEqual(out.NetworkSettings.Networks.none, {
      IPAMConfig: null, Links: null, Aliases: null, MacAddress: '', DriverOpts: null, NetworkID: 'n1', EndpointID: 'e1',
      Gateway: '', IPAddress: '', IPPrefixLen: 0, IPv6Gateway: '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0, DNSNames: null,
    });
    assert.deepStrictEqual(out.NetworkSettings.Ports, {});
    assert.deepStrictEqual(portMap([{ protocol: 'tcp', containerPort: 80 }, { protocol: 'tcp', containerPort: 80, hostPort: 8080 }]), { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }] });
  });

  it('rejects a description with a mistake, naming it', () => {
    assert.throws(() => inspectNetwork({ ...net01, subnets: [{ subnet: '172.19.0.0/40' }] }), /network inspect net01: subnet: prefix length/);
    assert.throws(() => inspectNetwork({ ...net01, subnets: [{ subnet: '172.19.0.0/16', gateway: 'gw' }] }), /network inspect net01: gateway: "gw" is not an IP address/);
    assert.throws(() => inspectNetwork({ ...net01, created: new Date('x') }), /network inspect net01: created: must be a valid Date/);
    assert.throws(() => inspectNetwork({ ...net01, id: '' }), /network inspect id: must be a non-empty string/);
    assert.throws(() => inspectContainer({ ...container, ports: [{ protocol: 'tcp', containerPort: 0 }] }), /inspect my.ctr: port: containerPort must be 1 to 65535, got 0/);
    assert.throws(() => inspectContainer({ ...container, endpoints: [container.endpoints[0], container.endpoints[0]] }), /inspect my.ctr: network bridge: is listed twice/);
    assert.throws(() => inspectContainer({ ...container, endpoints: [{ ...container.endpoints[0], addresses: ['300.1.1.1/8'] }] }), /inspect my.ctr: address on bridge/);
  });
});
