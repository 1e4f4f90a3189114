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
  /** The map element whose verdict was taken (a `vmap @map` lookup). */
  element?: NftElement;
  map?: string;
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
 * `next`: go on with the next rule of this chain; `return`: this chain is over (it ended, said
 * `return`, or a `goto` target ended) and its caller goes on; the others end the base chain.
 */
type End = 'next' | 'return' | 'accept' | 'drop' | 'reject';
interface Step { state: State; end: End }

const MAX_DEPTH = 32;
const MAX_BRANCHES = 4096;

/** Runs one base chain. Falling off its end applies its policy (accept). */
export function traverseNftBaseChain(table: NftTable, chain: NftChain, packet: NfPacket, ctx: NfContext): NftBranch[] {
  const start: State = { probability: 1, packet: { ...packet }, hits: [], nat: undefined };
  return walk(table, chain, start, ctx, 0).map(({ state, end }) => ({
    probability: state.probability,
    verdict: end === 'drop' ? 'DROP' : end === 'reject' ? 'REJECT' : 'ACCEPT',
    packet: state.packet,
    hits: state.hits,
    ...(state.nat ? { nat: state.nat } : {}),
  }));
}

function walk(table: NftTable, chain: NftChain, start: State, ctx: NfContext, depth: number): Step[] {
  if (depth > MAX_DEPTH) return [{ state: start, end: 'drop' }];
  const done: Step[] = [];
  let live: State[] = [start];
  for (let i = 0; i < chain.rules.length && live.length > 0; i++) {
    const rule = chain.rules[i];
    const next: State[] = [];
    for (const s of live) {
      for (const step of runRule(table, chain, i, rule, s, ctx, depth)) {
        if (step.end === 'next') next.push(step.state);
        else done.push(step);
      }
    }
    if (next.length + done.length > MAX_BRANCHES) break;
    live = next;
  }
  for (const s of live) done.push({ state: s, end: 'return' });
  return done;
}

/** The outcome of a rule for one state: `next` rule, or an end. */
function runRule(table: NftTable, chain: NftChain, index: number, rule: NftRule, s: State, ctx: NfContext, depth: number): Step[] {
  let packet = s.packet;
  const hit: NftRuleHit = { kind: 'nft', family: table.family, table: table.name, chain: chain.name, position: index + 1, rule };
  const fired = (): State => ({ probability: s.probability, packet, hits: [...s.hits, hit], nat: s.nat });
  for (const e of rule.exprs) {
    switch (e.e) {
      case 'mark-set':
        packet = { ...packet, mark: (e.op === 'or' ? packet.mark | e.value : packet.mark ^ e.value) >>> 0 };
        continue;
      // An affinity set only remembers clients after this packet: nothing to do for a new connection.
      case 'set-update':
        continue;
      case 'dnat': {
        const [ip, port] = splitHostPort(e.to, packet.dport);
        packet = { ...packet, dst: ip, dport: port };
        const st = fired();
        st.nat = { kind: 'DNAT', to: e.to, hit };
        return [{ state: st, end: 'accept' }];
      }
      case 'masquerade': {
        const st = fired();
        st.nat = { kind: 'MASQUERADE', to: '', hit };
        return [{ state: st, end: 'accept' }];
      }
      case 'verdict':
        return applyVerdict(table, e.verdict, fired(), ctx, depth);
      case 'vmap': {
        const set = table.sets.get(e.map);
        const element = set ? lookup(set, e.key, packet) : undefined;
        if (!element?.verdict) return [{ state: s, end: 'next' }];
        hit.element = element;
        hit.map = e.map;
        return applyVerdict(table, element.verdict, fired(), ctx, depth);
      }
      case 'numgen': {
        const out: Step[] = [];
        const base = fired();
        e.verdicts.forEach((v) => {
          out.push(...applyVerdict(table, v, { ...base, probability: base.probability / e.mod }, ctx, depth));
        });
        return out;
      }
      default:
        if (!matches(table, e, packet, ctx)) return [{ state: s, end: 'next' }];
    }
  }
  // Every expression matched and no verdict was given: statements took effect, go on.
  if (packet !== s.packet || rule.exprs.some((e) => e.e === 'mark-set')) return [{ state: fired(), end: 'next' }];
  return [{ state: s, end: 'next' }];
}

function applyVerdict(table: NftTable, v: NftVerdict, s: State, ctx: NfContext, depth: number): Step[] {
  switch (v.v) {
    case 'accept': case 'drop': case 'reject': case 'return': return [{ state: s, end: v.v }];
    case 'jump': case 'goto': {
      const target = table.chains.get(v.chain);
      if (!target) return [{ state: s, end: 'next' }];
      const steps = walk(table, target, s, ctx, depth + 1);
      // After a jump the caller goes on with its next rule; a goto never comes back, so when
      // its target ends, the chain that said goto is over too.
      if (v.v === 'jump') for (const st of steps) if (st.end === 'return') st.end = 'next';
      return steps;
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
  const parts = key.map((k) => (k === 'daddr' ? p.dst : k === 'l4proto' ? p.proto : String(p.dport)));
  return set.elements.get(elementKey(parts));
}

function setHasAddress(set: NftSet, ip: string): boolean {
  if (set.elements.has(ip)) return true;
  for (const k of set.elements.keys()) if (k.includes('/') && addressIn(ip, k)) return true;
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
