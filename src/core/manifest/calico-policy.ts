import { finding } from '../common/finding';
import { parseCidr } from '../common/ip';
import { FieldPath, SourceRange } from '../common/source';
import { parseCalicoSelector } from '../policy/calico-selector';
import { FieldReader, pathText } from './reader';
import { CalicoAction, CalicoEntityRule, CalicoPolicyManifest, CalicoPort, CalicoRule, CalicoSelectorText, CalicoTierManifest } from './types';

/**
 * Reads Calico's own policy objects (projectcalico.org/v3, also served as the
 * crd.projectcalico.org/v1 custom resources): NetworkPolicy, GlobalNetworkPolicy and Tier,
 * as the Calico resource reference documents them (docs.tigera.io, "NetworkPolicy",
 * "GlobalNetworkPolicy", "Tier"). What Calico's validator refuses (a bad selector, an unknown
 * action, ports without a protocol) is reported at its field and the object is marked
 * `invalid`: the API server would not store it, so the policy engine leaves it out.
 */

const RULE_FIELDS = ['action', 'protocol', 'notProtocol', 'ipVersion', 'icmp', 'notICMP', 'source', 'destination', 'http', 'metadata'];
const ENTITY_FIELDS = ['nets', 'notNets', 'selector', 'notSelector', 'namespaceSelector', 'ports', 'notPorts', 'serviceAccounts', 'services'];
const POLICY_FIELDS = ['tier', 'order', 'selector', 'types', 'ingress', 'egress', 'serviceAccountSelector', 'performanceHints'];
const GLOBAL_FIELDS = [...POLICY_FIELDS, 'namespaceSelector', 'doNotTrack', 'preDNAT', 'applyOnForward'];
const ACTIONS: readonly CalicoAction[] = ['Allow', 'Deny', 'Log', 'Pass'];
/** Protocols whose rules may name ports (the validator: "ports only valid with TCP, UDP, SCTP or UDPLite"). */
const PORT_PROTOCOLS = ['TCP', 'UDP', 'SCTP', 'UDPLite'];
/** IANA numbers Calico accepts for the named protocols. */
const PROTOCOL_NUMBERS: Record<number, string> = { 6: 'TCP', 17: 'UDP', 132: 'SCTP', 1: 'ICMP', 58: 'ICMPv6', 136: 'UDPLite' };


export function readCalicoPolicy(r: FieldReader, kind: 'NetworkPolicy' | 'GlobalNetworkPolicy', defaultNamespace: string): CalicoPolicyManifest | undefined {
  const mark = r.mark();
  const global = kind === 'GlobalNetworkPolicy';
  const meta = r.meta(defaultNamespace, { namespaced: !global, rule: 'subdomain' });
  if (!meta) return undefined;
  const spec = r.mapping(['spec']);
  if (!spec && r.has(['spec'])) return undefined;
  unknownFields(r, ['spec'], global ? GLOBAL_FIELDS : POLICY_FIELDS);
  const tier = r.str(['spec', 'tier']) ?? 'default';
  const order = number(r, ['spec', 'order']);
  const selector = readSelector(r, ['spec', 'selector']) ?? { text: 'all()', path: ['spec', 'selector'] };
  const namespaceSelector = global ? readSelector(r, ['spec', 'namespaceSelector']) : undefined;
  if (r.has(['spec', 'serviceAccountSelector'])) r.report('unsupported-field', 'serviceAccountSelector is not modelled: PodPath reads no ServiceAccounts, so this policy is treated as if it had none', ['spec', 'serviceAccountSelector'], 'warning');
  for (const f of ['doNotTrack', 'preDNAT', 'applyOnForward']) if (r.get(['spec', f]) === true) r.report('unsupported-field', `${f} applies to host endpoints, which PodPath does not model; this policy is treated as an ordinary one for pods`, ['spec', f], 'warning');
  const ingress = readRules(r, 'ingress');
  const egress = readRules(r, 'egress');
  // `types` defaulting (NetworkPolicy reference, "types"): Ingress unless only egress rules
  // exist; Egress when egress rules exist.
  let types: ('Ingress' | 'Egress')[];
  const rawTypes = r.list(['spec', 'types']);
  if (rawTypes && rawTypes.length) {
    types = [];
    rawTypes.forEach((t, i) => {
      if (t === 'Ingress' || t === 'Egress') types.push(t);
      else r.report('invalid-value', `types[${i}] is ${JSON.stringify(t)}; expected Ingress or Egress`, ['spec', 'types', i]);
    });
  } else {
    const hasEgress = (r.list(['spec', 'egress'])?.length ?? 0) > 0;
    const hasIngress = (r.list(['spec', 'ingress'])?.length ?? 0) > 0;
    types = hasEgress && !hasIngress ? ['Egress'] : hasEgress ? ['Ingress', 'Egress'] : ['Ingress'];
  }
  if (!types.includes('Ingress') && ingress.length) r.report('invalid-value', 'ingress rules are given but types does not list Ingress (Calico refuses this)', ['spec', 'ingress']);
  if (!types.includes('Egress') && egress.length) r.report('invalid-value', 'egress rules are given but types does not list Egress (Calico refuses this)', ['spec', 'egress']);
  const invalid = r.errorsSince(mark);
  return {
    kind: global ? 'GlobalNetworkPolicy' : 'CalicoNetworkPolicy',
    meta: global ? { ...meta, namespace: '' } : meta,
    tier,
    ...(order !== undefined ? { order } : {}),
    selector,
    ...(namespaceSelector ? { namespaceSelector } : {}),
    types,
    ingress,
    egress,
    ...(invalid ? { invalid: true } : {}),
    locator: r.locator,
  };
}

export function readCalicoTier(r: FieldReader): CalicoTierManifest | undefined {
  const meta = r.meta('', { namespaced: false, rule: 'subdomain' });
  if (!meta) return undefined;
  unknownFields(r, ['spec'], ['order', 'defaultAction']);
  const order = number(r, ['spec', 'order']);
  // Tier reference: defaultAction Deny (the default) or Pass.
  const defaultAction = r.oneOf(['spec', 'defaultAction'], ['Deny', 'Pass'] as const, 'Deny');
  return { kind: 'Tier', meta, ...(order !== undefined ? { order } : {}), defaultAction, locator: r.locator };
}

/** `order` is a float in Calico (float64 in the API). */
function number(r: FieldReader, path: FieldPath): number | undefined {
  const v = r.get(path);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    r.invalidType(path, 'a number');
    return undefined;
  }
  return v;
}

function unknownFields(r: FieldReader, path: FieldPath, known: readonly string[]): void {
  const m = r.mapping(path);
  if (!m) return;
  for (const k of Object.keys(m)) {
    if (known.includes(k)) continue;
    const hint = known.find((x) => x.toLowerCase() === k.toLowerCase());
    r.findings.push(finding('unknown-field', 'error', `${r.what}: ${pathText([...path, k])} is not a field of this Calico API (expected ${known.join(', ')})${hint ? `; did you mean ${hint}?` : ''}; calicoctl and kubectl refuse it`, r.locator.keyAt([...path, k])));
  }
}

/**
 * Where an offset inside a YAML string scalar lies: a plain or quoted one-line scalar maps
 * offset to column directly (skipping the opening quote); escapes or block scalars fall back
 * to the start of the value.
 */
export function columnInString(range: SourceRange, text: string, offset: number): SourceRange {
  if (range.start.line !== range.end.line) return range;
  const width = range.end.column - range.start.column;
  const shift = width === text.length ? 0 : width === text.length + 2 ? 1 : -1;
  if (shift < 0) return range;
  const column = range.start.column + shift + offset;
  return { file: range.file, start: { line: range.start.line, column }, end: { line: range.start.line, column: column + 1 } };
}

function readSelector(r: FieldReader, path: FieldPath): CalicoSelectorText | undefined {
  const text = r.str(path);
  if (text === undefined) return undefined;
  const parsed = parseCalicoSelector(text);
  if (!parsed.ok) {
    r.findings.push(finding('calico-selector-syntax', 'error', `${r.what}: ${pathText(path)} is not a valid Calico selector: ${parsed.error} (column ${parsed.offset + 1} of the selector); Calico refuses the policy`, columnInString(r.locator.at(path), text, parsed.offset)));
    return undefined;
  }
  return { text, path };
}

function readRules(r: FieldReader, direction: 'ingress' | 'egress'): CalicoRule[] {
  const list = r.list(['spec', direction]);
  if (!list) return [];
  return list.flatMap((_, i): CalicoRule[] => {
    const rp: FieldPath = ['spec', direction, i];
    if (!r.mapping(rp)) return [];
    unknownFields(r, rp, RULE_FIELDS);
    const actionText = r.str([...rp, 'action'], { required: true });
    const action = actionText !== undefined && (ACTIONS as readonly string[]).includes(actionText) ? (actionText as CalicoAction) : undefined;
    if (actionText !== undefined && !action) r.report('invalid-action', `action "${actionText}" is not one of ${ACTIONS.join(', ')}`, [...rp, 'action']);
    const protocol = readProtocol(r, [...rp, 'protocol']);
    const notProtocol = readProtocol(r, [...rp, 'notProtocol']);
    const ipVersion = r.int([...rp, 'ipVersion']);
    if (ipVersion !== undefined && ipVersion !== 4 && ipVersion !== 6) r.report('invalid-value', `ipVersion is ${ipVersion}; expected 4 or 6`, [...rp, 'ipVersion']);
    if (r.has([...rp, 'http'])) r.report('unsupported-field', 'http match criteria need the application layer (Istio/Envoy); PodPath ignores them', [...rp, 'http'], 'warning');
    const source = readEntity(r, [...rp, 'source']);
    const destination = readEntity(r, [...rp, 'destination']);
    for (const [e, side] of [[source, 'source'], [destination, 'destination']] as const) {
      if ((e.ports || e.notPorts) && (!protocol || !PORT_PROTOCOLS.includes(protocol))) {
        r.report('invalid-value', `${side}.ports needs protocol TCP, UDP, SCTP or UDPLite on the rule (Calico's validator refuses ports without one)`, [...rp, side]);
      }
    }
    if (source.ports || source.notPorts) r.report('unsupported-field', 'source ports are ephemeral and not modelled: PodPath evaluates this rule as if the source port matched', [...rp, 'source', source.ports ? 'ports' : 'notPorts'], 'warning');
    if (!action) return [];
    return [{ action, ...(protocol ? { protocol } : {}), ...(notProtocol ? { notProtocol } : {}), ...(ipVersion !== undefined ? { ipVersion } : {}), source, destination, path: rp }];
  });
}

function readProtocol(r: FieldReader, path: FieldPath): string | undefined {
  const v = r.get(path);
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 1 || v > 255) {
      r.report('invalid-value', `${pathText(path)} is ${v}; a protocol number is 1–255`, path);
      return undefined;
    }
    return PROTOCOL_NUMBERS[v] ?? String(v);
  }
  if (typeof v !== 'string') {
    r.invalidType(path, 'a protocol name or number');
    return undefined;
  }
  const known = ['TCP', 'UDP', 'ICMP', 'ICMPv6', 'SCTP', 'UDPLite'];
  const hit = known.find((k) => k.toLowerCase() === v.toLowerCase());
  if (!hit) {
    r.report('invalid-value', `${pathText(path)} is "${v}"; expected one of ${known.join(', ')} or a number 1–255`, path);
    return undefined;
  }
  return hit;
}

function readEntity(r: FieldReader, path: FieldPath): CalicoEntityRule {
  const out: CalicoEntityRule = { path };
  if (!r.mapping(path)) return out;
  unknownFields(r, path, ENTITY_FIELDS);
  const sel = readSelector(r, [...path, 'selector']);
  if (sel) out.selector = sel;
  const notSel = readSelector(r, [...path, 'notSelector']);
  if (notSel) out.notSelector = notSel;
  const nsSel = readSelector(r, [...path, 'namespaceSelector']);
  if (nsSel) out.namespaceSelector = nsSel;
  for (const f of ['nets', 'notNets'] as const) {
    const list = r.list([...path, f]);
    if (!list) continue;
    const nets: string[] = [];
    list.forEach((c, k) => {
      const parsed = parseCidr(c, { allowHostBits: true });
      if (parsed.ok) nets.push(parsed.value.text);
      else r.report('invalid-cidr', parsed.error, [...path, f, k]);
    });
    out[f] = nets;
  }
  for (const f of ['ports', 'notPorts'] as const) {
    const list = r.list([...path, f]);
    if (list) out[f] = list.flatMap((_, k) => readPort(r, [...path, f, k]));
  }
  if (r.has([...path, 'serviceAccounts'])) r.report('unsupported-field', 'serviceAccounts match is not modelled (PodPath reads no ServiceAccounts); this rule is treated as if it had none', [...path, 'serviceAccounts'], 'warning');
  if (r.has([...path, 'services'])) r.report('unsupported-field', 'services match is not modelled; this rule is treated as if it had none', [...path, 'services'], 'warning');
  return out;
}

/** A port: 80, "8080:8090" (an inclusive range), or a named port (Calico reference, "Ports"). */
function readPort(r: FieldReader, path: FieldPath): CalicoPort[] {
  const v = r.get(path);
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0 || v > 65535) {
      r.report('invalid-value', `${pathText(path)} is ${v}; a port is 0–65535`, path);
      return [];
    }
    return [{ port: Math.max(1, v) }];
  }
  if (typeof v === 'string') {
    const m = /^(\d+):(\d+)$/.exec(v);
    if (m) {
      const lo = Number(m[1]);
      const hi = Number(m[2]);
      if (lo > hi || hi > 65535) {
        r.report('invalid-value', `${pathText(path)} is the range "${v}"; it must run from low to high within 0–65535`, path);
        return [];
      }
      return [{ port: Math.max(1, lo), endPort: hi }];
    }
    if (/^\d+$/.test(v)) return [{ port: Number(v) }];
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/i.test(v)) {
      r.report('invalid-value', `${pathText(path)} "${v}" is neither a port, a range "lo:hi" nor a port name`, path);
      return [];
    }
    return [{ name: v }];
  }
  r.invalidType(path, 'a port number, a range "lo:hi" or a port name');
  return [];
}
