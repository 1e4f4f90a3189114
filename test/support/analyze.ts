import * as path from 'path';
import { analyzeSources, Analysis } from '../../src/core/analyze';
import { tracePacket, TraceRequest } from '../../src/core/forward/engine';
import { Hop, Trace } from '../../src/core/forward/trace';
import { readSources } from '../../src/cli/files';

/** The repository root, from out/test/support or test/support alike. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', __dirname.includes(`${path.sep}out${path.sep}`) ? '..' : '');

export function analyzeExample(name: string): Analysis {
  const { sources, errors } = readSources([path.join('examples', name)], REPO_ROOT);
  if (errors.length) throw new Error(errors.join('\n'));
  return analyzeSources(sources);
}

export function analyzeYaml(...texts: string[]): Analysis {
  return analyzeSources(texts.map((text, i) => ({ file: `test-${i}.yaml`, text })));
}

export function trace(a: Analysis, req: TraceRequest): Trace {
  const r = tracePacket(a.dataplane, req);
  if (!r.ok) throw new Error(r.error);
  return r.trace;
}

/** A hop reduced to where and what: `node stage/action device`. */
export function shape(h: Hop): string {
  return `${h.node} ${h.stage}/${h.action} ${h.device}`;
}

/** All hops of a trace without fan-out, or of one branch including the shared prefix. */
export function pathOf(t: Trace, branch?: number): Hop[] {
  return branch === undefined ? t.hops : [...t.hops, ...t.branches[branch].hops];
}

/** A two-node cluster document for the given CNI, nodes on one /24 unless told otherwise. */
export function clusterDoc(opts: { plugin: string; backend?: string; proxy?: string; policy?: string; nodes?: [string, string, string][]; clusterCIDR?: string }): string {
  const nodes = opts.nodes ?? [['node-1', '192.168.1.10', '10.244.1.0/24'], ['node-2', '192.168.1.11', '10.244.2.0/24']];
  return `apiVersion: podpath.dev/v1alpha1
kind: Cluster
metadata: {name: test}
spec:
  clusterCIDR: ${opts.clusterCIDR ?? '10.244.0.0/16'}
  serviceCIDR: 10.96.0.0/12
  cni: {plugin: ${opts.plugin}${opts.backend ? `, backend: ${opts.backend}` : ''}}
  kubeProxy: {mode: ${opts.proxy ?? 'iptables'}}
${opts.policy ? `  networkPolicy: ${opts.policy}\n` : ''}  nodes:
${nodes.map(([n, ip, cidr]) => `    - {name: ${n}, ip: ${ip}, podCIDR: ${cidr}}`).join('\n')}
`;
}

/** A pod pinned to a node with one port. */
export function podDoc(name: string, node: string, opts: { ns?: string; labels?: Record<string, string>; port?: number; ip?: string; hostNetwork?: boolean } = {}): string {
  const labels = opts.labels ?? { app: name };
  return `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  namespace: ${opts.ns ?? 'default'}
  labels: {${Object.entries(labels).map(([k, v]) => `${k}: ${v}`).join(', ')}}
spec:
  nodeName: ${node}
${opts.hostNetwork ? '  hostNetwork: true\n' : ''}  containers:
    - name: main
      image: example
      ports: [{name: http, containerPort: ${opts.port ?? 8080}}]
${opts.ip ? `status: {podIP: ${opts.ip}}\n` : ''}`;
}
