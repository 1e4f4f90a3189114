import { cidrContainsCidr, parseCidr } from '../common/ip';
import { FieldReader } from './reader';
import { NetworkPolicyManifest, PolicyPeer, PolicyPort, PolicyRule } from './types';

/**
 * Reads a NetworkPolicy, keeping the distinctions the semantics depend on: a missing `from`
 * versus an empty one, one peer with two selectors versus two peers, absent `policyTypes`.
 */
export function readNetworkPolicy(r: FieldReader, defaultNamespace: string): NetworkPolicyManifest | undefined {
  const mark = r.mark();
  const meta = r.meta(defaultNamespace, { namespaced: true, rule: 'subdomain' });
  if (!meta) return undefined;
  // `podSelector:` written with no value (null) decodes to the empty selector, which the API
  // server accepts (the upstream network-policy-api conformance manifests rely on it); only a
  // missing key is reported.
  if (r.get(['spec', 'podSelector']) === undefined) r.report('missing-field', 'spec.podSelector is required (use {} to select every pod in the namespace)', ['spec']);
  const podSelector = r.selector(['spec', 'podSelector']) ?? { matchLabels: {}, matchExpressions: [] };
  let policyTypes: NetworkPolicyManifest['policyTypes'];
  const rawTypes = r.list(['spec', 'policyTypes']);
  if (rawTypes) {
    policyTypes = [];
    rawTypes.forEach((t, i) => {
      if (t === 'Ingress' || t === 'Egress') policyTypes!.push(t);
      else r.report('invalid-value', `policyTypes[${i}] is ${JSON.stringify(t)}; expected Ingress or Egress`, ['spec', 'policyTypes', i]);
    });
  }
  const ingress = readRules(r, 'ingress', 'from');
  const egress = readRules(r, 'egress', 'to');
  return {
    kind: 'NetworkPolicy',
    meta,
    podSelector,
    ...(policyTypes ? { policyTypes } : {}),
    ...(ingress ? { ingress } : {}),
    ...(egress ? { egress } : {}),
    ...(r.errorsSince(mark) ? { invalid: true } : {}),
    locator: r.locator,
  };
}

function readRules(r: FieldReader, direction: 'ingress' | 'egress', peerField: 'from' | 'to'): PolicyRule[] | undefined {
  const list = r.list(['spec', direction]);
  if (!list) return undefined;
  return list.flatMap((item, i) => {
    const rp = ['spec', direction, i];
    if (item !== null && item !== undefined && !r.mapping(rp)) return [];
    const rule: PolicyRule = { path: rp };
    const ports = r.list([...rp, 'ports']);
    if (ports) rule.ports = ports.flatMap((_, j) => readPort(r, [...rp, 'ports', j]));
    const peers = r.list([...rp, peerField]);
    if (peers) rule.peers = peers.flatMap((_, j) => readPeer(r, [...rp, peerField, j]));
    return [rule];
  });
}

function readPort(r: FieldReader, path: (string | number)[]): PolicyPort[] {
  if (!r.mapping(path) && r.get(path) !== null) return [];
  const port = r.portOrName([...path, 'port']);
  const endPort = r.port([...path, 'endPort']);
  if (endPort !== undefined) {
    if (typeof port !== 'number') {
      r.report('invalid-value', 'endPort needs a numeric port', [...path, 'endPort']);
      return [];
    }
    if (endPort < port) {
      r.report('invalid-value', `endPort ${endPort} is below port ${port}`, [...path, 'endPort']);
      return [];
    }
  }
  return [{ protocol: r.protocol([...path, 'protocol']), ...(port !== undefined ? { port } : {}), ...(endPort !== undefined ? { endPort } : {}), path }];
}

function readPeer(r: FieldReader, path: (string | number)[]): PolicyPeer[] {
  if (!r.mapping(path)) return [];
  const peer: PolicyPeer = { path };
  const podSelector = r.selector([...path, 'podSelector']);
  const namespaceSelector = r.selector([...path, 'namespaceSelector']);
  if (podSelector) peer.podSelector = podSelector;
  if (namespaceSelector) peer.namespaceSelector = namespaceSelector;
  if (r.has([...path, 'ipBlock'])) {
    if (podSelector || namespaceSelector) {
      r.report('invalid-value', 'ipBlock cannot be combined with podSelector or namespaceSelector in one peer', [...path, 'ipBlock']);
      return [];
    }
    const cidrText = r.str([...path, 'ipBlock', 'cidr'], { required: true });
    if (cidrText === undefined) return [];
    // The API server parses ipBlock CIDRs leniently (host bits are masked off); strict
    // validation in newer releases only warns. Keep the policy and say so.
    const c = parseCidr(cidrText, { allowHostBits: true });
    if (c.ok && c.value.text !== cidrText) warnHostBits(r, cidrText, c.value.text, [...path, 'ipBlock', 'cidr']);
    if (!c.ok) {
      r.report('invalid-cidr', c.error, [...path, 'ipBlock', 'cidr']);
      return [];
    }
    const except: string[] = [];
    (r.list([...path, 'ipBlock', 'except']) ?? []).forEach((e, k) => {
      const ec = parseCidr(e, { allowHostBits: true });
      if (ec.ok && typeof e === 'string' && ec.value.text !== e) warnHostBits(r, e, ec.value.text, [...path, 'ipBlock', 'except', k]);
      // ValidateIPBlock (pkg/apis/networking/validation): an except entry "must be a strict
      // subset of `cidr`": inside it and with a longer prefix (an equal prefix is rejected).
      if (!ec.ok) r.report('invalid-cidr', ec.error, [...path, 'ipBlock', 'except', k]);
      else if (ec.value.prefix <= c.value.prefix || !cidrContainsCidr(c.value, ec.value)) {
        r.report('invalid-cidr', `except ${ec.value.text} is not a strict subset of ${c.value.text}`, [...path, 'ipBlock', 'except', k]);
      } else except.push(ec.value.text);
    });
    peer.ipBlock = { cidr: c.value.text, except };
  } else if (!podSelector && !namespaceSelector) {
    r.report('invalid-value', 'a peer needs podSelector, namespaceSelector or ipBlock', path);
    return [];
  }
  return [peer];
}

function warnHostBits(r: FieldReader, written: string, network: string, path: (string | number)[]): void {
  r.report('cidr-host-bits', `"${written}" has host bits set; the API server accepts it as ${network} (newer releases warn): write ${network}`, path, 'warning');
}
