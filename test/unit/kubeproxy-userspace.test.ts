import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildCluster } from '../../src/core/cluster/build';
import { Cluster } from '../../src/core/cluster/model';
import { traverseHook } from '../../src/core/dataplane/netfilter-eval';
import { renderRule } from '../../src/core/dataplane/netfilter';
import { loadManifests } from '../../src/core/manifest/load';
import { KubeProxyProgram, programKubeProxy } from '../../src/core/kubeproxy';
import { EPHEMERAL_MAX, EPHEMERAL_MIN, PROXY_PORT_ANNOTATION } from '../../src/core/kubeproxy/userspace';
import { endpointSlice, service, toYaml } from '../conformance/kubeproxy-fixtures';

// Seed 003's lab: Service "frontend" at 20.1.244.75:80, kube-proxy listening on 33761.
const CLUSTER = `apiVersion: podpath.dev/v1alpha1
kind: Cluster
metadata: {name: legacy}
spec:
  clusterCIDR: 10.1.0.0/16
  serviceCIDR: 20.1.0.0/16
  cni: {plugin: bridge}
  kubeProxy: {mode: userspace}
  nodes:
    - {name: node1, ip: 192.168.1.10, podCIDR: 10.1.10.0/24}
    - {name: node2, ip: 192.168.1.11, podCIDR: 10.1.20.0/24}
`;

function build(objects: object[]): Cluster {
  return buildCluster(loadManifests([{ file: 'cluster.yaml', text: CLUSTER }, { file: 'app.yaml', text: toYaml(...objects) }]).manifests);
}

function program(cluster: Cluster, nodeName = 'node1'): KubeProxyProgram {
  const p = programKubeProxy(cluster, cluster.nodesByName.get(nodeName)!);
  assert.deepEqual(p.ipvs, []);
  return p;
}

const lines = (p: KubeProxyProgram, table: 'nat' | 'filter', chain: string) =>
  (p.netfilter.tables.get(table)!.chains.get(chain)?.rules ?? []).map((r) => renderRule(chain, r));

const frontend = (annotations?: Record<string, string>) => service('default', 'frontend', {
  clusterIP: '20.1.244.75', ports: [{ name: 'http', port: 80 }], ...(annotations ? { annotations } : {}),
});
const backends = endpointSlice('default', 'frontend', [
  { ip: '10.1.10.2', node: 'node1' }, { ip: '10.1.20.2', node: 'node2' }, { ip: '10.1.20.3', node: 'node2', ready: false },
], [{ name: 'http', port: 80 }]);

describe('kube-proxy userspace mode (legacy, removed in Kubernetes 1.26)', () => {
  const p = program(build([frontend({ [PROXY_PORT_ANNOTATION]: '33761' }), backends]));

  it('redirects container traffic for the cluster IP to the proxy port', () => {
    assert.deepEqual(lines(p, 'nat', 'KUBE-PORTALS-CONTAINER'), [
      '-A KUBE-PORTALS-CONTAINER -m comment --comment default/frontend:http -p tcp -m tcp --dport 80 -d 20.1.244.75/32 -j REDIRECT --to-ports 33761',
    ]);
  });

  it('DNATs the node\'s own traffic to its IP and the proxy port', () => {
    assert.deepEqual(lines(p, 'nat', 'KUBE-PORTALS-HOST'), [
      '-A KUBE-PORTALS-HOST -m comment --comment default/frontend:http -p tcp -m tcp --dport 80 -d 20.1.244.75/32 -j DNAT --to-destination 192.168.1.10:33761',
    ]);
  });

  it('hooks the portal chains before the NodePort chains', () => {
    assert.deepEqual(lines(p, 'nat', 'PREROUTING'), [
      '-A PREROUTING -m comment --comment "handle ClusterIPs; NOTE: this must be before the NodePort rules" -j KUBE-PORTALS-CONTAINER',
      '-A PREROUTING -m addrtype --dst-type LOCAL -m comment --comment "handle service NodePorts; NOTE: this must be the last rule in the chain" -j KUBE-NODEPORT-CONTAINER',
    ]);
    assert.deepEqual(lines(p, 'nat', 'OUTPUT').map((l) => l.split(' -j ')[1]), ['KUBE-PORTALS-HOST', 'KUBE-NODEPORT-HOST']);
  });

  it('lists the proxy port with the ready backends of the whole cluster', () => {
    assert.deepEqual(p.userspace.map(({ cause: _c, ...rest }) => rest), [{
      service: 'default/frontend', portName: 'http', clusterIP: '20.1.244.75', port: 80, protocol: 'TCP', proxyPort: 33761,
      backends: [{ ip: '10.1.10.2', port: 80, node: 'node1' }, { ip: '10.1.20.2', port: 80, node: 'node2' }],
    }]);
  });

  it('a pod\'s packet to the cluster IP is redirected to the local proxy port', () => {
    const [b] = traverseHook(p.netfilter, 'nat', 'PREROUTING', { src: '10.1.10.2', dst: '20.1.244.75', proto: 'tcp', sport: 4000, dport: 80, mark: 0 }, { isLocal: () => false });
    assert.equal(b.nat?.kind, 'REDIRECT');
    assert.equal(b.packet.dport, 33761);
    assert.equal(b.packet.dst, '20.1.244.75');
  });
});

describe('userspace mode: proxy ports', () => {
  it('reads name=port pairs for multi-port Services', () => {
    const p = program(build([service('default', 'app', {
      clusterIP: '20.1.0.30', ports: [{ name: 'http', port: 80 }, { name: 'metrics', port: 9090 }],
      annotations: { [PROXY_PORT_ANNOTATION]: 'metrics=40002, http=40001' },
    })]));
    assert.deepEqual(p.userspace.map((u) => [u.portName, u.proxyPort]), [['http', 40001], ['metrics', 40002]]);
    assert.deepEqual(p.findings, []);
  });

  it('derives a stable port in the ephemeral range without an annotation', () => {
    const cluster = build([frontend(), backends]);
    const first = program(cluster).userspace[0].proxyPort;
    assert.ok(first >= EPHEMERAL_MIN && first <= EPHEMERAL_MAX);
    assert.equal(program(cluster).userspace[0].proxyPort, first);
    const other = program(cluster, 'node2').userspace[0].proxyPort;
    assert.ok(other >= EPHEMERAL_MIN && other <= EPHEMERAL_MAX);
  });

  it('reports an unusable annotation at its location and falls back to a derived port', () => {
    const cluster = build([frontend({ [PROXY_PORT_ANNOTATION]: 'ninety' })]);
    const p = program(cluster);
    assert.equal(p.findings.length, 1);
    assert.equal(p.findings[0].code, 'invalid-value');
    assert.equal(p.findings[0].range?.file, 'app.yaml');
    assert.ok(p.userspace[0].proxyPort >= EPHEMERAL_MIN);
    assert.deepEqual(program(cluster, 'node2').findings, [], 'reported once, by the first node');
  });

  it('never hands two Service ports the same derived port on a node', () => {
    const objects = Array.from({ length: 300 }, (_, i) => service('default', `s${i}`, {
      clusterIP: `20.1.${1 + Math.floor(i / 200)}.${(i % 200) + 1}`, ports: [{ name: 'p', port: 80 }],
    }));
    const ports = program(build(objects)).userspace.map((u) => u.proxyPort);
    assert.equal(new Set(ports).size, ports.length);
  });

  it('opens NodePorts: redirect for containers, DNAT for the node, ACCEPT of the proxy port in filter', () => {
    const p = program(build([service('default', 'frontend', {
      type: 'NodePort', clusterIP: '20.1.244.75', ports: [{ name: 'http', port: 80, nodePort: 30080 }], annotations: { [PROXY_PORT_ANNOTATION]: '33761' },
    }), backends]));
    assert.deepEqual(lines(p, 'nat', 'KUBE-NODEPORT-CONTAINER'), ['-A KUBE-NODEPORT-CONTAINER -m comment --comment default/frontend:http -p tcp -m tcp --dport 30080 -j REDIRECT --to-ports 33761']);
    assert.deepEqual(lines(p, 'nat', 'KUBE-NODEPORT-HOST'), ['-A KUBE-NODEPORT-HOST -m comment --comment default/frontend:http -p tcp -m tcp --dport 30080 -j DNAT --to-destination 192.168.1.10:33761']);
    assert.deepEqual(lines(p, 'filter', 'KUBE-NODEPORT-NON-LOCAL'), ['-A KUBE-NODEPORT-NON-LOCAL -m comment --comment default/frontend:http -p tcp -m tcp --dport 33761 -m state --state NEW -j ACCEPT']);
  });
});
