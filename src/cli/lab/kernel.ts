import * as fs from 'fs';
import { KernelFeature } from '../../core/lab/plan';
import { hasCommand, isRoot, run } from './exec';

/**
 * What this machine can do: the lab needs Linux, root, iproute2 and iptables, and some kernel
 * pieces a container's kernel may lack (no ipip module, no dummy driver). Features are tried
 * in a scratch namespace of the lab's own (`<prefix>-check`), removed straight after.
 */

/** Why the lab cannot run here at all, or undefined when it can. */
export function hostProblem(): string | undefined {
  if (process.platform !== 'linux') return `the kernel lab needs Linux network namespaces (this is ${process.platform})`;
  if (!isRoot()) return 'the kernel lab creates network namespaces and needs root (run as root, e.g. with sudo)';
  const missing = ['ip', 'bridge', 'iptables-restore', 'sysctl'].filter((c) => !hasCommand(c));
  if (missing.length) return `missing ${missing.join(', ')}: install iproute2, iptables and procps (Debian: apt-get install -y iproute2 iptables procps)`;
  return undefined;
}

export interface FeatureCheck {
  missing: KernelFeature[];
  /** One line per missing feature: what was tried and what the kernel said. */
  notes: string[];
}

/** Tries each feature in a scratch namespace; returns those the kernel refuses. */
export function checkFeatures(prefix: string, wanted: readonly KernelFeature[]): FeatureCheck {
  const ns = `${prefix}-check`;
  const missing: KernelFeature[] = [];
  const notes: string[] = [];
  run(['ip', 'netns', 'delete', ns]);
  const created = run(['ip', 'netns', 'add', ns]);
  if (created.code !== 0) return { missing: ['netns'], notes: [`ip netns add: ${created.stderr.trim() || created.failure}`] };
  try {
    const tryLink = (feature: KernelFeature, ...args: string[]) => {
      const r = run(['ip', '-n', ns, 'link', 'add', `t-${feature}`.slice(0, 15), ...args]);
      if (r.code !== 0) {
        missing.push(feature);
        notes.push(`${feature}: ip link add … ${args.join(' ')} says "${r.stderr.trim() || r.failure}"`);
      }
    };
    for (const f of wanted) {
      switch (f) {
        case 'veth': tryLink('veth', 'type', 'veth', 'peer', 'name', 't-peer'); break;
        case 'bridge': tryLink('bridge', 'type', 'bridge'); break;
        case 'vxlan': tryLink('vxlan', 'type', 'vxlan', 'id', '42', 'dstport', '4789'); break;
        case 'dummy': tryLink('dummy', 'type', 'dummy'); break;
        case 'ipip': {
          // tunl0 appears in every namespace once the ipip module is loaded.
          let has = run(['ip', '-n', ns, 'link', 'show', 'tunl0']).code === 0;
          if (!has && hasCommand('modprobe')) {
            run(['modprobe', 'ipip'], { timeoutMs: 10_000 });
            has = run(['ip', '-n', ns, 'link', 'show', 'tunl0']).code === 0;
          }
          if (!has) {
            missing.push('ipip');
            notes.push(`ipip: no tunl0 in a new namespace and the ipip module cannot be loaded${fs.existsSync('/proc/modules') ? '' : ' (this kernel has no loadable modules)'}`);
          }
          break;
        }
        case 'br_netfilter': {
          const r = run(['ip', 'netns', 'exec', ns, 'sysctl', '-n', 'net.bridge.bridge-nf-call-iptables']);
          if (r.code !== 0) {
            missing.push('br_netfilter');
            notes.push('br_netfilter: net.bridge.bridge-nf-call-iptables does not exist in a namespace (modprobe br_netfilter)');
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
        case 'netns':
          break;
      }
    }
  } finally {
    run(['ip', 'netns', 'delete', ns]);
  }
  return { missing, notes };
}
