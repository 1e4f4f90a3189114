import { createHash } from 'crypto';
import { Cluster, PodInfo } from '../cluster/model';
import { Cause, NodeDataplane } from './model';
import { appendRule, ensureChain, nodeRuleset, Ruleset } from './netfilter';

/**
 * Pod → outside masquerade, written as each CNI component writes it into nat POSTROUTING:
 * flanneld's FLANNEL-POSTRTG chain (`--ip-masq`), Calico Felix's cali-nat-outgoing (an IP
 * pool with `natOutgoing`), and the bridge plugin's per-container CNI-… chain (`ipMasq`).
 * The engine walks nat POSTROUTING generically, so a trace meets these rules like any other.
 */

/** IPv4 multicast, never masqueraded by flanneld nor by the bridge plugin. */
export const MULTICAST_V4 = '224.0.0.0/4';
/** IPv6 multicast, the same exception in the ip6tables rules (flannel masqIP6Rules, the bridge plugin's SetupIPMasq). */
export const MULTICAST_V6 = 'ff00::/8';

/** Felix's IPv4 ipsets of IP pools (felix/rules/rule_defs.go: IPSetIDNATOutgoingMasqPools, …AllPools; "cali40" = Calico, IPv4, version 0). */
export const CALICO_MASQ_POOLS_SET = 'cali40masq-ipam-pools';
export const CALICO_ALL_POOLS_SET = 'cali40all-ipam-pools';
/** The same ipsets for IPv6 pools ("cali60": Calico, IPv6, version 0). */
export const CALICO_MASQ_POOLS_SET6 = 'cali60masq-ipam-pools';
export const CALICO_ALL_POOLS_SET6 = 'cali60all-ipam-pools';

export function programMasquerade(cluster: Cluster, dp: NodeDataplane, pods: PodInfo[]): void {
  const cfg = cluster.config;
  const writes = cfg.plugin === 'calico' || (cfg.masquerade && (cfg.plugin === 'flannel' || pods.length > 0));
  if (!writes) return;
  // kube-proxy's rules may be shared with other nodes: this node gets its own nat POSTROUTING.
  dp.netfilter = nodeRuleset(dp.netfilter, [{ table: 'nat', chain: 'POSTROUTING' }]);
  // The IPv6 view writes the same chains into ip6tables, under each component's IPv6 switch.
  const v6 = cfg.family === 6;
  switch (cfg.plugin) {
    case 'flannel':
      if (cfg.masquerade) flannelMasqRules(dp.netfilter, cfg.clusterCIDR.text, dp.node.podCIDR.text, v6 ? switchCause(cluster, 'ip6Masq', 'flanneld --ip6-masq') : switchCause(cluster, 'ipMasq', 'flanneld --ip-masq'), v6 ? MULTICAST_V6 : MULTICAST_V4);
      break;
    case 'calico':
      calicoNatOutgoing(dp.netfilter, cfg.clusterCIDR.text, cfg.masquerade === true, switchCause(cluster, v6 ? 'natOutgoing6' : 'natOutgoing', `Calico IP pool ${cfg.clusterCIDR.text} (natOutgoing: ${cfg.masquerade === true})`), v6 ? [CALICO_MASQ_POOLS_SET6, CALICO_ALL_POOLS_SET6] : [CALICO_MASQ_POOLS_SET, CALICO_ALL_POOLS_SET]);
      break;
    case 'bridge':
      if (cfg.masquerade) for (const pod of pods) bridgeIpMasq(dp.netfilter, cfg.bridgeName, pod, dp.node.podCIDR.text, switchCause(cluster, 'ipMasq', `bridge plugin ipMasq for pod ${pod.key}`));
      break;
  }
}

/** The switch in the Cluster document (its nearest written parent when it is left at the default). */
function switchCause(cluster: Cluster, field: 'ipMasq' | 'natOutgoing' | 'ip6Masq' | 'natOutgoing6', text: string): Cause {
  return { text, locator: cluster.config.locator, path: ['spec', 'cni', field] };
}

/**
 * flanneld with `--ip-masq`, rule for rule and in its order (flannel-io/flannel
 * pkg/trafficmngr/iptables/iptables.go `masqRules`; the expected lists in iptables_test.go):
 * a jump from POSTROUTING, then in FLANNEL-POSTRTG kube-proxy's 0x4000/0x4000 mark returns
 * (no double NAT), this node's subnet ↔ the cluster network returns, traffic from outside
 * into this node's subnet returns (a NodePort with externalTrafficPolicy Local keeps the
 * client), cluster → anything but multicast is masqueraded, and outside → the rest of the
 * cluster network is masqueraded. `--random-fully` as flanneld writes it when iptables
 * supports it (iptables ≥ 1.6.2) and --ip-masq-random-fully-disable is not given. All rules
 * carry the comment "flanneld masq". flanneld appends its jump (`-A`) while kube-proxy
 * prepends its own, so KUBE-POSTROUTING comes first.
 */
export function flannelMasqRules(rs: Ruleset, clusterCIDR: string, podCIDR: string, cause: Cause, multicast = MULTICAST_V4): void {
  const comment = { m: 'comment' as const, text: 'flanneld masq' };
  const chain = 'FLANNEL-POSTRTG';
  appendRule(rs, 'nat', 'POSTROUTING', [comment], { t: 'jump', chain }, cause);
  appendRule(rs, 'nat', chain, [{ m: 'mark', value: 0x4000, mask: 0x4000 }, comment], { t: 'RETURN' }, cause);
  appendRule(rs, 'nat', chain, [{ m: 'src', cidr: podCIDR }, { m: 'dst', cidr: clusterCIDR }, comment], { t: 'RETURN' }, cause);
  appendRule(rs, 'nat', chain, [{ m: 'src', cidr: clusterCIDR }, { m: 'dst', cidr: podCIDR }, comment], { t: 'RETURN' }, cause);
  appendRule(rs, 'nat', chain, [{ m: 'src', cidr: clusterCIDR, neg: true }, { m: 'dst', cidr: podCIDR }, comment], { t: 'RETURN' }, cause);
  appendRule(rs, 'nat', chain, [{ m: 'src', cidr: clusterCIDR }, { m: 'dst', cidr: multicast, neg: true }, comment], { t: 'MASQUERADE', randomFully: true }, cause);
  appendRule(rs, 'nat', chain, [{ m: 'src', cidr: clusterCIDR, neg: true }, { m: 'dst', cidr: clusterCIDR }, comment], { t: 'MASQUERADE', randomFully: true }, cause);
}

/**
 * Calico Felix (iptables data plane): nat POSTROUTING jumps to cali-POSTROUTING, which jumps
 * to cali-fip-snat and cali-nat-outgoing (felix/rules/static.go StaticNATPostroutingChains);
 * Felix inserts its hooks at the top of the built-in chains (ChainInsertMode insert, the
 * default), so they come before kube-proxy's. cali-nat-outgoing holds one rule when some pool
 * has natOutgoing: source in the masquerading pools, destination in no pool → MASQUERADE
 * (felix/rules/nat.go makeNATOutgoingRuleIPTables; felix/rules/nat_test.go), with
 * `--random-fully` when the iptables supports it (felix/iptables/actions.go MasqAction). The
 * pools are the ipsets cali40masq-ipam-pools (natOutgoing pools) and cali40all-ipam-pools
 * (every pool), type hash:net; here the one pool is the cluster CIDR. Every Felix rule
 * carries its `cali:<hash>` comment (see felixRuleHashes).
 *
 * Not written: cali-POSTROUTING's rule for host-sourced traffic leaving by a tunnel device.
 */
export function calicoNatOutgoing(rs: Ruleset, poolCIDR: string, natOutgoing: boolean, cause: Cause, [masqSet, allSet] = [CALICO_MASQ_POOLS_SET, CALICO_ALL_POOLS_SET]): void {
  const felix = (chain: string, fragments: string[]) => felixRuleHashes(chain, fragments).map((h) => ({ m: 'comment' as const, text: `cali:${h}` }));
  const post = ensureChain(rs, 'nat', 'POSTROUTING');
  post.rules.unshift({ terms: felix('POSTROUTING', ['--jump cali-POSTROUTING']), target: { t: 'jump', chain: 'cali-POSTROUTING' }, cause });
  ensureChain(rs, 'nat', 'cali-POSTROUTING');
  const [fip, nat] = felix('cali-POSTROUTING', ['--jump cali-fip-snat', '--jump cali-nat-outgoing']);
  appendRule(rs, 'nat', 'cali-POSTROUTING', [fip], { t: 'jump', chain: 'cali-fip-snat' }, cause);
  appendRule(rs, 'nat', 'cali-POSTROUTING', [nat], { t: 'jump', chain: 'cali-nat-outgoing' }, cause);
  rs.ipsets.set(allSet, new Set([poolCIDR]));
  rs.ipsets.set(masqSet, new Set(natOutgoing ? [poolCIDR] : []));
  rs.ipsetTypes ??= new Map();
  rs.ipsetTypes.set(allSet, 'hash:net');
  rs.ipsetTypes.set(masqSet, 'hash:net');
  if (!natOutgoing) return;
  const [masq] = felix('cali-nat-outgoing', [`-m set --match-set ${masqSet} src -m set ! --match-set ${allSet} dst --jump MASQUERADE --random-fully`]);
  appendRule(rs, 'nat', 'cali-nat-outgoing', [
    masq,
    { m: 'set', name: masqSet, flags: 'src' },
    { m: 'set', name: allSet, flags: 'dst', neg: true },
  ], { t: 'MASQUERADE', randomFully: true }, cause);
}

/**
 * Felix's rule ids, the `cali:<hash>` comment on each of its rules (felix/iptables and
 * felix/generictables Chain.RuleHashes): SHA-224 of the chain name, then for each rule
 * SHA-224 of the previous hash followed by the rule as Felix renders it for hashing
 * (`-A <chain> HASH <match> <action>`, in Felix's own spelling: `--jump`, `--match-set`),
 * written in URL-safe base64 and cut to 16 characters. So a rule's id depends on its chain,
 * its position and the rules before it, as on a real node (POSTROUTING's hook is
 * `cali:O3lYWMrLQYEMJtB5` on every Calico node).
 */
export function felixRuleHashes(chain: string, fragments: string[]): string[] {
  let hash = createHash('sha224').update(chain).digest();
  return fragments.map((f) => {
    hash = createHash('sha224').update(hash).update(`-A ${chain} HASH ${f}`).digest();
    return hash.toString('base64url').slice(0, 16);
  });
}

/**
 * The bridge plugin with `ipMasq: true` (containernetworking/plugins pkg/ip/ipmasq_iptables_linux.go
 * SetupIPMasq): per container a chain named by pkg/utils FormatChainName ("CNI-" and the first
 * 24 hex digits of sha512(network name + container id)), commented by FormatComment
 * (`name: "<network>" id: "<container id>"`); the pod's subnet is accepted untouched, anything
 * else but multicast is masqueraded; POSTROUTING sends the pod's own address there.
 * The container id is the pod sandbox's, which PodPath derives from the pod's key; the network
 * is named after its bridge (a CNI config's `name`).
 */
export function bridgeIpMasq(rs: Ruleset, network: string, pod: PodInfo, podCIDR: string, cause: Cause): void {
  const containerId = sandboxId(pod);
  const chain = cniChainName(network, containerId);
  const comment = { m: 'comment' as const, text: `name: "${network}" id: "${containerId}"` };
  appendRule(rs, 'nat', chain, [{ m: 'dst', cidr: podCIDR }, comment], { t: 'ACCEPT' }, cause);
  const v6 = pod.ip.includes(':');
  appendRule(rs, 'nat', chain, [{ m: 'dst', cidr: v6 ? MULTICAST_V6 : MULTICAST_V4, neg: true }, comment], { t: 'MASQUERADE' }, cause);
  appendRule(rs, 'nat', 'POSTROUTING', [{ m: 'src', cidr: `${pod.ip}/${v6 ? 128 : 32}` }, comment], { t: 'jump', chain }, cause);
}

/** containernetworking/plugins pkg/utils FormatChainName: exactly 28 characters. */
export function cniChainName(network: string, containerId: string): string {
  return ('CNI-' + createHash('sha512').update(network + containerId).digest('hex')).slice(0, 28);
}

/** A stable stand-in for the pod sandbox's container id (64 hex digits, as the runtime's). */
export function sandboxId(pod: PodInfo): string {
  return createHash('sha256').update(`sandbox/${pod.key}`).digest('hex');
}
