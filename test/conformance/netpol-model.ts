import { loadManifests } from '../../src/core/manifest/load';
import { buildCluster } from '../../src/core/cluster/build';
import { Cluster } from '../../src/core/cluster/model';
import { Finding } from '../../src/core/common/finding';
import { Protocol } from '../../src/core/manifest/types';

/**
 * The cluster every upstream NetworkPolicy e2e case runs against (kubernetes/kubernetes
 * test/e2e/network/netpol, model.go): three namespaces x, y, z, each with pods a, b, c.
 *
 * - Namespaces carry `ns: <name>`; PodPath adds `kubernetes.io/metadata.name` like the API
 *   server does. Upstream generates real names (netpol-1234-x …) and selects them with that
 *   label; here the names are simply x, y and z.
 * - Pods carry `pod: <name>` and one container per port and protocol, as upstream's agnhost
 *   servers do: container `cont-80-tcp` exposing port `serve-80-tcp` on 80/TCP, and so on for
 *   80/81 × TCP/UDP/SCTP. Named-port cases refer to these names.
 * - Names are quoted: YAML 1.1 (which kubectl's parser and PodPath's follow) reads a bare `y`
 *   as the boolean true, so `namespace: y` would not name namespace y.
 * - Pods are pinned to nodes and given explicit IPs (status.podIP) so ipBlock cases can name
 *   a pod's address, as upstream reads it from the running pod.
 */

export const NAMESPACES = ['x', 'y', 'z'] as const;
export const POD_NAMES = ['a', 'b', 'c'] as const;
export type Namespace = (typeof NAMESPACES)[number];
export type PodName = (typeof POD_NAMES)[number];

/** `x/a`, `x/b` … `z/c`: the rows and columns of every truth table, in this order. */
export const ALL_PODS: readonly string[] = NAMESPACES.flatMap((ns) => POD_NAMES.map((p) => `${ns}/${p}`));

export const MODEL_PORTS = [80, 81] as const;
export const MODEL_PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];

/** Node per pod name (a → node-1 …), so same-namespace traffic also crosses nodes. */
const NODES: Record<PodName, { name: string; ip: string; podCIDR: string; subnet: number }> = {
  a: { name: 'node-1', ip: '192.168.1.11', podCIDR: '10.244.1.0/24', subnet: 1 },
  b: { name: 'node-2', ip: '192.168.1.12', podCIDR: '10.244.2.0/24', subnet: 2 },
  c: { name: 'node-3', ip: '192.168.1.13', podCIDR: '10.244.3.0/24', subnet: 3 },
};

/** The fixed address of a model pod: 10.244.<node>.<11 for x, 12 for y, 13 for z>. */
export function podIP(pod: string): string {
  const [ns, name] = pod.split('/') as [Namespace, PodName];
  const nsIndex = NAMESPACES.indexOf(ns);
  if (nsIndex < 0 || !NODES[name]) throw new Error(`not a model pod: ${pod}`);
  return `10.244.${NODES[name].subnet}.${11 + nsIndex}`;
}

/** Label changes applied on top of the model's own labels (upstream adds labels mid-test). */
export interface LabelChanges {
  /** Extra labels per pod, e.g. `{'x/b': {pod2: 'updated'}}`. */
  podLabels?: Record<string, Record<string, string>>;
  /** Extra labels per namespace, e.g. `{y: {ns2: 'updated'}}`. */
  namespaceLabels?: Record<string, Record<string, string>>;
}

function flow(labels: Record<string, string>): string {
  return `{${Object.entries(labels).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(', ')}}`;
}

/** The model as multi-document YAML: a Cluster document, the namespaces and the nine pods. */
export function modelYaml(changes: LabelChanges = {}): string {
  const docs: string[] = [];
  docs.push(`apiVersion: podpath.dev/v1alpha1
kind: Cluster
metadata: {name: netpol-e2e}
spec:
  clusterCIDR: 10.244.0.0/16
  serviceCIDR: 10.96.0.0/12
  cni: {plugin: calico, backend: ipip}
  kubeProxy: {mode: iptables}
  networkPolicy: enforced
  nodes:
${POD_NAMES.map((p) => `    - {name: ${NODES[p].name}, ip: ${NODES[p].ip}, podCIDR: ${NODES[p].podCIDR}}`).join('\n')}
`);
  for (const ns of NAMESPACES) {
    docs.push(`apiVersion: v1
kind: Namespace
metadata:
  name: ${JSON.stringify(ns)}
  labels: ${flow({ ns, ...(changes.namespaceLabels?.[ns] ?? {}) })}
`);
  }
  for (const ns of NAMESPACES) {
    for (const name of POD_NAMES) {
      const key = `${ns}/${name}`;
      const containers = MODEL_PORTS.flatMap((port) =>
        MODEL_PROTOCOLS.map((protocol) => {
          const suffix = `${port}-${protocol.toLowerCase()}`;
          return `    - name: cont-${suffix}
      image: registry.k8s.io/e2e-test-images/agnhost:2.53
      ports: [{name: serve-${suffix}, containerPort: ${port}, protocol: ${protocol}}]`;
        }),
      );
      docs.push(`apiVersion: v1
kind: Pod
metadata:
  name: ${JSON.stringify(name)}
  namespace: ${JSON.stringify(ns)}
  labels: ${flow({ pod: name, ...(changes.podLabels?.[key] ?? {}) })}
spec:
  nodeName: ${NODES[name].name}
  containers:
${containers.join('\n')}
status:
  phase: Running
  podIP: ${podIP(key)}
  hostIP: ${NODES[name].ip}
`);
    }
  }
  return docs.join('---\n');
}

export interface ModelCluster {
  cluster: Cluster;
  /** Findings from loading and building; a case should have none. */
  findings: Finding[];
}

/** The model plus the given policy YAML (any number of documents), built into a Cluster. */
export function buildModelCluster(policiesYaml: string, changes: LabelChanges = {}): ModelCluster {
  const sources = [{ file: 'netpol-model.yaml', text: modelYaml(changes) }];
  if (policiesYaml.trim()) sources.push({ file: 'policies.yaml', text: policiesYaml });
  const loaded = loadManifests(sources);
  const cluster = buildCluster(loaded.manifests);
  return { cluster, findings: [...loaded.findings, ...cluster.findings] };
}
