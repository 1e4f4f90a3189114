import { parse as parseYaml } from 'yaml';
import { parseCidr } from '../common/ip';
import { FieldPath } from '../common/source';
import { FieldReader } from './reader';
import { ClusterSetupManifest, KubeProxyMode } from './types';

/**
 * The files that set a cluster up say its pod and service ranges and kube-proxy's mode, and a
 * repository or a dump often holds them beside the workloads:
 * - KubeProxyConfiguration (kubeproxy.config.k8s.io): `mode` ("" is iptables on Linux), `clusterCIDR`;
 * - kubeadm's ClusterConfiguration (kubeadm.k8s.io): `networking.podSubnet`, `networking.serviceSubnet`;
 * - a kind cluster config (kind.x-k8s.io Cluster): `networking.podSubnet`, `serviceSubnet`, `kubeProxyMode`;
 * - in a dump, the kube-system ConfigMaps kubeadm keeps them in: `kube-proxy` (data `config.conf`)
 *   and `kubeadm-config` (data `ClusterConfiguration`).
 * Each range must be a CIDR (a dual-stack "v4,v6" pair gives its IPv4 one); a mode kube-proxy does not
 * know is reported. The embedded YAML of a ConfigMap is read with a size bound.
 */
const MODES: Record<string, KubeProxyMode> = { '': 'iptables', iptables: 'iptables', ipvs: 'ipvs', nftables: 'nftables', userspace: 'userspace' };
/** Embedded configuration bigger than this is not read (kube-proxy's is a few KiB). */
const MAX_EMBEDDED = 256 * 1024;

export function readClusterSetup(r: FieldReader, kind: string, group: string): ClusterSetupManifest | undefined {
  if (group === 'kubeproxy.config.k8s.io' && kind === 'KubeProxyConfiguration') {
    return setup(r, 'KubeProxyConfiguration', { mode: ['mode'], pods: ['clusterCIDR'] });
  }
  if (group === 'kubeadm.k8s.io' && kind === 'ClusterConfiguration') {
    return setup(r, 'kubeadm ClusterConfiguration', { pods: ['networking', 'podSubnet'], services: ['networking', 'serviceSubnet'] });
  }
  if (group === 'kind.x-k8s.io' && kind === 'Cluster') {
    return setup(r, 'kind cluster config', { mode: ['networking', 'kubeProxyMode'], pods: ['networking', 'podSubnet'], services: ['networking', 'serviceSubnet'] });
  }
  return undefined;
}

/** A kube-system ConfigMap kubeadm writes, read for the configuration it embeds. */
export function readSetupConfigMap(r: FieldReader, namespace: string): ClusterSetupManifest | undefined {
  const name = r.get(['metadata', 'name']);
  if (namespace !== 'kube-system' || (name !== 'kube-proxy' && name !== 'kubeadm-config')) return undefined;
  const key = name === 'kube-proxy' ? 'config.conf' : 'ClusterConfiguration';
  const text = r.get(['data', key]);
  if (typeof text !== 'string' || text.length > MAX_EMBEDDED) return undefined;
  let data: unknown;
  try {
    data = parseYaml(text, { maxAliasCount: 10, prettyErrors: false });
  } catch {
    r.report('invalid-value', `data.${key} is not YAML PodPath can read; its settings are not used`, ['data', key], 'info');
    return undefined;
  }
  if (!data || typeof data !== 'object') return undefined;
  const inner = new FieldReader(data as Record<string, unknown>, r.locator, r.findings, `ConfigMap kube-system/${name}`);
  // Findings about the embedded text point at the data key (the text has no places of its own here).
  const at = (p: FieldPath): FieldPath => ['data', key, ...p];
  const source = `ConfigMap kube-system/${name}`;
  return name === 'kube-proxy'
    ? setup(inner, source, { mode: ['mode'], pods: ['clusterCIDR'] }, at)
    : setup(inner, source, { pods: ['networking', 'podSubnet'], services: ['networking', 'serviceSubnet'] }, at);
}

function setup(r: FieldReader, source: string, paths: { mode?: FieldPath; pods?: FieldPath; services?: FieldPath }, at: (p: FieldPath) => FieldPath = (p) => p): ClusterSetupManifest | undefined {
  const mode = paths.mode ? r.get(paths.mode) : undefined;
  let kubeProxyMode: KubeProxyMode | undefined;
  if (mode !== undefined && mode !== null && typeof mode !== 'string') r.report('invalid-type', `${source}: kube-proxy's mode must be a string; it is not used`, at(paths.mode!), 'warning');
  if (typeof mode === 'string') {
    kubeProxyMode = MODES[mode];
    if (!kubeProxyMode && mode !== 'none') r.report('invalid-value', `${source}: kube-proxy mode ${JSON.stringify(mode.slice(0, 40))} is not one PodPath models (iptables, ipvs, nftables); it is not used`, at(paths.mode!), 'warning');
  }
  const range = (p: FieldPath | undefined): string | undefined => {
    const v = p ? r.get(p) : undefined;
    if (typeof v !== 'string' || v === '') return undefined;
    // A dual-stack pair ("10.244.0.0/16,fd00:10::/56"): PodPath's primary range is the IPv4 one.
    const v4 = v.split(',').map((x) => x.trim()).find((x) => !x.includes(':'));
    const parsed = v4 ? parseCidr(v4, { allowHostBits: true }) : undefined;
    if (!parsed?.ok) {
      r.report('invalid-cidr', `${source}: ${parsed && !parsed.ok ? parsed.error : `"${v}" holds no IPv4 range`}; it is not used`, at(p!), 'warning');
      return undefined;
    }
    return parsed.value.text;
  };
  const podSubnet = range(paths.pods);
  const serviceSubnet = range(paths.services);
  if (!kubeProxyMode && !podSubnet && !serviceSubnet) return undefined;
  return {
    kind: 'ClusterSetup', source,
    ...(kubeProxyMode ? { kubeProxyMode } : {}), ...(podSubnet ? { podSubnet } : {}), ...(serviceSubnet ? { serviceSubnet } : {}),
    paths: { ...(kubeProxyMode ? { mode: at(paths.mode!) } : {}), ...(podSubnet ? { pods: at(paths.pods!) } : {}), ...(serviceSubnet ? { services: at(paths.services!) } : {}) },
    locator: r.locator,
  };
}
