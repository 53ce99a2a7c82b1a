// `netplumb graph` end to end: a topology built with the CLI, then every
// network, subnet, gateway, bridge, container, address and host-side veth
// (each name and address read from `ip -j`, not from netplumb) must appear in
// the DOT, the Mermaid and the SVG; the SVG is parsed as XML and its edges
// (Graphviz's <g class="edge"> titles) must join the right nodes.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { ipj, np, npOk, sh } from '../helpers/cli';
import { requireSandbox } from '../helpers/sandbox';

interface IpAddr { ifname: string; addr_info: Array<{ family: string; local: string; prefixlen: number }> }

function cidr(ns: string, dev: string): string {
  const [l] = ipj<IpAddr[]>('-n', ns, 'addr', 'show', 'dev', dev);
  const a = l.addr_info.find((x) => x.family === 'inet')!;
  return `${a.local}/${a.prefixlen}`;
}

/** The host interface that carries an address (a network's bridge carries its gateway). */
function deviceWith(address: string): string {
  const l = ipj<IpAddr[]>('addr', 'show').find((x) => x.addr_info.some((a) => a.local === address));
  assert.ok(l, `no interface has ${address}`);
  return l.ifname;
}

function portsOf(bridge: string): string[] {
  return ipj<Array<{ ifname: string }>>('link', 'show', 'master', bridge).map((l) => l.ifname);
}

interface SvgGraph {
  /** Node id (its <title>) -> the lines of its label. */
  nodes: Map<string, string[]>;
  /** 'from->to' for each edge. */
  edges: string[];
  /** Every text drawn: node and edge labels. */
  texts: string[];
}

/** Graphviz's SVG, parsed as XML: nodes are <g class="node">, edges <g class="edge">, each titled. */
function parseSvg(svg: string): SvgGraph {
  assert.strictEqual(XMLValidator.validate(svg), true, 'the SVG is not well-formed XML');
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', isArray: (_name: string, _path: unknown, _leaf: boolean, isAttribute: boolean) => !isAttribute, processEntities: true, htmlEntities: true, textNodeName: '#text' }).parse(svg) as unknown;
  const text = (v: unknown): string => (typeof v === 'object' && v !== null ? String((v as Record<string, unknown>)['#text'] ?? '') : String(v));
  const nodes = new Map<string, string[]>();
  const edges: string[] = [];
  const texts: string[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (typeof v !== 'object' || v === null) return;
    const o = v as Record<string, unknown>;
    const cls = o['@class'];
    const title = Array.isArray(o.title) ? text(o.title[0]) : undefined;
    const lines = (Array.isArray(o.text) ? o.text : []).map(text);
    if (cls === 'node' && title) nodes.set(title, lines);
    if (cls === 'edge' && title) edges.push(title);
    if (cls === 'node' || cls === 'edge') texts.push(...lines);
    for (const [k, x] of Object.entries(o)) if (!k.startsWith('@')) walk(x);
  };
  walk(doc);
  return { nodes, edges, texts };
}

describe('e2e: graph', function () {
  this.timeout(60000);
  const mustShow: string[] = [];
  let bridges: Record<string, string> = {};
  let addrs: Record<string, string> = {};

  before(function () {
    requireSandbox(this);
    // An uplink with the default route, as a host's eth0.
    for (const args of [
      ['link', 'add', 'upg0', 'type', 'veth', 'peer', 'name', 'upg0p'],
      ['link', 'set', 'upg0', 'up'], ['link', 'set', 'upg0p', 'up'],
      ['addr', 'add', '10.98.0.1/24', 'dev', 'upg0'],
      ['route', 'replace', 'default', 'via', '10.98.0.2'],
    ]) assert.strictEqual(sh('ip', ...args).status, 0, `ip ${args.join(' ')}`);
    npOk('network', 'create', '--subnet', '10.85.0.0/24', 'g1');
    npOk('network', 'create', '--internal', '--subnet', '10.86.0.0/24', 'g2');
    npOk('create', '--name', 'gA', '--net', 'g1');
    npOk('create', '--name', 'gB', '--net', 'g1', '--net', 'g2');
    npOk('create', '--name', 'gH', '--net', 'host');
    bridges = { g1: deviceWith('10.85.0.1'), g2: deviceWith('10.86.0.1') };
    addrs = { gA: cidr('gA', 'eth0'), gB1: cidr('gB', 'eth0'), gB2: cidr('gB', 'eth1') };
    const veths = [...portsOf(bridges.g1), ...portsOf(bridges.g2)];
    assert.strictEqual(veths.length, 3);
    mustShow.push('upg0', '10.98.0.1/24', 'network g1', 'network g2', '10.85.0.0/24', '10.86.0.0/24', 'gateway 10.85.0.1', 'gateway 10.86.0.1',
      bridges.g1, bridges.g2, 'internal', 'gA', 'gB', 'gH', addrs.gA, addrs.gB1, addrs.gB2, ...veths);
  });
  after(function () {
    np(['rm', '-f', 'gA', 'gB', 'gH']);
    np(['network', 'rm', 'g1', 'g2']);
    sh('ip', 'route', 'del', 'default', 'via', '10.98.0.2');
    sh('ip', 'link', 'del', 'upg0');
  });

  it('DOT: every network, bridge, subnet, gateway, container, address and veth', () => {
    const dot = npOk('graph', '--format', 'dot');
    assert.match(dot, /^digraph netplumb \{/);
    for (const s of mustShow) assert.ok(dot.includes(s), `DOT lacks ${s}`);
  });

  it('Mermaid: the same, as a flowchart', () => {
    const mm = npOk('graph', '--format', 'mermaid');
    assert.match(mm, /^flowchart LR\n/);
    const decoded = mm.replace(/#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)));
    for (const s of mustShow) assert.ok(decoded.includes(s), `Mermaid lacks ${s}`);
  });

  it('SVG (the default): parses as XML, shows every label, and its edges join the right nodes', () => {
    const { nodes, edges, texts } = parseSvg(npOk('graph'));
    const labels = texts.join('\n');
    for (const s of mustShow) assert.ok(labels.includes(s), `SVG lacks ${s}`);
    const idOf = (first: string) => {
      const found = [...nodes].find(([, lines]) => lines[0] === first);
      assert.ok(found, `no node labelled ${first}`);
      return found[0];
    };
    const [uplink, g1, g2, gA, gB, gH] = [`${os.hostname()}: upg0`, 'network g1', 'network g2', 'gA', 'gB', 'gH'].map(idOf);
    const has = (a: string, b: string) => edges.includes(`${a}->${b}`);
    assert.ok(has(uplink, g1), 'no edge from the uplink to g1');
    assert.ok(!has(uplink, g2), 'an internal network is drawn as routed to the uplink');
    assert.ok(has(g1, gA) && has(g1, gB) && has(g2, gB), `endpoint edges missing: ${edges.join(' ')}`);
    assert.ok(!has(g2, gA));
    assert.ok(!edges.some((e) => e.split('->').includes(gH)), 'a host-mode sandbox has no endpoint to draw');
  });

  it('-o writes the file instead of standard output', () => {
    const file = path.join(os.tmpdir(), `netplumb-graph-${process.pid}.svg`);
    try {
      assert.strictEqual(npOk('graph', '--format', 'svg', '-o', file), '');
      const { nodes } = parseSvg(fs.readFileSync(file, 'utf8'));
      assert.ok([...nodes.values()].some((lines) => lines[0] === 'gA'));
    } finally {
      fs.rmSync(file, { force: true });
    }
  });

  it('without a default route the host is drawn by its name alone', () => {
    assert.strictEqual(sh('ip', 'route', 'del', 'default', 'via', '10.98.0.2').status, 0);
    try {
      const dot = npOk('graph', '--format', 'dot');
      assert.ok(!dot.includes('upg0'), 'an interface without the default route is drawn as the uplink');
      assert.match(dot, new RegExp(`uplink \\[label="${os.hostname().replace(/[.]/g, '\\.')}"`));
    } finally {
      sh('ip', 'route', 'replace', 'default', 'via', '10.98.0.2');
    }
  });

  it('one clear usage error for an unknown format', () => {
    const r = np(['graph', '--format', 'png']);
    assert.strictEqual(r.status, 2);
    assert.strictEqual(r.stderr, 'netplumb: --format must be svg, dot or mermaid, got "png"\n');
  });
});
