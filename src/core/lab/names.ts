import { fnv1a, sha1Hex } from '../common/hash';
import { Cluster } from '../cluster/model';

/**
 * Names of everything the kernel lab creates. Every network namespace starts with
 * `<prefix>-`, and a prefix is letters and digits only, so `<prefix>-` can never be the start
 * of another lab's names. The prefix alone proves nothing about who made a namespace (another
 * program may use the same words), so `down` also needs the lab's record and its marker.
 *
 * Devices live inside the lab's own namespaces, so a node's devices keep PodPath's names
 * (eth0, cni0, flannel.1, vethXXXXXXXX, caliXXXXXXXXXXX) — one namespace per node means no
 * two nodes' names clash. A name that is only too long (over 15 bytes) is replaced, and the
 * replacement is recorded so route comparisons can map back; any other name Linux or `ip`
 * would refuse or misread makes the plan refuse the cluster.
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

/**
 * Why Linux (or `ip`) would not take this as an interface name, or undefined when it would.
 * Linux: at most IFNAMSIZ-1 = 15 bytes, not empty, not "." or "..", no '/', ':' or white
 * space (linux net/core/dev.c dev_valid_name), and a '%' makes the kernel pick a number
 * (dev_alloc_name). The lab is stricter: ASCII letters, digits, '.', '_' and '-' only, so a
 * name is also safe in a script, a sysctl path and a rule. `ip` reads a word that abbreviates
 * one of its keywords as that keyword (`ip link add help` prints the usage, `m` means `mtu`),
 * and `lo` already exists in every namespace.
 */
export function ifnameProblem(name: string): string | undefined {
  if (name.length === 0) return 'an empty name';
  if (!/^[A-Za-z0-9._-]+$/.test(name)) return 'only ASCII letters, digits, ".", "_" and "-" are allowed';
  if (Buffer.byteLength(name, 'utf8') > MAX_IFNAME) return `longer than ${MAX_IFNAME} bytes (IFNAMSIZ)`;
  if (name === '.' || name === '..') return 'not a file name in /sys/class/net';
  if (name === 'lo') return 'every namespace already has lo';
  if (isIpKeyword(name)) return `\`ip\` would read it as its keyword "${IP_KEYWORDS.find((k) => k.startsWith(name))}"`;
  return undefined;
}

export function isValidIfname(name: string): boolean {
  return ifnameProblem(name) === undefined;
}

/**
 * Words `ip link add|set`, `ip addr`, `ip route` and `ip neigh` take as keywords where the lab
 * writes a device name (iproute2 ip/iplink.c iplink_parse and friends match any abbreviation).
 */
const IP_KEYWORDS = [
  'help', 'up', 'down', 'name', 'index', 'type', 'link', 'address', 'broadcast', 'brd', 'peer', 'mtu', 'netns', 'multicast',
  'allmulticast', 'promisc', 'trailers', 'arp', 'carrier', 'txqueuelen', 'txqlen', 'qlen', 'master', 'nomaster', 'vrf', 'dynamic',
  'mode', 'state', 'numtxqueues', 'numrxqueues', 'addrgenmode', 'link-netns', 'link-netnsid', 'protodown', 'protodown_reason',
  'gso_max_size', 'gso_max_segs', 'gro_max_size', 'alias', 'group', 'dev', 'xdp', 'xdpgeneric', 'xdpdrv', 'xdpoffload', 'vf',
  'altname', 'parentdev', 'mtu', 'hairpin', 'learning', 'nolearning', 'id', 'local', 'remote', 'dstport', 'via', 'scope', 'proto',
  'src', 'onlink', 'lladdr', 'nud', 'self', 'permanent', 'default', 'blackhole', 'unreachable', 'prohibit', 'throw', 'table',
];

function isIpKeyword(name: string): boolean {
  return IP_KEYWORDS.some((k) => k.startsWith(name));
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

  /** Could this namespace be one of this lab's? (by name only: `down` also checks record and marker) */
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
   * it, else a short stable stand-in (`pd` + hash) for a name that is only too long. A name
   * with characters the lab does not accept is refused by the plan (see `deviceNameProblem`),
   * never renamed. `netns` scopes the mapping.
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

/**
 * Why the lab will not create a device the model calls `name` (undefined when it will, as is or
 * under a stand-in because it is only too long).
 */
export function deviceNameProblem(name: string): string | undefined {
  const problem = ifnameProblem(name);
  if (!problem || /^[A-Za-z0-9._-]{16,}$/.test(name)) return undefined;
  return problem;
}

/** Letters, digits, '.', '_' and '-' pass; anything else becomes '_'. */
function safe(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]/g, '_');
}
