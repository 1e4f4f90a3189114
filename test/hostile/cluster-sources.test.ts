import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeSources } from '../../src/core/analyze';

/**
 * The objects PodPath reads the CNI, the ranges and kube-proxy's mode from (Calico IPPools, the
 * operator's Installation, setup files and kubeadm's ConfigMaps, Node annotations) with every
 * field of the wrong type or out of range: each is a finding or ignored, nothing throws, and what
 * they carry reaches no message unescaped.
 */
const HOSTILE = [
  'apiVersion: crd.projectcalico.org/v1\nkind: IPPool\nmetadata: {name: p}\nspec: "x"\n',
  'apiVersion: crd.projectcalico.org/v1\nkind: IPPool\nmetadata: {name: p}\nspec: {cidr: [1], blockSize: "26", ipipMode: 3, natOutgoing: "yes", disabled: 1}\n',
  'apiVersion: crd.projectcalico.org/v1\nkind: IPPool\nmetadata: {name: p}\nspec: {cidr: "fd00::/48", blockSize: 26}\n',
  // Blocks of one address: every claim hands out nothing, and claims stop at the per-node limit.
  'apiVersion: crd.projectcalico.org/v1\nkind: IPPool\nmetadata: {name: p}\nspec: {cidr: 172.20.0.0/16, blockSize: 32, ipipMode: Always}\n',
  'apiVersion: operator.tigera.io/v1\nkind: Installation\nmetadata: {name: default}\nspec: {calicoNetwork: []}\n',
  'apiVersion: operator.tigera.io/v1\nkind: Installation\nmetadata: {name: default}\nspec: {calicoNetwork: {ipPools: "x"}, cni: {type: 5}}\n',
  'apiVersion: operator.tigera.io/v1\nkind: Installation\nmetadata: {name: default}\nspec: {calicoNetwork: {ipPools: [1, null, {cidr: 300.1.1.1/8}, {encapsulation: Foo, natOutgoing: true}]}}\n',
  'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: kube-proxy, namespace: kube-system}\ndata: {config.conf: 5}\n',
  'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: kube-proxy, namespace: kube-system}\ndata: {config.conf: "[1,2]"}\n',
  'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: kubeadm-config, namespace: kube-system}\ndata: {ClusterConfiguration: "networking: 5"}\n',
  'apiVersion: kind.x-k8s.io/v1alpha4\nkind: Cluster\nnetworking: {podSubnet: 7, kubeProxyMode: [x], serviceSubnet: "fd00::/64"}\n',
  'apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: "ipvs\\u001b[31m"\nclusterCIDR: "10.0.0.0/33"\n',
  'apiVersion: v1\nkind: Node\nmetadata: {name: n1, annotations: [1, 2]}\nstatus: {addresses: [{type: InternalIP, address: 10.1.1.1}]}\n',
  'apiVersion: v1\nkind: Node\nmetadata: {name: n2, annotations: {projectcalico.org/IPv4IPIPTunnelAddr: "1.2.3.4; rm -rf /", flannel.alpha.coreos.com/backend-type: "vxlan\\u001b]8;;http://x\\u0007"}}\nstatus: {addresses: [{type: InternalIP, address: 10.1.1.2}]}\n',
  'apiVersion: v1\nkind: Pod\nmetadata: {name: x, labels: {k8s-app: cilium}}\nspec: {nodeName: n1, containers: [{name: c}]}\nstatus: {podIP: "10.9.9.9", hostIP: 10.1.1.1}\n',
];

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

test('hostile IPPools, Installations, setup files and Node annotations: findings, never a throw or an internal error, no control characters in messages', () => {
  for (const [i, text] of HOSTILE.entries()) {
    const a = analyzeSources([{ file: `h${i}.yaml`, text }]);
    assert.deepEqual(a.findings.filter((f) => f.code === 'internal-error').map((f) => f.message), [], `document ${i}`);
    for (const f of a.findings) assert.ok(!CONTROL.test(f.message), `document ${i}: ${JSON.stringify(f.message)}`);
  }
  const all = analyzeSources(HOSTILE.map((text, i) => ({ file: `h${i}.yaml`, text })));
  assert.deepEqual(all.findings.filter((f) => f.code === 'internal-error'), []);
  // The tunnel annotation with a shell line in it is reported and never becomes an address.
  const node = analyzeSources([{ file: 'n.yaml', text: HOSTILE[13] }]);
  assert.ok(node.findings.some((f) => f.code === 'invalid-value' && /IPv4IPIPTunnelAddr is not an IPv4 address/.test(f.message)));
  assert.equal(node.cluster.nodesByName.get('n2')!.calicoTunnelIP, undefined);
  // A pool of one-address blocks: the pods stay out with a finding, and the claims are bounded.
  const tiny = analyzeSources([{ file: 'p.yaml', text: HOSTILE[3] }, { file: 'd.yaml', text: 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: w}\nspec:\n  replicas: 5\n  selector: {matchLabels: {app: w}}\n  template:\n    metadata: {labels: {app: w}}\n    spec: {containers: [{name: c}]}\n' }]);
  assert.equal(tiny.cluster.pods.length, 0);
  assert.ok(tiny.findings.some((f) => f.code === 'pod-cidr-exhausted'));
  for (const blocks of tiny.cluster.extraPodBlocks?.values() ?? []) assert.ok(blocks.length < 20);
});
