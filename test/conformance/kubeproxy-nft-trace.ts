import { NfContext, NfPacket } from '../../src/core/dataplane/netfilter-eval';
import { emptyRuleset } from '../../src/core/dataplane/netfilter';
import { NftRuleset } from '../../src/core/dataplane/nftables';
import { hitText, traverseNodeNetfilter } from '../../src/core/forward/netfilter-stage';
import { LOCAL_IPS, PacketFlowTest, TraceResult } from './kubeproxy-trace';

/**
 * kube-proxy's nftables packet tracer (pkg/proxy/nftables/helpers_test.go, runPacketFlowTests)
 * re-expressed on PodPath's netfilter stage, the same code the engine walks: prerouting (output
 * when the node itself sends) with its filter and nat base chains in priority order, then the
 * input hook when the packet stays on the node, forward otherwise (output's later chains for
 * the node's own packets), then postrouting to see whether it is masqueraded.
 *
 * Output is upstream's: the DNAT destinations in endpoint order ("ip:port, ip:port"), or
 * DROP / REJECT, or "" when nothing matched; `masq` means the masquerading chain rewrote the
 * source in postrouting.
 */
export function traceNftPacket(rs: NftRuleset, t: PacketFlowTest, localIPs: readonly string[] = LOCAL_IPS): TraceResult {
  const node = { netfilter: emptyRuleset(), nftables: rs };
  const local = new Set(localIPs);
  const ctx: NfContext = { isLocal: (ip) => local.has(ip) };
  const proto = (t.protocol ?? 'TCP').toLowerCase() as NfPacket['proto'];
  const packet: NfPacket = { src: t.sourceIP, dst: t.destIP, proto, sport: 40000, dport: t.destPort, mark: 0 };
  const fromNode = local.has(t.sourceIP);
  const outputs: string[] = [];
  const verdicts: string[] = [];
  const matches: string[] = [];
  let masq = false;
  const note = (hits: Parameters<typeof hitText>[0][]) => { for (const h of hits) matches.push(hitText(h)); };
  const verdict = (v: string) => { if (!verdicts.includes(v)) verdicts.push(v); };

  for (const first of traverseNodeNetfilter(node, 'nat', fromNode ? 'OUTPUT' : 'PREROUTING', packet, ctx)) {
    note(first.hits);
    if (first.verdict !== 'ACCEPT') { verdict(first.verdict); continue; }
    if (first.nat?.kind === 'DNAT') outputs.push(first.nat.to);
    const after = first.packet;
    const hook = fromNode ? 'OUTPUT' : local.has(after.dst) ? 'INPUT' : 'FORWARD';
    for (const f of traverseNodeNetfilter(node, 'filter', hook, after, ctx)) {
      note(f.hits);
      if (f.verdict !== 'ACCEPT') { verdict(f.verdict); continue; }
      if (hook === 'INPUT') continue;
      for (const post of traverseNodeNetfilter(node, 'nat', 'POSTROUTING', f.packet, ctx)) {
        note(post.hits);
        if (post.nat?.kind === 'MASQUERADE') masq = true;
      }
    }
  }
  return { output: [...outputs, ...verdicts].join(', '), masq, matches };
}

export function nftPacketFlowFailures(rs: NftRuleset, cases: PacketFlowTest[], localIPs: readonly string[] = LOCAL_IPS): string[] {
  const failures: string[] = [];
  for (const c of cases) {
    const r = traceNftPacket(rs, c, localIPs);
    const want = c.masq ?? false;
    if (r.output !== c.output || r.masq !== want) {
      failures.push(`${c.name}: ${c.protocol ?? 'TCP'} ${c.sourceIP} -> ${c.destIP}:${c.destPort}\n` +
        `  expected output ${JSON.stringify(c.output)} masq ${want}\n  got      output ${JSON.stringify(r.output)} masq ${r.masq}\n` +
        `  matched:\n    ${r.matches.join('\n    ')}`);
    }
  }
  return failures;
}
