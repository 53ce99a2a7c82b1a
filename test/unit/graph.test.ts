// The topology drawing without root: every network, container, address and
// port of a topology appears in each format; the DOT is accepted by Graphviz
// itself (the WebAssembly build lays it out), the SVG is well-formed XML
// whose text carries every label, and awkward names survive escaping.
import * as assert from 'assert';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { renderDot, renderGraph, renderMermaid, renderSvg, type Topology } from '../../src/net/graph';

const topology: Topology = {
  host: 'ci-runner',
  uplink: { name: 'eth0', addresses: ['192.0.2.10/24'] },
  networks: [
    { name: 'bridge', id: 'b1', driver: 'bridge', bridge: 'np0', subnets: ['172.17.0.0/16'], gateways: ['172.17.0.1'] },
    { name: 'backend', id: 'b2', driver: 'bridge', bridge: 'np-7c1e', subnets: ['172.18.0.0/16', 'fd18::/64'], gateways: ['172.18.0.1', 'fd18::1'] },
    { name: 'secret', id: 'b3', driver: 'bridge', bridge: 'np-9d0f', subnets: ['172.19.0.0/24'], internal: true },
  ],
  containers: [
    { name: 'web', endpoints: [{ network: 'bridge', interface: 'eth0', hostInterface: 'np1a2b', addresses: ['172.17.0.2/16'] }],
      ports: [{ protocol: 'tcp', hostPort: 8080, containerPort: 80 }, { protocol: 'udp', hostIp: '::1', hostPort: 5353, containerPort: 53 }] },
    { name: 'api', endpoints: [
      { network: 'bridge', interface: 'eth0', addresses: ['172.17.0.3'] },
      { network: 'backend', interface: 'eth1', addresses: ['172.18.0.2', 'fd18::2'] },
    ] },
    { name: 'db', endpoints: [{ network: 'backend', addresses: ['172.18.0.3'] }, { network: 'secret', addresses: ['172.19.0.2'] }], ports: [{ protocol: 'tcp', hostIp: '127.0.0.1', hostPort: 15432, containerPort: 5432 }] },
  ],
};

/** Every name, address and port mapping a picture of `topology` must show. */
const mustShow = [
  'eth0', '192.0.2.10/24', 'bridge', 'backend', 'secret', 'np0', 'np-7c1e', '172.17.0.0/16', '172.18.0.0/16', 'fd18::/64', '172.19.0.0/24',
  '172.17.0.1', 'fd18::1', 'web', 'api', 'db', '172.17.0.2/16', '172.17.0.3', '172.18.0.2', 'fd18::2', '172.18.0.3', '172.19.0.2',
  '0.0.0.0:8080->80/tcp', '[::1]:5353->53/udp', '127.0.0.1:15432->5432/tcp',
];

/** All text inside <text> elements of an SVG, via a real XML parse. */
function svgTexts(svg: string): string[] {
  const doc = new XMLParser({ ignoreAttributes: true, isArray: () => true, processEntities: true, htmlEntities: true }).parse(svg) as unknown;
  const out: string[] = [];
  const walk = (v: unknown, inText: boolean) => {
    if (typeof v === 'string' || typeof v === 'number') { if (inText) out.push(String(v)); return; }
    if (Array.isArray(v)) { v.forEach((x) => walk(x, inText)); return; }
    if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, inText || k === 'text');
  };
  walk(doc, false);
  return out;
}

describe('topology graph', function () {
  this.timeout(60000);

  it('draws every network, container, address and port in DOT', () => {
    const dot = renderDot(topology);
    for (const s of mustShow) assert.ok(dot.includes(s), `DOT lacks ${s}`);
    assert.match(dot, /^digraph netplumb \{/);
    // Edges: uplink to the two routed networks (not the internal one), one per endpoint, one per port.
    assert.strictEqual((dot.match(/uplink -> net\d/g) ?? []).length, 2);
    assert.strictEqual((dot.match(/net\d -> ctr\d/g) ?? []).length, 5);
    assert.strictEqual((dot.match(/uplink -> ctr\d/g) ?? []).length, 3);
  });

  it('lays the DOT out with Graphviz (WebAssembly) into SVG that parses as XML and shows every label', async () => {
    const svg = await renderSvg(topology);
    assert.strictEqual(XMLValidator.validate(svg), true);
    assert.match(svg, /<svg[\s>]/);
    const texts = svgTexts(svg).join('\n');
    for (const s of mustShow) assert.ok(texts.includes(s), `SVG text lacks ${s}`);
  });

  it('draws every network, container, address and port in Mermaid, with each edge between declared nodes', () => {
    const mm = renderMermaid(topology);
    assert.match(mm, /^flowchart LR\n/);
    const decode = (s: string) => s.replace(/#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)));
    for (const s of mustShow) assert.ok(decode(mm).includes(s), `Mermaid lacks ${s}`);
    const declared = new Set([...mm.matchAll(/^ {2}(\w+)[[(]/gm)].map((m) => m[1]));
    assert.strictEqual(declared.size, 1 + 3 + 3);
    const edges = [...mm.matchAll(/^ {2}(\w+) (---|-\.->)(?:\|"[^"]*"\|)? (\w+)$/gm)];
    assert.strictEqual(edges.length, 2 + 5 + 3);
    for (const e of edges) assert.ok(declared.has(e[1]) && declared.has(e[3]), e[0]);
  });

  it('escapes names with quotes, backslashes and markup in every format', async () => {
    const odd: Topology = { networks: [{ name: 'we"b\\<x>&y', driver: 'bridge', subnets: ['10.0.0.0/24'] }], containers: [{ name: 'a|b[c]', endpoints: [{ network: 'we"b\\<x>&y', addresses: ['10.0.0.2'] }] }] };
    const svg = await renderSvg(odd); // Graphviz would refuse a badly quoted DOT
    assert.strictEqual(XMLValidator.validate(svg), true);
    const texts = svgTexts(svg).join('\n');
    assert.ok(texts.includes('network we"b\\<x>&y'), texts);
    assert.ok(texts.includes('a|b[c]'));
    const mm = renderMermaid(odd);
    assert.ok(!/we"b/.test(mm) && mm.includes('we#34;b\\#60;x#62;#38;y'));
    assert.ok(mm.includes('a#124;b#91;c#93;'));
  });

  it('rejects a topology that does not hold together, with one clear error', async () => {
    assert.throws(() => renderDot({ networks: [], containers: [{ name: 'x', endpoints: [{ network: 'nope', addresses: [] }] }] }), /container x: network "nope" is not in the topology/);
    assert.throws(() => renderDot({ networks: [{ name: 'n', driver: 'bridge', subnets: ['10.0.0.0/33'] }], containers: [] }), /network n: subnet: prefix length/);
    assert.throws(() => renderDot({ networks: [{ name: 'n', driver: 'bridge', subnets: [] }, { name: 'n', driver: 'bridge', subnets: [] }], containers: [] }), /network n is listed twice/);
    assert.throws(() => renderMermaid({ networks: [], containers: [{ name: 'x', endpoints: [], ports: [{ protocol: 'tcp', hostPort: 0, containerPort: 80 }] }] }), /container x: hostPort must be 1 to 65535, got 0/);
    assert.throws(() => renderDot({ networks: [{ name: 'n', driver: 'bridge', subnets: [], gateways: ['x'] }], containers: [] }), /network n: gateway "x" is not an IP address/);
    await assert.rejects(renderGraph(topology, 'png' as never), /graph: format must be svg, dot or mermaid, got "png"/);
    assert.strictEqual(await renderGraph(topology, 'dot'), renderDot(topology));
  });
});
