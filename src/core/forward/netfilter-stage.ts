import { NodeDataplane } from '../dataplane/model';
import { Rule, Target, renderRule } from '../dataplane/netfilter';
import { NfContext, NfPacket, NfVerdict, RuleHit, traverseHook } from '../dataplane/netfilter-eval';
import { NftHook, NftRuleset, baseChainsOf } from '../dataplane/nftables';
import { NftRuleHit, traverseNftBaseChain } from '../dataplane/nftables-eval';
import { renderElementText, renderNftRule, renderVerdict } from '../dataplane/nftables-text';

/**
 * "The node's netfilter" as the engine sees it: one hook at a time, whatever wrote the rules.
 * A node has iptables tables (the CNI's rules, and kube-proxy's in iptables/ipvs mode) and, in
 * nftables mode, kube-proxy's nftables tables. The kernel runs every base chain registered on a
 * hook in priority order (nft(8) "CHAINS"; iptables' nat chains sit at -100/100, filter at 0):
 * `accept` in one of them only ends that chain, a drop or reject ends the packet, and once a
 * NAT chain has set up a translation, later NAT chains of the hook are skipped (the conntrack
 * entry already has its binding: nf_nat_inet_fn).
 *
 * The engine calls one (table, hook) pair at each point of its walk; on the output path it asks
 * for nat OUTPUT before filter OUTPUT, so the nftables output chains are split at the nat
 * priority: those up to -100 run with nat OUTPUT, later ones with filter OUTPUT.
 */

export type NetfilterHit = RuleHit | NftRuleHit;

export interface NetfilterNat {
  kind: 'DNAT' | 'SNAT' | 'MASQUERADE' | 'REDIRECT';
  /** `ip:port` for DNAT/SNAT, the port for REDIRECT; empty for MASQUERADE (the engine fills the source). */
  to: string;
  hit: NetfilterHit;
}

export interface NetfilterBranch {
  probability: number;
  verdict: NfVerdict;
  packet: NfPacket;
  /** Rules that fired, in order, from every table the hook ran. */
  hits: NetfilterHit[];
  nat?: NetfilterNat;
}

type EngineTable = 'nat' | 'filter';

interface Stage {
  priority: number;
  nat: boolean;
  /** True when the stage cannot touch the packet (an empty built-in chain with policy ACCEPT). */
  idle?(): boolean;
  run(packet: NfPacket, ctx: NfContext): NetfilterBranch[];
}

const NAT_PRIORITY: Record<string, number> = { PREROUTING: -100, OUTPUT: -100, POSTROUTING: 100, INPUT: 100 };

/** Runs one hook of the node's netfilter (iptables and, if present, nftables). */
export function traverseNodeNetfilter(node: Pick<NodeDataplane, 'netfilter' | 'nftables'>, table: EngineTable, hook: string, packet: NfPacket, ctx: NfContext): NetfilterBranch[] {
  if (!node.nftables || node.nftables.tables.length === 0) return traverseHook(node.netfilter, table, hook, packet, ctx);
  return runStages(stagesFor(node, table, hook, packet), packet, ctx);
}

const nodeStages = new WeakMap<object, Map<string, Stage[]>>();

/** The hook's stages for this node, merged and ordered once (the engine asks for them on every hop). */
function stagesFor(node: Pick<NodeDataplane, 'netfilter' | 'nftables'>, table: EngineTable, hook: string, packet: NfPacket): Stage[] {
  let byKey = nodeStages.get(node);
  if (!byKey) nodeStages.set(node, (byKey = new Map()));
  const key = (packet.dst.includes(':') ? '6' : '4') + table + hook;
  let stages = byKey.get(key);
  if (!stages) {
    stages = [...nftStages(node.nftables!, table, hook, packet)];
    stages.push({
      priority: table === 'nat' ? NAT_PRIORITY[hook] ?? 0 : 0,
      nat: table === 'nat',
      // Asked each time: the CNI may add rules to a node's built-in chains after this was cached.
      idle: () => {
        const chain = node.netfilter.tables.get(table)?.chains.get(hook);
        return !chain || (chain.rules.length === 0 && (chain.policy ?? 'ACCEPT') === 'ACCEPT');
      },
      run: (p, c) => traverseHook(node.netfilter, table, hook, p, c),
    });
    // Stable: on equal priority nftables chains (listed first) run before the iptables table.
    stages.sort((a, b) => a.priority - b.priority);
    byKey.set(key, stages);
  }
  return stages;
}

const HOOKS: Record<string, NftHook> = { PREROUTING: 'prerouting', INPUT: 'input', FORWARD: 'forward', OUTPUT: 'output', POSTROUTING: 'postrouting' };

const stageCache = new WeakMap<NftRuleset, Map<string, Stage[]>>();

/** The nftables base chains the engine's (table, hook) call runs, built once per ruleset. */
function nftStages(rs: NftRuleset, table: EngineTable, hook: string, packet: NfPacket): Stage[] {
  const nftHook = HOOKS[hook];
  if (!nftHook) return [];
  const family = packet.dst.includes(':') ? 'ip6' : 'ip';
  let byKey = stageCache.get(rs);
  if (!byKey) stageCache.set(rs, (byKey = new Map()));
  const key = `${family} ${table} ${hook}`;
  let stages = byKey.get(key);
  if (!stages) {
    stages = [];
    for (const { table: t, chain } of baseChainsOf(rs, family, nftHook)) {
      const prio = chain.base!.priority;
      // The output hook is asked for twice (nat OUTPUT, then filter OUTPUT): split at -100.
      if (nftHook === 'output' && (table === 'nat') !== prio <= -100) continue;
      stages.push({ priority: prio, nat: chain.base!.type === 'nat', run: (p, c) => traverseNftBaseChain(t, chain, p, c) });
    }
    byKey.set(key, stages);
  }
  return stages;
}

interface Pending {
  probability: number;
  packet: NfPacket;
  hits: NetfilterHit[];
  nat: NetfilterNat | undefined;
}

function runStages(stages: Stage[], packet: NfPacket, ctx: NfContext): NetfilterBranch[] {
  let live: Pending[] = [{ probability: 1, packet, hits: [], nat: undefined }];
  const done: NetfilterBranch[] = [];
  for (const stage of stages) {
    if (stage.idle?.()) continue;
    const next: Pending[] = [];
    for (const s of live) {
      // A translation is already bound for this connection: later NAT chains are not consulted.
      if (stage.nat && s.nat) { next.push(s); continue; }
      for (const b of stage.run(s.packet, ctx)) {
        const p: Pending = { probability: s.probability * b.probability, packet: b.packet, hits: s.hits.length === 0 ? b.hits : b.hits.length === 0 ? s.hits : s.hits.concat(b.hits), nat: s.nat ?? b.nat };
        if (b.verdict !== 'ACCEPT') done.push(Object.assign({}, p, { verdict: b.verdict, ...(p.nat ? { nat: p.nat } : {}) }));
        else next.push(p);
      }
    }
    live = next;
  }
  for (const s of live) done.push({ probability: s.probability, verdict: 'ACCEPT', packet: s.packet, hits: s.hits, ...(s.nat ? { nat: s.nat } : {}) });
  return done;
}

// ---- what a hit says, whichever model it comes from --------------------------------------

function isNft(h: NetfilterHit): h is NftRuleHit {
  return (h as NftRuleHit).kind === 'nft';
}

/**
 * The rule as its tool writes it: `-A CHAIN …` for iptables, `add rule FAMILY TABLE CHAIN …`
 * for nftables (plus the map element that gave the verdict, when a verdict map decided).
 */
export function hitText(h: NetfilterHit): string {
  if (!isNft(h)) return renderRule(h.chain, h.rule);
  // Rules and elements are shared and never change: their text is made once.
  let text = nftRuleTexts.get(h.rule);
  if (text === undefined) nftRuleTexts.set(h.rule, (text = `add rule ${h.family} ${h.table} ${h.chain} ${renderNftRule(h.family, h.rule)}`));
  if (!h.element) return text;
  let withElement = nftElementTexts.get(h.element);
  if (withElement === undefined) nftElementTexts.set(h.element, (withElement = `${text} (element ${renderElementText(h.element)} of @${h.map})`));
  return withElement;
}

const nftRuleTexts = new WeakMap<object, string>();
// An element is only ever looked up by the one rule that names its map.
const nftElementTexts = new WeakMap<object, string>();

export function hitCause(h: NetfilterHit): Rule['cause'] {
  if (!isNft(h)) return h.rule.cause;
  return h.element?.cause ?? h.rule.cause;
}

export function hitComment(h: NetfilterHit): string | undefined {
  if (!isNft(h)) {
    const c = h.rule.terms.find((t) => t.m === 'comment');
    return c && c.m === 'comment' ? c.text : undefined;
  }
  // A map element's comment names the Service port; say which map held it.
  return h.rule.comment ?? (h.element?.comment ? `@${h.map}: ${h.element.comment}` : undefined);
}

/** Where the rule sends the packet: a chain, or a verdict / target name (empty when it fans out). */
export function hitNext(h: NetfilterHit): string {
  if (!isNft(h)) return targetName(h.rule.target);
  if (h.element?.verdict) return verdictTarget(renderVerdict(h.element.verdict));
  for (let i = h.rule.exprs.length - 1; i >= 0; i--) {
    const e = h.rule.exprs[i];
    if (e.e === 'verdict') return verdictTarget(renderVerdict(e.verdict));
    if (e.e === 'dnat') return 'dnat';
    if (e.e === 'masquerade') return 'masquerade';
    if (e.e === 'mark-set') return `mark ${e.op} 0x${e.value.toString(16)}`;
    if (e.e === 'numgen') return '';
  }
  return '';
}

function verdictTarget(text: string): string {
  return text.replace(/^(jump|goto) /, '');
}

function targetName(t: Target): string {
  return t.t === 'jump' ? t.chain : t.t;
}
