// Events as `netplumb events` prints them: one line each, as `docker events`
// does ("TIME TYPE ACTION NAME (key=value, ...)"), or one JSON object per line.
import type { NetplumbEvent } from './types';

export function formatEvent(e: NetplumbEvent): string {
  const [type, action] = e.kind.split('.');
  const attrs: string[] = [];
  let name: string;
  switch (e.kind) {
    case 'network.create':
    case 'network.remove':
      name = e.network.name;
      attrs.push(`id=${e.network.id}`);
      if (e.network.driver) attrs.push(`driver=${e.network.driver}`);
      if (e.subnets?.length) attrs.push(`subnets=${e.subnets.join(',')}`);
      break;
    case 'network.connect':
    case 'network.disconnect':
      name = e.network.name;
      attrs.push(`container=${e.container.name}`);
      if (e.addresses?.length) attrs.push(`addresses=${e.addresses.join(',')}`);
      break;
    case 'container.create':
    case 'container.start':
    case 'container.stop':
    case 'container.remove':
      name = e.container.name;
      attrs.push(`id=${e.container.id}`);
      if (e.exitCode !== undefined) attrs.push(`exitCode=${e.exitCode}`);
      break;
    case 'port.publish':
    case 'port.unpublish': {
      name = e.container.name;
      const host = e.port.hostIp.includes(':') ? `[${e.port.hostIp}]` : e.port.hostIp;
      attrs.push(`port=${host}:${e.port.hostPort}->${e.port.containerPort}/${e.port.protocol}`);
      if (e.network) attrs.push(`network=${e.network.name}`);
      break;
    }
    case 'link.up':
    case 'link.down':
    case 'link.remove':
      name = e.link.name;
      attrs.push(`index=${e.link.index}`);
      if (e.link.netns) attrs.push(`netns=${e.link.netns}`);
      if (e.link.kind) attrs.push(`kind=${e.link.kind}`);
      if (e.link.operstate) attrs.push(`operstate=${e.link.operstate}`);
      break;
  }
  return `${e.time} ${type} ${action} ${name} (${attrs.join(', ')})`;
}

export function formatEventJson(e: NetplumbEvent): string {
  return JSON.stringify(e);
}
