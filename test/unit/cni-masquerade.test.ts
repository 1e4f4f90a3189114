import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderIpsetSave, renderIptablesSave } from '../../src/core/dataplane/netfilter';
import { cniChainName, felixRuleHashes, sandboxId } from '../../src/core/dataplane/masquerade';
import { Trace } from '../../src/core/forward/trace';
import { analyzeExample, analyzeYaml, clusterDoc, podDoc, trace } from '../support/analyze';

// Pod → outside masquerade as each CNI component writes it: flanneld --ip-masq, Calico Felix
// natOutgoing, the bridge plugin's ipMasq. Rule text is compared line for line with what the
// components' own code writes (sources cited in src/core/dataplane/masquerade.ts).

function natLines(text: string, chain: RegExp): string[] {
  return text.split('\n').filter((l) => chain.test(l));
}

function lastHop(t: Trace) {
  return t.hops[t.hops.length - 1];
}

function masqueradeHop(t: Trace) {
  return t.hops.find((h) => h.action === 'masquerade');
}

function withCni(cni: string, plugin = 'flannel', backend = 'vxlan'): string {
  return clusterDoc({ plugin, backend }).replace(/cni: \{[^}]*\}/, `cni: {${cni}}`);
}

test('flannel --ip-masq: FLANNEL-POSTRTG in flanneld\'s order, after kube-proxy\'s KUBE-POSTROUTING', () => {
  const a = analyzeExample('flannel-vxlan');
  const dp = a.dataplane.node('node-1')!;
  const text = renderIptablesSave(dp.netfilter);
  assert.deepEqual(natLines(text, /^-A POSTROUTING /), [
    '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
    '-A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG',
  ]);
  const subnet = dp.node.podCIDR.text;
  assert.equal(subnet, '10.244.1.0/24');
  assert.deepEqual(natLines(text, /^-A FLANNEL-POSTRTG /), [
    '-A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 -m comment --comment "flanneld masq" -j RETURN',
    '-A FLANNEL-POSTRTG -s 10.244.1.0/24 -d 10.244.0.0/16 -m comment --comment "flanneld masq" -j RETURN',
    '-A FLANNEL-POSTRTG -s 10.244.0.0/16 -d 10.244.1.0/24 -m comment --comment "flanneld masq" -j RETURN',
    '-A FLANNEL-POSTRTG ! -s 10.244.0.0/16 -d 10.244.1.0/24 -m comment --comment "flanneld masq" -j RETURN',
    '-A FLANNEL-POSTRTG -s 10.244.0.0/16 ! -d 224.0.0.0/4 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully',
    '-A FLANNEL-POSTRTG ! -s 10.244.0.0/16 -d 10.244.0.0/16 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully',
  ]);
  assert.match(text, /^:FLANNEL-POSTRTG - \[0:0\]$/m);
  // Each node writes its own subnet; the shared kube-proxy rules are not touched by another node.
  const other = renderIptablesSave(a.dataplane.node('node-2')!.netfilter);
  assert.equal(natLines(other, /^-A POSTROUTING /).length, 2);
  assert.ok(natLines(other, /^-A FLANNEL-POSTRTG -s 10\.244\.2\.0\/24 -d 10\.244\.0\.0\/16 /).length === 1);
  assert.ok(!other.includes('10.244.1.0/24'));
});

test('flannel: trace to 8.8.8.8 leaves the node with the node address, decided by the MASQUERADE rule', () => {
  const a = analyzeExample('flannel-vxlan');
  const t = trace(a, { from: 'client', to: '8.8.8.8', port: 443 });
  assert.equal(t.verdict, 'exits-cluster');
  const client = a.cluster.podsByKey.get('default/client')!;
  const nodeIP = a.cluster.nodesByName.get(client.node)!.ip;
  const masq = masqueradeHop(t)!;
  assert.ok(masq, 'a masquerade hop');
  assert.equal(masq.node, client.node);
  assert.equal(masq.decidedBy?.text, '-A FLANNEL-POSTRTG -s 10.244.0.0/16 ! -d 224.0.0.0/4 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully');
  assert.equal(masq.packet.src, nodeIP);
  assert.equal(lastHop(t).packet.src, nodeIP);
  assert.match(t.reason, new RegExp(`source ${nodeIP.replace(/\./g, '\\.')}`));
});

test('flannel: pod → pod across nodes and pod → Service keep the pod address; pod → another node\'s address is masqueraded', () => {
  const a = analyzeYaml(clusterDoc({ plugin: 'flannel', backend: 'vxlan' }), podDoc('a', 'node-1'), podDoc('b', 'node-2'), podDoc('h', 'node-2', { hostNetwork: true, port: 9100 }));
  const ip = (k: string) => a.cluster.podsByKey.get(k)!.ip;
  const toB = trace(a, { from: 'pod:default/a', to: 'pod:default/b', port: 8080 });
  assert.equal(toB.verdict, 'delivered');
  assert.equal(lastHop(toB).packet.src, ip('default/a'));
  assert.equal(masqueradeHop(toB), undefined);
  const toHost = trace(a, { from: 'pod:default/a', to: 'pod:default/h', port: 9100 });
  assert.equal(toHost.verdict, 'delivered');
  assert.equal(lastHop(toHost).packet.src, '192.168.1.10', 'flanneld masquerades pod → anything outside the cluster network');
});

test('flannel: ipMasq false writes no FLANNEL-POSTRTG, and the pod address leaves the cluster', () => {
  const a = analyzeYaml(withCni('plugin: flannel, backend: vxlan, ipMasq: false'), podDoc('a', 'node-1'));
  assert.equal(a.cluster.config.masquerade, false);
  const text = renderIptablesSave(a.dataplane.node('node-1')!.netfilter);
  assert.ok(!text.includes('FLANNEL-POSTRTG'));
  const t = trace(a, { from: 'pod:default/a', to: '8.8.8.8', port: 443 });
  assert.equal(lastHop(t).packet.src, a.cluster.podsByKey.get('default/a')!.ip);
});

test('Calico natOutgoing (default true): cali-POSTROUTING first, cali-nat-outgoing with the pool ipsets, shown as ipset save', () => {
  const a = analyzeExample('calico-ipip');
  assert.equal(a.cluster.config.masquerade, true);
  const dp = a.dataplane.node('worker-a')!;
  const text = renderIptablesSave(dp.netfilter);
  assert.deepEqual(natLines(text, /^-A (POSTROUTING|cali-POSTROUTING|cali-nat-outgoing|cali-fip-snat) /), [
    '-A POSTROUTING -m comment --comment cali:O3lYWMrLQYEMJtB5 -j cali-POSTROUTING',
    '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
    '-A cali-POSTROUTING -m comment --comment cali:Z-c7XtVd2Bq7s_hA -j cali-fip-snat',
    '-A cali-POSTROUTING -m comment --comment cali:nYKhEzDlr11Jccal -j cali-nat-outgoing',
    '-A cali-nat-outgoing -m comment --comment cali:flqWnvo8yq4ULQLa -m set --match-set cali40masq-ipam-pools src -m set ! --match-set cali40all-ipam-pools dst -j MASQUERADE --random-fully',
  ]);
  assert.equal(renderIpsetSave(dp.netfilter), [
    'create cali40all-ipam-pools hash:net family inet hashsize 1024 maxelem 1048576',
    'add cali40all-ipam-pools 192.168.0.0/16',
    'create cali40masq-ipam-pools hash:net family inet hashsize 1024 maxelem 1048576',
    'add cali40masq-ipam-pools 192.168.0.0/16',
    '',
  ].join('\n'));
});

test('Calico: trace to 8.8.8.8 leaves with the node address; pod → pod keeps its address', () => {
  const a = analyzeExample('calico-ipip');
  const t = trace(a, { from: 'shop/debug', to: '8.8.8.8', port: 443 });
  assert.equal(t.verdict, 'exits-cluster');
  const masq = masqueradeHop(t)!;
  assert.equal(masq.decidedBy?.text, '-A cali-nat-outgoing -m comment --comment cali:flqWnvo8yq4ULQLa -m set --match-set cali40masq-ipam-pools src -m set ! --match-set cali40all-ipam-pools dst -j MASQUERADE --random-fully');
  assert.equal(lastHop(t).packet.src, '10.0.0.12');
  const api = a.cluster.pods.find((p) => p.labels.app === 'api' && p.node === 'worker-a')!;
  const frontend = a.cluster.pods.find((p) => p.labels.app === 'frontend')!;
  const toApi = trace(a, { from: `pod:${frontend.key}`, to: `pod:${api.key}`, port: 8080 });
  assert.equal(masqueradeHop(toApi), undefined);
});

test('Calico natOutgoing false: the chain is there but empty, the masquerade set empty, the pod address leaves', () => {
  const a = analyzeYaml(withCni('plugin: calico, backend: vxlan, natOutgoing: false', 'calico', 'vxlan').replace(/10\.244\.(\d)\.0\/24/g, '10.244.$1.0/26'), podDoc('a', 'node-1'));
  assert.equal(a.cluster.config.masquerade, false);
  const dp = a.dataplane.node('node-1')!;
  const text = renderIptablesSave(dp.netfilter);
  assert.match(text, /^:cali-nat-outgoing - \[0:0\]$/m);
  assert.deepEqual(natLines(text, /^-A cali-nat-outgoing /), []);
  assert.ok(!renderIpsetSave(dp.netfilter).includes('add cali40masq-ipam-pools'));
  const t = trace(a, { from: 'pod:default/a', to: '8.8.8.8', port: 443 });
  assert.equal(lastHop(t).packet.src, a.cluster.podsByKey.get('default/a')!.ip);
});

test('bridge plugin: no masquerade by default; ipMasq true writes a CNI-… chain per pod as the plugin names it', () => {
  const off = analyzeYaml(clusterDoc({ plugin: 'bridge' }), podDoc('a', 'node-1'));
  assert.equal(off.cluster.config.masquerade, false);
  assert.ok(!renderIptablesSave(off.dataplane.node('node-1')!.netfilter).includes('CNI-'));

  const a = analyzeYaml(withCni('plugin: bridge, bridge: cbr0, ipMasq: true'), podDoc('a', 'node-1'));
  const pod = a.cluster.podsByKey.get('default/a')!;
  const id = sandboxId(pod);
  assert.match(id, /^[0-9a-f]{64}$/);
  const chain = cniChainName('cbr0', id);
  assert.match(chain, /^CNI-[0-9a-f]{24}$/);
  const comment = `"name: \\"cbr0\\" id: \\"${id}\\""`;
  const text = renderIptablesSave(a.dataplane.node('node-1')!.netfilter);
  assert.deepEqual(natLines(text, new RegExp(`^-A (POSTROUTING|${chain}) `)), [
    '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
    `-A POSTROUTING -s ${pod.ip}/32 -m comment --comment ${comment} -j ${chain}`,
    `-A ${chain} -d 10.244.1.0/24 -m comment --comment ${comment} -j ACCEPT`,
    `-A ${chain} ! -d 224.0.0.0/4 -m comment --comment ${comment} -j MASQUERADE`,
  ]);
  const t = trace(a, { from: 'pod:default/a', to: '8.8.8.8', port: 443 });
  assert.equal(masqueradeHop(t)?.decidedBy?.text, `-A ${chain} ! -d 224.0.0.0/4 -m comment --comment ${comment} -j MASQUERADE`);
  assert.equal(lastHop(t).packet.src, '192.168.1.10');
});

test('Felix rule ids: chained SHA-224 over the chain name and each rule as Felix renders it', () => {
  // The id of Felix's POSTROUTING hook, the same on every Calico node (iptables-save of any).
  assert.deepEqual(felixRuleHashes('POSTROUTING', ['--jump cali-POSTROUTING']), ['O3lYWMrLQYEMJtB5']);
  // Position and the rules before matter: the same rule second in a chain gets another id.
  const [first, second] = felixRuleHashes('cali-POSTROUTING', ['--jump cali-nat-outgoing', '--jump cali-nat-outgoing']);
  assert.notEqual(first, second);
  assert.match(first, /^[A-Za-z0-9_-]{16}$/);
});

test('Cluster document: the switches are booleans, each read only for its own plugin', () => {
  const wrongType = analyzeYaml(withCni('plugin: flannel, backend: vxlan, ipMasq: "yes"'), podDoc('a', 'node-1'));
  const typeFinding = wrongType.findings.find((f) => f.code === 'invalid-type' && /ipMasq/.test(f.message));
  assert.ok(typeFinding, 'invalid-type for a string');
  assert.equal(typeFinding.range?.start.line, 7);
  assert.equal(wrongType.cluster.config.masquerade, true, 'an invalid switch keeps the default');

  const misplaced = analyzeYaml(withCni('plugin: flannel, backend: vxlan, natOutgoing: false'), podDoc('a', 'node-1'));
  const ignored = misplaced.findings.find((f) => f.code === 'ignored-field');
  assert.ok(ignored && /natOutgoing/.test(ignored.message));
  assert.equal(misplaced.cluster.config.masquerade, true);

  const calicoIpMasq = analyzeYaml(withCni('plugin: calico, backend: vxlan, ipMasq: false', 'calico', 'vxlan').replace(/10\.244\.(\d)\.0\/24/g, '10.244.$1.0/26'), podDoc('a', 'node-1'));
  assert.ok(calicoIpMasq.findings.some((f) => f.code === 'ignored-field' && /ipMasq/.test(f.message)));
  assert.equal(calicoIpMasq.cluster.config.masquerade, true);
});

test('deterministic: the same manifests give the same rules, byte for byte', () => {
  const text = () => analyzeExample('flannel-vxlan').dataplane.all().map((d) => renderIptablesSave(d.netfilter)).join('');
  assert.equal(text(), text());
});
