import * as ipaddr from 'ipaddr.js';
import { cidrContains, parseCidr } from '../common/ip';
import { NfContext, NfPacket, NfVerdict } from './netfilter-eval';
import { NftChain, NftElement, NftExpr, NftFamily, NftKeyField, NftRule, NftSet, NftTable, NftVerdict, elementKey } from './nftables';

/**
 * Walks nftables chains for the first packet of a connection, rule by rule, as the kernel's
 * nf_tables does: a rule's expressions run left to right (a failed match skips to the next
 * rule); `jump` returns to the caller, `goto` does not; `accept` ends this base chain only
 * (later base chains of the hook still see the packet), `drop` and `reject` end it for good;
 * `dnat` and `masquerade` are terminal. `numgen random mod N` splits into N branches of
 * probability 1/N each, so every endpoint is listed with its chance, as for iptables' statistic.
 *
 * A new connection is NEW to conntrack and has no history: `ct state new` matches, an affinity
 * set (filled by `update @set`) is still empty.
 */

export interface NftRuleHit {
  kind: 'nft';
  family: NftFamily;
  table: string;
  chain: string;
  /** 1-based position in the chain (as `nft -a list` handles would order them). */
  position: number;
  rule: NftRule;
  /** The map element whose verdict was taken (a `vmap @map` lookup), and the map. */
  element: NftElement | undefined;
  map: string | undefined;
}

export interface NftNat {
  kind: 'DNAT' | 'MASQUERADE';
  /** `ip:port` for DNAT; empty for MASQUERADE (the engine fills in the source). */
  to: string;
  hit: NftRuleHit;
}

export interface NftBranch {
  probability: number;
  verdict: NfVerdict;
  packet: NfPacket;
  hits: NftRuleHit[];
  nat?: NftNat;
}

interface State {
  probability: number;
  packet: NfPacket;
  hits: NftRuleHit[];
  nat: NftNat | undefined;
}

/**
 * `return`: this chain is over (it ended, said `return`, or a `goto` target ended) and its
 * caller goes on; the others end the base chain.
 */
type End = 'return' | 'accept' | 'drop' | 'reject';
interface Step { state: State; end: End }

const MAX_DEPTH = 32;
const MAX_BRANCHES = 4096;

/** Runs one base chain. Falling off its end applies its policy (accept). */
export function traverseNftBaseChain(table: NftTable, chain: NftChain, packet: NfPacket, ctx: NfContext): NftBranch[] {
  const ends: Step[] = [];
  walk(table, chain, { probability: 1, packet, hits: [], nat: undefined }, ctx, 0, ends);
  return ends.map(({ state, end }) => ({
    probability: state.probability,
    verdict: end === 'drop' ? 'DROP' : end === 'reject' ? 'REJECT' : 'ACCEPT',
    packet: state.packet,
    hits: state.hits,
    ...(state.nat ? { nat: state.nat } : {}),
  }));
}

/**
 * Walks a chain, pushing every way it ends onto `ends` (`return` when it runs out of rules).
 * Accumulators rather than returned arrays: this runs on every hook of every hop of a trace.
 */
function walk(table: NftTable, chain: NftChain, start: State, ctx: NfContext, depth: number, ends: Step[]): void {
  if (depth > MAX_DEPTH) {
    ends.push({ state: start, end: 'drop' });
    return;
  }
  let live: State[] = [start];
  const rules = chain.rules;
  for (let i = 0; i < rules.length && live.length > 0; i++) {
    const next: State[] = [];
    for (const s of live) runRule(table, chain, i, rules[i], s, ctx, depth, next, ends);
    live = next;
    if (live.length + ends.length > MAX_BRANCHES) break;
  }
  for (const s of live) ends.push({ state: s, end: 'return' });
}

/** One rule for one state: states that go on to the next rule land in `next`, the others in `ends`. */
function runRule(table: NftTable, chain: NftChain, index: number, rule: NftRule, s: State, ctx: NfContext, depth: number, next: State[], ends: Step[]): void {
  let packet = s.packet;
  for (const e of rule.exprs) {
    switch (e.e) {
      case 'mark-set':
        packet = Object.assign({}, packet, { mark: (e.op === 'or' ? packet.mark | e.value : packet.mark ^ e.value) >>> 0 });
        continue;
      // An affinity set only remembers clients after this packet: nothing to do for a new connection.
      case 'set-update':
        continue;
      case 'dnat': {
        const [ip, port] = splitHostPort(e.to, packet.dport);
        const st = fire(table, chain, index, rule, s, Object.assign({}, packet, { dst: ip, dport: port }));
        st.nat = { kind: 'DNAT', to: e.to, hit: st.hits[st.hits.length - 1] };
        ends.push({ state: st, end: 'accept' });
        return;
      }
      case 'masquerade': {
        const st = fire(table, chain, index, rule, s, packet);
        st.nat = { kind: 'MASQUERADE', to: '', hit: st.hits[st.hits.length - 1] };
        ends.push({ state: st, end: 'accept' });
        return;
      }
      case 'verdict':
        applyVerdict(table, e.verdict, fire(table, chain, index, rule, s, packet), ctx, depth, next, ends);
        return;
      case 'vmap': {
        const set = table.sets.get(e.map);
        const element = set ? lookup(set, e.key, packet) : undefined;
        if (!element?.verdict) {
          next.push(s);
          return;
        }
        applyVerdict(table, element.verdict, fire(table, chain, index, rule, s, packet, element, e.map), ctx, depth, next, ends);
        return;
      }
      case 'numgen': {
        const base = fire(table, chain, index, rule, s, packet);
        for (const v of e.verdicts) applyVerdict(table, v, Object.assign({}, base, { probability: base.probability / e.mod }), ctx, depth, next, ends);
        return;
      }
      default:
        if (!matches(table, e, packet, ctx)) {
          next.push(s);
          return;
        }
    }
  }
  // Every expression matched and no verdict was given: statements took effect, go on.
  next.push(packet !== s.packet ? fire(table, chain, index, rule, s, packet) : s);
}

/** The state after a rule fired: the rule (and the map element that decided) joins the hits. */
function fire(table: NftTable, chain: NftChain, index: number, rule: NftRule, s: State, packet: NfPacket, element?: NftElement, map?: string): State {
  const hits = s.hits.slice();
  hits.push({ kind: 'nft', family: table.family, table: table.name, chain: chain.name, position: index + 1, rule, element, map });
  return { probability: s.probability, packet, hits, nat: s.nat };
}

function applyVerdict(table: NftTable, v: NftVerdict, s: State, ctx: NfContext, depth: number, next: State[], ends: Step[]): void {
  switch (v.v) {
    case 'accept': case 'drop': case 'reject': case 'return':
      ends.push({ state: s, end: v.v });
      return;
    case 'jump': case 'goto': {
      const target = table.chains.get(v.chain);
      if (!target) {
        next.push(s);
        return;
      }
      // A goto never comes back: when its target ends, the chain that said goto is over too.
      if (v.v === 'goto') return walk(table, target, s, ctx, depth + 1, ends);
      // After a jump the caller goes on with its next rule.
      const sub: Step[] = [];
      walk(table, target, s, ctx, depth + 1, sub);
      for (const st of sub) {
        if (st.end === 'return') next.push(st.state);
        else ends.push(st);
      }
    }
  }
}

function matches(table: NftTable, e: NftExpr, p: NfPacket, ctx: NfContext): boolean {
  switch (e.e) {
    case 'ct-state': return e.states.includes('new');
    case 'addr': return addressIn(pick(p, e.dir), e.value) !== !!e.neg;
    case 'addr-set': {
      const set = table.sets.get(e.set);
      return (set ? setHasAddress(set, pick(p, e.dir)) : false) !== !!e.neg;
    }
    case 'addr-anon': return e.values.some((v) => addressIn(pick(p, e.dir), v)) !== !!e.neg;
    case 'l4proto': return p.proto === e.proto;
    case 'dport': return p.proto === e.proto && p.dport === e.port;
    case 'fib-local': return ctx.isLocal(pick(p, e.dir));
    case 'mark-test': return (((p.mark & e.mask) >>> 0) === e.value) !== !!e.neg;
    default: return false;
  }
}

function pick(p: NfPacket, dir: 'saddr' | 'daddr'): string {
  return dir === 'saddr' ? p.src : p.dst;
}

function lookup(set: NftSet, key: NftKeyField[], p: NfPacket): NftElement | undefined {
  // The two keys kube-proxy uses, built directly (this runs on every hook of every hop).
  if (key.length === 3 && key[0] === 'daddr' && key[1] === 'l4proto' && key[2] === 'dport') return set.elements.get(`${p.dst} . ${p.proto} . ${p.dport}`);
  if (key.length === 2 && key[0] === 'l4proto' && key[1] === 'dport') return set.elements.get(`${p.proto} . ${p.dport}`);
  const parts = key.map((k) => (k === 'daddr' ? p.dst : k === 'l4proto' ? p.proto : String(p.dport)));
  return set.elements.get(elementKey(parts));
}

const prefixCache = new WeakMap<NftSet, { size: number; prefixes: string[] }>();

/** Exact elements by lookup; prefix elements (found once per set) by a match each. */
function setHasAddress(set: NftSet, ip: string): boolean {
  if (set.elements.has(ip)) return true;
  let c = prefixCache.get(set);
  if (!c || c.size !== set.elements.size) {
    c = { size: set.elements.size, prefixes: [...set.elements.keys()].filter((k) => k.includes('/')) };
    prefixCache.set(set, c);
  }
  for (const k of c.prefixes) if (addressIn(ip, k)) return true;
  return false;
}

const matchers = new Map<string, (ip: string) => boolean>();

/** An address equals `value`, or lies in the prefix `value` (IPv4 or IPv6). */
export function addressIn(ip: string, value: string): boolean {
  if (!value.includes('/')) return ip === value;
  let m = matchers.get(value);
  if (!m) {
    m = prefixMatcher(value);
    matchers.set(value, m);
  }
  return m(ip);
}

function prefixMatcher(value: string): (ip: string) => boolean {
  if (!value.includes(':')) {
    const c = parseCidr(value, { allowHostBits: true });
    if (!c.ok) return () => false;
    return (ip) => !ip.includes(':') && cidrContains(c.value, ip);
  }
  try {
    const range = ipaddr.parseCIDR(value);
    return (ip) => {
      if (!ipaddr.isValid(ip)) return false;
      const a = ipaddr.parse(ip);
      return a.kind() === range[0].kind() && a.match(range);
    };
  } catch {
    return () => false;
  }
}

function splitHostPort(to: string, fallbackPort: number): [string, number] {
  // `[fd00::1]:80` for IPv6, `10.0.0.1:80` for IPv4.
  const m = /^\[(.*)\]:(\d+)$/.exec(to);
  if (m) return [m[1], Number(m[2])];
  const colon = to.lastIndexOf(':');
  if (colon < 0 || to.indexOf(':') !== colon) return [to, fallbackPort];
  return [to.slice(0, colon), Number(to.slice(colon + 1))];
}
