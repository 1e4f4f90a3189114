import { fnv1a, sha1Hex } from '../common/hash';
import { Cluster } from '../cluster/model';

/**
 * Names of everything the kernel lab creates. Every network namespace starts with
 * `<prefix>-`, and a prefix is letters and digits only, so `<prefix>-` can never be the start
 * of another lab's names: `down` may delete by prefix without touching anything else.
 *
 * Devices live inside the lab's own namespaces, so a node's devices keep PodPath's names
 * (eth0, cni0, flannel.1, vethXXXXXXXX, caliXXXXXXXXXXX) — one namespace per node means no
 * two nodes' names clash. Only a name Linux refuses (over 15 bytes, or with '/', ':' or
 * spaces) is replaced, and the replacement is recorded so route comparisons can map back.
 */

/** A lab prefix: a letter, then 1–11 lower-case letters or digits. */
export const PREFIX_PATTERN = /^[a-z][a-z0-9]{1,11}$/;

/** IFNAMSIZ is 16 bytes including the terminating NUL. */
export const MAX_IFNAME = 15;

export function isValidPrefix(prefix: string): boolean {
  return PREFIX_PATTERN.test(prefix);
}

/** The default prefix: `pp` + a hash of the cluster's name and nodes, stable for the same manifests. */
export function defaultPrefix(cluster: Cluster): string {
  const seed = [cluster.config.name, ...cluster.nodes.map((n) => `${n.name}=${n.ip}`)].join(',');
  return 'pp' + sha1Hex(seed).slice(0, 6);
}

export function isValidIfname(name: string): boolean {
  return name.length > 0 && name.length <= MAX_IFNAME && name !== '.' && name !== '..' && !/[/:\s]/.test(name);
}

export class LabNames {
  readonly underlayNs: string;
  readonly routerNs: string;
  readonly outsideNs: string;
  private readonly deviceNames = new Map<string, string>();
  private readonly used = new Set<string>();
  private readonly nsNames = new Map<string, string>();

  constructor(readonly prefix: string) {
    if (!isValidPrefix(prefix)) throw new Error(`lab prefix "${prefix}" must match ${PREFIX_PATTERN} (a letter, then 1–11 lower-case letters or digits)`);
    this.underlayNs = `${prefix}-underlay`;
    this.routerNs = `${prefix}-router`;
    this.outsideNs = `${prefix}-outside`;
  }

  /** Is this namespace one of this lab's? (`down` deletes exactly these.) */
  owns(netns: string): boolean {
    return netns.startsWith(`${this.prefix}-`);
  }

  nodeNs(node: string): string {
    return this.unique(`node/${node}`, `${this.prefix}-node-${safe(node)}`);
  }

  /** A pod's namespace from its key (`namespace/name`). */
  podNs(podKey: string): string {
    const [ns, name] = podKey.split('/');
    return this.unique(`pod/${podKey}`, `${this.prefix}-pod-${safe(ns)}.${safe(name)}`);
  }

  /**
   * The Linux name for a PodPath device in one namespace: the same name when Linux accepts
   * it, else a short stable stand-in (`pd` + hash). `netns` scopes the mapping.
   */
  device(netns: string, name: string): string {
    if (isValidIfname(name)) return name;
    const key = `${netns}\0${name}`;
    let mapped = this.deviceNames.get(key);
    if (!mapped) {
      mapped = `pd${fnv1a(name).toString(16).padStart(8, '0')}`;
      this.deviceNames.set(key, mapped);
    }
    return mapped;
  }

  /** Devices renamed because Linux would refuse PodPath's name: `netns`, model name, Linux name. */
  renamedDevices(): { netns: string; model: string; linux: string }[] {
    return [...this.deviceNames.entries()].map(([k, linux]) => {
      const [netns, model] = k.split('\0');
      return { netns, model, linux };
    });
  }

  /** Namespace names are file names under /run/netns: keep them short and readable, hash the rest. */
  private unique(key: string, name: string): string {
    const known = this.nsNames.get(key);
    if (known) return known;
    let out = name.length <= 60 ? name : `${name.slice(0, 50)}-${sha1Hex(name).slice(0, 8)}`;
    // Two objects can sanitise to the same name (a.b vs a_b): disambiguate deterministically.
    for (let i = 2; this.used.has(out) && i < 1000; i++) out = `${name.slice(0, 56)}-${i}`;
    this.used.add(out);
    this.nsNames.set(key, out);
    return out;
  }
}

/** Letters, digits, '.', '_' and '-' pass; anything else becomes '_'. */
function safe(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]/g, '_');
}
