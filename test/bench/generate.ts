import { intToIp, ipToInt } from '../../src/core/common/ip';

/**
 * Generated clusters for the benchmarks: namespaces of teams, Deployments of 10 replicas with
 * a Service each, labels drawn from a small realistic vocabulary (app, tier, team, version).
 * Deterministic: the same size gives the same text.
 */
export interface GeneratedCluster {
  pods: number;
  nodes: number;
  services: number;
  files: { file: string; text: string }[];
}

const TIERS = ['web', 'api', 'worker', 'db', 'cache'];
const VERSIONS = ['v1', 'v2', 'v3'];

export function generateCluster(podCount: number, opts: { replicas?: number; podsPerNode?: number; namespaces?: number; policies?: number; adminPolicies?: number; calicoPolicies?: number; plugin?: string; proxy?: 'iptables' | 'nftables'; dualStack?: boolean } = {}): GeneratedCluster {
  const replicas = opts.replicas ?? 10;
  const nodeCount = Math.max(2, Math.ceil(podCount / (opts.podsPerNode ?? 100)));
  const namespaces = opts.namespaces ?? Math.max(1, Math.min(50, Math.round(podCount / 2000)));
  const deployments = Math.ceil(podCount / replicas);
  // One /16 gives 256 node /24s; larger clusters get a /12 (4,096 nodes).
  const clusterCIDR = nodeCount > 250 ? '10.0.0.0/12' : '10.244.0.0/16';
  const lines: string[] = [
    'apiVersion: podpath.dev/v1alpha1',
    'kind: Cluster',
    'metadata: {name: bench}',
    'spec:',
    // Dual-stack: an IPv6 range beside each (a /48 holds 65,536 node /64s; a /108 as many Services as the /12).
    opts.dualStack ? `  clusterCIDR: [${clusterCIDR}, "fd00:10::/48"]` : `  clusterCIDR: ${clusterCIDR}`,
    opts.dualStack ? '  serviceCIDR: [172.16.0.0/12, "fd00:172:16::/108"]' : '  serviceCIDR: 172.16.0.0/12',
    `  cni: {plugin: ${opts.plugin ?? 'flannel'}, backend: ${opts.plugin === 'calico' ? 'ipip' : 'vxlan'}}`,
    `  kubeProxy: {mode: ${opts.proxy ?? 'iptables'}}`,
    '  nodes:',
  ];
  for (let i = 0; i < nodeCount; i++) {
    // All nodes on one L2 segment, 192.168.0.0/16, starting at .0.10.
    const ip = intToIp(ipToInt('192.168.0.10') + i);
    lines.push(opts.dualStack
      ? `    - {name: node-${i}, ip: ${ip}, subnet: 192.168.0.0/16, ip6: "fd00:192:168::${(i + 16).toString(16)}", subnet6: "fd00:192:168::/64"}`
      : `    - {name: node-${i}, ip: ${ip}, subnet: 192.168.0.0/16}`);
  }
  const files = [{ file: 'cluster.yaml', text: lines.join('\n') + '\n' }];
  const app: string[] = [];
  let remaining = podCount;
  for (let d = 0; d < deployments; d++) {
    const ns = `team-${d % namespaces}`;
    const tier = TIERS[d % TIERS.length];
    const n = Math.min(replicas, remaining);
    remaining -= n;
    app.push(
      '---', 'apiVersion: apps/v1', 'kind: Deployment', `metadata: {name: app-${d}, namespace: ${ns}}`, 'spec:', `  replicas: ${n}`,
      `  selector: {matchLabels: {app: app-${d}}}`, '  template:',
      `    metadata: {labels: {app: app-${d}, tier: ${tier}, team: team-${d % namespaces}, version: ${VERSIONS[d % VERSIONS.length]}}}`,
      '    spec:', `      containers: [{name: main, image: example/app, ports: [{name: http, containerPort: 8080}, {name: metrics, containerPort: 9090}]}]`,
      '---', 'apiVersion: v1', 'kind: Service', `metadata: {name: app-${d}, namespace: ${ns}}`, 'spec:',
      `  selector: {app: app-${d}}`, '  ports: [{name: http, port: 80, targetPort: http}]', ...(opts.dualStack ? ['  ipFamilyPolicy: PreferDualStack'] : []),
    );
  }
  files.push({ file: 'apps.yaml', text: app.join('\n') + '\n' });
  if (opts.policies) files.push({ file: 'policies.yaml', text: generatePolicies(opts.policies, deployments, namespaces) });
  if (opts.adminPolicies) files.push({ file: 'admin-policies.yaml', text: generateAdminPolicies(opts.adminPolicies, deployments, namespaces) });
  if (opts.calicoPolicies) files.push({ file: 'calico-policies.yaml', text: generateCalicoPolicies(opts.calicoPolicies, deployments, namespaces) });
  return { pods: podCount, nodes: nodeCount, services: deployments, files };
}

/**
 * NetworkPolicies in the shapes seen in real clusters: a default deny per namespace, then per
 * workload an allow-list of callers (by tier, by app in a neighbouring namespace) on its http
 * port; every fifth also restricts egress to DNS and its backend; every tenth admits an
 * external range with an except.
 */
export function generatePolicies(count: number, deployments: number, namespaces: number): string {
  const out: string[] = [];
  const np = (ns: string, name: string, body: string[]) => out.push('---', 'apiVersion: networking.k8s.io/v1', 'kind: NetworkPolicy', `metadata: {name: ${name}, namespace: ${ns}}`, 'spec:', ...body.map((l) => `  ${l}`));
  let made = 0;
  for (let n = 0; n < namespaces && made < count; n++, made++) np(`team-${n}`, 'default-deny', ['podSelector: {}', 'policyTypes: [Ingress]']);
  for (let d = 0; made < count; d = (d + 1) % deployments, made++) {
    const ns = `team-${d % namespaces}`;
    const body = [
      `podSelector: {matchLabels: {app: app-${d}}}`,
      'ingress:',
      `  - from: [{podSelector: {matchExpressions: [{key: tier, operator: In, values: [web, api]}]}}, {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: team-${(d + 1) % namespaces}}}, podSelector: {matchLabels: {app: app-${(d + deployments - 1) % deployments}}}}]`,
      '    ports: [{port: http}]',
    ];
    if (d % 10 === 0) body.push('  - from: [{ipBlock: {cidr: 203.0.113.0/24, except: [203.0.113.128/28]}}]', '    ports: [{protocol: TCP, port: 8080}]');
    if (d % 5 === 0) {
      body.unshift('policyTypes: [Ingress, Egress]');
      body.push('egress:', '  - ports: [{protocol: UDP, port: 53}, {protocol: TCP, port: 53}]', `  - to: [{podSelector: {matchLabels: {app: app-${(d + 1) % deployments}}}}]`, '    ports: [{port: 8080}]');
    }
    np(ns, `allow-app-${d}-${made}`, body);
  }
  return out.join('\n') + '\n';
}

/**
 * AdminNetworkPolicies as platform teams write them, one priority each: per namespace or
 * workload a Deny from a neighbouring namespace, a Pass for web-tier callers, an Allow for
 * monitoring-style callers by app, and egress guards on networks; plus the baseline `default`
 * denying one external range to everyone.
 */
export function generateAdminPolicies(count: number, deployments: number, namespaces: number): string {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const d = (i * 7) % deployments;
    const ns = `team-${i % namespaces}`;
    const subject = i % 2 === 0
      ? `{namespaces: {matchLabels: {kubernetes.io/metadata.name: ${ns}}}}`
      : `{pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: app-${d}}}}}`;
    out.push('---', 'apiVersion: policy.networking.k8s.io/v1alpha1', 'kind: AdminNetworkPolicy', `metadata: {name: admin-${i}}`, 'spec:', `  priority: ${i}`, `  subject: ${subject}`,
      '  ingress:',
      `    - {name: deny-neighbour, action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: team-${(i + 1) % namespaces}}}}], ports: [{portNumber: {protocol: TCP, port: 9090}}]}`,
      '    - {name: pass-web, action: Pass, from: [{pods: {namespaceSelector: {}, podSelector: {matchLabels: {tier: web}}}}]}',
      `    - {name: allow-app, action: Allow, from: [{pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: app-${(d + 3) % deployments}}}}}], ports: [{namedPort: http}]}`,
      '  egress:',
      '    - {name: allow-dns, action: Allow, to: [{networks: [10.96.0.0/12]}], ports: [{portNumber: {protocol: UDP, port: 53}}]}',
      `    - {name: deny-range, action: Deny, to: [{networks: [192.0.2.${(i % 16) * 16}/28]}]}`,
    );
  }
  out.push('---', 'apiVersion: policy.networking.k8s.io/v1alpha1', 'kind: BaselineAdminNetworkPolicy', 'metadata: {name: default}', 'spec:', '  subject: {namespaces: {}}',
    '  egress:', '    - {name: deny-doc-range, action: Deny, to: [{networks: [198.51.100.0/24]}]}');
  return out.join('\n') + '\n';
}

/**
 * Calico GlobalNetworkPolicies as a platform team writes them, in a `platform` tier between
 * the admin tier and the default one: per team a guard on its data tiers (Deny web callers on
 * the database ports, Allow one app on its named http port), egress Deny to a documentation
 * range; every other policy ends with a Pass, the rest leave unmatched flows to the tier's
 * default Deny. Selectors use the expression language (==, in, has, &&, ||, !).
 */
export function generateCalicoPolicies(count: number, deployments: number, namespaces: number): string {
  const out: string[] = ['---', 'apiVersion: projectcalico.org/v3', 'kind: Tier', 'metadata: {name: platform}', 'spec: {order: 2000}'];
  for (let i = 0; i < count; i++) {
    const team = `team-${i % namespaces}`;
    const d = (i * 11) % deployments;
    const selector = i % 3 === 0 ? `team == '${team}' && tier in {'db', 'cache'}` : i % 3 === 1 ? `app == 'app-${d}'` : `team == '${team}' && has(version) && !(tier == 'web' || tier == 'api')`;
    out.push('---', 'apiVersion: projectcalico.org/v3', 'kind: GlobalNetworkPolicy', `metadata: {name: platform.guard-${i}}`, 'spec:', '  tier: platform', `  order: ${i * 10}`,
      `  selector: "${selector}"`, '  types: [Ingress, Egress]',
      '  ingress:',
      `    - {action: Deny, protocol: TCP, source: {selector: "tier == 'web'"}, destination: {ports: [5432, 6379, "9000:9100"]}}`,
      `    - {action: Allow, protocol: TCP, source: {selector: "app == 'app-${(d + 5) % deployments}'"}, destination: {ports: [http]}}`,
      ...(i % 2 === 0 ? ['    - {action: Pass}'] : [`    - {action: Allow, source: {namespaceSelector: "kubernetes.io/metadata.name == '${team}'"}}`]),
      '  egress:',
      `    - {action: Deny, destination: {nets: [192.0.2.${(i % 16) * 16}/28]}}`,
      '    - {action: Pass}',
    );
  }
  return out.join('\n') + '\n';
}
