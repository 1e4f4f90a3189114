import * as fs from 'fs';
import { KernelFeature, labMarker } from '../../core/lab/plan';
import { hasCommand, isRoot, run } from './exec';
import { acquireLabLock, forgetNamespaces, listNamespaces, notOwnedReason, recordNamespaces } from './lifecycle';

/**
 * What this machine can do: the lab needs Linux, root, iproute2 and iptables, and some kernel
 * pieces a container's kernel may lack (no ipip module, no dummy driver). Features are tried
 * in a scratch namespace of the lab's own (`<prefix>-check`, recorded and marked like the
 * lab's other namespaces), removed straight after. Nothing is tried in the host's namespace
 * and nothing is loaded with modprobe: creating a device inside the scratch namespace is all
 * the lab asks of the kernel (which may load the driver on its own, as for any `ip link add`).
 */

/** The expressions kube-proxy's nftables mode needs, in one throwaway table. */
const NFT_PROBE = [
  'table ip t-probe {',
  '\tmap m { type ipv4_addr . inet_proto . inet_service : verdict ; }',
  '\tchain e { meta l4proto tcp dnat to 192.0.2.1:80 ; }',
  '\tchain s { numgen random mod 1 vmap { 0 : goto e } ; }',
  '\tchain n { type nat hook prerouting priority dstnat ; ip daddr . meta l4proto . th dport vmap @m ; }',
  '\tchain p { type nat hook postrouting priority srcnat ; meta mark & 0x00004000 == 0x00004000 masquerade fully-random ; }',
  '\tchain f { type filter hook forward priority filter ; ct state new fib saddr type local reject ; }',
  '}',
  'add element ip t-probe m { 192.0.2.9 . tcp . 80 : goto s }',
  '',
].join('\n');

/** Why the lab cannot run here at all, or undefined when it can. */
export function hostProblem(): string | undefined {
  if (process.platform !== 'linux') return `the kernel lab needs Linux network namespaces (this is ${process.platform})`;
  if (!isRoot()) return 'the kernel lab creates network namespaces and needs root (run as root, e.g. with sudo)';
  const missing = ['ip', 'bridge', 'iptables-restore', 'sysctl'].filter((c) => !hasCommand(c));
  if (missing.length) return `missing ${missing.join(', ')}: install iproute2, iptables and procps (Debian: apt-get install -y iproute2 iptables procps)`;
  if (!fs.existsSync('/proc/self/ns/net')) return 'this kernel has no network namespaces (/proc/self/ns/net is missing)';
  return undefined;
}

export interface FeatureCheck {
  missing: KernelFeature[];
  /** One line per missing feature: what was tried and what the kernel said. */
  notes: string[];
  /** Why nothing could be checked (the lab is in use, its scratch namespace name is taken). */
  problem?: string;
}

/** Tries each feature in a scratch namespace; returns those the kernel refuses. */
export function checkFeatures(prefix: string, wanted: readonly KernelFeature[]): FeatureCheck {
  const ns = `${prefix}-check`;
  const missing: KernelFeature[] = [];
  const notes: string[] = [];
  const lock = acquireLabLock(prefix, 'podpath lab (kernel feature check)');
  if (!lock.ok) return { missing: [], notes: [], problem: lock.message };
  try {
    // A scratch namespace left by an interrupted check is ours only when recorded and marked.
    if (listNamespaces().includes(ns)) {
      const reason = notOwnedReason(prefix, ns);
      if (reason) return { missing: [], notes: [], problem: `namespace ${ns} exists and is not this lab's (${reason}); choose another --prefix` };
      run(['ip', 'netns', 'delete', ns]);
    }
    recordNamespaces(prefix, [ns]);
    const created = run(['ip', 'netns', 'add', ns]);
    if (created.code !== 0) {
      forgetNamespaces(prefix, [ns]);
      return { missing: ['netns'], notes: [`ip netns add: ${created.stderr.trim() || created.failure}`] };
    }
    try {
      const marked = run(['ip', '-n', ns, 'link', 'set', 'dev', 'lo', 'alias', labMarker(prefix)]);
      if (marked.code !== 0) return { missing: ['netns'], notes: [`ip link set dev lo alias: ${marked.stderr.trim() || marked.failure}`] };
      tryFeatures(ns, wanted, missing, notes);
    } finally {
      run(['ip', 'netns', 'delete', ns]);
      forgetNamespaces(prefix, [ns]);
    }
  } finally {
    lock.release();
  }
  return { missing, notes };
}

function tryFeatures(ns: string, wanted: readonly KernelFeature[], missing: KernelFeature[], notes: string[]): void {
  const tryLink = (feature: KernelFeature, ...args: string[]) => {
    const r = run(['ip', '-n', ns, 'link', 'add', `t-${feature}`.slice(0, 15), ...args]);
    if (r.code !== 0) {
      missing.push(feature);
      notes.push(`${feature}: ip link add … ${args.join(' ')} says "${r.stderr.trim() || r.failure}"`);
    }
    return r.code === 0;
  };
  for (const f of wanted) {
    switch (f) {
      case 'veth': tryLink('veth', 'type', 'veth', 'peer', 'name', 't-peer'); break;
      case 'bridge': tryLink('bridge', 'type', 'bridge'); break;
      case 'vxlan': tryLink('vxlan', 'type', 'vxlan', 'id', '42', 'dstport', '4789'); break;
      case 'dummy': tryLink('dummy', 'type', 'dummy'); break;
      case 'ipip': {
        // tunl0 appears in every namespace once the ipip driver is in the kernel; asking for an
        // ipip device inside the scratch namespace is what lets the kernel bring it in by itself.
        let has = run(['ip', '-n', ns, 'link', 'show', 'tunl0']).code === 0;
        if (!has) {
          run(['ip', '-n', ns, 'link', 'add', 't-ipip', 'type', 'ipip', 'local', '192.0.2.1', 'remote', '192.0.2.2']);
          has = run(['ip', '-n', ns, 'link', 'show', 'tunl0']).code === 0;
        }
        if (!has) {
          missing.push('ipip');
          notes.push(`ipip: no tunl0 in a new namespace, and the kernel refuses an ipip device there${fs.existsSync('/proc/modules') ? '' : ' (this kernel has no loadable modules)'}`);
        }
        break;
      }
      case 'br_netfilter': {
        // Only a bridge in the namespace, and the sysctl read inside it: br_netfilter is loaded by the host's owner, not by the lab.
        const r = run(['ip', 'netns', 'exec', ns, 'sysctl', '-n', 'net.bridge.bridge-nf-call-iptables']);
        if (r.code !== 0) {
          missing.push('br_netfilter');
          notes.push('br_netfilter: net.bridge.bridge-nf-call-iptables does not exist in a namespace (the br_netfilter module is not loaded on this host)');
        }
        break;
      }
      case 'iptables': {
        const r = run(['ip', 'netns', 'exec', ns, 'iptables-restore', '--test'], { stdin: '*nat\n:POSTROUTING ACCEPT [0:0]\n-A POSTROUTING -m mark --mark 0x4000/0x4000 -m statistic --mode random --probability 0.5 -j MASQUERADE --random-fully\nCOMMIT\n' });
        if (r.code !== 0) {
          missing.push('iptables');
          notes.push(`iptables: iptables-restore --test fails: ${r.stderr.trim() || r.failure}`);
        }
        break;
      }
      case 'ipset': {
        // Calico's natOutgoing matches its IP pools by ipset (Debian package ipset; the kernel's ip_set).
        if (!hasCommand('ipset')) {
          missing.push('ipset');
          notes.push('ipset: the ipset command is missing (Debian: apt-get install -y ipset)');
          break;
        }
        const r = run(['ip', 'netns', 'exec', ns, 'ipset', 'create', 't-ipset', 'hash:net']);
        if (r.code !== 0) {
          missing.push('ipset');
          notes.push(`ipset: ipset create … hash:net says "${r.stderr.trim() || r.failure}"`);
        }
        break;
      }
      case 'nftables': {
        // kube-proxy's nftables mode: the nft command (Debian package nftables) and a kernel
        // with nf_tables, verdict maps over concatenations, numgen and NAT.
        if (!hasCommand('nft')) {
          missing.push('nftables');
          notes.push('nftables: the nft command is missing (Debian: apt-get install -y nftables)');
          break;
        }
        const r = run(['ip', 'netns', 'exec', ns, 'nft', '-f', '-'], { stdin: NFT_PROBE });
        if (r.code !== 0) {
          missing.push('nftables');
          notes.push(`nftables: nft -f refuses a small kube-proxy-like table: ${r.stderr.trim() || r.failure}`);
        }
        break;
      }
      case 'ipv6': {
        // IPv6 may be switched off (ipv6.disable=1, or disable_ipv6 in new namespaces), and ip6tables may be missing.
        const addr = run(['ip', '-n', ns, 'addr', 'add', 'fd00:5eed::1/128', 'dev', 'lo', 'nodad']);
        const rules = addr.code === 0 ? run(['ip', 'netns', 'exec', ns, 'ip6tables-restore', '--test'], { stdin: '*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -d fd00::/8 -p tcp -j DNAT --to-destination [fd00::5]:80\nCOMMIT\n' }) : undefined;
        if (addr.code !== 0) {
          missing.push('ipv6');
          notes.push(`ipv6: ip addr add fd00:5eed::1/128 says "${addr.stderr.trim() || addr.failure}"`);
        } else if (rules && rules.code !== 0) {
          missing.push('ipv6');
          notes.push(`ipv6: ip6tables-restore --test fails: ${rules.stderr.trim() || rules.failure}`);
        }
        break;
      }
      case 'netns':
        break;
    }
  }
}
