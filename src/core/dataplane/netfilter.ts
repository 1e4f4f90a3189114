import { Cause } from './model';

/**
 * Netfilter rules as data. A rule's match terms keep the order they are written in, so the
 * same structure renders the exact `iptables-restore` text kube-proxy writes and is walked by
 * the evaluator (`netfilter-eval.ts`) when a packet is traced.
 */

export type MatchTerm =
  | { m: 'comment'; text: string }
  /** `-m tcp` and other bare module loads: rendered, never a condition. */
  | { m: 'module'; name: string }
  | { m: 'proto'; proto: 'tcp' | 'udp' | 'sctp' | 'icmp'; neg?: boolean }
  | { m: 'src'; cidr: string; neg?: boolean }
  | { m: 'dst'; cidr: string; neg?: boolean }
  | { m: 'sport'; port: number; neg?: boolean }
  | { m: 'dport'; port: number; neg?: boolean }
  | { m: 'in'; iface: string; neg?: boolean }
  | { m: 'out'; iface: string; neg?: boolean }
  /** `-m addrtype --dst-type LOCAL` (or --src-type); LOCAL = an address of this node. */
  | { m: 'addrtype'; dir: 'src' | 'dst'; type: 'LOCAL'; neg?: boolean }
  | { m: 'mark'; value: number; mask: number; neg?: boolean }
  | { m: 'ctstate'; states: string[]; neg?: boolean }
  | { m: 'statistic'; probability: number }
  /** `-m recent`: session affinity. A new connection has no history, so `rcheck` never matches. */
  | { m: 'recent'; name: string; mode: 'rcheck' | 'set'; seconds?: number; reap?: boolean; mask?: string; rsource?: boolean }
  /** `-m set --match-set NAME dst,dst` (ipset, used by ipvs mode). */
  | { m: 'set'; name: string; flags: string; neg?: boolean }
  /** `-m physdev --physdev-is-in` and friends, rendered only. */
  | { m: 'raw'; text: string };

export type Target =
  | { t: 'jump'; chain: string }
  | { t: 'ACCEPT' }
  | { t: 'DROP' }
  | { t: 'RETURN' }
  | { t: 'REJECT'; with?: string }
  | { t: 'DNAT'; to: string }
  | { t: 'SNAT'; to: string }
  | { t: 'MASQUERADE'; randomFully?: boolean }
  | { t: 'REDIRECT'; toPorts: number }
  /** `-j MARK --or-mark V`, `--xor-mark V`, `--set-xmark V/M`. */
  | { t: 'MARK'; op: 'or' | 'xor' | 'set-xmark'; value: number; mask?: number };

export interface Rule {
  terms: MatchTerm[];
  target: Target;
  /** Why the rule exists (usually a Service port or endpoint, with its YAML location). */
  cause?: Cause;
}

export interface Chain {
  name: string;
  /** Built-in chains have a policy; user chains return to their caller at the end. */
  policy?: 'ACCEPT' | 'DROP';
  rules: Rule[];
}

export type TableName = 'raw' | 'mangle' | 'nat' | 'filter';

export interface Table {
  name: TableName;
  /** In the order they are declared in `iptables-save`. */
  chains: Map<string, Chain>;
}

export interface Ruleset {
  tables: Map<TableName, Table>;
  /** ipsets referenced by `set` terms: name → members (`ip`, `ip,proto:port`). */
  ipsets: Map<string, Set<string>>;
  /** The ipset type of each set (`hash:net` …), for writing them into a kernel. */
  ipsetTypes?: Map<string, string>;
}

export const BUILTIN_CHAINS: Record<TableName, string[]> = {
  raw: ['PREROUTING', 'OUTPUT'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
};

export function emptyRuleset(): Ruleset {
  const tables = new Map<TableName, Table>();
  for (const name of ['filter', 'nat'] as TableName[]) {
    const chains = new Map<string, Chain>();
    for (const c of BUILTIN_CHAINS[name]) chains.set(c, { name: c, policy: 'ACCEPT', rules: [] });
    tables.set(name, { name, chains });
  }
  return { tables, ipsets: new Map() };
}

/**
 * A ruleset of this node's own built over a shared one (kube-proxy's rules are shared between
 * nodes with the same local endpoints, and read-only): the tables and chain lists are copied,
 * the chains themselves shared, except the built-in chains named in `writable`, which are
 * copied so rules can be added to them. New chains are the copy's own.
 */
export function nodeRuleset(base: Ruleset, writable: { table: TableName; chain: string }[]): Ruleset {
  const tables = new Map<TableName, Table>();
  for (const [name, t] of base.tables) tables.set(name, { name, chains: new Map(t.chains) });
  const rs: Ruleset = { tables, ipsets: new Map(base.ipsets), ...(base.ipsetTypes ? { ipsetTypes: new Map(base.ipsetTypes) } : {}) };
  for (const w of writable) {
    const c = ensureChain(rs, w.table, w.chain);
    tables.get(w.table)!.chains.set(w.chain, { ...c, rules: [...c.rules] });
  }
  return rs;
}

/** Returns the chain, creating a user chain (appended in declaration order) when missing. */
export function ensureChain(rs: Ruleset, table: TableName, name: string): Chain {
  let t = rs.tables.get(table);
  if (!t) {
    t = { name: table, chains: new Map() };
    for (const c of BUILTIN_CHAINS[table]) t.chains.set(c, { name: c, policy: 'ACCEPT', rules: [] });
    rs.tables.set(table, t);
  }
  let c = t.chains.get(name);
  if (!c) {
    c = { name, rules: [] };
    t.chains.set(name, c);
  }
  return c;
}

export function appendRule(rs: Ruleset, table: TableName, chain: string, terms: MatchTerm[], target: Target, cause?: Cause): Rule {
  const rule: Rule = { terms, target, ...(cause ? { cause } : {}) };
  ensureChain(rs, table, chain).rules.push(rule);
  if (target.t === 'jump') ensureChain(rs, table, target.chain);
  return rule;
}

function neg(flag: boolean | undefined): string {
  return flag ? '! ' : '';
}

function hex(n: number): string {
  return '0x' + n.toString(16);
}

export function renderTerm(term: MatchTerm): string {
  switch (term.m) {
    case 'comment': return `-m comment --comment ${quote(term.text)}`;
    case 'module': return `-m ${term.name}`;
    case 'proto': return `${neg(term.neg)}-p ${term.proto}`;
    case 'src': return `${neg(term.neg)}-s ${term.cidr}`;
    case 'dst': return `${neg(term.neg)}-d ${term.cidr}`;
    case 'sport': return `${neg(term.neg)}--sport ${term.port}`;
    case 'dport': return `${neg(term.neg)}--dport ${term.port}`;
    case 'in': return `${neg(term.neg)}-i ${term.iface}`;
    case 'out': return `${neg(term.neg)}-o ${term.iface}`;
    case 'addrtype': return `-m addrtype ${neg(term.neg)}--${term.dir}-type ${term.type}`;
    case 'mark': return `-m mark ${neg(term.neg)}--mark ${hex(term.value)}${term.mask !== 0xffffffff ? '/' + hex(term.mask) : ''}`;
    case 'ctstate': return `-m conntrack ${neg(term.neg)}--ctstate ${term.states.join(',')}`;
    case 'statistic': return `-m statistic --mode random --probability ${term.probability.toFixed(10)}`;
    case 'recent': {
      const parts = [`-m recent --name ${term.name}`, term.mode === 'rcheck' ? '--rcheck' : '--set'];
      if (term.seconds !== undefined) parts.push(`--seconds ${term.seconds}`);
      if (term.reap) parts.push('--reap');
      if (term.mask) parts.push(`--mask ${term.mask}`);
      // kube-proxy writes no --rsource (it is the default); iptables-save would print it.
      if (term.rsource) parts.push('--rsource');
      return parts.join(' ');
    }
    case 'set': return `-m set ${neg(term.neg)}--match-set ${term.name} ${term.flags}`;
    case 'raw': return term.text;
  }
}

export function renderTarget(target: Target): string {
  switch (target.t) {
    case 'jump': return `-j ${target.chain}`;
    case 'ACCEPT': case 'DROP': case 'RETURN': return `-j ${target.t}`;
    case 'REJECT': return target.with ? `-j REJECT --reject-with ${target.with}` : '-j REJECT';
    case 'DNAT': return `-j DNAT --to-destination ${target.to}`;
    case 'SNAT': return `-j SNAT --to-source ${target.to}`;
    case 'MASQUERADE': return target.randomFully ? '-j MASQUERADE --random-fully' : '-j MASQUERADE';
    case 'REDIRECT': return `-j REDIRECT --to-ports ${target.toPorts}`;
    case 'MARK':
      if (target.op === 'or') return `-j MARK --or-mark ${hex(target.value)}`;
      if (target.op === 'xor') return `-j MARK --xor-mark ${hex(target.value)}`;
      return `-j MARK --set-xmark ${hex(target.value)}/${hex(target.mask ?? 0xffffffff)}`;
  }
}

const ruleTexts = new WeakMap<Rule, string>();

/** One rule as an `iptables-restore` line: `-A CHAIN terms… -j TARGET` (the rule part memoised). */
export function renderRule(chain: string, rule: Rule): string {
  let text = ruleTexts.get(rule);
  if (text === undefined) {
    text = [...rule.terms.map(renderTerm), renderTarget(rule.target)].join(' ');
    ruleTexts.set(rule, text);
  }
  return `-A ${chain} ${text}`;
}

/**
 * `iptables-save` text for the given tables (filter first, then nat, as iptables-save
 * prints them), with zeroed counters so output is deterministic.
 */
export function renderIptablesSave(rs: Ruleset, header = '# Generated by PodPath'): string {
  const lines: string[] = [header];
  for (const name of ['raw', 'mangle', 'filter', 'nat'] as TableName[]) {
    const table = rs.tables.get(name);
    if (!table) continue;
    lines.push(`*${name}`);
    for (const chain of table.chains.values()) lines.push(`:${chain.name} ${chain.policy ?? '-'} [0:0]`);
    for (const chain of table.chains.values()) for (const rule of chain.rules) lines.push(renderRule(chain.name, rule));
    lines.push('COMMIT');
  }
  return lines.join('\n') + '\n';
}

function quote(text: string): string {
  return /^[A-Za-z0-9_./:-]+$/.test(text) ? text : `"${text.replace(/(["\\])/g, '\\$1')}"`;
}

/**
 * The typed ipsets as `ipset save` prints them: a `create` line (Felix creates its pool sets
 * with `family inet maxelem 1048576`; ipset prints the default hashsize 1024), then one `add`
 * per member, sets and members sorted. Empty when the ruleset has no typed set.
 */
export function renderIpsetSave(rs: Ruleset): string {
  const lines: string[] = [];
  for (const [name, type] of [...(rs.ipsetTypes ?? [])].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    lines.push(ipsetCreateArgs(name, type).join(' '));
    for (const m of [...(rs.ipsets.get(name) ?? [])].sort()) lines.push(`add ${name} ${m}`);
  }
  return lines.length ? lines.join('\n') + '\n' : '';
}

/** `create NAME TYPE family inet hashsize 1024 maxelem 1048576`, as words (the lab runs it as `ipset create …`). */
export function ipsetCreateArgs(name: string, type: string): string[] {
  return ['create', name, type, 'family', 'inet', 'hashsize', '1024', 'maxelem', '1048576'];
}
