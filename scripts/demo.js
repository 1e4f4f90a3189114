#!/usr/bin/env node
// `npm run demo`: traces the bundled example clusters with the built `podpath` CLI and prints
// each path, as a tour of what PodPath shows.
const path = require('path');
const { runCli } = require(path.join(__dirname, '..', 'dist', 'cli.js'));

const root = path.join(__dirname, '..');
const tours = [
  ['Seed 000 — two pods on one node, switched by cbr0', ['examples/seed-000', '--from', 'pod1', '--to', 'pod2']],
  ['Seed 000 — pod1 to pod4 across nodes, through the routing table', ['examples/seed-000', '--from', 'pod1', '--to', 'pod4']],
  ['Seed 003 — a frontend pod calls Service frontend (20.1.244.75:80), kube-proxy in userspace mode', ['examples/seed-003', '--from', 'rc:frontend', '--to', '20.1.244.75:80']],
  ['Seed 003 — the same lab with kube-proxy in iptables mode', ['examples/seed-003-iptables', '--from', 'node1', '--to', 'service:frontend']],
  ['Flannel vxlan — a client pod calls Service web', ['examples/flannel-vxlan', '--from', 'client', '--to', 'service:web']],
  ['Flannel vxlan — from outside the cluster to NodePort 30080 on node-2', ['examples/flannel-vxlan', '--from', '203.0.113.7', '--to', '192.168.1.11', '--port', '30080']],
  ['Calico ipip — frontend calls Service api', ['examples/calico-ipip', '--from', 'shop/frontend', '--to', 'service:shop/api']],
  ['Calico ipip — debug pod calls Service api', ['examples/calico-ipip', '--from', 'shop/debug', '--to', 'service:shop/api']],
];

for (const [title, args] of tours) {
  const r = runCli(['trace', ...args], root);
  process.stdout.write(`\n=== ${title}\n$ podpath trace ${args.join(' ')}\n\n`);
  process.stdout.write(r.stdout);
  if (r.stderr) process.stdout.write(r.stderr);
  if (r.code === 2) process.exitCode = 2;
}
