#!/usr/bin/env node
// Draws media/icon.png (128x128): three pods on a path, the packet's route highlighted.
// Run by hand when the icon changes; the PNG is committed. No image library: a small
// supersampled rasteriser and zlib are enough for circles and thick lines.
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

const SIZE = 128;
const SS = 4; // samples per pixel per axis
const px = new Float32Array(SIZE * SIZE * 4);

const shapes = [];
const rect = (x0, y0, x1, y1, r, color) => shapes.push({ inside: (x, y) => {
  const dx = Math.max(x0 + r - x, 0, x - (x1 - r));
  const dy = Math.max(y0 + r - y, 0, y - (y1 - r));
  return x >= x0 && x <= x1 && y >= y0 && y <= y1 && dx * dx + dy * dy <= r * r;
}, color });
const circle = (cx, cy, r, color) => shapes.push({ inside: (x, y) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r, color });
const line = (ax, ay, bx, by, w, color) => shapes.push({ inside: (x, y) => {
  const vx = bx - ax, vy = by - ay;
  const t = Math.max(0, Math.min(1, ((x - ax) * vx + (y - ay) * vy) / (vx * vx + vy * vy)));
  return (x - ax - t * vx) ** 2 + (y - ay - t * vy) ** 2 <= (w / 2) ** 2;
}, color });
const tri = (p, color) => shapes.push({ inside: (x, y) => {
  const s = (a, b) => (b[0] - a[0]) * (y - a[1]) - (b[1] - a[1]) * (x - a[0]);
  const d1 = s(p[0], p[1]), d2 = s(p[1], p[2]), d3 = s(p[2], p[0]);
  return (d1 >= 0 && d2 >= 0 && d3 >= 0) || (d1 <= 0 && d2 <= 0 && d3 <= 0);
}, color });

const BG = [0x1b, 0x2a, 0x4a, 255], DIM = [0x5b, 0x6f, 0x95, 255], PATH = [0x3d, 0xd6, 0x8c, 255], POD = [0xf2, 0xf5, 0xfa, 255];
rect(4, 4, 124, 124, 22, BG);
line(30, 36, 98, 36, 6, DIM);           // an unused link of the topology
line(30, 36, 64, 92, 9, PATH);          // the traced path: pod → node → pod
line(64, 92, 91, 45, 9, PATH);
tri([[98, 33], [80, 43], [96, 55]], PATH);
circle(30, 36, 14, POD); circle(30, 36, 7, BG);
circle(98, 36, 14, POD); circle(98, 36, 7, PATH);
circle(64, 92, 14, POD); circle(64, 92, 7, BG);

for (let y = 0; y < SIZE; y++) for (let x = 0; x < SIZE; x++) {
  const acc = [0, 0, 0, 0];
  for (let sy = 0; sy < SS; sy++) for (let sx = 0; sx < SS; sx++) {
    const fx = x + (sx + 0.5) / SS, fy = y + (sy + 0.5) / SS;
    let c = [0, 0, 0, 0];
    for (const s of shapes) if (s.inside(fx, fy)) c = s.color;
    for (let i = 0; i < 4; i++) acc[i] += c[i] * (i < 3 ? c[3] / 255 : 1);
  }
  const n = SS * SS, a = acc[3] / n, o = (y * SIZE + x) * 4;
  for (let i = 0; i < 3; i++) px[o + i] = a > 0 ? acc[i] / n / (a / 255) : 0;
  px[o + 3] = a;
}

const raw = Buffer.alloc(SIZE * (SIZE * 4 + 1));
for (let y = 0; y < SIZE; y++) for (let x = 0; x < SIZE * 4; x++) raw[y * (SIZE * 4 + 1) + 1 + x] = Math.round(px[y * SIZE * 4 + x]);
const crcTable = Array.from({ length: 256 }, (_, n) => { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; return c >>> 0; });
const crc = (buf) => { let c = 0xffffffff; for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0; };
const chunk = (type, data) => {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type), data]);
  const sum = Buffer.alloc(4); sum.writeUInt32BE(crc(body));
  return Buffer.concat([len, body, sum]);
};
const ihdr = Buffer.alloc(13);
ihdr.writeUInt32BE(SIZE, 0); ihdr.writeUInt32BE(SIZE, 4); ihdr[8] = 8; ihdr[9] = 6;
const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
fs.writeFileSync(path.join(__dirname, '..', 'media', 'icon.png'), png);
console.log(`media/icon.png: ${png.length} bytes`);
