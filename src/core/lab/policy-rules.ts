import { Cluster, NodeInfo, PodInfo } from '../cluster/model';
import { fnv1a } from '../common/hash';
import { Cidr, cidrContains } from '../common/ip';
import { MatchTerm, Ruleset, TableName, Target, appendRule, ensureChain, renderRule } from '../dataplane/netfilter';
import { PROTOCOLS } from '../manifest/types';
import { ConnSet } from '../policy/connset';
import { policiesOf } from '../policy/evaluate';
import { PeerSpec, PolicyInfo, PortSpec, RuleSpec, peerMatches, portSpecConns, rulePorts, selectsPod } from '../policy/model';
import { POLICY_ACCEPT_MARK } from './policy-marks';
import { iptablesCommentText } from './safe-text';
import { renderTieredPolicyRules, usesTiers } from './tiered-policy-rules';

/**
 * NetworkPolicy as iptables filter rules for one node, in the style of Calico's iptables
 * dataplane: a dispatch chain hooked first in FORWARD, one "to workload" chain per pod isolated
 * for ingress and one "from workload" chain per pod isolated for egress. Selectors are expanded
 * to the pod IPs they match today (what Calico and kube-router keep in ipsets), named ports to
 * the destination pod's container ports.
 *
 * An allowing rule sets an accept bit (0x10000, Calico's) instead of accepting, so a packet
 * passes both the source's egress and the destination's ingress chain; each pod chain returns
 * when the bit is set and drops otherwise. Replies pass by conntrack state first.
 *
 * The chains match by address rather than interface so that one rendering serves routed
 * (Calico) and bridged (flannel, bridge plugin: br_netfilter hands bridged IP packets to
 * FORWARD) traffic alike. Traffic the node itself sends or receives never passes FORWARD,
 * so it is never policed: "traffic to and from the node where a Pod is running is always allowed".
 */

export const POLICY_DISPATCH_CHAIN = 'PODPATH-FORWARD';
export { POLICY_ACCEPT_MARK } from './policy-marks';

export interface PolicyRules {
  /** `iptables-restore --noflush` input for the filter table; empty when no local pod is isolated. */
  restore: string;
  /** Pods with a chain on this node, and which directions isolate them. */
  isolated: { pod: string; ingress: boolean; egress: boolean }[];
}

export function renderPolicyRules(cluster: Cluster, node: NodeInfo, localPods: PodInfo[]): PolicyRules {
  // AdminNetworkPolicy, the baseline or Calico's own policies: Calico's tiered chains instead.
  if (usesTiers(cluster)) return renderTieredPolicyRules(cluster, node, localPods);
  const rs: Ruleset = { tables: new Map(), ipsets: new Map() };
  const add = (chain: string, terms: MatchTerm[], target: Target) => appendRule(rs, 'filter' as TableName, chain, terms, target);
  const policies = policiesOf(cluster);
  const isolated: PolicyRules['isolated'] = [];
  ensureChain(rs, 'filter', POLICY_DISPATCH_CHAIN);
  add(POLICY_DISPATCH_CHAIN, [comment('replies of allowed connections'), { m: 'ctstate', states: ['RELATED', 'ESTABLISHED'] }], { t: 'ACCEPT' });
  const dispatchIngress: [MatchTerm[], Target][] = [];
  for (const pod of [...localPods].sort((a, b) => (a.key < b.key ? -1 : 1))) {
    if (pod.hostNetwork) continue;
    const ingress = policies.filter((p) => p.affectsIngress && selectsPod(p, pod));
    const egress = policies.filter((p) => p.affectsEgress && selectsPod(p, pod));
    if (ingress.length === 0 && egress.length === 0) continue;
    isolated.push({ pod: pod.key, ingress: ingress.length > 0, egress: egress.length > 0 });
    if (egress.length) {
      const chain = `PODPATH-FW-${chainSuffix(pod)}`;
      add(POLICY_DISPATCH_CHAIN, [comment(`egress of ${pod.key}`), { m: 'src', cidr: pod.ip }], { t: 'jump', chain });
      writePodChain(cluster, rs, chain, pod, node, 'egress', egress);
    }
    if (ingress.length) {
      const chain = `PODPATH-TW-${chainSuffix(pod)}`;
      dispatchIngress.push([[comment(`ingress of ${pod.key}`), { m: 'dst', cidr: pod.ip }], { t: 'jump', chain }]);
      writePodChain(cluster, rs, chain, pod, node, 'ingress', ingress);
    }
  }
  // Egress of the source first, then ingress of the destination: a flow needs both.
  for (const [terms, target] of dispatchIngress) add(POLICY_DISPATCH_CHAIN, terms, target);
  if (isolated.length === 0) return { restore: '', isolated };
  const chains = [...rs.tables.get('filter')!.chains.values()].filter((c) => c.policy === undefined);
  const lines = ['# NetworkPolicy (PodPath lab): per-pod chains in the style of Calico', '*filter'];
  for (const c of chains) lines.push(`:${c.name} - [0:0]`);
  lines.push(`-I FORWARD 1 -m comment --comment "NetworkPolicy (PodPath lab)" -j ${POLICY_DISPATCH_CHAIN}`);
  for (const c of chains) for (const r of c.rules) lines.push(renderRule(c.name, r));
  lines.push('COMMIT');
  return { restore: lines.join('\n') + '\n', isolated };
}

/**
 * The pod's host veth names its chains, as Calico's cali-tw-<iface> do (a hash of the pod's
 * key, never the name itself); anything else falls back to a hash of the key.
 */
export function chainSuffix(pod: PodInfo): string {
  return /^[a-z0-9]{1,15}$/.test(pod.hostVeth) ? pod.hostVeth : `p${fnv1a(pod.key).toString(16)}`;
}

function writePodChain(cluster: Cluster, rs: Ruleset, chain: string, pod: PodInfo, node: NodeInfo, direction: 'ingress' | 'egress', selecting: PolicyInfo[]): void {
  const add = (terms: MatchTerm[], target: Target) => appendRule(rs, 'filter', chain, terms, target);
  const peerKey = direction === 'ingress' ? 'src' : 'dst';
  const peerTerm = (cidr: string): MatchTerm => ({ m: peerKey, cidr });
  const accept: Target = { t: 'MARK', op: 'set-xmark', value: POLICY_ACCEPT_MARK, mask: POLICY_ACCEPT_MARK };
  add([], { t: 'MARK', op: 'set-xmark', value: 0, mask: POLICY_ACCEPT_MARK });
  add([comment('a pod cannot block access to itself'), peerTerm(pod.ip)], { t: 'RETURN' });
  add([comment(`traffic ${direction === 'ingress' ? 'from' : 'to'} its own node is always allowed`), peerTerm(node.ip)], { t: 'RETURN' });
  for (const policy of selecting) {
    const rules = direction === 'ingress' ? policy.ingress : policy.egress;
    for (const rule of rules) {
      const label = comment(`${policy.key} ${direction}[${rule.index}]`);
      for (const m of ruleMatches(cluster, policy, rule, pod, direction)) {
        if (m.conns.isEmpty()) continue;
        // iptables and ip6tables hold one family each: a block of the other family matches nothing here.
        if (m.peer && m.peer.text.includes(':') !== (cluster.config.family === 6)) continue;
        for (const ports of portTerms(m.conns)) {
          const peer = m.peer ? [peerTerm(m.peer.text.replace(m.peer.text.includes(':') ? /\/128$/ : /\/32$/, ''))] : [];
          if (m.except.length === 0) {
            add([label, ...peer, ...ports], accept);
          } else {
            // ipBlock with except: a small chain returns for the holes, then sets the accept bit.
            const sub = `PODPATH-IB-${fnv1a(`${peerKey}:${m.except.map((e) => e.text).join(',')}`).toString(16)}`;
            if (!rs.tables.get('filter')!.chains.has(sub)) {
              ensureChain(rs, 'filter', sub);
              for (const e of m.except) appendRule(rs, 'filter', sub, [comment('ipBlock except'), peerTerm(e.text)], { t: 'RETURN' });
              appendRule(rs, 'filter', sub, [], accept);
            }
            add([label, ...peer, ...ports], { t: 'jump', chain: sub });
          }
        }
      }
    }
  }
  add([{ m: 'mark', value: POLICY_ACCEPT_MARK, mask: POLICY_ACCEPT_MARK }], { t: 'RETURN' });
  add([comment(`no NetworkPolicy rule allows this ${direction}`)], { t: 'DROP' });
}

/** One allowed (peer, ports) combination: peer undefined means any address. */
export interface PeerPorts {
  peer?: Cidr;
  except: Cidr[];
  conns: ConnSet;
}

/**
 * What one rule allows, as (peer, ports) pairs. Pod selectors become the IPs of the pods they
 * match. Named ports resolve against the destination pod: for ingress that is `pod` itself;
 * for egress it is each destination pod, so a named port in an egress rule expands per pod.
 */
export function ruleMatches(cluster: Cluster, policy: PolicyInfo, rule: RuleSpec, pod: PodInfo, direction: 'ingress' | 'egress'): PeerPorts[] {
  const out: PeerPorts[] = [];
  const peers: PeerSpec[] | 'all' = rule.peers;
  const named = rule.ports !== 'all' && rule.ports.some((p) => typeof p.port === 'string');
  const podMatches = (spec: PeerSpec | 'all', candidate: PodInfo): boolean =>
    !candidate.hostNetwork && (spec === 'all' || peerMatches(spec, policy.namespace, { ip: candidate.ip, pod: candidate, namespace: cluster.namespaces.get(candidate.namespace) }));
  const specs: (PeerSpec | 'all')[] = peers === 'all' ? ['all'] : peers;
  for (const spec of specs) {
    if (spec !== 'all' && spec.kind === 'pods') {
      for (const q of cluster.pods) {
        if (!podMatches(spec, q)) continue;
        out.push({ peer: host(q.ip), except: [], conns: rulePorts(rule, direction === 'ingress' ? pod : q) });
      }
      continue;
    }
    // An address range (ipBlock, or anywhere): numeric ports apply to the whole range …
    const cidr = spec === 'all' ? undefined : spec.cidr;
    const except = spec === 'all' ? [] : spec.except;
    if (direction === 'ingress' || !named) {
      out.push({ ...(cidr ? { peer: cidr } : {}), except, conns: rulePorts(rule, direction === 'ingress' ? pod : undefined) });
      continue;
    }
    const numeric = (rule.ports as PortSpec[]).filter((p) => typeof p.port !== 'string');
    const numericConns = numeric.reduce((acc, p) => acc.union(portSpecConns(p, undefined)), ConnSet.NONE);
    out.push({ ...(cidr ? { peer: cidr } : {}), except, conns: numericConns });
    // … a named port only exists on pods, so it expands to each pod inside the range.
    const namedSpecs = (rule.ports as PortSpec[]).filter((p) => typeof p.port === 'string');
    for (const q of cluster.pods) {
      if (q.hostNetwork || (cidr && !cidrContains(cidr, q.ip)) || except.some((e) => cidrContains(e, q.ip))) continue;
      const conns = namedSpecs.reduce((acc, p) => acc.union(portSpecConns(p, q)), ConnSet.NONE);
      out.push({ peer: host(q.ip), except: [], conns });
    }
  }
  return out;
}

export function host(ip: string): Cidr {
  return ip.includes(':') ? { base: 0, prefix: 128, text: `${ip}/128`, family: 6 } : { base: 0, prefix: 32, text: `${ip}/32` };
}

/** A set of connections as alternative match lists: none for everything, else `-p proto [--dport a[:b]]`. */
export function portTerms(conns: ConnSet): MatchTerm[][] {
  if (conns.isAll()) return [[]];
  const out: MatchTerm[][] = [];
  for (const protocol of PROTOCOLS) {
    const proto = protocol.toLowerCase() as 'tcp' | 'udp' | 'sctp';
    const ranges = conns.ranges(protocol);
    if (ranges.length === 1 && ranges[0][0] === 1 && ranges[0][1] === 65535) {
      out.push([{ m: 'proto', proto }]);
      continue;
    }
    for (const [lo, hi] of ranges) {
      out.push([{ m: 'proto', proto }, { m: 'module', name: proto }, lo === hi ? { m: 'dport', port: lo } : { m: 'raw', text: `--dport ${lo}:${hi}` }]);
    }
  }
  return out;
}

/** Comments carry pod and policy names: written so that no name can end the line. */
export function comment(text: string): MatchTerm {
  return { m: 'comment', text: iptablesCommentText(text) };
}
