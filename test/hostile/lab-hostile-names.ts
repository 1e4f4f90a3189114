import { Cluster } from '../../src/core/cluster/model';
import { clusterDoc, podDoc } from '../support/analyze';

/**
 * Hostile names for the kernel lab's tests: a seeded generator, two small clusters whose every
 * name is a placeholder, and a way to put any name into a built cluster (so the lab is tested
 * on its own, whatever the manifest reader lets through).
 */

// ---- a seeded generator (mulberry32) ----------------------------------------------------------

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Pieces of hostile names: control characters, shell syntax, here-document and ruleset lines. */
export const FRAGMENTS = [
  '\n', '\r', '\r\n', '\t', '\0', '\x1b[2J', '\x1b]0;x\x07', '\x7f', '\x85', '\u2028', '\u2029', '\u202e', '\ufeff', '\v', '\f',
  "'", '"', '`', '$(touch /tmp/podpath-pwned)', '`id`', '${IFS}', ';', '&&', '|', '>', '<', '\\', '#', ' ', '%d', '/', ':', '*',
  '\nEOF\n', '\nPODPATH_EOF\n', '\nPODPATH_EOF_2\n', 'EOF', '\nCOMMIT\n', '\n*filter\n', '\n-I PREROUTING 1 -j RETURN\n', '\n-A INPUT -j DROP\n',
  '\ntouch /tmp/podpath-pwned; exit 0\n#', '\r\ntouch /tmp/podpath-pwned\r', '" -j ACCEPT "', '\\"', '\\\n',
  'web', 'a', '0', '-', '.', 'é', '日本', '\u{1F600}',
];

export function hostileName(rand: () => number): string {
  const n = 1 + Math.floor(rand() * 6);
  let out = '';
  for (let i = 0; i < n; i++) out += FRAGMENTS[Math.floor(rand() * FRAGMENTS.length)];
  return out;
}

// ---- two base clusters, every name a distinct placeholder -------------------------------------

export const PLACEHOLDERS = ['qqclusterqq', 'qqnodeaqq', 'qqnodebqq', 'qqnsqq', 'qqwebqq', 'qqapiqq', 'qqsvcqq', 'qqnpqq', 'qqpolqq', 'qqmainqq'];

function serviceDoc(name: string, type: string, selector: string, nodePort?: number): string {
  return `apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: qqnsqq}
spec:
  type: ${type}
  selector: {app: ${selector}}
  ports: [{port: 80, targetPort: 8080${nodePort ? `, nodePort: ${nodePort}` : ''}}]
`;
}

export function baseYaml(plugin: 'calico' | 'flannel'): string[] {
  const cluster = clusterDoc({ plugin, backend: 'vxlan', nodes: [['qqnodeaqq', '192.168.1.10', plugin === 'calico' ? '10.244.1.0/26' : '10.244.1.0/24'], ['qqnodebqq', '192.168.1.11', plugin === 'calico' ? '10.244.2.0/26' : '10.244.2.0/24']] })
    .replace('metadata: {name: test}', 'metadata: {name: qqclusterqq}');
  const pod = (name: string, node: string) => podDoc(name, node, { ns: 'qqnsqq', labels: { app: name } }).replace('- name: main', '- name: qqmainqq');
  const policy = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: qqpolqq, namespace: qqnsqq}
spec:
  podSelector: {matchLabels: {app: qqapiqq}}
  policyTypes: [Ingress]
  ingress:
    - from: [{podSelector: {matchLabels: {app: qqwebqq}}}]
      ports: [{protocol: TCP, port: 8080}]
`;
  return [cluster, pod('qqwebqq', 'qqnodeaqq'), pod('qqapiqq', 'qqnodebqq'), serviceDoc('qqsvcqq', 'ClusterIP', 'qqapiqq'), serviceDoc('qqnpqq', 'NodePort', 'qqwebqq', 30080), policy];
}

/**
 * The same built cluster with every placeholder replaced inside every string (and Map key) of
 * it. Objects that are not plain data (source locators) are kept as they are.
 */
export function renamed(cluster: Cluster, names: Map<string, string>): Cluster {
  const memo = new Map<unknown, unknown>();
  const str = (s: string) => {
    let out = s;
    for (const [from, to] of names) out = out.split(from).join(to);
    return out;
  };
  const walk = (v: unknown, key?: string): unknown => {
    if (typeof v === 'string') return str(v);
    if (v === null || typeof v !== 'object' || key === 'locator') return v;
    if (memo.has(v)) return memo.get(v);
    if (v instanceof Map) {
      const m = new Map();
      memo.set(v, m);
      for (const [k, x] of v) m.set(walk(k), walk(x));
      return m;
    }
    if (v instanceof Set) {
      const s = new Set();
      memo.set(v, s);
      for (const x of v) s.add(walk(x));
      return s;
    }
    if (Array.isArray(v)) {
      const a: unknown[] = [];
      memo.set(v, a);
      for (const x of v) a.push(walk(x));
      return a;
    }
    if (Object.getPrototypeOf(v) !== Object.prototype) return v;
    const o: Record<string, unknown> = {};
    memo.set(v, o);
    for (const [k, x] of Object.entries(v)) o[k] = walk(x, k);
    return o;
  };
  return walk(cluster) as Cluster;
}

