import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildCluster } from '../../src/core/cluster/build';
import { Cluster, ServiceInfo } from '../../src/core/cluster/model';
import { loadManifests } from '../../src/core/manifest/load';
import { programKubeProxy } from '../../src/core/kubeproxy';
import { service, toYaml } from '../conformance/kubeproxy-fixtures';

function cluster(mode: string): Cluster {
  const doc = `apiVersion: podpath.dev/v1alpha1
kind: Cluster
metadata: {name: unit}
spec:
  kubeProxy: {mode: ${mode}}
  nodes: [{name: node-1, ip: 192.168.1.10}]
`;
  const app = toYaml(service('default', 'web', { clusterIP: '10.96.0.20', ports: [{ name: 'http', port: 80 }] }));
  return buildCluster(loadManifests([{ file: 'cluster.yaml', text: doc }, { file: 'app.yaml', text: app }]).manifests);
}

describe('programKubeProxy', () => {
  it('dispatches on the configured mode', () => {
    const iptables = cluster('iptables');
    const ipt = programKubeProxy(iptables, iptables.nodes[0]);
    assert.ok(ipt.netfilter.tables.get('nat')!.chains.has('KUBE-MARK-MASQ'));
    assert.equal(ipt.ipvs.length, 0);

    const ipvs = cluster('ipvs');
    const vs = programKubeProxy(ipvs, ipvs.nodes[0]);
    assert.equal(vs.ipvs.length, 1);
    assert.ok(vs.netfilter.ipsets.has('KUBE-CLUSTER-IP'));

    const userspace = cluster('userspace');
    const us = programKubeProxy(userspace, userspace.nodes[0]);
    assert.equal(us.userspace.length, 1);
    assert.ok(us.netfilter.tables.get('nat')!.chains.has('KUBE-PORTALS-CONTAINER'));
  });

  it('never throws: a broken model becomes an internal-error finding', () => {
    for (const mode of ['iptables', 'ipvs', 'userspace']) {
      const c = cluster(mode);
      const broken = { ...c, services: [{ ...c.services[0], ports: null } as unknown as ServiceInfo] };
      const p = programKubeProxy(broken, c.nodes[0]);
      assert.equal(p.findings.length, 1, mode);
      assert.equal(p.findings[0].code, 'internal-error');
      assert.equal(p.ipvs.length + p.userspace.length, 0);
    }
  });
});
