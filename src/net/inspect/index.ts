// Inspect: networks and containers in Docker's JSON shapes.
export { inspectNetwork } from './network';
export { inspectContainer, portMap } from './container';
export type {
  InspectNetworkInput, InspectSubnet, InspectNetworkMember, InspectContainerInput, InspectEndpoint, InspectPort,
  DockerNetworkInspect, DockerNetworkMember, DockerIpamConfig, DockerContainerInspect, DockerEndpointSettings, DockerPortMap,
} from './types';
