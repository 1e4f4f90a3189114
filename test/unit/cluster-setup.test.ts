import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeYaml } from '../support/analyze';
import { where } from '../support/manifests';

// The files that set a cluster up (kube-proxy's, kubeadm's, kind's configuration, or the
// kube-system ConfigMaps kubeadm keeps them in) say the ranges and kube-proxy's mode.

const kubeadm = 'apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\nnetworking:\n  podSubnet: 10.32.0.0/16\n  serviceSubnet: 10.112.0.0/12\n';
const kubeProxy = (mode: string) => `apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: ${mode}\n`;
const pod = 'apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c}]}\n';

test('kubeadm\'s ClusterConfiguration and a KubeProxyConfiguration: their ranges and mode, each an inferred finding at its field', () => {
  const a = analyzeYaml(kubeadm + '---\n' + kubeProxy('ipvs'), pod);
  const c = a.cluster.config;
  assert.deepEqual([c.clusterCIDR.text, c.serviceCIDR.text, c.kubeProxyMode], ['10.32.0.0/16', '10.112.0.0/12', 'ipvs']);
  assert.deepEqual(where(a.findings), ['inferred-cidr@test-0.yaml:4:14', 'inferred-cidr@test-0.yaml:5:18', 'inferred-proxy-mode@test-0.yaml:9:7']);
  assert.ok(a.cluster.pods.every((p) => p.ip.startsWith('10.32.')));
  // kube-proxy's "" is iptables on Linux.
  assert.equal(analyzeYaml(kubeProxy('""')).cluster.config.kubeProxyMode, 'iptables');
});

test('a kind cluster config: dual-stack ranges give the IPv4 one; a mode kube-proxy does not have is a warning and unused', () => {
  const kind = 'apiVersion: kind.x-k8s.io/v1alpha4\nkind: Cluster\nnetworking:\n  podSubnet: "10.250.0.0/16,fd00:10:250::/56"\n  serviceSubnet: 10.251.0.0/16\n  kubeProxyMode: nftables\n';
  const c = analyzeYaml(kind).cluster.config;
  assert.deepEqual([c.clusterCIDR.text, c.serviceCIDR.text, c.kubeProxyMode], ['10.250.0.0/16', '10.251.0.0/16', 'nftables']);
  const bad = analyzeYaml(kubeProxy('kernelspace'));
  assert.deepEqual(where(bad.findings), ['invalid-value@test-0.yaml:3:7']);
  assert.equal(bad.cluster.config.kubeProxyMode, 'iptables');
});

test('a dump\'s kube-system ConfigMaps (kube-proxy config.conf, kubeadm-config ClusterConfiguration) are read for the YAML they embed', () => {
  const cms = 'apiVersion: v1\nkind: List\nitems:\n'
    + '- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: kube-proxy, namespace: kube-system}\n  data:\n    config.conf: |-\n      apiVersion: kubeproxy.config.k8s.io/v1alpha1\n      kind: KubeProxyConfiguration\n      mode: "nftables"\n'
    + '- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: kubeadm-config, namespace: kube-system}\n  data:\n    ClusterConfiguration: |\n      networking:\n        podSubnet: 10.40.0.0/16\n        serviceSubnet: 10.140.0.0/16\n'
    + '- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: kube-proxy, namespace: default}\n  data:\n    config.conf: "mode: ipvs"\n';
  const a = analyzeYaml(cms);
  const c = a.cluster.config;
  assert.deepEqual([c.kubeProxyMode, c.clusterCIDR.text, c.serviceCIDR.text], ['nftables', '10.40.0.0/16', '10.140.0.0/16']);
  assert.match(a.findings.find((f) => f.code === 'inferred-proxy-mode')!.message, /from ConfigMap kube-system\/kube-proxy$/);
  // Embedded text that is not YAML is an info finding, not a crash; an anchor bomb is bounded.
  const broken = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: kube-proxy, namespace: kube-system}\ndata:\n  config.conf: "mode: [unclosed"\n';
  assert.deepEqual(where(analyzeYaml(broken).findings), ['invalid-value@test-0.yaml:5:16']);
  const bomb = 'a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\nmode: ipvs\n';
  const bombed = analyzeYaml(`apiVersion: v1\nkind: ConfigMap\nmetadata: {name: kube-proxy, namespace: kube-system}\ndata:\n  config.conf: ${JSON.stringify(bomb)}\n`);
  assert.equal(bombed.cluster.config.kubeProxyMode, 'iptables');
  assert.deepEqual(bombed.findings.map((f) => f.code), ['invalid-value']);
});

test('a Cluster document wins where it speaks; where it is silent the setup files fill in', () => {
  const doc = 'apiVersion: podpath.dev/v1alpha1\nkind: Cluster\nmetadata: {name: x}\nspec:\n  clusterCIDR: 10.244.0.0/16\n';
  const a = analyzeYaml(doc, kubeadm + '---\n' + kubeProxy('ipvs'));
  const c = a.cluster.config;
  assert.deepEqual([c.clusterCIDR.text, c.serviceCIDR.text, c.kubeProxyMode], ['10.244.0.0/16', '10.112.0.0/12', 'ipvs']);
  assert.match(a.findings.find((f) => f.code === 'inferred-proxy-mode')!.message, /^the Cluster document does not say: /);
});
