import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Cluster } from '../../src/core/cluster/model';
import { traverseHook } from '../../src/core/dataplane/netfilter-eval';
import { renderRule } from '../../src/core/dataplane/netfilter';
import { KubeProxyProgram, programKubeProxy } from '../../src/core/kubeproxy';
import { buildUnitCluster, endpointSlice, service } from '../conformance/kubeproxy-fixtures';

function program(objects: object[], nodeName = 'node-1'): KubeProxyProgram {
  const cluster: Cluster = buildUnitCluster('ipvs', objects);
  const p = programKubeProxy(cluster, cluster.nodesByName.get(nodeName)!);
  assert.deepEqual(p.findings, []);
  assert.deepEqual(p.userspace, []);
  return p;
}

const http = [{ name: 'http', port: 8080 }];
const eps = [{ ip: '10.244.1.5', node: 'node-1' }, { ip: '10.244.2.7', node: 'node-2' }];

describe('kube-proxy ipvs mode: virtual servers', () => {
  const p = program([
    service('shop', 'web', {
      type: 'LoadBalancer', clusterIP: '10.96.0.20', ports: [{ name: 'http', port: 80, nodePort: 30080 }],
      externalIPs: ['192.168.1.200'], loadBalancerIngress: ['203.0.113.9'], sessionAffinityTimeout: 300,
    }),
    endpointSlice('shop', 'web', [...eps, { ip: '10.244.2.8', ready: false }], http),
  ]);

  it('one virtual server per address and port: cluster IP, external IP, LB IP, and NodePort on the node IP', () => {
    assert.deepEqual(p.ipvs.map((v) => `${v.protocol} ${v.vip}:${v.port}`), [
      'TCP 10.96.0.20:80', 'TCP 192.168.1.200:80', 'TCP 203.0.113.9:80', 'TCP 192.168.1.10:30080',
    ]);
  });

  it('round robin over the ready endpoints, with persistence for ClientIP affinity', () => {
    for (const v of p.ipvs) {
      assert.equal(v.scheduler, 'rr');
      assert.equal(v.persistenceSeconds, 300);
      assert.deepEqual(v.realServers, [{ ip: '10.244.1.5', port: 8080, weight: 1 }, { ip: '10.244.2.7', port: 8080, weight: 1 }]);
      assert.equal(v.service, 'shop/web');
      assert.equal(v.portName, 'http');
    }
  });

  it('fills the ipsets the nat rules match on', () => {
    const sets = p.netfilter.ipsets;
    assert.deepEqual([...sets.get('KUBE-CLUSTER-IP')!], ['10.96.0.20,tcp:80']);
    assert.deepEqual([...sets.get('KUBE-EXTERNAL-IP')!], ['192.168.1.200,tcp:80']);
    assert.deepEqual([...sets.get('KUBE-LOAD-BALANCER')!], ['203.0.113.9,tcp:80']);
    assert.deepEqual([...sets.get('KUBE-NODE-PORT-TCP')!], ['30080']);
    // Hairpin: only this node's endpoints.
    assert.deepEqual([...sets.get('KUBE-LOOP-BACK')!], ['10.244.1.5,tcp:8080,10.244.1.5']);
    assert.equal(sets.get('KUBE-NODE-PORT-LOCAL-TCP')!.size, 0);
  });

  it('writes no per-Service iptables chains', () => {
    const natChains = [...p.netfilter.tables.get('nat')!.chains.keys()];
    assert.equal(natChains.some((c) => /^KUBE-(SVC|SEP|EXT)-/.test(c)), false);
    assert.deepEqual(natChains.filter((c) => c.startsWith('KUBE-')), ['KUBE-SERVICES', 'KUBE-POSTROUTING', 'KUBE-NODE-PORT', 'KUBE-LOAD-BALANCER', 'KUBE-MARK-MASQ']);
  });

  it('renders the nat rules ipvs mode writes', () => {
    const nat = p.netfilter.tables.get('nat')!.chains;
    const lines = (name: string) => nat.get(name)!.rules.map((r) => renderRule(name, r));
    assert.deepEqual(lines('KUBE-SERVICES'), [
      '-A KUBE-SERVICES -m comment --comment "Kubernetes service lb portal" -m set --match-set KUBE-LOAD-BALANCER dst,dst -j KUBE-LOAD-BALANCER',
      '-A KUBE-SERVICES -m comment --comment "Kubernetes service cluster ip + port for masquerade purpose" -m set --match-set KUBE-CLUSTER-IP dst,dst ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ',
      '-A KUBE-SERVICES -m comment --comment "Kubernetes service external ip + port for masquerade and filter purpose" -m set --match-set KUBE-EXTERNAL-IP dst,dst -j KUBE-MARK-MASQ',
      '-A KUBE-SERVICES -m comment --comment "Kubernetes service external ip + port for masquerade and filter purpose" -m set --match-set KUBE-EXTERNAL-IP dst,dst -m physdev ! --physdev-is-in -m addrtype ! --src-type LOCAL -j ACCEPT',
      '-A KUBE-SERVICES -m comment --comment "Kubernetes service external ip + port for masquerade and filter purpose" -m set --match-set KUBE-EXTERNAL-IP dst,dst -m addrtype --dst-type LOCAL -j ACCEPT',
      '-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODE-PORT',
      '-A KUBE-SERVICES -m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT',
      '-A KUBE-SERVICES -m set --match-set KUBE-LOAD-BALANCER dst,dst -j ACCEPT',
    ]);
    assert.deepEqual(lines('KUBE-NODE-PORT'), [
      '-A KUBE-NODE-PORT -p tcp -m comment --comment "Kubernetes nodeport TCP port for masquerade purpose" -m set --match-set KUBE-NODE-PORT-TCP dst -j KUBE-MARK-MASQ',
    ]);
    assert.equal(lines('KUBE-POSTROUTING')[0],
      '-A KUBE-POSTROUTING -m comment --comment "Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose" -m set --match-set KUBE-LOOP-BACK dst,dst,src -j MASQUERADE');
    assert.deepEqual(lines('KUBE-LOAD-BALANCER'), ['-A KUBE-LOAD-BALANCER -j KUBE-MARK-MASQ']);
  });

  it('marks off-cluster clients of a cluster IP and accepts the packet for IPVS', () => {
    const ctx = { isLocal: (ip: string) => ip === '192.168.1.10', ipsets: p.netfilter.ipsets };
    const outside = traverseHook(p.netfilter, 'nat', 'PREROUTING', { src: '192.168.1.50', dst: '10.96.0.20', proto: 'tcp', sport: 5555, dport: 80, mark: 0 }, ctx);
    assert.equal(outside.length, 1);
    assert.equal(outside[0].packet.mark & 0x4000, 0x4000);
    assert.equal(outside[0].packet.dst, '10.96.0.20', 'IPVS, not netfilter, rewrites the destination');
    const pod = traverseHook(p.netfilter, 'nat', 'PREROUTING', { src: '10.244.1.9', dst: '10.96.0.20', proto: 'tcp', sport: 5555, dport: 80, mark: 0 }, ctx);
    assert.equal(pod[0].packet.mark & 0x4000, 0);
    assert.equal(pod[0].hits.at(-1)?.rule.target.t, 'ACCEPT');
  });
});

describe('kube-proxy ipvs mode: port-only and three-part ipsets', () => {
  const p = program([
    service('shop', 'web', { type: 'NodePort', clusterIP: '10.96.0.20', ports: [{ name: 'http', port: 80, nodePort: 30080 }] }),
    endpointSlice('shop', 'web', eps, http),
  ]);
  const ctx = { isLocal: (ip: string) => ip === '192.168.1.10', ipsets: p.netfilter.ipsets };
  it('NodePort traffic is marked for masquerade via KUBE-NODE-PORT-TCP', () => {
    const [b] = traverseHook(p.netfilter, 'nat', 'PREROUTING', { src: '192.168.1.50', dst: '192.168.1.10', proto: 'tcp', sport: 5555, dport: 30080, mark: 0 }, ctx);
    assert.equal(b.packet.mark & 0x4000, 0x4000);
  });
  it('a hairpin connection is masqueraded via KUBE-LOOP-BACK', () => {
    const post = traverseHook(p.netfilter, 'nat', 'POSTROUTING', { src: '10.244.1.5', dst: '10.244.1.5', proto: 'tcp', sport: 5555, dport: 8080, mark: 0 }, ctx);
    assert.equal(post[0].nat?.kind, 'MASQUERADE');
  });
});

describe('kube-proxy ipvs mode: traffic policies', () => {
  it('eTP Local: external virtual servers use local endpoints and the LOCAL sets are filled', () => {
    const p = program([
      service('shop', 'web', { type: 'NodePort', externalTrafficPolicy: 'Local', clusterIP: '10.96.0.20', ports: [{ name: 'http', port: 80, nodePort: 30080 }] }),
      endpointSlice('shop', 'web', eps, http),
    ]);
    const byVip = new Map(p.ipvs.map((v) => [v.vip, v.realServers.map((r) => r.ip)]));
    assert.deepEqual(byVip.get('10.96.0.20'), ['10.244.1.5', '10.244.2.7']);
    assert.deepEqual(byVip.get('192.168.1.10'), ['10.244.1.5']);
    assert.deepEqual([...p.netfilter.ipsets.get('KUBE-NODE-PORT-LOCAL-TCP')!], ['30080']);
    const nodePortRules = p.netfilter.tables.get('nat')!.chains.get('KUBE-NODE-PORT')!.rules.map((r) => renderRule('KUBE-NODE-PORT', r));
    assert.match(nodePortRules[0], /KUBE-NODE-PORT-LOCAL-TCP dst -j RETURN$/, 'local NodePorts return before the masquerade rule');
  });

  it('iTP Local: the cluster-IP virtual server uses only this node\'s endpoints', () => {
    const objects = [service('shop', 'web', { internalTrafficPolicy: 'Local', clusterIP: '10.96.0.20', ports: [{ name: 'http', port: 80 }] }), endpointSlice('shop', 'web', eps, http)];
    assert.deepEqual(program(objects, 'node-1').ipvs[0].realServers.map((r) => r.ip), ['10.244.1.5']);
    assert.deepEqual(program(objects, 'node-2').ipvs[0].realServers.map((r) => r.ip), ['10.244.2.7']);
  });

  it('UDP NodePorts go to their own bitmap set', () => {
    const p = program([
      service('kube-system', 'dns', { type: 'NodePort', clusterIP: '10.96.0.10', ports: [{ name: 'dns', port: 53, protocol: 'UDP', nodePort: 30053 }] }),
      endpointSlice('kube-system', 'dns', [{ ip: '10.244.1.3', node: 'node-1' }], [{ name: 'dns', port: 53, protocol: 'UDP' }]),
    ]);
    assert.deepEqual([...p.netfilter.ipsets.get('KUBE-NODE-PORT-UDP')!], ['30053']);
    assert.deepEqual([...p.netfilter.ipsets.get('KUBE-CLUSTER-IP')!], ['10.96.0.10,udp:53']);
    assert.deepEqual(p.ipvs.map((v) => `${v.protocol} ${v.vip}:${v.port}`), ['UDP 10.96.0.10:53', 'UDP 192.168.1.10:30053']);
  });
});
