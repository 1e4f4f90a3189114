import { finding } from '../common/finding';
import { parseCidr } from '../common/ip';
import { FieldPath } from '../common/source';
import { FieldReader, pathText } from './reader';
import {
  AdminNetworkPolicyManifest, AdminPolicyAction, AdminPolicyPeer, AdminPolicyPort, AdminPolicyRule, AdminPolicySubject,
  LabelSelector, NamespacedPodSelector,
} from './types';

/**
 * Reads AdminNetworkPolicy and BaselineAdminNetworkPolicy (policy.networking.k8s.io/v1alpha1),
 * with the CRD's validation (kubernetes-sigs/network-policy-api apis/v1alpha1:
 * adminnetworkpolicy_types.go, baselineadminnetworkpolicy_types.go, shared_types.go). What the
 * API server would refuse is reported at its field; such an object is marked `invalid` and the
 * policy engine leaves it out, as it would never exist in the cluster.
 */

/** `+kubebuilder:validation:MaxItems=100` on spec.ingress and spec.egress. */
export const MAX_ADMIN_RULES = 100;
/** `+kubebuilder:validation:Minimum=0 / Maximum=1000` on AdminNetworkPolicySpec.Priority. */
export const MAX_ADMIN_PRIORITY = 1000;
/** `+kubebuilder:validation:MaxItems=25` on AdminNetworkPolicyEgressPeer.Networks. */
const MAX_NETWORKS = 25;

const SPEC_FIELDS = { AdminNetworkPolicy: ['priority', 'subject', 'ingress', 'egress'], BaselineAdminNetworkPolicy: ['subject', 'ingress', 'egress'] };
const SELECTOR_FIELDS = ['matchLabels', 'matchExpressions'];
const NAMESPACED_POD_FIELDS = ['namespaceSelector', 'podSelector'];

export function readAdminNetworkPolicy(r: FieldReader, kind: AdminNetworkPolicyManifest['kind']): AdminNetworkPolicyManifest | undefined {
  const mark = r.mark();
  const meta = r.meta('', { namespaced: false, rule: 'subdomain' });
  if (!meta) return undefined;
  const baseline = kind === 'BaselineAdminNetworkPolicy';
  if (baseline && meta.name !== 'default') {
    // XValidation on BaselineAdminNetworkPolicy: self.metadata.name == 'default'.
    r.report('banp-not-default', `a BaselineAdminNetworkPolicy must be named "default" (the API server accepts only that one object); "${meta.name}" is refused and left out`, ['metadata', 'name']);
    return undefined;
  }
  if (!r.mapping(['spec'])) {
    if (!r.has(['spec'])) r.report('missing-field', 'spec is required', []);
    return undefined;
  }
  unknownFields(r, ['spec'], SPEC_FIELDS[kind]);
  let priority: number | undefined;
  if (!baseline) priority = r.int(['spec', 'priority'], { min: 0, max: MAX_ADMIN_PRIORITY, required: true });
  const subject = readSubject(r, ['spec', 'subject']);
  const actions: readonly AdminPolicyAction[] = baseline ? ['Allow', 'Deny'] : ['Allow', 'Deny', 'Pass'];
  const ingress = readRules(r, 'ingress', actions);
  const egress = readRules(r, 'egress', actions);
  const invalid = r.errorsSince(mark) || !subject || (!baseline && priority === undefined);
  return {
    kind,
    meta,
    ...(priority !== undefined ? { priority } : {}),
    subject: subject ?? { path: ['spec', 'subject'] },
    ingress,
    egress,
    ...(invalid ? { invalid: true } : {}),
    locator: r.locator,
  };
}

/** Fields the schema does not know: kubectl's strict field validation refuses them, a lenient apply drops them. */
function unknownFields(r: FieldReader, path: FieldPath, known: readonly string[]): void {
  const m = r.mapping(path);
  if (!m) return;
  for (const k of Object.keys(m)) {
    if (known.includes(k)) continue;
    const hint = known.find((x) => x.toLowerCase() === k.toLowerCase());
    r.findings.push(finding('unknown-field', 'error', `${r.what}: ${pathText([...path, k])} is not a field of this API (expected ${known.join(', ')})${hint ? `; did you mean ${hint}?` : ''}; kubectl's strict field validation refuses it`, r.locator.keyAt([...path, k])));
  }
}

function readSelector(r: FieldReader, path: FieldPath): LabelSelector | undefined {
  unknownFields(r, path, SELECTOR_FIELDS);
  return r.selector(path);
}

function readNamespacedPod(r: FieldReader, path: FieldPath): NamespacedPodSelector | undefined {
  if (!r.mapping(path)) return undefined;
  unknownFields(r, path, NAMESPACED_POD_FIELDS);
  // Both selectors are required (NamespacedPod has no omitempty); `{}` selects everything.
  const namespaceSelector = r.has([...path, 'namespaceSelector']) ? readSelector(r, [...path, 'namespaceSelector']) : (r.report('missing-field', `${pathText(path)}.namespaceSelector is required (use {} for every namespace)`, path), undefined);
  const podSelector = r.has([...path, 'podSelector']) ? readSelector(r, [...path, 'podSelector']) : (r.report('missing-field', `${pathText(path)}.podSelector is required (use {} for every pod)`, path), undefined);
  if (!namespaceSelector || !podSelector) return undefined;
  return { namespaceSelector, podSelector };
}

/** Exactly one field set: the schema's MinProperties=1, MaxProperties=1. */
function exactlyOne(r: FieldReader, path: FieldPath, known: readonly string[], what: string): string | undefined {
  const m = r.mapping(path);
  if (!m) {
    if (!r.has(path)) r.report('missing-field', `${pathText(path)} is required`, path.slice(0, -1));
    return undefined;
  }
  unknownFields(r, path, known);
  const set = known.filter((k) => m[k] !== undefined && m[k] !== null);
  if (set.length !== 1) {
    r.report('invalid-value', `${pathText(path)} must set exactly one of ${known.join(', ')} (${what}); it sets ${set.length ? set.join(' and ') : 'none'}`, path);
    return undefined;
  }
  return set[0];
}

function readSubject(r: FieldReader, path: FieldPath): AdminPolicySubject | undefined {
  const field = exactlyOne(r, path, ['namespaces', 'pods'], 'the subject');
  if (field === 'namespaces') {
    const namespaces = readSelector(r, [...path, 'namespaces']);
    return namespaces ? { namespaces, path } : undefined;
  }
  if (field === 'pods') {
    const pods = readNamespacedPod(r, [...path, 'pods']);
    return pods ? { pods, path } : undefined;
  }
  return undefined;
}

function readRules(r: FieldReader, direction: 'ingress' | 'egress', actions: readonly AdminPolicyAction[]): AdminPolicyRule[] {
  const list = r.list(['spec', direction]);
  if (!list) return [];
  if (list.length > MAX_ADMIN_RULES) r.report('too-many-rules', `spec.${direction} has ${list.length} rules; the API allows at most ${MAX_ADMIN_RULES}`, ['spec', direction]);
  const peerField = direction === 'ingress' ? 'from' : 'to';
  const peerKinds = direction === 'ingress' ? ['namespaces', 'pods'] : ['namespaces', 'pods', 'nodes', 'networks', 'domainNames'];
  return list.flatMap((_, i) => {
    const rp = ['spec', direction, i];
    if (!r.mapping(rp)) return [];
    unknownFields(r, rp, ['name', 'action', peerField, 'ports']);
    const name = r.str([...rp, 'name']);
    if (name !== undefined && name.length > 100) r.report('invalid-value', `${pathText([...rp, 'name'])} is ${name.length} characters; at most 100`, [...rp, 'name']);
    const actionText = r.str([...rp, 'action'], { required: true });
    let action: AdminPolicyAction | undefined;
    if (actionText !== undefined) {
      if ((actions as readonly string[]).includes(actionText)) action = actionText as AdminPolicyAction;
      else r.report('invalid-action', `action "${actionText}" is not one of ${actions.join(', ')}`, [...rp, 'action']);
    }
    const rawPeers = r.list([...rp, peerField]);
    if (!rawPeers || rawPeers.length === 0) {
      // MinItems=1 on from/to: a rule must name its peers.
      r.report('missing-field', `${pathText([...rp, peerField])} needs at least one peer`, rawPeers ? [...rp, peerField] : rp);
    } else if (rawPeers.length > 100) {
      r.report('invalid-value', `${pathText([...rp, peerField])} has ${rawPeers.length} peers; at most 100`, [...rp, peerField]);
    }
    const peers = (rawPeers ?? []).flatMap((_, j) => readPeer(r, [...rp, peerField, j], peerKinds));
    const rawPorts = r.list([...rp, 'ports']);
    let ports: AdminPolicyPort[] | undefined;
    if (rawPorts) {
      if (rawPorts.length === 0) r.report('missing-field', `${pathText([...rp, 'ports'])} needs at least one port when present`, [...rp, 'ports']);
      ports = rawPorts.flatMap((_, j) => readPort(r, [...rp, 'ports', j]));
      if (direction === 'egress' && ports.some((p) => p.namedPort !== undefined) && peers.some((p) => p.nodes || p.networks)) {
        // XValidation on the egress rule: no namedPort with networks or nodes peers.
        r.report('invalid-value', 'networks and nodes peers cannot be combined with namedPort (they have no named ports)', [...rp, 'ports']);
      }
    }
    if (!action) return [];
    return [{ ...(name !== undefined ? { name } : {}), action, peers, ...(ports ? { ports } : {}), path: rp }];
  });
}

function readPeer(r: FieldReader, path: FieldPath, kinds: readonly string[]): AdminPolicyPeer[] {
  const field = exactlyOne(r, path, kinds, 'the peer');
  const fp = [...path, field ?? ''];
  switch (field) {
    case 'namespaces': { const s = readSelector(r, fp); return s ? [{ namespaces: s, path }] : []; }
    case 'pods': { const p = readNamespacedPod(r, fp); return p ? [{ pods: p, path }] : []; }
    case 'nodes': { const s = readSelector(r, fp); return s ? [{ nodes: s, path }] : []; }
    case 'networks': {
      const list = r.list(fp) ?? [];
      if (list.length === 0 || list.length > MAX_NETWORKS) r.report('invalid-value', `${pathText(fp)} needs 1 to ${MAX_NETWORKS} CIDRs`, fp);
      const networks: string[] = [];
      list.forEach((c, k) => {
        const parsed = parseCidr(c, { allowHostBits: true });
        // Networks of either family: an IPv6 one matches only IPv6 traffic of a dual-stack cluster.
        if (!parsed.ok) r.report('invalid-cidr', parsed.error, [...fp, k]);
        else networks.push(parsed.value.text);
      });
      return [{ networks, path }];
    }
    case 'domainNames':
      // The experimental domainNames peer resolves through DNS at run time: nothing PodPath can see.
      r.report('unsupported-field', 'domainNames peers (experimental) are resolved by DNS at run time; PodPath treats this peer as matching nothing', fp, 'warning');
      return [];
  }
  return [];
}

function readPort(r: FieldReader, path: FieldPath): AdminPolicyPort[] {
  const field = exactlyOne(r, path, ['portNumber', 'namedPort', 'portRange'], 'the port');
  const fp = [...path, field ?? ''];
  if (field === 'namedPort') {
    const name = r.str(fp);
    return name !== undefined ? [{ protocol: 'TCP', namedPort: name, path }] : [];
  }
  if (field === 'portNumber') {
    unknownFields(r, fp, ['protocol', 'port']);
    // Protocol defaults to TCP (+kubebuilder:default=TCP on Port.Protocol).
    const port = r.port([...fp, 'port'], { required: true });
    return port !== undefined ? [{ protocol: r.protocol([...fp, 'protocol']), port, path }] : [];
  }
  if (field === 'portRange') {
    unknownFields(r, fp, ['protocol', 'start', 'end']);
    const start = r.port([...fp, 'start'], { required: true });
    const end = r.port([...fp, 'end'], { required: true });
    if (start === undefined || end === undefined) return [];
    // XValidation on PortRange: self.start < self.end.
    if (start >= end) {
      r.report('invalid-value', `portRange start ${start} must be below end ${end}`, [...fp, 'end']);
      return [];
    }
    return [{ protocol: r.protocol([...fp, 'protocol']), port: start, endPort: end, path }];
  }
  return [];
}
