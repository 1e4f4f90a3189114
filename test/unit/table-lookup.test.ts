import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Netns } from '../../src/core/dataplane/model';
import { deviceByName, fdbEntryFor, neighborFor } from '../../src/core/dataplane/table-lookup';

function netns(): Netns {
  return {
    id: 'node-1', kind: 'node', node: 'node-1', sysctls: {}, routes: [],
    devices: [{ name: 'eth0', kind: 'ethernet', mtu: 1500, addresses: [] }, { name: 'cni0', kind: 'bridge', mtu: 1450, addresses: [] }],
    neighbors: [
      { ip: '10.244.1.5', mac: '0a:00:00:00:00:05', dev: 'cni0', state: 'REACHABLE' },
      { ip: '10.244.1.5', mac: '0a:00:00:00:00:99', dev: 'cni0', state: 'REACHABLE' },
      { ip: '10.244.2.0', mac: '0a:00:00:00:02:00', dev: 'flannel.1', state: 'PERMANENT' },
    ],
    fdb: [
      { mac: '0a:00:00:00:00:05', dev: 'veth1', master: 'cni0', permanent: false },
      { mac: '0a:00:00:00:02:00', dev: 'flannel.1', dst: '192.168.1.11', permanent: true },
    ],
  };
}

test('table lookups answer as a linear search does: the first entry with the key, by device or by bridge', () => {
  const ns = netns();
  assert.equal(deviceByName(ns, 'cni0'), ns.devices[1]);
  assert.equal(deviceByName(ns, 'flannel.1'), undefined);
  assert.equal(neighborFor(ns, '10.244.1.5', 'cni0'), ns.neighbors[0], 'the first of two entries for one address');
  assert.equal(neighborFor(ns, '10.244.1.5', 'eth0'), undefined, 'the device is part of the key');
  assert.equal(neighborFor(ns, '10.244.2.0'), ns.neighbors[2], 'on any device');
  assert.equal(fdbEntryFor(ns, '0a:00:00:00:00:05', { master: 'cni0' }), ns.fdb[0]);
  assert.equal(fdbEntryFor(ns, '0a:00:00:00:00:05', { dev: 'flannel.1' }), undefined);
  assert.equal(fdbEntryFor(ns, '0a:00:00:00:02:00', { dev: 'flannel.1' })?.dst, '192.168.1.11');
  assert.equal(fdbEntryFor(ns, '0a:00:00:00:02:00', { master: 'cni0' }), undefined, 'an entry on no bridge is on no bridge\'s ports');
});

test('an entry appended after a lookup (a node programmed further) is found by the next one', () => {
  const ns = netns();
  assert.equal(neighborFor(ns, '10.244.1.7', 'cni0'), undefined);
  ns.neighbors.push({ ip: '10.244.1.7', mac: '0a:00:00:00:00:07', dev: 'cni0', state: 'REACHABLE' });
  assert.equal(neighborFor(ns, '10.244.1.7', 'cni0')?.mac, '0a:00:00:00:00:07');
  ns.devices.push({ name: 'tunl0', kind: 'ipip', mtu: 1480, addresses: [] });
  assert.equal(deviceByName(ns, 'tunl0')?.kind, 'ipip');
});
