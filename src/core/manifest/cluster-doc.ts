import { IpFamily, cidrFamily, parseCidr, parseIP, parseIPv4 } from '../common/ip';
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
function cidrField(r: FieldReader, path: (string | number)[], family?: IpFamily): string | undefined {
  const text = r.str(path);
  if (text === undefined) return undefined;
  const c = parseCidr(text, family ? { family } : {});
  if (!c.ok) {
    r.report('invalid-cidr', c.error, path);
    return undefined;
  }
  return c.value.text;
}

/**
 * A range field of either family: one CIDR, a comma-separated pair as kube-controller-manager's
 * --cluster-cidr and kube-apiserver's --service-cluster-ip-range take it (`10.244.0.0/16,fd00:10:244::/56`),
 * or a list of one or two. Dual-stack means one range per family (both flags refuse two of a
 * family); the order is kept, as the first names the primary family.
 */
function dualCidrField(r: FieldReader, path: (string | number)[]): { byFamily: { 4?: string; 6?: string }; order: IpFamily[] } {
  const out: { byFamily: { 4?: string; 6?: string }; order: IpFamily[] } = { byFamily: {}, order: [] };
  const v = r.get(path);
  if (v === undefined || v === null) return out;
  const entries: { text: unknown; at: (string | number)[] }[] = [];
  if (Array.isArray(v)) v.forEach((t, i) => entries.push({ text: t, at: [...path, i] }));
  else if (typeof v === 'string') for (const t of v.split(',')) entries.push({ text: t.trim(), at: path });
  else return { byFamily: { 4: cidrField(r, path) }, order: [4] };
  if (entries.length > 2) {
    r.report('invalid-value', `${path[path.length - 1]} lists ${entries.length} ranges; a cluster has at most two, one per IP family`, path);
    return out;
  }
  for (const e of entries) {
    const c = parseCidr(e.text);
    if (!c.ok) {
      r.report('invalid-cidr', c.error, e.at);
      continue;
    }
    const f = cidrFamily(c.value);
    if (out.byFamily[f]) {
      r.report('invalid-value', `${path[path.length - 1]} has two IPv${f} ranges; dual-stack takes one range per family`, e.at);
      continue;
    }
    out.byFamily[f] = c.value.text;
    out.order.push(f);
  }
  return out;
}

/** Reads an address of one family, reporting anything else at the field. */
function ipOfFamily(r: FieldReader, path: (string | number)[], family: IpFamily): string | undefined {
  const v = r.get(path);
  if (v === undefined || v === null || v === '') return undefined;
  const ip = parseIP(v);
  if (!ip.ok || !ip.value.includes(':') !== (family === 4)) {
    r.report('invalid-ip', ip.ok ? `"${String(v)}" is not an IPv${family} address` : ip.error, path);
    return undefined;
  }
  return ip.value;
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
    // podCIDR takes one block per family, as Node spec.podCIDRs does.
    const podCIDRs = dualCidrField(r, [...p, 'podCIDR']).byFamily;
    const subnet = cidrField(r, [...p, 'subnet'], 4);
    const ip6 = ipOfFamily(r, [...p, 'ip6'], 6);
    const subnet6 = cidrField(r, [...p, 'subnet6'], 6);
    const taints = readTaints(r, [...p, 'taints']);
    nodes.push({
      name, ip, ...optional('podCIDR', podCIDRs[4]), ...optional('subnet', subnet),
      ...optional('ip6', ip6), ...optional('podCIDR6', podCIDRs[6]), ...optional('subnet6', subnet6),
      labels: r.labels([...p, 'labels']), ...(taints.length ? { taints } : {}), path: p,
    });
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
  const clusterCIDRs = dualCidrField(r, ['spec', 'clusterCIDR']);
  const serviceCIDRs = dualCidrField(r, ['spec', 'serviceCIDR']);
  // PodPath builds the IPv4 data path and adds IPv6 beside it; an IPv6-only cluster is not modelled.
  if (clusterCIDRs.byFamily[6] && !clusterCIDRs.byFamily[4]) r.report('unsupported', 'an IPv6-only clusterCIDR is not modelled (PodPath models IPv4 and dual-stack clusters); the default IPv4 range is added', ['spec', 'clusterCIDR'], 'warning');
  if (serviceCIDRs.byFamily[6] && !serviceCIDRs.byFamily[4]) r.report('unsupported', 'an IPv6-only serviceCIDR is not modelled (PodPath models IPv4 and dual-stack clusters); the default IPv4 range is added', ['spec', 'serviceCIDR'], 'warning');
  if (!!clusterCIDRs.byFamily[6] !== !!serviceCIDRs.byFamily[6] && (r.has(['spec', 'clusterCIDR']) || r.has(['spec', 'serviceCIDR']))) {
    r.report('invalid-value', 'dual-stack needs an IPv6 range in both clusterCIDR and serviceCIDR; IPv6 is left out', ['spec', clusterCIDRs.byFamily[6] ? 'serviceCIDR' : 'clusterCIDR']);
  }
  const dual = !!clusterCIDRs.byFamily[6] && !!serviceCIDRs.byFamily[6];
  return {
    kind: 'Cluster',
    name: name ?? 'cluster',
    ...optional('clusterCIDR', clusterCIDRs.byFamily[4]),
    ...optional('serviceCIDR', serviceCIDRs.byFamily[4]),
    ...(dual ? { clusterCIDR6: clusterCIDRs.byFamily[6], serviceCIDR6: serviceCIDRs.byFamily[6], ipFamilies: serviceCIDRs.order.length === 2 ? serviceCIDRs.order : [4, 6] as IpFamily[] } : {}),
    cni: {
      ...optional('plugin', plugin), ...optional('backend', backend), ...optional('bridge', bridge),
      ...optional('ipMasq', r.bool(['spec', 'cni', 'ipMasq'])), ...optional('natOutgoing', r.bool(['spec', 'cni', 'natOutgoing'])),
      ...optional('ip6Masq', r.bool(['spec', 'cni', 'ip6Masq'])), ...optional('natOutgoing6', r.bool(['spec', 'cni', 'natOutgoing6'])),
      ...optional('crossSubnet', r.bool(['spec', 'cni', 'crossSubnet'])),
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
  let internalIP6: string | undefined;
  (r.list(['status', 'addresses']) ?? []).forEach((_, i) => {
    if (r.get(['status', 'addresses', i, 'type']) !== 'InternalIP') return;
    // A dual-stack node lists one InternalIP per family.
    const text = r.get(['status', 'addresses', i, 'address']);
    if (typeof text === 'string' && text.includes(':')) internalIP6 ??= ipOfFamily(r, ['status', 'addresses', i, 'address'], 6);
    else if (!internalIP) internalIP = r.ipv4(['status', 'addresses', i, 'address']);
  });
  // spec.podCIDRs (dual-stack clusters) lists the IPv4 block first when there is one.
  let podCIDR = cidrField(r, ['spec', 'podCIDR']);
  if (!podCIDR && !r.has(['spec', 'podCIDR'])) {
    const list = r.list(['spec', 'podCIDRs']) ?? [];
    const v4 = list.findIndex((c) => typeof c === 'string' && !c.includes(':'));
    if (v4 >= 0) podCIDR = cidrField(r, ['spec', 'podCIDRs', v4]);
  }
  const list6 = r.list(['spec', 'podCIDRs']) ?? [];
  const v6 = list6.findIndex((c) => typeof c === 'string' && c.includes(':'));
  const podCIDR6 = v6 >= 0 ? cidrField(r, ['spec', 'podCIDRs', v6], 6) : undefined;
  const taints = readTaints(r, ['spec', 'taints']);
  const ipip = tunnelAnnotation(r, 'projectcalico.org/IPv4IPIPTunnelAddr');
  const vxlan = tunnelAnnotation(r, 'projectcalico.org/IPv4VXLANTunnelAddr');
  const vtepMac = flannelVtepMacAnnotation(r);
  return {
    kind: 'Node',
    meta,
    ...optional('flannelVtepMac', vtepMac),
    ...(ipip || vxlan ? { calicoTunnel: { ...optional('ipip', ipip), ...optional('vxlan', vxlan) } } : {}),
    ...optional('podCIDR', podCIDR),
    ...optional('internalIP', internalIP),
    ...optional('podCIDR6', podCIDR6),
    ...optional('internalIP6', internalIP6),
    unschedulable: r.bool(['spec', 'unschedulable']) ?? false,
    ...(taints.length ? { taints } : {}),
    locator: r.locator,
  };
}

/**
 * A tunnel address calico-node wrote on its Node. Annotations hold any text the API server
 * accepts, so anything but an IPv4 address is reported (a warning) and not used.
 */
function tunnelAnnotation(r: FieldReader, key: string): string | undefined {
  const v = r.get(['metadata', 'annotations', key]);
  if (v === undefined) return undefined;
  const ip = parseIPv4(v);
  if (ip.ok) return ip.value;
  r.report('invalid-value', `annotation ${key} is not an IPv4 address (${ip.error}); PodPath takes the node's tunnel address as the first of its pod block`, ['metadata', 'annotations', key], 'warning');
  return undefined;
}

/**
 * The VTEP MAC flanneld wrote on its Node (`flannel.alpha.coreos.com/backend-data`, JSON such as
 * {"VNI":1,"VtepMAC":"6e:c7:7a:19:fb:7f"}); anything but a MAC address is a warning and unused.
 */
function flannelVtepMacAnnotation(r: FieldReader): string | undefined {
  const key = 'flannel.alpha.coreos.com/backend-data';
  const v = r.get(['metadata', 'annotations', key]);
  if (typeof v !== 'string' || v.length > 4096) return undefined;
  let mac: unknown;
  try {
    mac = (JSON.parse(v) as Record<string, unknown> | null)?.VtepMAC;
  } catch {
    mac = undefined;
  }
  if (mac === undefined) return undefined;
  if (typeof mac === 'string' && /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(mac)) return mac.toLowerCase();
  r.report('invalid-value', `annotation ${key} holds a VtepMAC that is not a MAC address; PodPath derives the node's flannel.1 MAC`, ['metadata', 'annotations', key], 'warning');
  return undefined;
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
