import { parseCidr } from '../common/ip';
import { interfaceNameProblem, isDns1123Subdomain, nameRuleFor } from './names';
import { FieldReader } from './reader';
import { FieldPath } from '../common/source';
import { ClusterManifest, ClusterNodeSpec, CniBackend, CniPlugin, KubeProxyMode, NamespaceManifest, NodeManifest, PolicyMode, TAINT_EFFECTS, TaintSpec, TolerationSpec } from './types';

const PLUGINS: readonly CniPlugin[] = ['bridge', 'flannel', 'calico'];
const BACKENDS: Record<CniPlugin, readonly CniBackend[]> = {
  bridge: ['none'],
  flannel: ['vxlan', 'host-gw', 'udp'],
  calico: ['ipip', 'vxlan', 'bgp'],
};
const PROXY_MODES: readonly KubeProxyMode[] = ['iptables', 'ipvs', 'nftables', 'userspace'];
const POLICY_MODES: readonly PolicyMode[] = ['auto', 'enforced', 'ignored'];

/** Reads a CIDR field, reporting syntax errors at the field. */
function cidrField(r: FieldReader, path: (string | number)[]): string | undefined {
  const text = r.str(path);
  if (text === undefined) return undefined;
  const c = parseCidr(text);
  if (!c.ok) {
    r.report('invalid-cidr', c.error, path);
    return undefined;
  }
  return c.value.text;
}

/** The PodPath `Cluster` document (apiVersion podpath.dev/v1alpha1). */
export function readClusterDocument(r: FieldReader): ClusterManifest {
  const plugin = r.has(['spec', 'cni', 'plugin']) ? r.oneOf(['spec', 'cni', 'plugin'], PLUGINS, 'flannel') : undefined;
  let backend: CniBackend | undefined;
  if (r.has(['spec', 'cni', 'backend'])) {
    const allowed = BACKENDS[plugin ?? 'flannel'];
    backend = r.oneOf(['spec', 'cni', 'backend'], allowed, allowed[0]);
  }
  const nodes: ClusterNodeSpec[] = [];
  const seen = new Set<string>();
  (r.list(['spec', 'nodes']) ?? []).forEach((_, i) => {
    const p = ['spec', 'nodes', i];
    if (!r.mapping(p)) return;
    const name = r.str([...p, 'name'], { required: true });
    const ip = r.ipv4([...p, 'ip']);
    if (!r.has([...p, 'ip'])) r.report('missing-field', `nodes[${i}].ip is required`, p);
    if (!name || !ip) return;
    // Node names are DNS subdomains (ValidateNodeName = NameIsDNSSubdomain).
    if (!isDns1123Subdomain(name)) {
      r.report('invalid-name', `node name ${JSON.stringify(name)} is not a valid node name (a DNS subdomain: lower-case letters, digits, '-' and '.', at most 253 characters); the node is left out`, [...p, 'name']);
      return;
    }
    if (seen.has(name)) {
      r.report('duplicate-node', `node "${name}" is listed twice`, [...p, 'name']);
      return;
    }
    seen.add(name);
    const podCIDR = cidrField(r, [...p, 'podCIDR']);
    const subnet = cidrField(r, [...p, 'subnet']);
    const taints = readTaints(r, [...p, 'taints']);
    nodes.push({ name, ip, ...(podCIDR ? { podCIDR } : {}), ...(subnet ? { subnet } : {}), labels: r.labels([...p, 'labels']), ...(taints.length ? { taints } : {}), path: p });
  });
  let bridge = r.str(['spec', 'cni', 'bridge']);
  const bridgeProblem = bridge === undefined ? undefined : interfaceNameProblem(bridge);
  if (bridgeProblem) {
    r.report('invalid-name', `cni.bridge ${JSON.stringify(bridge)} cannot be a Linux device name: ${bridgeProblem}; the plugin's default bridge is used`, ['spec', 'cni', 'bridge']);
    bridge = undefined;
  }
  let name = r.str(['metadata', 'name']);
  if (name !== undefined && !isDns1123Subdomain(name)) {
    r.report('invalid-name', `cluster name ${JSON.stringify(name)} is not a valid name (a DNS subdomain: lower-case letters, digits, '-' and '.', at most 253 characters); "cluster" is used`, ['metadata', 'name']);
    name = undefined;
  }
  return {
    kind: 'Cluster',
    name: name ?? 'cluster',
    ...optional('clusterCIDR', cidrField(r, ['spec', 'clusterCIDR'])),
    ...optional('serviceCIDR', cidrField(r, ['spec', 'serviceCIDR'])),
    cni: {
      ...optional('plugin', plugin), ...optional('backend', backend), ...optional('bridge', bridge),
      ...optional('ipMasq', r.bool(['spec', 'cni', 'ipMasq'])), ...optional('natOutgoing', r.bool(['spec', 'cni', 'natOutgoing'])),
    },
    kubeProxy: optional('mode', r.has(['spec', 'kubeProxy', 'mode']) ? r.oneOf(['spec', 'kubeProxy', 'mode'], PROXY_MODES, 'iptables') : undefined),
    ...optional('networkPolicy', r.has(['spec', 'networkPolicy']) ? r.oneOf(['spec', 'networkPolicy'], POLICY_MODES, 'auto') : undefined),
    ...optional('clusterDomain', clusterDomainField(r)),
    nodes,
    locator: r.locator,
  };
}

/** spec.clusterDomain: a DNS name (kubelet's --cluster-domain), written without the trailing dot. */
function clusterDomainField(r: FieldReader): string | undefined {
  const text = r.str(['spec', 'clusterDomain']);
  if (text === undefined) return undefined;
  const domain = text.toLowerCase().replace(/\.$/, '');
  // kubernetes apimachinery validation: IsDNS1123Subdomain.
  if (domain.length > 253 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(domain)) {
    r.report('invalid-value', `clusterDomain "${text}" is not a DNS name; cluster.local applies`, ['spec', 'clusterDomain']);
    return undefined;
  }
  return domain;
}

export function readNode(r: FieldReader): NodeManifest | undefined {
  const meta = r.meta('', { namespaced: false, rule: 'subdomain' });
  if (!meta) return undefined;
  let internalIP: string | undefined;
  (r.list(['status', 'addresses']) ?? []).forEach((_, i) => {
    if (r.get(['status', 'addresses', i, 'type']) === 'InternalIP' && !internalIP) internalIP = r.ipv4(['status', 'addresses', i, 'address']);
  });
  // spec.podCIDRs (dual-stack clusters) lists the IPv4 block first when there is one.
  let podCIDR = cidrField(r, ['spec', 'podCIDR']);
  if (!podCIDR && !r.has(['spec', 'podCIDR'])) {
    const list = r.list(['spec', 'podCIDRs']) ?? [];
    const v4 = list.findIndex((c) => typeof c === 'string' && !c.includes(':'));
    if (v4 >= 0) podCIDR = cidrField(r, ['spec', 'podCIDRs', v4]);
  }
  const taints = readTaints(r, ['spec', 'taints']);
  return {
    kind: 'Node',
    meta,
    ...optional('podCIDR', podCIDR),
    ...optional('internalIP', internalIP),
    unschedulable: r.bool(['spec', 'unschedulable']) ?? false,
    ...(taints.length ? { taints } : {}),
    locator: r.locator,
  };
}

export function readNamespace(r: FieldReader): NamespaceManifest | undefined {
  const meta = r.meta('', { namespaced: false, rule: nameRuleFor('Namespace') });
  if (!meta) return undefined;
  // The API server adds this label to every namespace; selectors in the wild rely on it.
  meta.labels['kubernetes.io/metadata.name'] = meta.name;
  return { kind: 'Namespace', meta, locator: r.locator };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/**
 * Node taints (core/v1 Taint): key required, effect one of NoSchedule, PreferNoSchedule,
 * NoExecute (the API server rejects anything else: kubernetes pkg/apis/core/validation
 * validateNodeTaints). A taint that is not valid is reported and left out.
 */
export function readTaints(r: FieldReader, path: FieldPath): TaintSpec[] {
  const out: TaintSpec[] = [];
  (r.list(path) ?? []).forEach((_, i) => {
    const p = [...path, i];
    if (!r.mapping(p)) return;
    const key = r.str([...p, 'key'], { required: true });
    const value = r.str([...p, 'value']);
    if (!r.has([...p, 'effect'])) r.report('missing-field', `${path.join('.')}[${i}].effect is required`, p);
    const effectText = r.str([...p, 'effect']);
    if (effectText !== undefined && !(TAINT_EFFECTS as readonly string[]).includes(effectText)) {
      r.report('invalid-value', `taint effect is "${effectText}"; expected one of ${TAINT_EFFECTS.join(', ')}`, [...p, 'effect']);
      return;
    }
    if (!key || effectText === undefined) return;
    out.push({ key, ...(value ? { value } : {}), effect: effectText as TaintSpec['effect'], path: p });
  });
  return out;
}

/**
 * Pod tolerations (core/v1 Toleration). operator defaults to Equal; with Exists the value
 * must be empty, and an empty key needs Exists (kubernetes pkg/apis/core/validation
 * ValidateTolerations). Invalid ones are reported and left out: the API server would refuse
 * the whole object, and PodPath keeps analysing the rest.
 */
export function readTolerations(r: FieldReader, path: FieldPath): TolerationSpec[] {
  const out: TolerationSpec[] = [];
  (r.list(path) ?? []).forEach((_, i) => {
    const p = [...path, i];
    if (!r.mapping(p)) return;
    const key = r.str([...p, 'key']) || undefined;
    const operator = r.oneOf([...p, 'operator'], ['Exists', 'Equal'] as const, 'Equal');
    const value = r.str([...p, 'value']) || undefined;
    const effect = r.has([...p, 'effect']) && r.get([...p, 'effect']) !== '' ? r.oneOf([...p, 'effect'], TAINT_EFFECTS, 'NoSchedule') : undefined;
    if (operator === 'Exists' && value !== undefined) {
      r.report('invalid-value', `toleration value must be empty when operator is Exists`, [...p, 'value']);
      return;
    }
    if (!key && operator !== 'Exists') {
      r.report('invalid-value', 'a toleration with an empty key must use operator Exists', [...p, 'operator']);
      return;
    }
    out.push({ ...(key ? { key } : {}), operator, ...(value ? { value } : {}), ...(effect ? { effect } : {}), path: p });
  });
  return out;
}
