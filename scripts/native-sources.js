'use strict';
// Lists native/**/*.cc for binding.gyp, so a new codec or link kind is a new file only.
const fs = require('fs');
const path = require('path');

function listSources(dir) {
  const found = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...listSources(full));
    else if (entry.name.endsWith('.cc') && !full.includes(`${path.sep}fuzz${path.sep}`)) found.push(full);
  }
  return found.sort();
}

module.exports = {
  listSources: () => listSources(path.join(__dirname, '..', 'native')).map((f) => path.relative(path.join(__dirname, '..'), f)),
  print() { process.stdout.write(module.exports.listSources().join(' ')); },
};
