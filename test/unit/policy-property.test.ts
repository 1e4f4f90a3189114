import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeReachability } from '../../src/core/policy/reachability';
import { evaluatePipeline } from '../../src/core/policy/pipeline';
import { peerFor } from '../../src/core/policy/evaluate';
import { Protocol } from '../../src/core/manifest/types';
import { analyzeYaml } from '../support/analyze';
import { naiveAllowed } from '../support/naive-policy';
import { rng } from '../support/random';

/**
 * Property test: thousands of random small clusters and policies; the class-based engine must
 * agree with the naive pair-by-pair reference on every pair and every probed port.
 */

const LABEL_KEYS = ['app', 'tier', 'env'];
const LABEL_VALUES = ['a', 'b', 'c'];
const NAMESPACES = ['ns-x', 'ns-y', 'ns-z'];
const PORTS = [80, 81, 443, 8080];
const PROTOCOLS: Protocol[] = ['TCP', 'UDP', 'SCTP'];

function randomCluster(seed: number, admin = false, calico = false): string[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
  const docs: string[] = [`apiVersion: podpath.dev/v1alpha1
kind: Cluster
spec:
  clusterCIDR: 10.244.0.0/16
  cni: {plugin: calico, backend: ipip}
  nodes: [{name: n1, ip: 192.168.1.10, podCIDR: 10.244.1.0/24${admin ? ', labels: {zone: a}' : ''}}, {name: n2, ip: 192.168.1.11, podCIDR: 10.244.2.0/24}]
`];
  for (const ns of NAMESPACES) docs.push(`apiVersion: v1\nkind: Namespace\nmetadata: {name: ${ns}, labels: {team: ${pick(LABEL_VALUES)}}}\n`);
  const pods = 3 + Math.floor(r() * 5);
  for (let i = 0; i < pods; i++) {
    const labels = LABEL_KEYS.filter(() => r() < 0.7).map((k) => `${k}: ${pick(LABEL_VALUES)}`).join(', ');
    const node = pick(['n1', 'n2']);
    const host = r() < 0.08;
    docs.push(`apiVersion: v1
kind: Pod
metadata: {name: p${i}, namespace: ${pick(NAMESPACES)}, labels: {${labels}}}
spec:
  nodeName: ${node}
${host ? '  hostNetwork: true\n' : ''}  containers:
    - name: c
      image: x
      ports: [{name: web, containerPort: ${pick(PORTS)}, protocol: ${pick(PROTOCOLS)}}, {name: alt, containerPort: ${pick(PORTS)}}]
status: {podIP: 10.244.${node === 'n1' ? 1 : 2}.${10 + i}}
`);
  }
  const selector = () => {
    const parts: string[] = [];
    if (r() < 0.6) parts.push(`matchLabels: {${pick(LABEL_KEYS)}: ${pick(LABEL_VALUES)}}`);
    if (r() < 0.3) {
      const op = pick(['In', 'NotIn', 'Exists', 'DoesNotExist']);
      const values = op === 'In' || op === 'NotIn' ? `, values: [${pick(LABEL_VALUES)}, ${pick(LABEL_VALUES)}]` : '';
      parts.push(`matchExpressions: [{key: ${pick(LABEL_KEYS)}, operator: ${op}${values}}]`);
    }
    return `{${parts.join(', ')}}`;
  };
  const peer = () => {
    const k = r();
    if (k < 0.35) return `{podSelector: ${selector()}}`;
    if (k < 0.55) return `{namespaceSelector: {matchLabels: {team: ${pick(LABEL_VALUES)}}}}`;
    if (k < 0.75) return `{namespaceSelector: ${r() < 0.5 ? '{}' : `{matchLabels: {team: ${pick(LABEL_VALUES)}}}`}, podSelector: ${selector()}}`;
    const last = 10 + Math.floor(r() * 8);
    return `{ipBlock: {cidr: 10.244.0.0/${pick([16, 23])}${r() < 0.5 ? `, except: [10.244.1.${last}/32]` : ''}}}`;
  };
  const port = () => {
    const k = r();
    if (k < 0.4) return `{protocol: ${pick(PROTOCOLS)}, port: ${pick(PORTS)}}`;
    if (k < 0.6) return `{port: ${pick(['web', 'alt'])}, protocol: ${pick(PROTOCOLS)}}`;
    if (k < 0.8) return `{protocol: TCP, port: 80, endPort: ${pick([81, 443, 8080])}}`;
    return `{protocol: ${pick(PROTOCOLS)}}`;
  };
  const rules = (field: 'from' | 'to') => {
    const n = Math.floor(r() * 3);
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      const parts: string[] = [];
      if (r() < 0.75) parts.push(`${field}: [${Array.from({ length: Math.floor(r() * 3) }, peer).join(', ')}]`);
      if (r() < 0.6) parts.push(`ports: [${Array.from({ length: 1 + Math.floor(r() * 2) }, port).join(', ')}]`);
      out.push(`{${parts.join(', ')}}`);
    }
    return `[${out.join(', ')}]`;
  };
  const policies = Math.floor(r() * 4);
  for (let i = 0; i < policies; i++) {
    const types = pick(['', '[Ingress]', '[Egress]', '[Ingress, Egress]']);
    docs.push(`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: np${i}, namespace: ${pick(NAMESPACES)}}
spec:
  podSelector: ${r() < 0.3 ? '{}' : selector()}
${types ? `  policyTypes: ${types}\n` : ''}${r() < 0.7 ? `  ingress: ${rules('from')}\n` : ''}${r() < 0.5 ? `  egress: ${rules('to')}\n` : ''}`);
  }
  if (admin) docs.push(...randomAdminPolicies(r, pick, selector));
  if (calico) docs.push(...randomCalicoPolicies(r, pick));
  return docs;
}

/** Calico Tiers, GlobalNetworkPolicies and namespaced Calico NetworkPolicies with random selectors, actions and ports. */
function randomCalicoPolicies(r: () => number, pick: <T>(xs: readonly T[]) => T): string[] {
  const term = (): string => {
    const k = pick(LABEL_KEYS);
    const x = r();
    if (x < 0.3) return `${k} == '${pick(LABEL_VALUES)}'`;
    if (x < 0.45) return `${k} != '${pick(LABEL_VALUES)}'`;
    if (x < 0.6) return `${k} in {'${pick(LABEL_VALUES)}', '${pick(LABEL_VALUES)}'}`;
    if (x < 0.7) return `${k} not in {'${pick(LABEL_VALUES)}'}`;
    if (x < 0.8) return `has(${k})`;
    if (x < 0.88) return `!has(${k})`;
    if (x < 0.94) return `${k} starts with '${pick(LABEL_VALUES)}'`;
    // A label Calico adds to every workload endpoint, not written on the pod.
    if (x < 0.97) return `projectcalico.org/namespace == '${pick(NAMESPACES)}'`;
    return 'all()';
  };
  const expr = (): string => {
    const x = r();
    if (x < 0.5) return term();
    if (x < 0.75) return `${term()} && ${term()}`;
    if (x < 0.9) return `(${term()} || ${term()})`;
    return `!(${term()})`;
  };
  const entity = (withPorts: boolean): string => {
    const parts: string[] = [];
    if (r() < 0.5) parts.push(`selector: "${expr()}"`);
    if (r() < 0.25) parts.push(`namespaceSelector: "team == '${pick(LABEL_VALUES)}'"`);
    if (r() < 0.15) parts.push(`notSelector: "${term()}"`);
    if (r() < 0.15) parts.push(`nets: [${pick(['10.244.1.0/24', '10.244.0.0/16', '0.0.0.0/0', '10.244.2.16/28'])}]`);
    if (r() < 0.1) parts.push(`notNets: [${pick(['10.244.1.0/24', '10.244.2.16/28'])}]`);
    if (withPorts && r() < 0.5) parts.push(`ports: [${pick(['80', '443', '"80:443"', 'web', 'alt', '8080'])}]`);
    if (withPorts && r() < 0.15) parts.push(`notPorts: [${pick(['81', '"80:81"', 'web'])}]`);
    return `{${parts.join(', ')}}`;
  };
  const rules = (): string => {
    const out: string[] = [];
    const n = Math.floor(r() * 4);
    for (let i = 0; i < n; i++) {
      const proto = r() < 0.6 ? pick(['TCP', 'UDP', 'SCTP']) : undefined;
      const notProto = !proto && r() < 0.15 ? pick(['TCP', 'UDP']) : undefined;
      out.push(`{action: ${pick(['Allow', 'Deny', 'Pass', 'Log', 'Allow', 'Deny'])}${proto ? `, protocol: ${proto}` : ''}${notProto ? `, notProtocol: ${notProto}` : ''}, source: ${entity(false)}, destination: ${entity(!!proto)}}`);
    }
    return `[${out.join(', ')}]`;
  };
  const docs: string[] = [];
  const tiers = ['default'];
  if (r() < 0.6) {
    docs.push(`apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: security}\nspec: {order: ${pick([100, 2000, 5000000])}${r() < 0.5 ? ', defaultAction: Pass' : ''}}\n`);
    tiers.push('security');
  }
  const count = Math.floor(r() * 4);
  for (let i = 0; i < count; i++) {
    const global = r() < 0.5;
    const types = pick(['[Ingress]', '[Egress]', '[Ingress, Egress]']);
    docs.push(`apiVersion: projectcalico.org/v3
kind: ${global ? 'GlobalNetworkPolicy' : 'NetworkPolicy'}
metadata: {name: cp${i}${global ? '' : `, namespace: ${pick(NAMESPACES)}`}}
spec:
  tier: ${pick(tiers)}
${r() < 0.8 ? `  order: ${pick([10, 500, 1000, 1500])}\n` : ''}  selector: "${expr()}"
  types: ${types}
${types.includes('Ingress') ? `  ingress: ${rules()}\n` : ''}${types.includes('Egress') ? `  egress: ${rules()}\n` : ''}`);
  }
  return docs;
}

/** AdminNetworkPolicies (priorities may tie) and maybe the BaselineAdminNetworkPolicy. */
function randomAdminPolicies(r: () => number, pick: <T>(xs: readonly T[]) => T, selector: () => string): string[] {
  const nsSel = () => (r() < 0.3 ? '{}' : `{matchLabels: {team: ${pick(LABEL_VALUES)}}}`);
  const subject = () => (r() < 0.4 ? `{namespaces: ${nsSel()}}` : `{pods: {namespaceSelector: ${nsSel()}, podSelector: ${selector()}}}`);
  const peer = (egress: boolean) => {
    const k = r();
    if (k < 0.3) return `{namespaces: ${nsSel()}}`;
    if (k < 0.65 || !egress) return `{pods: {namespaceSelector: ${nsSel()}, podSelector: ${selector()}}}`;
    if (k < 0.8) return `{networks: [${pick(['10.244.1.0/24', '10.244.0.0/16', '192.168.1.10/32', '0.0.0.0/0', '10.244.2.16/28'])}]}`;
    return `{nodes: ${pick(['{}', '{matchLabels: {zone: a}}'])}}`;
  };
  const port = (named: boolean) => {
    const k = r();
    if (k < 0.4 || !named && k < 0.6) return `{portNumber: {protocol: ${pick(PROTOCOLS)}, port: ${pick(PORTS)}}}`;
    if (k < 0.6) return `{namedPort: ${pick(['web', 'alt'])}}`;
    return `{portRange: {${r() < 0.5 ? `protocol: ${pick(PROTOCOLS)}, ` : ''}start: 80, end: ${pick([81, 443, 8080])}}}`;
  };
  const rules = (field: 'from' | 'to', actions: string[]) => {
    const out: string[] = [];
    const n = Math.floor(r() * 4);
    for (let i = 0; i < n; i++) {
      const peers = Array.from({ length: 1 + Math.floor(r() * 2) }, () => peer(field === 'to'));
      // The API refuses namedPort next to networks or nodes peers.
      const named = !peers.some((x) => x.startsWith('{networks') || x.startsWith('{nodes'));
      const ports = r() < 0.5 ? `, ports: [${Array.from({ length: 1 + Math.floor(r() * 2) }, () => port(named)).join(', ')}]` : '';
      out.push(`{name: r${i}, action: ${pick(actions)}, ${field}: [${peers.join(', ')}]${ports}}`);
    }
    return `[${out.join(', ')}]`;
  };
  const docs: string[] = [];
  const anps = Math.floor(r() * 4);
  for (let i = 0; i < anps; i++) {
    docs.push(`apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: anp${i}}
spec:
  priority: ${pick([1, 2, 3, 5])}
  subject: ${subject()}
${r() < 0.7 ? `  ingress: ${rules('from', ['Allow', 'Deny', 'Pass'])}\n` : ''}${r() < 0.7 ? `  egress: ${rules('to', ['Allow', 'Deny', 'Pass'])}\n` : ''}`);
  }
  if (r() < 0.5) {
    docs.push(`apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata: {name: default}
spec:
  subject: ${subject()}
${r() < 0.7 ? `  ingress: ${rules('from', ['Allow', 'Deny'])}\n` : ''}${r() < 0.7 ? `  egress: ${rules('to', ['Allow', 'Deny'])}\n` : ''}`);
  }
  return docs;
}

test('the class-based reachability engine agrees with the naive reference on 2,000 random clusters', () => {
  let pairs = 0;
  for (let seed = 1; seed <= 2000; seed++) {
    const a = analyzeYaml(...randomCluster(seed));
    const errors = a.findings.filter((f) => f.severity === 'error');
    assert.deepEqual(errors, [], `seed ${seed} produced invalid YAML`);
    const reach = computeReachability(a.cluster);
    for (const src of a.cluster.pods) {
      for (const dst of a.cluster.pods) {
        const conns = reach.allowed(src, dst);
        for (const protocol of PROTOCOLS) {
          for (const port of [...PORTS, 1, 65535]) {
            pairs++;
            const expected = naiveAllowed(a.cluster, src, dst, protocol, port);
            if (conns.has(protocol, port) !== expected) {
              assert.fail(`seed ${seed}: ${src.key} → ${dst.key} ${protocol} ${port}: engine says ${!expected}, naive says ${expected}\n${randomCluster(seed).join('---\n')}`);
            }
          }
        }
      }
    }
  }
  assert.ok(pairs > 100000, `enough probes (${pairs})`);
});

test('all-pairs counts (reached by / reaches) equal counting every pair of pods, on 500 random clusters', () => {
  for (let seed = 5001; seed <= 5500; seed++) {
    const a = analyzeYaml(...randomCluster(seed));
    const reach = computeReachability(a.cluster);
    const { reachedBy, reaches } = reach.counts();
    const pods = a.cluster.pods;
    for (const c of reach.classes) {
      const rep = c.representative;
      const expectedBy = pods.filter((s) => s.key !== rep.key && !reach.allowed(s, rep).isEmpty()).length;
      const expectedTo = pods.filter((d) => d.key !== rep.key && !reach.allowed(rep, d).isEmpty()).length;
      assert.equal(reachedBy[c.id], expectedBy, `seed ${seed}: reachedBy of ${rep.key}`);
      assert.equal(reaches[c.id], expectedTo, `seed ${seed}: reaches of ${rep.key}`);
    }
  }
});

/** Compares engine and reference on every pair and probed port of one cluster; returns the probes made. */
function compareAll(seed: number, docs: string[]): number {
  const a = analyzeYaml(...docs);
  const errors = a.findings.filter((f) => f.severity === 'error');
  assert.deepEqual(errors, [], `seed ${seed} produced invalid YAML`);
  const reach = computeReachability(a.cluster);
  let probes = 0;
  for (const src of a.cluster.pods) {
    for (const dst of a.cluster.pods) {
      const conns = reach.allowed(src, dst);
      for (const protocol of PROTOCOLS) {
        for (const port of [...PORTS, 1, 65535]) {
          probes++;
          const expected = naiveAllowed(a.cluster, src, dst, protocol, port);
          if (conns.has(protocol, port) !== expected) {
            assert.fail(`seed ${seed}: ${src.key} → ${dst.key} ${protocol} ${port}: engine says ${!expected}, naive says ${expected}\n${docs.join('---\n')}`);
          }
        }
      }
    }
  }
  return probes;
}

test('with AdminNetworkPolicies and the BaselineAdminNetworkPolicy, the engine agrees with the naive reference on 2,000 random clusters', () => {
  let probes = 0;
  let withAdmin = 0;
  for (let seed = 10001; seed <= 12000; seed++) {
    const docs = randomCluster(seed, true);
    if (docs.some((d) => d.includes('AdminNetworkPolicy'))) withAdmin++;
    probes += compareAll(seed, docs);
  }
  console.log(`# admin policy property: ${withAdmin} of 2000 clusters carry admin policies, ${probes} probes`);
  assert.ok(withAdmin > 1500, `most clusters carry admin policies (${withAdmin})`);
  assert.ok(probes > 100000, `enough probes (${probes})`);
});

test('with admin policies, all-pairs counts equal counting every pair of pods, on 500 random clusters', () => {
  for (let seed = 15001; seed <= 15500; seed++) {
    const a = analyzeYaml(...randomCluster(seed, true));
    const reach = computeReachability(a.cluster);
    const { reachedBy, reaches } = reach.counts();
    const pods = a.cluster.pods;
    for (const c of reach.classes) {
      const rep = c.representative;
      assert.equal(reachedBy[c.id], pods.filter((s) => s.key !== rep.key && !reach.allowed(s, rep).isEmpty()).length, `seed ${seed}: reachedBy of ${rep.key}`);
      assert.equal(reaches[c.id], pods.filter((d) => d.key !== rep.key && !reach.allowed(rep, d).isEmpty()).length, `seed ${seed}: reaches of ${rep.key}`);
    }
  }
});

test('with Calico tiers and policies beside admin policies and NetworkPolicy, the engine agrees with the naive reference on 800 random clusters', () => {
  let probes = 0;
  let withCalico = 0;
  for (let seed = 20001; seed <= 20800; seed++) {
    const docs = randomCluster(seed, seed % 2 === 0, true);
    if (docs.some((d) => d.includes('projectcalico.org'))) withCalico++;
    probes += compareAll(seed, docs);
  }
  console.log(`# Calico policy property: ${withCalico} of 800 clusters carry Calico objects, ${probes} probes`);
  assert.ok(withCalico > 600, `most clusters carry Calico objects (${withCalico})`);
  assert.ok(probes > 100000, `enough probes (${probes})`);
});

test('with Calico policies, all-pairs counts equal counting every pair of pods, on 400 random clusters', () => {
  for (let seed = 25001; seed <= 25400; seed++) {
    const a = analyzeYaml(...randomCluster(seed, seed % 2 === 0, true));
    const reach = computeReachability(a.cluster);
    const { reachedBy, reaches } = reach.counts();
    const pods = a.cluster.pods;
    for (const c of reach.classes) {
      const rep = c.representative;
      assert.equal(reachedBy[c.id], pods.filter((s) => s.key !== rep.key && !reach.allowed(s, rep).isEmpty()).length, `seed ${seed}: reachedBy of ${rep.key}`);
      assert.equal(reaches[c.id], pods.filter((d) => d.key !== rep.key && !reach.allowed(rep, d).isEmpty()).length, `seed ${seed}: reaches of ${rep.key}`);
    }
  }
});

test('with Calico policies, the single-flow pipeline (traces, explain) agrees with the naive reference on 300 random clusters', () => {
  let probes = 0;
  for (let seed = 30001; seed <= 30300; seed++) {
    const docs = randomCluster(seed, seed % 2 === 0, true);
    const a = analyzeYaml(...docs);
    for (const src of a.cluster.pods) {
      for (const dst of a.cluster.pods) {
        if (src.hostNetwork || dst.hostNetwork) continue;
        for (const protocol of PROTOCOLS) {
          for (const port of [80, 443, 8080]) {
            probes++;
            const egress = evaluatePipeline(a.cluster, 'egress', src, peerFor(a.cluster, dst.ip), protocol, port).allowed;
            const ingress = evaluatePipeline(a.cluster, 'ingress', dst, peerFor(a.cluster, src.ip), protocol, port).allowed;
            const expected = naiveAllowed(a.cluster, src, dst, protocol, port);
            if ((egress && ingress) !== expected) assert.fail(`seed ${seed}: ${src.key} → ${dst.key} ${protocol} ${port}: pipeline says ${egress && ingress}, naive says ${expected}\n${docs.join('---\n')}`);
          }
        }
      }
    }
  }
  assert.ok(probes > 20000, `enough probes (${probes})`);
});
