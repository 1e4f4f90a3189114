import { EndpointInfo, ServiceInfo } from '../cluster/model';
import { Cause } from '../dataplane/model';
import { MatchTerm } from '../dataplane/netfilter';

/** Small builders for the match terms kube-proxy writes, so rules read like their iptables text. */

export const comment = (text: string): MatchTerm => ({ m: 'comment', text });

// Shared by thousands of rules, so built once and frozen (rules are data nobody should edit).
const PROTO_TERMS = Object.fromEntries((['tcp', 'udp', 'sctp'] as const).map((proto) =>
  [proto, Object.freeze([Object.freeze({ m: 'module', name: proto }), Object.freeze({ m: 'proto', proto })]) as readonly MatchTerm[]]));

/** "-m tcp -p tcp": kube-proxy loads the protocol module before naming the protocol. */
export function protoTerms(proto: 'tcp' | 'udp' | 'sctp'): readonly MatchTerm[] {
  return PROTO_TERMS[proto];
}

export const dst = (cidr: string, neg = false): MatchTerm => (neg ? { m: 'dst', cidr, neg } : { m: 'dst', cidr });
export const src = (cidr: string, neg = false): MatchTerm => (neg ? { m: 'src', cidr, neg } : { m: 'src', cidr });
export const dport = (port: number): MatchTerm => ({ m: 'dport', port });
export const ctstate = (...states: string[]): MatchTerm => ({ m: 'ctstate', states });
export const dstLocal = (): MatchTerm => ({ m: 'addrtype', dir: 'dst', type: 'LOCAL' });
export const srcLocal = (): MatchTerm => ({ m: 'addrtype', dir: 'src', type: 'LOCAL' });

/** A rule's cause: a Service port (with an optional sub-field of that port, e.g. nodePort). */
export function portCause(svc: ServiceInfo, portIndex: number, text: string, field?: string | number | (string | number)[]): Cause {
  const path: (string | number)[] = ['spec', 'ports', portIndex];
  if (Array.isArray(field)) return { text, locator: svc.locator, path: field };
  if (field !== undefined) path.push(field);
  return { text, locator: svc.locator, path };
}

export function endpointCause(ep: EndpointInfo, text: string): Cause {
  return { text, locator: ep.locator, path: ep.path };
}
