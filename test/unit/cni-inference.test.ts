import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeYaml, trace } from '../support/analyze';
import { where } from '../support/manifests';
import { podBlocksOf } from '../../src/core/cluster/model';
import { formatDataplaneText } from '../../src/core/format/dataplane-text';

// A dump of a live cluster says which CNI it runs: Calico's IPPools, the annotations flanneld
// and calico-node write on Nodes, their DaemonSets' pods. Without a Cluster document PodPath
// reads them instead of assuming flannel.

const node = (name: string, ip: string, annotations: Record<string, string> = {}) =>
  `- apiVersion: v1\n  kind: Node\n  metadata:\n    name: ${name}\n    annotations: {${Object.entries(annotations).map(([k, v]) => `${k}: "${v}"`).join(', ')}}\n  status: {addresses: [{type: InternalIP, address: ${ip}}]}\n`;
const pod = (name: string, nodeName: string, hostIP: string, ip: string, labels = `app: ${name}`, ns = 'default') =>
  `- apiVersion: v1\n  kind: Pod\n  metadata: {name: ${name}, namespace: ${ns}, labels: {${labels}}}\n  spec: {nodeName: ${nodeName}, containers: [{name: c, image: x, ports: [{containerPort: 80}]}]}\n  status: {phase: Running, hostIP: ${hostIP}, podIP: ${ip}}\n`;
const list = (...items: string[]) => 'apiVersion: v1\nkind: List\nitems:\n' + items.join('');
/** The raw API's list of IPPools (the items carry no kind). */
const pools = (...specs: string[]) => 'apiVersion: crd.projectcalico.org/v1\nkind: IPPoolList\nitems:\n'
  + specs.map((spec, i) => `- metadata: {name: pool-${i}}\n  spec: ${spec}\n`).join('');

// Two nodes on one subnet, a third on another.
const nodes = [node('w1', '10.0.1.11'), node('w2', '10.0.1.12'), node('w3', '10.0.2.13')];
const podsOnThem = [pod('a', 'w1', '10.0.1.11', '192.168.10.5'), pod('b', 'w2', '10.0.1.12', '192.168.20.70'), pod('c', 'w3', '10.0.2.13', '192.168.30.140')];
const subnets = 'apiVersion: podpath.dev/v1alpha1\nkind: Cluster\nmetadata: {name: x}\n';

test('an IPPool with ipipMode CrossSubnet: Calico, its range, its natOutgoing; same-subnet nodes routed directly, the other over tunl0', () => {
  const a = analyzeYaml(list(...nodes, ...podsOnThem), pools('{cidr: 192.168.0.0/16, ipipMode: CrossSubnet, natOutgoing: true}'));
  const c = a.cluster;
  assert.deepEqual(where(c.findings), ['inferred-cni@test-1.yaml:4:3']);
  assert.match(c.findings[0].message, /the CNI is taken as Calico \(IP-in-IP, across subnets only\) from IPPool pool-0 \(192\.168\.0\.0\/16, ipipMode CrossSubnet\)/);
  assert.deepEqual([c.config.plugin, c.config.backend, c.config.crossSubnet, c.config.clusterCIDR.text, c.config.masquerade, c.config.policyEnforced], ['calico', 'ipip', true, '192.168.0.0/16', true, true]);
  // Node subnets are taken as /24s around the node addresses (no Cluster document says more).
  const routes = formatDataplaneText(a.dataplane.node('w1')!, { devices: false, routes: true, neighbors: false, iptables: false, ipvs: false });
  const b = podBlocksOf(c, c.nodesByName.get('w2')!).find((x) => x.text.startsWith('192.168.20.'))!;
  const far = podBlocksOf(c, c.nodesByName.get('w3')!).find((x) => x.text.startsWith('192.168.30.'))!;
  assert.match(routes, new RegExp(`^${b.text.replace(/\./g, '\\.')} via 10\\.0\\.1\\.12 dev eth0 proto bird$`, 'm'));
  assert.match(routes, new RegExp(`^${far.text.replace(/\./g, '\\.')} via 10\\.0\\.2\\.13 dev tunl0 proto bird onlink$`, 'm'));
  const near = trace(a, { from: 'default/a', to: 'default/b', port: 80 });
  assert.equal(near.verdict, 'delivered');
  assert.ok(!near.hops.some((h) => h.stage === 'encap'), 'same subnet: not encapsulated');
  const across = trace(a, { from: 'default/a', to: 'default/c', port: 80 });
  assert.equal(across.verdict, 'delivered');
  assert.equal(across.hops.find((h) => h.stage === 'encap')!.device, 'tunl0');
});

test('an IPPool\'s vxlanMode, no encapsulation, blockSize and a natOutgoing left out (false) are taken as written', () => {
  const vx = analyzeYaml(list(...nodes, ...podsOnThem), pools('{cidr: 192.168.0.0/16, vxlanMode: Always}'));
  assert.deepEqual([vx.cluster.config.backend, vx.cluster.config.crossSubnet, vx.cluster.config.masquerade], ['vxlan', undefined, false]);
  assert.equal(trace(vx, { from: 'default/a', to: 'default/c', port: 80 }).hops.find((h) => h.stage === 'encap')!.device, 'vxlan.calico');
  const bgp = analyzeYaml(list(...nodes, ...podsOnThem), pools('{cidr: 192.168.0.0/16, blockSize: 24, ipipMode: Never}'));
  assert.equal(bgp.cluster.config.backend, 'bgp');
  assert.equal(bgp.cluster.config.blockPrefix, 24);
  assert.deepEqual(bgp.cluster.nodes.map((n) => n.podCIDR.text), ['192.168.10.0/24', '192.168.20.0/24', '192.168.30.0/24']);
  assert.equal(trace(bgp, { from: 'default/a', to: 'default/b', port: 80 }).verdict, 'delivered');
});

test('disabled and IPv6 pools are passed over; among the others the first by name', () => {
  const a = analyzeYaml(list(...nodes, ...podsOnThem), pools('{cidr: 10.0.0.0/8, disabled: true, vxlanMode: Always}', '{cidr: "fd00:1::/48"}', '{cidr: 192.168.0.0/16, ipipMode: Always}'));
  assert.match(a.cluster.findings.find((f) => f.code === 'inferred-cni')!.message, /IPPool pool-2 /);
  assert.equal(a.cluster.config.backend, 'ipip');
});

test('flanneld\'s backend-type annotation on a Node: flannel with that backend; with calico-node pods beside it (Canal), policy is enforced', () => {
  const fl = [node('w1', '10.0.1.11', { 'flannel.alpha.coreos.com/backend-type': 'host-gw' }), node('w2', '10.0.1.12', { 'flannel.alpha.coreos.com/backend-type': 'host-gw' })];
  const pods = [pod('a', 'w1', '10.0.1.11', '10.244.0.5'), pod('b', 'w2', '10.0.1.12', '10.244.1.6')];
  const a = analyzeYaml(list(...fl, ...pods));
  assert.deepEqual([a.cluster.config.plugin, a.cluster.config.backend, a.cluster.config.policyEnforced], ['flannel', 'host-gw', false]);
  assert.equal(trace(a, { from: 'default/a', to: 'default/b', port: 80 }).hops.find((h) => h.node === 'w1' && h.stage === 'routing' && h.netns === 'root')!.decidedBy!.text, '10.244.1.0/24 via 10.0.1.12 dev eth0');
  const canal = analyzeYaml(list(...fl, ...pods, pod('calico-node-x1', 'w1', '10.0.1.11', '10.0.1.11', 'k8s-app: calico-node', 'kube-system')));
  assert.deepEqual([canal.cluster.config.plugin, canal.cluster.config.policyEnforced], ['flannel', true]);
  assert.match(canal.cluster.findings.find((f) => f.code === 'inferred-cni')!.message, /Canal/);
});

test('a Canal node list (flanneld\'s and calico-node\'s annotations on every Node, as kubectl prints it): flannel VXLAN with policy enforced', () => {
  // Re-expressed from a public `kubectl get nodes -o json` of a Canal cluster: both components annotate each Node.
  const both = (i: number) => node(`node-${i}`, `172.20.0.10${i}`, {
    'flannel.alpha.coreos.com/backend-type': 'vxlan', 'flannel.alpha.coreos.com/public-ip': `172.20.0.10${i}`,
    'projectcalico.org/IPv4Address': `172.20.0.10${i}/24`, 'projectcalico.org/IPv4IPIPTunnelAddr': `10.244.${i}.1`,
  });
  const a = analyzeYaml(list(both(0), both(1), both(2)));
  assert.deepEqual([a.cluster.config.plugin, a.cluster.config.backend, a.cluster.config.policyEnforced], ['flannel', 'vxlan', true]);
  assert.match(a.cluster.findings.find((f) => f.code === 'inferred-cni')!.message, /Canal: projectcalico\.org\/IPv4Address on Node node-0/);
});

test('calico-node\'s Node annotations: a VXLAN tunnel address means VXLAN, none means BGP', () => {
  const pods = [pod('a', 'w1', '10.0.1.11', '192.168.10.5'), pod('b', 'w2', '10.0.1.12', '192.168.20.70')];
  const vx = analyzeYaml(list(node('w1', '10.0.1.11', { 'projectcalico.org/IPv4Address': '10.0.1.11/24', 'projectcalico.org/IPv4VXLANTunnelAddr': '192.168.10.0' }), node('w2', '10.0.1.12'), ...pods));
  assert.deepEqual([vx.cluster.config.plugin, vx.cluster.config.backend], ['calico', 'vxlan']);
  const bgp = analyzeYaml(list(node('w1', '10.0.1.11', { 'projectcalico.org/IPv4Address': '10.0.1.11/24' }), node('w2', '10.0.1.12'), ...pods));
  assert.deepEqual([bgp.cluster.config.plugin, bgp.cluster.config.backend], ['calico', 'bgp']);
});

test('a Cluster document wins over what a dump suggests, and says nothing is inferred', () => {
  const doc = `${subnets}spec:\n  cni: {plugin: flannel}\n`;
  const a = analyzeYaml(doc, list(...nodes, ...podsOnThem), pools('{cidr: 192.168.0.0/16, ipipMode: Always}'));
  assert.equal(a.cluster.config.plugin, 'flannel');
  assert.ok(!a.cluster.findings.some((f) => f.code === 'inferred-cni'));
  // … though it says the manifests show another CNI, at the document's plugin.
  assert.deepEqual(where(a.cluster.findings.filter((f) => f.code === 'cni-mismatch')), ['cni-mismatch@test-0.yaml:5:17']);
  assert.match(a.cluster.findings.find((f) => f.code === 'cni-mismatch')!.message, /names flannel, but the manifests show Calico \(IP-in-IP\) \(IPPool pool-0/);
  const same = analyzeYaml(`${subnets}spec:\n  cni: {plugin: calico}\n`, pools('{cidr: 192.168.0.0/16, ipipMode: Always}'));
  assert.ok(!same.cluster.findings.some((f) => f.code === 'cni-mismatch'));
});

test('a Cluster document that names no CNI: the dump decides the plugin, the document keeps its ranges; policies without enforcement name the evidence', () => {
  const doc = `${subnets}spec:\n  clusterCIDR: 192.168.0.0/16\n  serviceCIDR: 10.96.0.0/12\n`;
  const a = analyzeYaml(doc, list(...nodes, ...podsOnThem), pools('{cidr: 192.168.0.0/17, ipipMode: Always}'));
  assert.deepEqual([a.cluster.config.plugin, a.cluster.config.clusterCIDR.text], ['calico', '192.168.0.0/16']);
  assert.match(a.cluster.findings.find((f) => f.code === 'inferred-cni')!.message, /^the Cluster document names no CNI: the CNI is taken as Calico \(IP-in-IP\)/);
  const fl = [node('w1', '10.0.1.11', { 'flannel.alpha.coreos.com/backend-type': 'vxlan' })];
  const policy = 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: default}\nspec: {podSelector: {}}\n';
  const f = analyzeYaml(list(...fl, pod('a', 'w1', '10.0.1.11', '10.244.0.5')), policy);
  assert.match(f.findings.find((x) => x.code === 'no-cluster-document')!.message, /the CNI the manifests show \(Node w1's flannel\.alpha\.coreos\.com\/backend-type: vxlan\), flannel, does not enforce NetworkPolicy/);
});

test('cni.crossSubnet in a Cluster document: Calico IP-in-IP routes same-subnet nodes directly; elsewhere it is reported and ignored', () => {
  const doc = (cni: string) => `${subnets}spec:\n  clusterCIDR: 192.168.0.0/16\n  cni: ${cni}\n`;
  const a = analyzeYaml(doc('{plugin: calico, backend: ipip, crossSubnet: true}'), list(...nodes, ...podsOnThem));
  assert.equal(a.cluster.config.crossSubnet, true);
  assert.ok(!trace(a, { from: 'default/a', to: 'default/b', port: 80 }).hops.some((h) => h.stage === 'encap'));
  assert.ok(trace(a, { from: 'default/a', to: 'default/c', port: 80 }).hops.some((h) => h.stage === 'encap'));
  const f = analyzeYaml(doc('{plugin: flannel, crossSubnet: true}'), list(...nodes));
  assert.deepEqual(where(f.cluster.findings.filter((x) => x.code === 'ignored-field')), ['ignored-field@test-0.yaml:6:39']);
  assert.equal(f.cluster.config.crossSubnet, undefined);
});

test('IPPool fields Calico refuses are findings at the field: a bad cidr, a blockSize out of range, IP-in-IP and VXLAN both set', () => {
  const a = analyzeYaml(pools('{cidr: 192.168.0.0/33}', '{cidr: 10.0.0.0/8, blockSize: 19}', '{cidr: 10.1.0.0/16, ipipMode: Always, vxlanMode: Always}'));
  assert.deepEqual(where(a.load.findings).filter((w) => !w.startsWith('inferred')), ['invalid-cidr@test-0.yaml:5:16', 'invalid-value@test-0.yaml:7:39', 'invalid-value@test-0.yaml:9:58']);
});

test('a raw GlobalNetworkPolicyList is read as Calico policies, not skipped as an unknown list', () => {
  const doc = `${subnets}spec:\n  cni: {plugin: calico}\n`;
  const gnps = 'apiVersion: crd.projectcalico.org/v1\nkind: GlobalNetworkPolicyList\nitems:\n- metadata: {name: deny-all}\n  spec: {selector: all(), types: [Ingress]}\n';
  const a = analyzeYaml(doc, gnps);
  assert.ok(!a.load.findings.some((f) => f.code === 'unknown-kind'), a.load.findings.map((f) => f.message).join('\n'));
  assert.deepEqual(a.cluster.calicoPolicies!.map((p) => p.meta.name), ['deny-all']);
});

// The Tigera operator's Installation, as an operator install's manifests hold it (the shape of
// Calico's own custom-resources.yaml), beside the APIServer object that says nothing of the data path.
const installation = (pools: string, extra = '') =>
  `apiVersion: operator.tigera.io/v1\nkind: Installation\nmetadata:\n  name: default\nspec:\n${extra}  calicoNetwork:\n${pools}---\napiVersion: operator.tigera.io/v1\nkind: APIServer\nmetadata:\n  name: default\nspec: {}\n`;
const app = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 4\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: c, ports: [{containerPort: 80}]}]}\n';

test('the operator\'s Installation: Calico with its pool\'s encapsulation, range and block size; the default nodes move out of the pool and take blocks in it', () => {
  const a = analyzeYaml(installation('    ipPools:\n    - name: default-ipv4-ippool\n      blockSize: 26\n      cidr: 192.168.0.0/16\n      encapsulation: VXLANCrossSubnet\n      natOutgoing: Enabled\n      nodeSelector: all()\n'), app);
  const c = a.cluster;
  assert.deepEqual(where(a.findings), ['inferred-cni@test-0.yaml:8:7'], a.findings.map((f) => f.message).join('\n'));
  assert.match(a.findings[0].message, /Calico \(VXLAN, across subnets only\) from the operator's Installation default \(pool default-ipv4-ippool: 192\.168\.0\.0\/16, encapsulation VXLANCrossSubnet\)/);
  assert.deepEqual([c.config.plugin, c.config.backend, c.config.crossSubnet, c.config.clusterCIDR.text, c.config.masquerade], ['calico', 'vxlan', true, '192.168.0.0/16', true]);
  assert.deepEqual(c.nodes.map((n) => [n.ip, n.podCIDR.text]), [['172.31.1.10', '192.168.0.0/26'], ['172.31.1.11', '192.168.0.64/26']]);
  assert.equal(c.pods.length, 4);
  const [p1, p2] = [c.pods.find((p) => p.node === 'node-1')!, c.pods.find((p) => p.node === 'node-2')!];
  assert.equal(trace(a, { from: p1.key, to: p2.key, port: 80 }).verdict, 'delivered');
});

test('an Installation without ipPools is the operator\'s default pool (192.168.0.0/16, IP-in-IP, natOutgoing); an eBPF dataplane is named; a live IPPool wins', () => {
  const bare = analyzeYaml(installation('    linuxDataplane: BPF\n'));
  assert.deepEqual([bare.cluster.config.backend, bare.cluster.config.crossSubnet, bare.cluster.config.clusterCIDR.text, bare.cluster.config.masquerade], ['ipip', undefined, '192.168.0.0/16', true]);
  assert.match(bare.cluster.findings.find((f) => f.code === 'inferred-cni')!.message, /its BPF dataplane is modelled as the iptables one/);
  const both = analyzeYaml(installation('    ipPools:\n    - cidr: 10.10.0.0/16\n      encapsulation: None\n'), pools('{cidr: 10.20.0.0/16, vxlanMode: Always}'));
  assert.deepEqual([both.cluster.config.backend, both.cluster.config.clusterCIDR.text], ['vxlan', '10.20.0.0/16']);
  // Another CNI routes the pods (Calico only enforces policy there): nothing is inferred from it.
  const eks = analyzeYaml(installation('    ipPools: []\n', '  cni: {type: AmazonVPC}\n'));
  assert.ok(!eks.cluster.findings.some((f) => f.code === 'inferred-cni'));
});

test('a dump of a cluster running a CNI PodPath does not model (Cilium) says so instead of passing for flannel', () => {
  // The agent runs on the host network, as Cilium's DaemonSet does.
  const agent = pod('cilium-x2k9v', 'w1', '10.0.1.11', '10.0.1.11', 'k8s-app: cilium', 'kube-system').replace('spec: {nodeName: w1,', 'spec: {nodeName: w1, hostNetwork: true,');
  const a = analyzeYaml(list(node('w1', '10.0.1.11'), agent, pod('a', 'w1', '10.0.1.11', '10.244.0.15')));
  assert.deepEqual(a.cluster.findings.map((f) => [f.code, f.severity]), [['unmodelled-cni', 'warning']]);
  assert.match(a.cluster.findings[0].message, /^the manifests show Cilium running \(pod kube-system\/cilium-x2k9v\), whose data path PodPath does not model: it assumes flannel \(VXLAN\)/);
  // A Cluster document naming the CNI is the user's answer: nothing more to say.
  const doc = `${subnets}spec:\n  cni: {plugin: calico}\n`;
  assert.ok(!analyzeYaml(doc, list(node('w1', '10.0.1.11'), agent)).cluster.findings.some((f) => f.code === 'unmodelled-cni'));
});

test('flanneld\'s VtepMAC annotation is flannel.1\'s MAC and what the other nodes\' ARP entries hold; one that is not a MAC is a warning and unused', () => {
  const fl = (name: string, ip: string, data: string) => node(name, ip, { 'flannel.alpha.coreos.com/backend-type': 'vxlan', 'flannel.alpha.coreos.com/backend-data': data });
  const withSpec = (n: string, cidr: string) => n.replace('  status:', `  spec: {podCIDR: ${cidr}}\n  status:`);
  const a = analyzeYaml(list(
    withSpec(fl('w1', '10.0.1.11', '{\\"VNI\\":1,\\"VtepMAC\\":\\"6E:C7:7A:19:FB:7F\\"}'), '10.244.0.0/24'),
    withSpec(fl('w2', '10.0.1.12', '{\\"VtepMAC\\":\\"ip link set x\\"}'), '10.244.1.0/24'),
    pod('a', 'w1', '10.0.1.11', '10.244.0.5'), pod('b', 'w2', '10.0.1.12', '10.244.1.6')));
  assert.deepEqual(a.findings.filter((f) => f.code === 'invalid-value').map((f) => f.message), ['Node w2: annotation flannel.alpha.coreos.com/backend-data holds a VtepMAC that is not a MAC address; PodPath derives the node\'s flannel.1 MAC']);
  assert.match(formatDataplaneText(a.dataplane.node('w1')!), /link\/ether 6e:c7:7a:19:fb:7f/);
  assert.match(formatDataplaneText(a.dataplane.node('w2')!), /^10\.244\.0\.0 dev flannel\.1 lladdr 6e:c7:7a:19:fb:7f PERMANENT$/m);
  assert.equal(trace(a, { from: 'default/b', to: 'default/a', port: 80 }).verdict, 'delivered');
});
