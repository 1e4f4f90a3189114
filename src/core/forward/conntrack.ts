import { hostPort } from '../common/ip';
import { Action, Hop, L4Protocol, Packet, UndoneTranslation, Verdict } from './trace';

/**
 * Conntrack: what a forward trace leaves behind on the nodes it crossed, and how the kernel
 * uses it on the reply. Everything here is read from the hops a trace recorded (the packet
 * before and after each translating hop), never from the rules that caused them, so it holds
 * for any ruleset model (iptables, IPVS, kube-proxy's userspace relay, nftables).
 *
 * Kernel behaviour modelled (linux net/netfilter/nf_nat_core.c, nf_nat_proto.c; the
 * conntrack(8) manual for the entry's text):
 * - only the first packet of a connection walks the nat table; every later packet of either
 *   direction is translated from its conntrack entry;
 * - an entry keeps the tuple as the node first saw it (original) and the tuple it expects
 *   back (reply); a packet matching the reply tuple is a reply;
 * - the reverse of a source rewrite (SNAT, MASQUERADE) is a destination rewrite, done where
 *   destinations are rewritten (PREROUTING, OUTPUT); the reverse of a destination rewrite
 *   (DNAT, REDIRECT) is a source rewrite, done at POSTROUTING or INPUT.
 * - IPVS keeps its own connection table but reverses its DNAT the same way on the node that
 *   chose the real server (ip_vs_core.c, ip_vs_out), so it is treated alike.
 */

export interface Tuple {
  src: string;
  sport: number;
  dst: string;
  dport: number;
}

/** One rewrite applied by a forward hop. */
export interface Translation {
  /** The node whose conntrack (or IPVS table) holds it. */
  node: string;
  /** Which side of the packet the forward hop rewrote. */
  rewrites: 'destination' | 'source';
  /** The forward hop's action (dnat, redirected, snat, masquerade). */
  action: Action;
  /** The forward hop's number along its path, as `podpath trace` prints it. */
  hop: number;
  summary: string;
  before: Tuple;
  after: Tuple;
}

/** One node's entry, as `conntrack -L` on that node would list it. */
export interface ConntrackEntry {
  node: string;
  protocol: L4Protocol;
  /** The tuple as this node first saw the connection (before its own translations). */
  original: Tuple;
  /** The tuple this node expects the reply to carry (after its own translations, reversed). */
  reply: Tuple;
  translations: Translation[];
  /** `conntrack -L` style line. */
  text: string;
}

/**
 * One transport connection of a trace. Most traces are one connection; kube-proxy's legacy
 * userspace mode terminates the client's connection in kube-proxy and opens a second one to the
 * backend, so its traces are two.
 */
export interface Connection {
  /** 1-based, in the order the connections are opened. */
  index: number;
  protocol: L4Protocol;
  /** Forward hop numbers (1-based, inclusive) this connection covers. */
  firstHop: number;
  lastHop: number;
  /** The first packet as its sender put it on the wire. */
  original: Tuple;
  /** The same packet as the server received it. */
  received: Tuple;
  /** Where the server end is: the node and namespace that replies, or the outside network. */
  server: { node: string; netns: string; kind: 'pod' | 'node' | 'proxy' | 'outside'; hostNetworkPod?: string };
  /** Where the client end is. */
  client: { node: string; netns: string };
  translations: Translation[];
  /** One entry per node that translated this connection, in the order the request met them. */
  conntrack: ConntrackEntry[];
  /** The forward nodes in the order the request crossed them (the underlay router left out). */
  nodes: string[];
}

const tupleOf = (p: Packet): Tuple => ({ src: p.src, sport: p.sport, dst: p.dst, dport: p.dport });
const swap = (t: Tuple): Tuple => ({ src: t.dst, sport: t.dport, dst: t.src, dport: t.sport });
const sameTuple = (a: Tuple, b: Tuple) => a.src === b.src && a.sport === b.sport && a.dst === b.dst && a.dport === b.dport;

const DESTINATION_REWRITES: ReadonlySet<Action> = new Set<Action>(['dnat', 'redirected']);
const SOURCE_REWRITES: ReadonlySet<Action> = new Set<Action>(['snat', 'masquerade']);

/**
 * Splits a forward path into its connections and reads each one's translations and conntrack
 * entries. `verdict` is the path's verdict: only a request that reached its server is answered.
 * A userspace proxy hop (`proxied`) ends the client's connection and the next hop opens the
 * proxy's own.
 */
export function connectionsOf(hops: Hop[], verdict: Verdict, clientOutside = false): Connection[] {
  const out: Connection[] = [];
  let start = 0;
  for (let i = 0; i < hops.length; i++) {
    const last = i === hops.length - 1;
    if (hops[i].action !== 'proxied' && !last) continue;
    const answered = hops[i].action === 'proxied' || verdict === 'delivered' || verdict === 'exits-cluster';
    if (!answered) break;
    out.push(connection(hops, start, i, out.length + 1, hops[i].action === 'proxied' ? 'proxy' : verdict === 'exits-cluster' ? 'outside' : undefined, clientOutside && out.length === 0));
    start = i + 1;
  }
  return out;
}

function connection(hops: Hop[], first: number, last: number, index: number, serverKind: 'proxy' | 'outside' | undefined, clientOutside: boolean): Connection {
  const own = hops.slice(first, last + 1);
  const translations: Translation[] = [];
  for (let i = first; i <= last; i++) {
    const h = hops[i];
    const rewrites = DESTINATION_REWRITES.has(h.action) ? 'destination' : SOURCE_REWRITES.has(h.action) ? 'source' : undefined;
    if (!rewrites || i === 0) continue;
    translations.push({ node: h.node, rewrites, action: h.action, hop: i + 1, summary: h.summary, before: tupleOf(hops[i - 1].packet), after: tupleOf(h.packet) });
  }
  const protocol = own[0].packet.protocol;
  const end = own[own.length - 1];
  const nodes: string[] = [];
  for (const h of own) if (!h.node.startsWith('(') && nodes[nodes.length - 1] !== h.node) nodes.push(h.node);
  const kind = serverKind ?? (end.netns === 'root' ? 'node' : 'pod');
  const clientHop = own.find((h) => !h.node.startsWith('(')) ?? own[0];
  return {
    index,
    protocol,
    firstHop: first + 1,
    lastHop: last + 1,
    original: tupleOf(own[0].packet),
    received: tupleOf(end.packet),
    server: kind === 'outside' ? { node: '(outside)', netns: 'outside', kind } : { node: end.node, netns: end.netns, kind, ...hostNetworkPod(end) },
    client: clientOutside ? { node: '(outside)', netns: 'outside' } : { node: clientHop.node, netns: clientHop.netns },
    translations,
    conntrack: entriesOf(protocol, translations),
    nodes,
  };
}

/** A hostNetwork pod answers in its node's namespace; the delivering hop names it. */
function hostNetworkPod(end: Hop): { hostNetworkPod?: string } {
  const pod = end.netns === 'root' ? /^pod (\S+) \(hostNetwork: true\)$/.exec(end.decidedBy?.text ?? '')?.[1] : undefined;
  return pod ? { hostNetworkPod: pod } : {};
}

function entriesOf(protocol: L4Protocol, translations: Translation[]): ConntrackEntry[] {
  const byNode = new Map<string, Translation[]>();
  for (const t of translations) byNode.set(t.node, [...(byNode.get(t.node) ?? []), t]);
  return [...byNode].map(([node, ts]) => {
    const original = ts[0].before;
    const reply = swap(ts[ts.length - 1].after);
    return { node, protocol, original, reply, translations: ts, text: conntrackText(protocol, original, reply) };
  });
}

const PROTOCOL_NUMBERS: Record<L4Protocol, number> = { tcp: 6, udp: 17, sctp: 132 };

/** As `conntrack -L` prints an entry (without the timeout, which depends on the clock). */
export function conntrackText(protocol: L4Protocol, original: Tuple, reply: Tuple): string {
  const state = protocol === 'tcp' ? ' ESTABLISHED' : protocol === 'sctp' ? ' ESTABLISHED' : '';
  const t = (x: Tuple) => `src=${x.src} dst=${x.dst} sport=${x.sport} dport=${x.dport}`;
  return `${protocol} ${PROTOCOL_NUMBERS[protocol]}${state} ${t(original)} ${t(reply)} [ASSURED]`;
}

export const tupleText = (t: Tuple) => `${hostPort(t.src, t.sport)} → ${hostPort(t.dst, t.dport)}`;

/** The hooks where conntrack rewrites a reply (see the kernel notes at the top). */
export type ReplyHook = 'PREROUTING' | 'OUTPUT' | 'POSTROUTING' | 'INPUT';

export interface ReverseStep {
  packet: Packet;
  action: 'reverse-dnat' | 'reverse-snat';
  summary: string;
  entry: ConntrackEntry;
  undoes: UndoneTranslation[];
}

/**
 * The conntrack state a forward trace hands to the walk of its reply. The walker asks it at each
 * nat hook of each node; it answers with the rewrite the kernel would make there, and remembers
 * which entries the reply met, so that a reply that bypasses a node with an entry shows.
 */
export class ConntrackHandover {
  private readonly matched = new Set<ConntrackEntry>();
  private readonly undone = new Set<Translation>();

  constructor(readonly connection: Connection) {}

  reverse(node: string, hook: ReplyHook, packet: Packet): ReverseStep | undefined {
    const entry = this.connection.conntrack.find((e) => e.node === node);
    if (!entry) return undefined;
    if (hook === 'PREROUTING' || hook === 'OUTPUT') {
      // The packet is a reply of this entry only if it carries the tuple the node expects back.
      if (!sameTuple(tupleOf(packet), entry.reply)) return undefined;
      this.matched.add(entry);
      const sources = entry.translations.filter((t) => t.rewrites === 'source');
      if (sources.length === 0) return undefined;
      sources.forEach((t) => this.undone.add(t));
      const first = sources[0].before;
      const next = Object.assign({}, packet, { dst: first.src, dport: first.sport });
      const what = sources.map((t) => `${t.action === 'masquerade' ? 'MASQUERADE' : 'SNAT'} of hop ${t.hop}`).join(', ');
      return { packet: next, action: 'reverse-snat', entry, undoes: sources.map(undoneOf), summary: `conntrack (${hook}): the packet carries the reply tuple of ${entry.node}'s entry; reverse ${what}: destination ${hostPort(packet.dst, packet.dport)} → ${hostPort(next.dst, next.dport)}, the client's own address` };
    }
    if (!this.matched.has(entry)) return undefined;
    const dests = entry.translations.filter((t) => t.rewrites === 'destination' && !this.undone.has(t));
    if (dests.length === 0) return undefined;
    dests.forEach((t) => this.undone.add(t));
    const first = dests[0].before;
    const next = Object.assign({}, packet, { src: first.dst, sport: first.dport });
    const what = dests.map((t) => `${t.action === 'redirected' ? 'REDIRECT' : 'DNAT'} of hop ${t.hop}`).join(', ');
    return { packet: next, action: 'reverse-dnat', entry, undoes: dests.map(undoneOf), summary: `conntrack (${hook}): reverse ${what}: source ${hostPort(packet.src, packet.sport)} → ${hostPort(next.src, next.sport)}, the address the client connected to` };
  }

  /** Translations the reply never passed back through. */
  pending(): Translation[] {
    return this.connection.translations.filter((t) => !this.undone.has(t));
  }
}

function undoneOf(t: Translation): UndoneTranslation {
  return { hop: t.hop, node: t.node, action: t.action, summary: t.summary };
}
