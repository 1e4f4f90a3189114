import { Cluster, NodeInfo, PodInfo } from '../cluster/model';
import { fnv1a } from '../common/hash';
import { Cidr, cidrContains, cidrContainsCidr, parseCidr } from '../common/ip';
import { MatchTerm, Ruleset, Target, appendRule, ensureChain, renderRule } from '../dataplane/netfilter';
import { AdminPolicyInfo, AdminRuleSpec, adminPeerMatches, adminPoliciesOf, adminRulePorts, hasAdminPolicies, rulesOf, selectingAdmin } from '../policy/anp';
import { CalicoEntity, CalicoPolicyInfo, CalicoRuleSpec, calicoApplies, calicoRulePorts, calicoRulesOf, entityMatches, hasCalicoPolicies, localSideMatches, remoteSide } from '../policy/calico';
import { ConnSet } from '../policy/connset';
import { policiesSelecting } from '../policy/evaluate';
import { PolicyInfo } from '../policy/model';
import { pipelineStages, tierMembers } from '../policy/pipeline';
import { POLICY_ACCEPT_MARK, POLICY_DROP_MARK, POLICY_PASS_MARK } from './policy-marks';
import { POLICY_DISPATCH_CHAIN, PeerPorts, PolicyRules, chainSuffix, comment, host, portTerms, ruleMatches } from './policy-rules';

/**
 * Every policy API at once — AdminNetworkPolicy, Calico tiers, NetworkPolicy, the
 * BaselineAdminNetworkPolicy — as iptables filter rules in the shape Calico's Felix writes them
 * (projectcalico/calico felix/rules/endpoints.go `endpointIptablesChain`, felix/rules/policy.go
 * `CombineMatchAndActionsForProtoRule`):
 *
 * - One chain per pod and direction (Felix's cali-tw-<iface> / cali-fw-<iface>). It clears the
 *   accept and pass bits, then for each tier that has a policy for the pod, in tier order:
 *   "Start of tier" clears the pass bit; each policy's chain is jumped to while the pass bit is
 *   clear, and the pod's chain returns as soon as a policy set the accept bit; at the end of a
 *   tier whose default action is Deny, a packet no policy passed is dropped. After the last tier
 *   the pod's profile allows (Calico's kns.<namespace> profile).
 * - One chain per policy (Felix's cali-pi-/cali-po-): each rule, in written order, sets a mark
 *   where it matches — accept for Allow, pass for Pass, drop for Deny — and the next line acts
 *   on it: Allow and Pass return to the pod's chain, Deny drops on the spot. A Deny earlier in
 *   the order therefore wins over any Allow after it; Log rules write nothing here.
 * - The tiers are PodPath's pipeline stages (policy/pipeline.ts): `kube-admin` (order 1,000,
 *   default Pass) holds the AdminNetworkPolicies by priority; Calico Tier objects by their
 *   order; `default` (1,000,000, Deny) holds Calico's default-tier policies with the
 *   Kubernetes NetworkPolicies at order 1000 (libcalico-go conversion.go: "We insert all the
 *   NetworkPolicy Policies at order 1000.0"); `kube-baseline` (10,000,000, Pass) the
 *   BaselineAdminNetworkPolicy (api/pkg/apis/projectcalico/v3 tier.go).
 *
 * Selectors are expanded to the pod addresses they match today (Felix keeps them in ipsets),
 * named ports to the destination pod's container ports. Names reach the rules only inside
 * comments, through `comment` (safe-text.ts); chain names are hashes.
 */

const ALL_BITS = POLICY_ACCEPT_MARK | POLICY_PASS_MARK | POLICY_DROP_MARK;

/** Does the cluster have policy beyond NetworkPolicy (and so need tiers in the lab)? */
export function usesTiers(cluster: Cluster): boolean {
  return hasAdminPolicies(cluster) || hasCalicoPolicies(cluster);
}

type Direction = 'ingress' | 'egress';

/** One policy chain the pod's chain jumps to, within one tier. */
interface Member {
  chain: string;
  write: () => void;
}

interface Tier {
  name: string;
  defaultAction: 'Deny' | 'Pass';
  members: Member[];
}

class TieredWriter {
  readonly rs: Ruleset = { tables: new Map(), ipsets: new Map() };
  private readonly chainNames = new Set<string>();

  constructor(readonly cluster: Cluster, readonly node: NodeInfo) {
    ensureChain(this.rs, 'filter', POLICY_DISPATCH_CHAIN);
  }

  add(chain: string, terms: MatchTerm[], target: Target): void {
    appendRule(this.rs, 'filter', chain, terms, target);
  }

  /** A chain name from a hash of what it holds (never a name from a manifest); a clash takes the next number. */
  chainName(prefix: string, seed: string): string {
    const base = `PODPATH-${prefix}-${fnv1a(seed).toString(16)}`;
    let name = base;
    for (let i = 2; this.chainNames.has(name); i++) name = `${base}-${i}`;
    this.chainNames.add(name);
    ensureChain(this.rs, 'filter', name);
    return name;
  }

  peerTerm(direction: Direction, cidr: Cidr): MatchTerm {
    return { m: direction === 'ingress' ? 'src' : 'dst', cidr: cidr.text.replace(cidr.text.includes(':') ? /\/128$/ : /\/32$/, '') };
  }

  /** Does a CIDR belong to the family this ruleset is for (iptables and ip6tables hold one each)? */
  sameFamily(cidr: Cidr | undefined): boolean {
    return !cidr || cidr.text.includes(':') === (this.cluster.config.family === 6);
  }

  /**
   * The lines of one rule: every (peer, ports) it matches sets `mark` (an `except` goes through a
   * small chain that returns for the holes first); then one line acts on the mark.
   */
  rule(chain: string, direction: Direction, label: string, matches: PeerPorts[], mark: number, act: Target): void {
    const setMark: Target = { t: 'MARK', op: 'set-xmark', value: mark, mask: mark };
    let wrote = false;
    for (const m of matches) {
      if (m.conns.isEmpty() || !this.sameFamily(m.peer)) continue;
      // Two blocks are nested or apart: a hole around the whole range leaves nothing, one beside it does not matter.
      const holes = m.except.filter((e) => this.sameFamily(e));
      if (m.peer && holes.some((e) => cidrContainsCidr(e, m.peer!))) continue;
      const except = m.peer ? holes.filter((e) => cidrContainsCidr(m.peer!, e)) : holes;
      for (const ports of portTerms(m.conns)) {
        const peer = m.peer ? [this.peerTerm(direction, m.peer)] : [];
        if (except.length === 0) {
          this.add(chain, [comment(label), ...peer, ...ports], setMark);
        } else {
          const sub = this.chainName('X', `${chain}:${label}:${mark}:${except.map((e) => e.text).join(',')}:${m.peer?.text ?? ''}:${ports.length}:${JSON.stringify(ports)}`);
          for (const e of except) this.add(sub, [comment('excepted'), this.peerTerm(direction, e)], { t: 'RETURN' });
          this.add(sub, [], setMark);
          this.add(chain, [comment(label), ...peer, ...ports], { t: 'jump', chain: sub });
        }
        wrote = true;
      }
    }
    if (wrote) this.add(chain, [{ m: 'mark', value: mark, mask: mark }], act);
  }

  render(): string {
    const chains = [...this.rs.tables.get('filter')!.chains.values()].filter((c) => c.policy === undefined);
    const lines = ['# Policy (PodPath lab): AdminNetworkPolicy, Calico tiers, NetworkPolicy and the baseline in the shape of Calico\'s per-endpoint chains', '*filter'];
    for (const c of chains) lines.push(`:${c.name} - [0:0]`);
    lines.push(`-I FORWARD 1 -m comment --comment "Policy tiers (PodPath lab)" -j ${POLICY_DISPATCH_CHAIN}`);
    for (const c of chains) for (const r of c.rules) lines.push(renderRule(c.name, r));
    lines.push('COMMIT');
    return lines.join('\n') + '\n';
  }
}

const RETURN: Target = { t: 'RETURN' };
const DROP: Target = { t: 'DROP' };

export function renderTieredPolicyRules(cluster: Cluster, node: NodeInfo, localPods: PodInfo[]): PolicyRules {
  const w = new TieredWriter(cluster, node);
  const isolated: PolicyRules['isolated'] = [];
  w.add(POLICY_DISPATCH_CHAIN, [comment('replies of allowed connections'), { m: 'ctstate', states: ['RELATED', 'ESTABLISHED'] }], { t: 'ACCEPT' });
  const ingressJumps: [MatchTerm[], Target][] = [];
  for (const pod of [...localPods].sort((a, b) => (a.key < b.key ? -1 : 1))) {
    if (pod.hostNetwork) continue;
    const tiers = { ingress: tiersFor(w, pod, 'ingress'), egress: tiersFor(w, pod, 'egress') };
    if (!tiers.ingress.length && !tiers.egress.length) continue;
    isolated.push({ pod: pod.key, ingress: tiers.ingress.length > 0, egress: tiers.egress.length > 0 });
    if (tiers.egress.length) {
      const chain = `PODPATH-FW-${chainSuffix(pod)}`;
      ensureChain(w.rs, 'filter', chain);
      w.add(POLICY_DISPATCH_CHAIN, [comment(`egress of ${pod.key}`), { m: 'src', cidr: pod.ip }], { t: 'jump', chain });
      writeEndpointChain(w, chain, pod, 'egress', tiers.egress);
    }
    if (tiers.ingress.length) {
      const chain = `PODPATH-TW-${chainSuffix(pod)}`;
      ensureChain(w.rs, 'filter', chain);
      ingressJumps.push([[comment(`ingress of ${pod.key}`), { m: 'dst', cidr: pod.ip }], { t: 'jump', chain }]);
      writeEndpointChain(w, chain, pod, 'ingress', tiers.ingress);
    }
  }
  // Egress of the source first, then ingress of the destination: a flow needs both (Felix's from- and to-workload dispatch).
  for (const [terms, target] of ingressJumps) w.add(POLICY_DISPATCH_CHAIN, terms, target);
  if (isolated.length === 0) return { restore: '', isolated };
  return { restore: w.render(), isolated };
}

/** Felix's endpointIptablesChain: clear the result bits, the tiers in order, then the profile's allow. */
function writeEndpointChain(w: TieredWriter, chain: string, pod: PodInfo, direction: Direction, tiers: Tier[]): void {
  w.add(chain, [comment('clear the accept, pass and drop bits')], { t: 'MARK', op: 'set-xmark', value: 0, mask: ALL_BITS });
  w.add(chain, [comment('a pod cannot block access to itself'), w.peerTerm(direction, host(pod.ip))], RETURN);
  const passClear: MatchTerm = { m: 'mark', value: 0, mask: POLICY_PASS_MARK };
  for (const tier of tiers) {
    w.add(chain, [comment(`Start of tier ${tier.name}`)], { t: 'MARK', op: 'set-xmark', value: 0, mask: POLICY_PASS_MARK });
    for (const m of tier.members) {
      m.write();
      w.add(chain, [passClear], { t: 'jump', chain: m.chain });
      w.add(chain, [comment('Return if policy accepted'), { m: 'mark', value: POLICY_ACCEPT_MARK, mask: POLICY_ACCEPT_MARK }], RETURN);
    }
    if (tier.defaultAction === 'Deny') w.add(chain, [comment(`End of tier ${tier.name}: drop if no policy passed the packet`), passClear], DROP);
  }
  w.add(chain, [comment(`the profile of namespace ${pod.namespace} allows`)], { t: 'MARK', op: 'set-xmark', value: POLICY_ACCEPT_MARK, mask: POLICY_ACCEPT_MARK });
  w.add(chain, [], RETURN);
}

/** The tiers with a policy for the pod in this direction, each with its policies' chains in order. */
function tiersFor(w: TieredWriter, pod: PodInfo, direction: Direction): Tier[] {
  const cluster = w.cluster;
  const admin = adminPoliciesOf(cluster);
  const out: Tier[] = [];
  for (const stage of pipelineStages(cluster)) {
    if (stage.kind === 'admin' || stage.kind === 'baseline') {
      const list = stage.kind === 'admin' ? admin.anps : admin.banp ? [admin.banp] : [];
      const selecting = selectingAdmin(cluster, list, direction, pod);
      if (!selecting.length) continue;
      out.push({
        name: stage.kind === 'admin' ? 'kube-admin' : 'kube-baseline',
        // Both admin tiers default to Pass (tier.go: kube-admin and kube-baseline "must have default action 'Pass'").
        defaultAction: 'Pass',
        members: selecting.map((p) => adminMember(w, p, pod, direction)),
      });
      continue;
    }
    const members: Member[] = [];
    for (const m of tierMembers(stage.tier)) {
      if (m === 'k8s') {
        const nps = policiesSelecting(cluster, direction, pod);
        members.push(...nps.map((p) => networkPolicyMember(w, p, pod, direction)));
      } else if (calicoApplies(cluster, m, direction, pod)) {
        members.push(calicoMember(w, m, pod, direction));
      }
    }
    if (members.length) out.push({ name: stage.tier.name, defaultAction: stage.tier.defaultAction, members });
  }
  return out;
}

/** The action a rule's mark leads to: Allow and Pass return to the pod's chain, Deny drops. */
function actionOf(action: 'Allow' | 'Deny' | 'Pass'): { mark: number; act: Target } {
  if (action === 'Allow') return { mark: POLICY_ACCEPT_MARK, act: RETURN };
  if (action === 'Pass') return { mark: POLICY_PASS_MARK, act: RETURN };
  return { mark: POLICY_DROP_MARK, act: DROP };
}

function adminMember(w: TieredWriter, p: AdminPolicyInfo, pod: PodInfo, direction: Direction): Member {
  const chain = w.chainName(`A${direction === 'ingress' ? 'I' : 'O'}`, `${p.key}:${pod.key}:${direction}`);
  return {
    chain,
    write: () => {
      for (const rule of rulesOf(p, direction)) {
        const { mark, act } = actionOf(rule.action);
        w.rule(chain, direction, `${p.key} ${direction}[${rule.index}]${rule.name ? ` ${rule.name}` : ''} ${rule.action}`, adminRuleMatches(w.cluster, rule, pod, direction), mark, act);
      }
    },
  };
}

/**
 * What one admin rule matches, as (peer, ports): namespace and pod peers become the addresses
 * of the pods they select, node peers the nodes' addresses, networks their CIDRs. A named port
 * resolves on the destination: the pod itself for ingress, each destination pod for egress.
 */
function adminRuleMatches(cluster: Cluster, rule: AdminRuleSpec, pod: PodInfo, direction: Direction): PeerPorts[] {
  const out: PeerPorts[] = [];
  const named = rule.ports !== 'all' && rule.ports.some((x) => x.namedPort !== undefined);
  for (const spec of rule.peers) {
    if (spec.kind === 'namespaces' || spec.kind === 'pods') {
      for (const q of cluster.pods) {
        if (q.hostNetwork || !adminPeerMatches(cluster, spec, { ip: q.ip, pod: q })) continue;
        out.push({ peer: host(q.ip), except: [], conns: adminRulePorts(rule, direction === 'ingress' ? pod : q) });
      }
    } else if (spec.kind === 'nodes') {
      for (const n of cluster.nodes) if (adminPeerMatches(cluster, spec, { ip: n.ip })) out.push({ peer: host(n.ip), except: [], conns: adminRulePorts(rule, direction === 'ingress' ? pod : undefined) });
    } else {
      for (const c of spec.cidrs) {
        out.push({ peer: c, except: [], conns: adminRulePorts(rule, direction === 'ingress' ? pod : undefined) });
        // A named port only exists on pods: towards a network it is each pod inside it.
        if (direction === 'egress' && named) {
          for (const q of cluster.pods) if (!q.hostNetwork && cidrContains(c, q.ip)) out.push({ peer: host(q.ip), except: [], conns: adminRulePorts(rule, q) });
        }
      }
    }
  }
  return out;
}

function calicoMember(w: TieredWriter, p: CalicoPolicyInfo, pod: PodInfo, direction: Direction): Member {
  const chain = w.chainName(`C${direction === 'ingress' ? 'I' : 'O'}`, `${p.key}:${pod.key}:${direction}`);
  return {
    chain,
    write: () => {
      for (const rule of calicoRulesOf(p, direction)) {
        // Log only writes a log line and goes on (Felix's LOG target): nothing to enforce.
        if (rule.action === 'Log') continue;
        // A rule whose own side (ingress: destination, egress: source) is not this pod never matches here.
        if (!localSideMatches(w.cluster, p, rule, direction, pod)) continue;
        const { mark, act } = actionOf(rule.action);
        w.rule(chain, direction, `${p.key} ${direction}[${rule.index}] ${rule.action}`, calicoRuleMatches(w.cluster, p, rule, pod, direction), mark, act);
      }
    },
  };
}

/**
 * What one Calico rule matches on its remote side, as (peer, ports): a selector or namespace
 * selector becomes the addresses of the pods it matches; nets become CIDRs, with notNets and the
 * pods a notSelector excludes as holes; no criteria at all is any address.
 */
function calicoRuleMatches(cluster: Cluster, p: CalicoPolicyInfo, rule: CalicoRuleSpec, pod: PodInfo, direction: Direction): PeerPorts[] {
  const e: CalicoEntity = remoteSide(rule, direction);
  const destination = (q: PodInfo | undefined) => (direction === 'ingress' ? pod : q);
  const pods = cluster.pods.filter((q) => !q.hostNetwork);
  if (e.selector || e.namespaceSelector) {
    return pods.filter((q) => entityMatches(cluster, p, e, q, q.ip)).map((q) => ({ peer: host(q.ip), except: [], conns: calicoRulePorts(rule, destination(q)) }));
  }
  const ranges: (Cidr | undefined)[] = e.nets ?? [undefined];
  const out: PeerPorts[] = [];
  const named = !!rule.destination.ports?.some((x) => x.name !== undefined) || !!rule.destination.notPorts?.some((x) => x.name !== undefined);
  for (const range of ranges) {
    const inside = (ip: string) => !range || cidrContains(range, ip);
    // Pods in the range the entity still refuses (a notSelector, or notNets around them) are holes.
    const holes = pods.filter((q) => inside(q.ip) && !entityMatches(cluster, p, e, q, q.ip)).flatMap((q) => addressBlock(q.ip));
    const except = [...(e.notNets ?? []), ...holes];
    out.push({ ...(range ? { peer: range } : {}), except, conns: calicoRulePorts(rule, destination(undefined)) });
    if (direction === 'egress' && named) {
      for (const q of pods) if (inside(q.ip) && entityMatches(cluster, p, e, q, q.ip)) out.push({ peer: host(q.ip), except: [], conns: calicoRulePorts(rule, q) });
    }
  }
  return out;
}

/**
 * A Kubernetes NetworkPolicy as Calico converts it: a default-tier policy of Allow rules
 * (`knp.default.<name>`); traffic from or to the pod's own node is allowed first, as
 * NetworkPolicy documents it and PodPath's evaluator decides it inside this stage.
 */
function networkPolicyMember(w: TieredWriter, p: PolicyInfo, pod: PodInfo, direction: Direction): Member {
  const chain = w.chainName(`K${direction === 'ingress' ? 'I' : 'O'}`, `${p.key}:${pod.key}:${direction}`);
  return {
    chain,
    write: () => {
      w.rule(chain, direction, `traffic ${direction === 'ingress' ? 'from' : 'to'} its own node is always allowed`, [{ peer: host(w.node.ip), except: [], conns: ConnSet.ALL }], POLICY_ACCEPT_MARK, RETURN);
      for (const rule of direction === 'ingress' ? p.ingress : p.egress) {
        const matches = ruleMatches(w.cluster, p, rule, pod, direction);
        w.rule(chain, direction, `${p.key} ${direction}[${rule.index}]`, matches, POLICY_ACCEPT_MARK, RETURN);
      }
    },
  };
}

/** A single address as a block whose bounds are known (for nesting checks against other blocks). */
function addressBlock(ip: string): Cidr[] {
  const c = parseCidr(`${ip}/${ip.includes(':') ? 128 : 32}`);
  return c.ok ? [c.value] : [];
}
