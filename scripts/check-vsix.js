#!/usr/bin/env node
// Checks what `npm run package` put in the VSIX: everything the extension loads at run time,
// the Marketplace files, and nothing else (no CLI bundle, source maps, sources or tests).
// Reads the zip's central directory itself, so it needs no unzip tool.
const fs = require('fs');

const file = process.argv[2] || 'podpath.vsix';
const zip = fs.readFileSync(file);
const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
if (eocd < 0) fail(`${file} is not a zip archive`);
const count = zip.readUInt16LE(eocd + 10);
let at = zip.readUInt32LE(eocd + 16);
const entries = [];
for (let i = 0; i < count; i++) {
  const nameLength = zip.readUInt16LE(at + 28), extra = zip.readUInt16LE(at + 30), comment = zip.readUInt16LE(at + 32);
  entries.push({ name: zip.toString('utf8', at + 46, at + 46 + nameLength), size: zip.readUInt32LE(at + 24) });
  at += 46 + nameLength + extra + comment;
}
const names = entries.map((e) => e.name);
const required = [
  'extension/package.json', 'extension/package.nls.json', 'extension/package.nls.zh-cn.json',
  'extension/dist/extension.js', 'extension/dist/worker.js', 'extension/dist/webview.js',
  'extension/l10n/bundle.l10n.json', 'extension/l10n/bundle.l10n.zh-cn.json',
  'extension/media/icon.png', 'extension/media/topology.css', 'extension/syntaxes/podpath-trace.tmLanguage.json',
  'extension/readme.md', 'extension/changelog.md', 'extension/LICENSE.txt',
];
const missing = required.filter((n) => !names.includes(n));
const unwanted = names.filter((n) => /\.map$|\.ts$|^extension\/(src|test|out|node_modules|scripts|examples|bin)\/|dist\/cli\.js$/.test(n));
if (missing.length) fail(`missing from the VSIX: ${missing.join(', ')}`);
if (unwanted.length) fail(`should not be in the VSIX: ${unwanted.join(', ')}`);
const manifest = JSON.parse(zip.length && readEntry('extension/package.json'));
for (const ref of [manifest.main, manifest.icon]) if (!names.includes(`extension/${ref.replace(/^\.\//, '')}`)) fail(`package.json names ${ref}, which is not in the VSIX`);
const bytes = fs.statSync(file).size;
console.log(`${file}: ${entries.length} files, ${(bytes / 1024).toFixed(0)} KB; every required file present, no maps, sources, tests or CLI bundle`);

function readEntry(name) {
  // Local header offsets are in the central directory; re-walk it for the one entry wanted.
  let p = zip.readUInt32LE(eocd + 16);
  for (let i = 0; i < count; i++) {
    const nameLength = zip.readUInt16LE(p + 28), extra = zip.readUInt16LE(p + 30), comment = zip.readUInt16LE(p + 32);
    if (zip.toString('utf8', p + 46, p + 46 + nameLength) === name) {
      const method = zip.readUInt16LE(p + 10), compressed = zip.readUInt32LE(p + 20), local = zip.readUInt32LE(p + 42);
      const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const data = zip.subarray(start, start + compressed);
      return (method === 8 ? require('zlib').inflateRawSync(data) : data).toString('utf8');
    }
    p += 46 + nameLength + extra + comment;
  }
  fail(`${name} is not in the VSIX`);
}

function fail(message) {
  console.error(`check-vsix: ${message}`);
  process.exit(1);
}
