import { Protocol } from '../../src/core/manifest/types';
import { rng } from './random';

/** Random clusters for property tests of the policy engine and the policy lint. */

export const LABEL_KEYS = ['app', 'tier', 'env'];
export const LABEL_VALUES = ['a', 'b', 'c'];
export const NAMESPACES = ['ns-x', 'ns-y', 'ns-z'];
export const PORTS = [80, 81, 443, 8080];
export const PROTOCOLS: Protocol[] = ['TCP', 'UDP', 'SCTP'];

/**
 * A random small cluster (3 to 7 pods on two Calico nodes, three namespaces) with random
 * NetworkPolicies, and with `admin` random AdminNetworkPolicies and maybe the baseline, with
 * `calico` random Calico tiers and policies. With `twins`, some pods get a twin (same
 * namespace, labels and ports, another address), so classes of two pods come up; without it
 * a seed gives the same cluster as it always did.
 */
export function randomCluster(seed: number, admin = false, calico = false, twins = false): string[] {
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
  // Twins are drawn from a stream of their own: the main one, and so every seed's cluster, stays as it was.
  const twin = rng(seed + 1_000_000);
  for (let i = 0; i < pods; i++) {
    const labels = LABEL_KEYS.filter(() => r() < 0.7).map((k) => `${k}: ${pick(LABEL_VALUES)}`).join(', ');
    const node = pick(['n1', 'n2']);
    const host = r() < 0.08;
    const namespace = pick(NAMESPACES);
    const ports = `[{name: web, containerPort: ${pick(PORTS)}, protocol: ${pick(PROTOCOLS)}}, {name: alt, containerPort: ${pick(PORTS)}}]`;
    const pod = (name: string, ip: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: ${namespace}, labels: {${labels}}}
spec:
  nodeName: ${node}
${host ? '  hostNetwork: true\n' : ''}  containers:
    - name: c
      image: x
      ports: ${ports}
status: {podIP: ${ip}}
`;
    const subnet = `10.244.${node === 'n1' ? 1 : 2}`;
    docs.push(pod(`p${i}`, `${subnet}.${10 + i}`));
    if (twins && !host && twin() < 0.5) docs.push(pod(`p${i}-twin`, `${subnet}.${40 + i}`));
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

