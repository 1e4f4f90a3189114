import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Cluster, NodeInfo, ServiceInfo } from '../../src/core/cluster/model';
import { traverseHook } from '../../src/core/dataplane/netfilter-eval';
import { Ruleset, renderIptablesSave, renderRule } from '../../src/core/dataplane/netfilter';
import { programKubeProxy } from '../../src/core/kubeproxy';
import { svcChain, svlChain, extChain, sepChain } from '../../src/core/kubeproxy/chain-names';
import { buildUnitCluster, endpointSlice, service } from '../conformance/kubeproxy-fixtures';

function build(...objects: object[]): Cluster {
  return buildUnitCluster('iptables', objects);
}

function program(cluster: Cluster, nodeName = 'node-1'): Ruleset {
  const p = programKubeProxy(cluster, cluster.nodesByName.get(nodeName)!);
  assert.deepEqual(p.findings, []);
  assert.deepEqual(p.ipvs, []);
  assert.deepEqual(p.userspace, []);
  return p.netfilter;
}

/** Rendered rules of one chain. */
function chain(rs: Ruleset, table: 'nat' | 'filter', name: string): string[] {
  const c = rs.tables.get(table)?.chains.get(name);
  return c ? c.rules.map((r) => renderRule(name, r)) : [];
}

const web = (extra: Partial<Parameters<typeof service>[2]> = {}) => service('shop', 'web', { clusterIP: '10.96.0.20', ports: [{ name: 'http', port: 80 }], ...extra });
const http = [{ name: 'http', port: 8080 }];
const spn = 'shop/web:http';

describe('kube-proxy iptables mode: chain structure', () => {
  const rs = program(build(web(), endpointSlice('shop', 'web', [{ ip: '10.244.1.5', node: 'node-1' }], http)));

  it('hooks the built-in chains the way kube-proxy (and kubelet) do', () => {
    assert.deepEqual(chain(rs, 'nat', 'PREROUTING'), ['-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES']);
    assert.deepEqual(chain(rs, 'nat', 'OUTPUT'), ['-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES']);
    assert.deepEqual(chain(rs, 'nat', 'POSTROUTING'), ['-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING']);
    assert.deepEqual(chain(rs, 'filter', 'FORWARD'), [
      '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
      '-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD',
      '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
      '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES',
    ]);
    assert.deepEqual(chain(rs, 'filter', 'INPUT').map((l) => l.split(' -j ')[1]), ['KUBE-FIREWALL', 'KUBE-PROXY-FIREWALL', 'KUBE-NODEPORTS', 'KUBE-EXTERNAL-SERVICES']);
    assert.deepEqual(chain(rs, 'filter', 'OUTPUT').map((l) => l.split(' -j ')[1]), ['KUBE-FIREWALL', 'KUBE-PROXY-FIREWALL', 'KUBE-SERVICES']);
  });

  it('marks with 0x4000 and masquerades marked packets once, fully random', () => {
    assert.deepEqual(chain(rs, 'nat', 'KUBE-MARK-MASQ'), ['-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000']);
    assert.deepEqual(chain(rs, 'nat', 'KUBE-POSTROUTING'), [
      '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
      '-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000',
      '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
    ]);
  });

  it('sends cluster-IP traffic to KUBE-SVC and ends KUBE-SERVICES with the NodePort jump', () => {
    const services = chain(rs, 'nat', 'KUBE-SERVICES');
    assert.equal(services[0], `-A KUBE-SERVICES -m comment --comment "${spn} cluster IP" -m tcp -p tcp -d 10.96.0.20 --dport 80 -j ${svcChain(spn, 'tcp')}`);
    assert.equal(services.at(-1), '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS');
  });

  it('masquerades off-cluster sources and hairpin traffic, then DNATs', () => {
    const svc = svcChain(spn, 'tcp');
    const sep = sepChain(spn, 'tcp', '10.244.1.5:8080');
    assert.deepEqual(chain(rs, 'nat', svc), [
      `-A ${svc} -m comment --comment "${spn} cluster IP" -m tcp -p tcp -d 10.96.0.20 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ`,
      `-A ${svc} -m comment --comment "${spn} -> 10.244.1.5:8080" -j ${sep}`,
    ]);
    assert.deepEqual(chain(rs, 'nat', sep), [
      `-A ${sep} -m comment --comment ${spn} -s 10.244.1.5 -j KUBE-MARK-MASQ`,
      `-A ${sep} -m comment --comment ${spn} -m tcp -p tcp -j DNAT --to-destination 10.244.1.5:8080`,
    ]);
  });

  it('gives every rule a cause in the user\'s YAML', () => {
    const svcRule = rs.tables.get('nat')!.chains.get('KUBE-SERVICES')!.rules[0];
    assert.deepEqual(svcRule.cause?.path, ['spec', 'ports', 0]);
    assert.equal(svcRule.cause?.locator?.file, 'app.yaml');
    const dnat = rs.tables.get('nat')!.chains.get(sepChain(spn, 'tcp', '10.244.1.5:8080'))!.rules[1];
    assert.deepEqual(dnat.cause?.path, ['endpoints', 0, 'addresses', 0]);
  });

  it('is deterministic, byte for byte', () => {
    const again = program(build(web(), endpointSlice('shop', 'web', [{ ip: '10.244.1.5', node: 'node-1' }], http)));
    assert.equal(renderIptablesSave(again), renderIptablesSave(rs));
  });
});

describe('kube-proxy iptables mode: load balancing', () => {
  const eps = [{ ip: '10.244.1.5' }, { ip: '10.244.2.7' }, { ip: '10.244.2.10' }, { ip: '10.244.2.9', ready: false }];
  const rs = program(build(web(), endpointSlice('shop', 'web', eps, http)));
  const lines = chain(rs, 'nat', svcChain(spn, 'tcp')).slice(1);

  it('splits 1/n, 1/(n-1), … printed with ten decimals, the last rule unconditional', () => {
    assert.equal(lines.length, 3, 'the not-ready endpoint gets no rule');
    assert.match(lines[0], /-m statistic --mode random --probability 0\.3333333333 -j KUBE-SEP-/);
    assert.match(lines[1], /-m statistic --mode random --probability 0\.5000000000 -j KUBE-SEP-/);
    assert.doesNotMatch(lines[2], /statistic/);
  });

  it('orders endpoints as kube-proxy does: by their "ip:port" text', () => {
    assert.deepEqual(lines.map((l) => /-> ([\d.:]+)"/.exec(l)![1]), ['10.244.1.5:8080', '10.244.2.10:8080', '10.244.2.7:8080']);
  });

  it('gives each endpoint an equal share when traced', () => {
    const branches = traverseHook(rs, 'nat', 'PREROUTING', { src: '10.244.1.9', dst: '10.96.0.20', proto: 'tcp', sport: 5555, dport: 80, mark: 0 }, { isLocal: () => false });
    assert.equal(branches.length, 3);
    for (const b of branches) assert.ok(Math.abs(b.probability - 1 / 3) < 1e-9);
    assert.ok(!branches.some((b) => b.packet.dst === '10.244.2.9'));
  });

  it('marks a pod reaching itself through its Service (hairpin) but not its neighbours', () => {
    const branches = traverseHook(rs, 'nat', 'PREROUTING', { src: '10.244.1.5', dst: '10.96.0.20', proto: 'tcp', sport: 5555, dport: 80, mark: 0 }, { isLocal: () => false });
    const self = branches.find((b) => b.packet.dst === '10.244.1.5')!;
    const other = branches.find((b) => b.packet.dst === '10.244.2.7')!;
    assert.equal(self.packet.mark & 0x4000, 0x4000);
    assert.equal(other.packet.mark & 0x4000, 0);
  });

  it('marks clients from outside the cluster CIDR for masquerade', () => {
    const branches = traverseHook(rs, 'nat', 'PREROUTING', { src: '192.168.1.50', dst: '10.96.0.20', proto: 'tcp', sport: 5555, dport: 80, mark: 0 }, { isLocal: () => false });
    assert.ok(branches.every((b) => (b.packet.mark & 0x4000) === 0x4000));
  });
});

describe('kube-proxy iptables mode: traffic policies', () => {
  const np = { name: 'http', port: 80, nodePort: 30080 };
  const mixed = [{ ip: '10.244.1.5', node: 'node-1' }, { ip: '10.244.2.7', node: 'node-2' }];

  it('eTP Cluster: NodePort traffic is marked and sent to all endpoints', () => {
    const rs = program(build(web({ type: 'NodePort', ports: [np] }), endpointSlice('shop', 'web', mixed, http)));
    const ext = extChain(spn, 'tcp');
    assert.deepEqual(chain(rs, 'nat', 'KUBE-NODEPORTS'), [`-A KUBE-NODEPORTS -m comment --comment ${spn} -m tcp -p tcp --dport 30080 -j ${ext}`]);
    assert.deepEqual(chain(rs, 'nat', ext), [
      `-A ${ext} -m comment --comment "masquerade traffic for ${spn} external destinations" -j KUBE-MARK-MASQ`,
      `-A ${ext} -j ${svcChain(spn, 'tcp')}`,
    ]);
  });

  it('eTP Local: pods and the node short-circuit to KUBE-SVC, others get only local endpoints (KUBE-SVL)', () => {
    const rs = program(build(web({ type: 'NodePort', externalTrafficPolicy: 'Local', ports: [np] }), endpointSlice('shop', 'web', mixed, http)));
    const ext = extChain(spn, 'tcp');
    const svc = svcChain(spn, 'tcp');
    const svl = svlChain(spn, 'tcp');
    assert.deepEqual(chain(rs, 'nat', ext), [
      `-A ${ext} -m comment --comment "pod traffic for ${spn} external destinations" -s 10.244.0.0/16 -j ${svc}`,
      `-A ${ext} -m comment --comment "masquerade LOCAL traffic for ${spn} external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ`,
      `-A ${ext} -m comment --comment "route LOCAL traffic for ${spn} external destinations" -m addrtype --src-type LOCAL -j ${svc}`,
      `-A ${ext} -j ${svl}`,
    ]);
    assert.deepEqual(chain(rs, 'nat', svl), [`-A ${svl} -m comment --comment "${spn} -> 10.244.1.5:8080" -j ${sepChain(spn, 'tcp', '10.244.1.5:8080')}`]);
    // node-2 has its own local endpoint.
    const rs2 = program(build(web({ type: 'NodePort', externalTrafficPolicy: 'Local', ports: [np] }), endpointSlice('shop', 'web', mixed, http)), 'node-2');
    assert.match(chain(rs2, 'nat', svl)[0], /10\.244\.2\.7:8080/);
  });

  it('eTP Local with no local endpoint: external traffic is dropped in filter', () => {
    const rs = program(build(web({ type: 'NodePort', externalTrafficPolicy: 'Local', ports: [np] }), endpointSlice('shop', 'web', [{ ip: '10.244.2.7', node: 'node-2' }], http)));
    assert.deepEqual(chain(rs, 'filter', 'KUBE-EXTERNAL-SERVICES'), [
      `-A KUBE-EXTERNAL-SERVICES -m comment --comment "${spn} has no local endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 30080 -j DROP`,
    ]);
    assert.equal(rs.tables.get('nat')!.chains.has(svlChain(spn, 'tcp')), false);
  });

  it('iTP Local: cluster-IP traffic goes to KUBE-SVL, and is dropped without local endpoints', () => {
    const rs = program(build(web({ internalTrafficPolicy: 'Local' }), endpointSlice('shop', 'web', mixed, http)));
    assert.match(chain(rs, 'nat', 'KUBE-SERVICES')[0], new RegExp(`-j ${svlChain(spn, 'tcp')}$`));
    assert.equal(rs.tables.get('nat')!.chains.has(svcChain(spn, 'tcp')), false, 'no KUBE-SVC when nothing uses it');
    const none = program(build(web({ internalTrafficPolicy: 'Local' }), endpointSlice('shop', 'web', [{ ip: '10.244.2.7', node: 'node-2' }], http)));
    assert.deepEqual(chain(none, 'filter', 'KUBE-SERVICES'), [
      `-A KUBE-SERVICES -m comment --comment "${spn} has no local endpoints" -m tcp -p tcp -d 10.96.0.20 --dport 80 -j DROP`,
    ]);
  });

  it('no endpoints at all: REJECT for the cluster IP, external IPs, LB IPs and the NodePort', () => {
    const rs = program(build(web({ type: 'LoadBalancer', ports: [np], externalIPs: ['192.168.1.200'], loadBalancerIngress: ['203.0.113.9'] })));
    assert.deepEqual(chain(rs, 'filter', 'KUBE-SERVICES'), [`-A KUBE-SERVICES -m comment --comment "${spn} has no endpoints" -m tcp -p tcp -d 10.96.0.20 --dport 80 -j REJECT`]);
    assert.deepEqual(chain(rs, 'filter', 'KUBE-EXTERNAL-SERVICES').map((l) => l.replace(/.*endpoints" /, '')), [
      '-m tcp -p tcp -d 192.168.1.200 --dport 80 -j REJECT',
      '-m tcp -p tcp -d 203.0.113.9 --dport 80 -j REJECT',
      '-m addrtype --dst-type LOCAL -m tcp -p tcp --dport 30080 -j REJECT',
    ]);
    assert.equal([...rs.tables.get('nat')!.chains.keys()].some((c) => /^KUBE-(SVC|SEP|EXT)-/.test(c)), false);
  });
});

describe('kube-proxy iptables mode: session affinity', () => {
  const rs = program(build(web({ sessionAffinityTimeout: 600 }), endpointSlice('shop', 'web', [{ ip: '10.244.1.5' }, { ip: '10.244.2.7' }], http)));
  const svc = svcChain(spn, 'tcp');
  const sep = sepChain(spn, 'tcp', '10.244.1.5:8080');

  it('checks the recent list first, with the configured timeout, and records the client in the SEP chain', () => {
    const rules = rs.tables.get('nat')!.chains.get(svc)!.rules;
    assert.deepEqual(rules[1].terms[1], { m: 'recent', name: sep, mode: 'rcheck', seconds: 600, reap: true });
    assert.equal(rules[1].target.t === 'jump' && rules[1].target.chain, sep);
    const dnat = rs.tables.get('nat')!.chains.get(sep)!.rules[1];
    assert.deepEqual(dnat.terms.find((t) => t.m === 'recent'), { m: 'recent', name: sep, mode: 'set' });
  });

  it('a new client (no recent entry) is still balanced over all endpoints', () => {
    const branches = traverseHook(rs, 'nat', 'PREROUTING', { src: '10.244.1.9', dst: '10.96.0.20', proto: 'tcp', sport: 5555, dport: 80, mark: 0 }, { isLocal: () => false });
    assert.deepEqual(branches.map((b) => b.packet.dst).sort(), ['10.244.1.5', '10.244.2.7']);
  });
});

describe('kube-proxy iptables mode: scale', () => {
  it('programs 10,000 Services × 3 endpoints in linear time', () => {
    const small = build(web(), endpointSlice('shop', 'web', [{ ip: '10.244.1.5' }], http));
    const template = small.services[0];
    const make = (count: number): Cluster => {
      const services: ServiceInfo[] = [];
      for (let i = 0; i < count; i++) {
        const ip = (k: number) => `10.${128 + (i >> 14)}.${(i >> 6) & 255}.${((i & 63) << 2) + k}`;
        services.push({
          ...template, key: `ns/svc-${String(i).padStart(5, '0')}`, name: `svc-${String(i).padStart(5, '0')}`, namespace: 'ns',
          clusterIP: `10.${96 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`,
          ports: [{ ...template.ports[0], endpoints: [0, 1, 2].map((k) => ({ ...template.ports[0].endpoints[0], ip: ip(k), node: k === 0 ? 'node-1' : 'node-2' })) }],
        });
      }
      return { ...small, services };
    };
    const node: NodeInfo = small.nodesByName.get('node-1')!;
    const time = (count: number) => {
      const cluster = make(count);
      const t0 = performance.now();
      const rs = programKubeProxy(cluster, node).netfilter;
      const ms = performance.now() - t0;
      return { ms, chains: rs.tables.get('nat')!.chains.size };
    };
    const big = time(10_000);
    assert.equal(big.chains, 4 + 4 + 10_000 * 4, 'built-ins + kube chains + one SVC and three SEP per Service');
    assert.ok(big.ms < 5000, `took ${big.ms.toFixed(0)} ms`);
  });
});
