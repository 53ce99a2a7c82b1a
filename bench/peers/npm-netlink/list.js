// The npm `netlink` package (installed in this folder at bench time, never a
// dependency of netplumb) as a peer in the listing benchmark.
//   node list.js REPEATS      (in the namespace that holds the links)
'use strict';
const { createRtNetlink } = require('netlink');

async function main() {
  const repeats = Number(process.argv[2]);
  const socket = createRtNetlink();
  const runsNs = [];
  let count = 0;
  for (let r = 0; r < repeats; r++) {
    const t0 = process.hrtime.bigint();
    const links = await socket.getLinks();
    // what a caller reads from each: its name
    count = links.filter((l) => typeof l.attrs.ifname === 'string').length;
    runsNs.push(Number(process.hrtime.bigint() - t0));
  }
  socket.socket.close();
  process.stdout.write(`${JSON.stringify({ runsNs, count })}\n`);
}

main().catch((err) => {
  console.error(`npm netlink list driver: ${err.message}`);
  process.exit(1);
});
