/**
 * The Cluster document "Create a Cluster document" writes: the CNI the user picked, the
 * defaults PodPath would otherwise assume, and a comment on every field saying what it changes.
 * Pure, so a unit test can check that PodPath reads it back without a finding.
 */

export type ClusterPlugin = 'flannel' | 'calico' | 'bridge';

export interface ClusterChoice {
  plugin: ClusterPlugin;
  /** What the picker shows. */
  label: string;
  description: string;
}

/** Offered in the picker, most common first. */
export const CLUSTER_CHOICES: readonly ClusterChoice[] = [
  { plugin: 'calico', label: 'Calico', description: 'enforces NetworkPolicy; IP-in-IP between nodes' },
  { plugin: 'flannel', label: 'flannel', description: 'VXLAN overlay; does not enforce NetworkPolicy' },
  { plugin: 'bridge', label: 'bridge plugin', description: 'one bridge per node, routes between nodes; does not enforce NetworkPolicy' },
];

/** The backend each plugin defaults to (flannel's and Calico's own defaults). */
const BACKEND: Record<ClusterPlugin, string | undefined> = { calico: 'ipip', flannel: 'vxlan', bridge: undefined };

export const CLUSTER_FILE_NAME = 'podpath-cluster.yaml';

export function clusterDocumentText(plugin: ClusterPlugin): string {
  const backend = BACKEND[plugin];
  const lines = [
    '# The cluster PodPath simulates for the manifests of this workspace.',
    '# Edit it to match your cluster; the README\'s "Cluster document" section lists every field.',
    'apiVersion: podpath.dev/v1alpha1',
    'kind: Cluster',
    'metadata:',
    '  name: my-cluster',
    'spec:',
    '  # Pod addresses (kubeadm --pod-network-cidr) and Service ClusterIPs (--service-cluster-ip-range).',
    '  clusterCIDR: 10.244.0.0/16',
    '  serviceCIDR: 10.96.0.0/12',
    '  cni:',
    `    plugin: ${plugin}`,
  ];
  if (backend) lines.push(`    backend: ${backend}${plugin === 'calico' ? '    # or vxlan, bgp' : '    # or udp, host-gw'}`);
  lines.push(
    '  kubeProxy:',
    '    mode: iptables    # or ipvs',
    '  # auto: as the CNI does (Calico enforces NetworkPolicy, flannel and the bridge plugin do not);',
    '  # enforced: a policy controller runs beside the CNI; ignored: never enforced.',
    '  networkPolicy: auto',
    '  # The nodes pods are scheduled on; give their real names and addresses.',
    '  nodes:',
    '    - name: node-1',
    '      ip: 192.168.1.10',
    '    - name: node-2',
    '      ip: 192.168.1.11',
  );
  return lines.join('\n') + '\n';
}
