import { cidrContains, parseCidr } from '../common/ip';
import { Chain, MatchTerm, Rule, Ruleset, TableName } from './netfilter';

/**
 * Walks netfilter chains for one packet the way the kernel would for the first packet of a
 * connection, following every `statistic` split so the result lists each possible outcome
 * with its probability (as kube-proxy's own `tracePacket` test helper does).
 */

export interface NfPacket {
  src: string;
  dst: string;
  proto: 'tcp' | 'udp' | 'sctp' | 'icmp';
  sport: number;
  dport: number;
  inIface?: string;
  outIface?: string;
  mark: number;
  /**
   * Conntrack's view of the packet: the first packet of a connection is NEW (the default); a
   * reply, or any later packet, belongs to an ESTABLISHED connection.
   */
  ctstate?: 'NEW' | 'ESTABLISHED';
}

export interface NfContext {
  /** addrtype LOCAL: is this one of the node's own addresses? */
  isLocal(ip: string): boolean;
  /** ipsets for `-m set` (defaults to none). */
  ipsets?: Map<string, Set<string>>;
}

export interface RuleHit {
  table: TableName;
  chain: string;
  /** 1-based position in the chain, as `iptables -L --line-numbers` counts. */
  position: number;
  rule: Rule;
}

export type NfVerdict = 'ACCEPT' | 'DROP' | 'REJECT';

export interface NatChange {
  kind: 'DNAT' | 'SNAT' | 'MASQUERADE' | 'REDIRECT';
  /** `ip:port` for DNAT/SNAT, the port for REDIRECT; empty for MASQUERADE (the engine fills the source). */
  to: string;
  hit: RuleHit;
}

export interface NfBranch {
  probability: number;
  verdict: NfVerdict;
  packet: NfPacket;
  /** Rules whose target was taken (jumps included), in order. */
  hits: RuleHit[];
  nat?: NatChange;
}

interface State {
  probability: number;
  packet: NfPacket;
  hits: RuleHit[];
  nat: NatChange | undefined;
}

/**
 * States are built with one constructor so they keep one hidden class: object spread on the
 * hot path was most of the cost of a Service lookup.
 */
/** A packet copy with every field present, for the same reason. */
function copyPacket(p: NfPacket, changes: Partial<NfPacket>): NfPacket {
  return {
    src: changes.src ?? p.src, dst: changes.dst ?? p.dst, proto: p.proto,
    sport: changes.sport ?? p.sport, dport: changes.dport ?? p.dport,
    inIface: p.inIface, outIface: p.outIface, mark: changes.mark ?? p.mark, ctstate: p.ctstate,
  };
}

function state(probability: number, packet: NfPacket, hits: RuleHit[], nat: NatChange | undefined): State {
  return { probability, packet, hits, nat };
}

/** `continue`: go on with the next rule; `return`: leave the current chain. */
type Step = { state: State; end: 'continue' | 'return' | NfVerdict | 'nat' };

const MAX_DEPTH = 32;
const MAX_BRANCHES = 4096;

/** Traverses one hook of one table (e.g. nat PREROUTING) starting at its built-in chain. */
export function traverseHook(rs: Ruleset, table: TableName, hook: string, packet: NfPacket, ctx: NfContext): NfBranch[] {
  const chain = rs.tables.get(table)?.chains.get(hook);
  const start = state(1, copyPacket(packet, {}), [], undefined);
  if (!chain) return [{ probability: 1, verdict: 'ACCEPT', packet: start.packet, hits: [] }];
  const steps = walk(rs, table, chain, start, ctx, 0);
  return steps.map(({ state, end }) => ({
    probability: state.probability,
    // Falling off a built-in chain applies its policy; a NAT target accepts for this table.
    verdict: end === 'return' || end === 'continue' || end === 'nat' ? chain.policy ?? 'ACCEPT' : end,
    packet: state.packet,
    hits: state.hits,
    ...(state.nat ? { nat: state.nat } : {}),
  }));
}

function walk(rs: Ruleset, table: TableName, chain: Chain, start: State, ctx: NfContext, depth: number): Step[] {
  if (depth > MAX_DEPTH) return [{ state: start, end: 'DROP' }];
  const done: Step[] = [];
  // States still walking this chain, each at the same rule index. Most rules match none of
  // them and leave them as they are; the two arrays take turns only when one does (a new array
  // per rule was most of what a walk allocated).
  let live: State[] = [start];
  let next: State[] = [];
  const candidates = candidateRules(chain, start.packet.dst);
  for (const i of candidates) {
    if (live.length === 0) break;
    const rule = chain.rules[i];
    if (!matchesAny(rule, live, ctx)) continue;
    next.length = 0;
    for (const s of live) {
      const split = matchRule(rule, s.packet, ctx);
      if (split === 0) { next.push(s); continue; }
      if (split < 1) next.push(state(s.probability * (1 - split), s.packet, s.hits, s.nat));
      const hits = s.hits.slice();
      hits.push({ table, chain: chain.name, position: i + 1, rule });
      const taken = state(s.probability * split, s.packet, hits, s.nat);
      for (const step of applyTarget(rs, table, rule, taken, ctx, depth)) {
        if (step.end === 'continue') next.push(step.state);
        else done.push(step);
      }
    }
    if (next.length + done.length > MAX_BRANCHES) break;
    const walked = live;
    live = next;
    next = walked;
  }
  for (const s of live) done.push({ state: s, end: 'return' });
  return done;
}

function matchesAny(rule: Rule, states: readonly State[], ctx: NfContext): boolean {
  for (let i = 0; i < states.length; i++) if (matchRule(rule, states[i].packet, ctx) !== 0) return true;
  return false;
}

function applyTarget(rs: Ruleset, table: TableName, rule: Rule, s: State, ctx: NfContext, depth: number): Step[] {
  const t = rule.target;
  const hit = s.hits[s.hits.length - 1];
  switch (t.t) {
    case 'jump': {
      const target = rs.tables.get(table)?.chains.get(t.chain);
      if (!target) return [{ state: s, end: 'continue' }];
      // A user chain that returns (or ends) continues the caller with its next rule.
      const steps = walk(rs, table, target, s, ctx, depth + 1);
      for (const step of steps) if (step.end === 'return') step.end = 'continue';
      return steps;
    }
    case 'RETURN': return [{ state: s, end: 'return' }];
    case 'ACCEPT': case 'DROP': return [{ state: s, end: t.t }];
    case 'REJECT': return [{ state: s, end: 'REJECT' }];
    case 'MARK': {
      const mark = t.op === 'or' ? (s.packet.mark | t.value) >>> 0 : t.op === 'xor' ? (s.packet.mark ^ t.value) >>> 0 : ((s.packet.mark & ~(t.mask ?? 0xffffffff)) ^ t.value) >>> 0;
      return [{ state: state(s.probability, copyPacket(s.packet, { mark }), s.hits, s.nat), end: 'continue' }];
    }
    case 'DNAT': {
      const [ip, port] = splitHostPort(t.to, s.packet.dport);
      return [{ state: state(s.probability, copyPacket(s.packet, { dst: ip, dport: port }), s.hits, { kind: 'DNAT', to: t.to, hit }), end: 'nat' }];
    }
    case 'REDIRECT':
      return [{ state: state(s.probability, copyPacket(s.packet, { dport: t.toPorts }), s.hits, { kind: 'REDIRECT', to: String(t.toPorts), hit }), end: 'nat' }];
    case 'SNAT': {
      const [ip, port] = splitHostPort(t.to, s.packet.sport);
      return [{ state: state(s.probability, copyPacket(s.packet, { src: ip, sport: port }), s.hits, { kind: 'SNAT', to: t.to, hit }), end: 'nat' }];
    }
    case 'MASQUERADE':
      return [{ state: state(s.probability, s.packet, s.hits, { kind: 'MASQUERADE', to: '', hit }), end: 'nat' }];
  }
}

/** 0: no match; 1: match; 0<p<1: a `statistic` rule matching with probability p. */
function matchRule(rule: Rule, p: NfPacket, ctx: NfContext): number {
  let compiled = compiledRules.get(rule);
  if (!compiled) {
    compiled = rule.terms.map(compileTerm);
    compiledRules.set(rule, compiled);
  }
  let probability = 1;
  for (const test of compiled) {
    const r = test(p, ctx);
    if (r === 0) return 0;
    probability *= r;
  }
  return probability;
}

/** A match term as a predicate: 0 (no), 1 (yes) or a probability. Compiled once per rule. */
type TermTest = (p: NfPacket, ctx: NfContext) => number;

const compiledRules = new WeakMap<Rule, TermTest[]>();

function compileTerm(term: MatchTerm): TermTest {
  const yes = term.m !== 'comment' && term.m !== 'module' && term.m !== 'raw' && 'neg' in term && term.neg ? 0 : 1;
  const no = 1 - yes;
  switch (term.m) {
    case 'comment': case 'module': case 'raw': return () => 1;
    case 'proto': return (p) => (p.proto === term.proto ? yes : no);
    case 'src': { const m = addressMatcher(term.cidr); return (p) => (m(p.src) ? yes : no); }
    case 'dst': { const m = addressMatcher(term.cidr); return (p) => (m(p.dst) ? yes : no); }
    case 'sport': return (p) => (p.sport === term.port ? yes : no);
    case 'dport': return (p) => (p.dport === term.port ? yes : no);
    case 'in': return (p) => (p.inIface !== undefined && ifaceMatches(p.inIface, term.iface) ? yes : no);
    case 'out': return (p) => (p.outIface !== undefined && ifaceMatches(p.outIface, term.iface) ? yes : no);
    case 'addrtype': return (p, ctx) => (ctx.isLocal(term.dir === 'dst' ? p.dst : p.src) ? yes : no);
    case 'mark': return (p) => (((p.mark & term.mask) >>> 0) === term.value ? yes : no);
    // The first packet of a connection is NEW; kube-proxy's test helper treats ctstate as not matching.
    // A reply walked through conntrack is ESTABLISHED.
    case 'ctstate': {
      const isNew = term.states.includes('NEW');
      const isEstablished = term.states.includes('ESTABLISHED');
      return (p) => ((p.ctstate === 'ESTABLISHED' ? isEstablished : isNew) ? yes : no);
    }
    case 'statistic': { const pr = term.probability >= 1 ? 1 : term.probability; return () => pr; }
    case 'recent': { const r = term.mode === 'set' ? 1 : 0; return () => r; }
    case 'set': return (p, ctx) => (inIpset(term.name, term.flags, p, ctx) ? yes : no);
  }
}

/** Exact address or CIDR test on dotted strings, parsed once. */
function addressMatcher(text: string): (ip: string) => boolean {
  const exact = exactAddress(text);
  if (exact !== undefined) return (ip) => ip === exact;
  const c = parseCidr(text, { allowHostBits: true });
  if (!c.ok) return () => false;
  const block = c.value;
  // iptables and ip6tables each hold one family; a block never matches the other one.
  return (ip) => cidrContains(block, ip);
}

/**
 * ipset membership. Members are written as ipset prints them: `10.96.0.10` (hash:ip),
 * `10.96.0.10,udp:53` (hash:ip,port), `10.244.1.5,tcp:80,10.244.1.5` (hash:ip,port,ip),
 * `30080` (bitmap:port), `10.244.0.0/16` (hash:net). Flags name the packet field each part
 * is taken from (`dst,dst`, `dst,dst,src` …).
 */
function inIpset(name: string, flags: string, p: NfPacket, ctx: NfContext): boolean {
  const set = ctx.ipsets?.get(name);
  if (!set) return false;
  const dirs = flags.split(',');
  const ip = (dir: string) => (dir === 'src' ? p.src : p.dst);
  const port = (dir: string) => (dir === 'src' ? p.sport : p.dport);
  if (dirs.length === 1) {
    const d = dirs[0];
    if (set.has(ip(d)) || set.has(String(port(d)))) return true;
    for (const member of set) if (member.includes('/') && inCidr(ip(d), member)) return true;
    return false;
  }
  let key = `${ip(dirs[0])},${p.proto}:${port(dirs[1])}`;
  if (dirs.length >= 3) key += `,${ip(dirs[2])}`;
  return set.has(key);
}

function ifaceMatches(iface: string, pattern: string): boolean {
  return pattern.endsWith('+') ? iface.startsWith(pattern.slice(0, -1)) : iface === pattern;
}

const cidrCache = new Map<string, ReturnType<typeof parseCidr>>();

function inCidr(ip: string, text: string): boolean {
  if (!text.includes('/')) return ip === text;
  let c = cidrCache.get(text);
  if (!c) {
    c = parseCidr(text, { allowHostBits: true });
    cidrCache.set(text, c);
  }
  return c.ok && cidrContains(c.value, ip);
}

function splitHostPort(to: string, fallbackPort: number): [string, number] {
  // ip6tables writes IPv6 with a port in brackets: --to-destination [fd00::5]:80.
  if (to.startsWith('[')) {
    const close = to.indexOf(']');
    return [to.slice(1, close), to[close + 1] === ':' ? Number(to.slice(close + 2)) : fallbackPort];
  }
  if (to.indexOf(':') !== to.lastIndexOf(':')) return [to, fallbackPort];
  const colon = to.lastIndexOf(':');
  return colon < 0 ? [to, fallbackPort] : [to.slice(0, colon), Number(to.slice(colon + 1))];
}

/**
 * Rule indexes worth testing for a destination. A chain like KUBE-SERVICES has one rule per
 * Service port, each matching one destination address; indexing those by address keeps a
 * trace fast at 10,000 Services while preserving rule order exactly.
 */
interface ChainIndex {
  byDst: Map<string, number[]>;
  generic: number[];
  size: number;
}

const indexes = new WeakMap<Chain, ChainIndex>();

export function candidateRules(chain: Chain, dst: string): number[] {
  if (chain.rules.length < 16) return allPositions(chain.rules.length);
  let idx = indexes.get(chain);
  if (!idx || idx.size !== chain.rules.length) {
    idx = { byDst: new Map(), generic: [], size: chain.rules.length };
    chain.rules.forEach((rule, i) => {
      const d = rule.terms.find((t) => t.m === 'dst');
      const exact = d && d.m === 'dst' && !d.neg ? exactAddress(d.cidr) : undefined;
      if (exact) {
        const list = idx!.byDst.get(exact);
        if (list) list.push(i); else idx!.byDst.set(exact, [i]);
      } else {
        idx!.generic.push(i);
      }
    });
    indexes.set(chain, idx);
  }
  const specific = idx.byDst.get(dst);
  if (!specific) return idx.generic;
  return mergeSorted(specific, idx.generic);
}

const positions: number[][] = [];

/** [0, 1, … n-1], shared: small chains are walked in full. */
function allPositions(n: number): number[] {
  for (let i = positions.length; i <= n; i++) positions.push(Array.from({ length: i }, (_, j) => j));
  return positions[n];
}

function exactAddress(text: string): string | undefined {
  if (!text.includes('/')) return text;
  if (text.endsWith('/32') && !text.includes(':')) return text.slice(0, -3);
  return text.endsWith('/128') ? text.slice(0, -4) : undefined;
}

function mergeSorted(a: number[], b: number[]): number[] {
  const out: number[] = [];
  let i = 0, j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i] < b[j])) out.push(a[i++]);
    else out.push(b[j++]);
  }
  return out;
}
