// What the networking layer knows about a network or a container, typed, and
// the JSON shapes `docker network inspect` and `docker inspect` print
// (Docker Engine API: the Network, NetworkSettings, EndpointSettings and
// PortMap schemas), so that scripts written against Docker's output port
// with little change.

/** One subnet of a network as IPAM holds it. */
export interface InspectSubnet {
  /** CIDR: '172.18.0.0/16'. */
  subnet: string;
  gateway?: string;
  /** CIDR the addresses are handed out from (--ip-range). */
  ipRange?: string;
  /** Addresses kept out of the pool (--aux-address name=ip). */
  auxAddresses?: Record<string, string>;
}

export interface InspectNetworkMember {
  /** The container's id and name. */
  id: string;
  name: string;
  endpointId: string;
  mac?: string;
  /** Its addresses on this network, in CIDR form with the subnet's prefix ('172.18.0.2/16'). */
  addresses: string[];
}

export interface InspectNetworkInput {
  name: string;
  id: string;
  driver: string;
  created: Date;
  subnets: InspectSubnet[];
  /** Default 'default'. */
  ipamDriver?: string;
  ipamOptions?: Record<string, string>;
  internal?: boolean;
  attachable?: boolean;
  enableIPv4?: boolean;
  enableIPv6?: boolean;
  options?: Record<string, string>;
  labels?: Record<string, string>;
  containers: InspectNetworkMember[];
}

export interface InspectEndpoint {
  network: { id: string; name: string };
  endpointId: string;
  mac?: string;
  /** CIDR form: '172.18.0.2/16', 'fd18::2/64'. */
  addresses: string[];
  gateways?: string[];
  aliases?: string[];
  dnsNames?: string[];
  /** Addresses the user asked for (--ip, --ip6). */
  requested?: { ipv4?: string; ipv6?: string };
  driverOpts?: Record<string, string>;
}

export interface InspectPort {
  protocol: 'tcp' | 'udp' | 'sctp';
  containerPort: number;
  /** Absent: the port is exposed, not published (Docker shows null). */
  hostPort?: number;
  /** Default '0.0.0.0'. */
  hostIp?: string;
}

export interface InspectContainerInput {
  id: string;
  name: string;
  /** The container's namespace file (/run/netns/NAME). */
  sandboxKey: string;
  /** Default: the container's id. */
  sandboxId?: string;
  endpoints: InspectEndpoint[];
  ports?: InspectPort[];
}

// Docker's shapes -------------------------------------------------------------

export interface DockerIpamConfig {
  Subnet: string;
  IPRange?: string;
  Gateway?: string;
  AuxiliaryAddresses?: Record<string, string>;
}

export interface DockerNetworkMember {
  Name: string;
  EndpointID: string;
  MacAddress: string;
  IPv4Address: string;
  IPv6Address: string;
}

export interface DockerNetworkInspect {
  Name: string;
  Id: string;
  Created: string;
  Scope: 'local';
  Driver: string;
  EnableIPv4: boolean;
  EnableIPv6: boolean;
  IPAM: { Driver: string; Options: Record<string, string> | null; Config: DockerIpamConfig[] };
  Internal: boolean;
  Attachable: boolean;
  Ingress: false;
  ConfigFrom: { Network: string };
  ConfigOnly: false;
  Containers: Record<string, DockerNetworkMember>;
  Options: Record<string, string>;
  Labels: Record<string, string>;
}

export interface DockerEndpointSettings {
  IPAMConfig: { IPv4Address?: string; IPv6Address?: string } | null;
  Links: string[] | null;
  Aliases: string[] | null;
  MacAddress: string;
  DriverOpts: Record<string, string> | null;
  NetworkID: string;
  EndpointID: string;
  Gateway: string;
  IPAddress: string;
  IPPrefixLen: number;
  IPv6Gateway: string;
  GlobalIPv6Address: string;
  GlobalIPv6PrefixLen: number;
  DNSNames: string[] | null;
}

export type DockerPortMap = Record<string, Array<{ HostIp: string; HostPort: string }> | null>;

export interface DockerContainerInspect {
  Id: string;
  /** With Docker's leading slash: '/web'. */
  Name: string;
  NetworkSettings: {
    SandboxID: string;
    SandboxKey: string;
    Ports: DockerPortMap;
    Networks: Record<string, DockerEndpointSettings>;
  };
}
