import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Cluster } from '../../src/core/cluster/model';
import { Ruleset, renderRule } from '../../src/core/dataplane/netfilter';
import { programIptables, serviceIptables } from '../../src/core/kubeproxy/iptables';
import { buildUnitCluster, endpointSlice, service } from '../conformance/kubeproxy-fixtures';

/**
 * One Service's rules alone (what a hover on the Service follows) are the rules the whole node's
 * ruleset holds for it: its own chains rule for rule, and its entries in the shared chains in the
 * same order — and every Service's entries together are the shared chains' entries.
 */

const SHARED = new Set(['KUBE-SERVICES', 'KUBE-NODEPORTS', 'KUBE-EXTERNAL-SERVICES']);

function rendered(rs: Ruleset, table: 'nat' | 'filter', chain: string): string[] {
  return rs.tables.get(table)?.chains.get(chain)?.rules.map((r) => renderRule(chain, r)) ?? [];
}

function cluster(): Cluster {
  const eps = (svc: string, ips: [string, string][]) => endpointSlice('shop', svc, ips.map(([ip, node]) => ({ ip, node })), [{ name: 'http', port: 8080 }]);
  return buildUnitCluster('iptables', [
    service('shop', 'web', { clusterIP: '10.96.0.20', ports: [{ name: 'http', port: 80 }] }),
    eps('web', [['10.244.1.5', 'node-1'], ['10.244.2.6', 'node-2']]),
    service('shop', 'api', { type: 'NodePort', clusterIP: '10.96.0.21', ports: [{ name: 'http', port: 80, nodePort: 30080 }], externalIPs: ['192.0.2.9'], externalTrafficPolicy: 'Local' }),
    eps('api', [['10.244.2.7', 'node-2']]),
    service('shop', 'sticky', { clusterIP: '10.96.0.22', ports: [{ name: 'http', port: 81 }], sessionAffinityTimeout: 600, internalTrafficPolicy: 'Local' }),
    eps('sticky', [['10.244.1.8', 'node-1'], ['10.244.1.9', 'node-1']]),
    service('shop', 'empty', { clusterIP: '10.96.0.23', ports: [{ name: 'http', port: 82 }] }),
  ]);
}

test('one Service\'s iptables rules equal its rules in the whole node\'s ruleset, on every node', () => {
  const c = cluster();
  assert.ok(c.services.length >= 4);
  for (const node of c.nodes) {
    const whole = programIptables(c, node);
    const sharedSeen = new Map<string, string[]>();
    for (const svc of c.services) {
      const own = serviceIptables(c, node, svc);
      for (const table of ['nat', 'filter'] as const) {
        for (const chain of own.tables.get(table)?.chains.keys() ?? []) {
          const mine = rendered(own, table, chain);
          // The built-in chains' jumps and kube-proxy's fixed chains are the node's, written once.
          if (!SHARED.has(chain) && !/^KUBE-(SVC|SVL|EXT|SEP)-/.test(chain)) {
            assert.deepEqual(mine, [], `${node.name} ${svc.key} ${table} ${chain}`);
            continue;
          }
          if (!SHARED.has(chain)) {
            assert.deepEqual(mine, rendered(whole, table, chain), `${node.name} ${svc.key} ${table} ${chain}`);
            continue;
          }
          // In the shared chain, in the same order as the whole ruleset has them.
          const all = rendered(whole, table, chain);
          let at = 0;
          for (const r of mine) {
            at = all.indexOf(r, at);
            assert.ok(at >= 0, `${node.name} ${svc.key}: ${r} is in ${table} ${chain}`);
            at++;
          }
          sharedSeen.set(`${table} ${chain}`, [...(sharedSeen.get(`${table} ${chain}`) ?? []), ...mine]);
        }
      }
    }
    // Every Service's entries together are the shared chains' own, but for the rules no Service writes.
    const nodePortsJump = rendered(whole, 'nat', 'KUBE-SERVICES').filter((r) => r.includes('KUBE-NODEPORTS'));
    assert.deepEqual([...(sharedSeen.get('nat KUBE-SERVICES') ?? []), ...nodePortsJump], rendered(whole, 'nat', 'KUBE-SERVICES'), `${node.name} nat KUBE-SERVICES`);
    assert.deepEqual(sharedSeen.get('nat KUBE-NODEPORTS') ?? [], rendered(whole, 'nat', 'KUBE-NODEPORTS'), `${node.name} nat KUBE-NODEPORTS`);
  }
});
