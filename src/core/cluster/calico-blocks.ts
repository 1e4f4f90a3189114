import { Cidr, cidrContains, cidrSize, intToIp, ipToInt, maskOf, nthSubnet } from '../common/ip';
import { ClusterConfig, NodeInfo } from './model';

/**
 * Calico IPAM hands a node's pods addresses from blocks (/26 by default) affine to that node.
 * When the node's blocks are full it claims the next free block of the pool, up to
 * maxBlocksPerHost blocks (IPAMConfiguration, default 20), and every other node routes each
 * block to it (docs.tigera.io: "IPAM configuration", "Block affinity"). So a node running 110
 * pods (the kubelet's default maxPods) holds two blocks; it is not out of addresses.
 */
export const CALICO_MAX_BLOCKS_PER_HOST = 20;

/**
 * Whether PodPath lets a node claim further blocks: single-stack IPv4 Calico. A dual-stack
 * pod's IPv6 address sits at its IPv4 address's offset in the node's first block (pods.ts),
 * which a second block would break, so dual-stack nodes keep one block per family.
 */
export function claimsMoreBlocks(config: ClusterConfig): boolean {
  return config.plugin === 'calico' && config.clusterCIDR.family !== 6 && !config.clusterCIDR6;
}

/**
 * What a live address says about a Calico node's blocks (a dump's status.podIP). Calico's own
 * IPAM ignores the Node's spec.podCIDR (kube-controller-manager's range): its pods sit in /26
 * blocks of the pool, wherever those are. So a pod address outside its node's podCIDR is not
 * an anomaly there: it names a block affine to the node, or (when another node holds that
 * block) an address the node borrowed, which BIRD advertises as a /32 (strictAffinity false).
 */
export class LiveBlocks {
  /** Node name → blocks (or borrowed /32s) its pods' addresses name, in the order first met. */
  readonly byNode = new Map<string, Cidr[]>();
  private readonly owner = new Map<number, string>();

  constructor(private readonly pool: Cidr, private readonly prefix: number, nodes: readonly NodeInfo[]) {
    // Nodes' own blocks of the pool's block size are theirs; a wider podCIDR (the controller
    // manager's /24) is not a Calico block, and another node's block inside it is real.
    for (const n of nodes) if (n.podCIDR.family !== 6 && n.podCIDR.prefix === prefix) this.owner.set(n.podCIDR.base >>> 0, n.name);
  }

  /** Files `ip` (IPv4, of a pod on `node`); false when it is outside the pool (then it is a real anomaly). */
  add(node: NodeInfo, ip: string): boolean {
    if (this.pool.family === 6 || ip.includes(':') || !cidrContains(this.pool, ip)) return false;
    if (cidrContains(node.podCIDR, ip)) return true;
    const address = ipToInt(ip);
    const base = (address & maskOf(this.prefix)) >>> 0;
    const holder = this.owner.get(base);
    const mine = this.byNode.get(node.name) ?? [];
    if (holder === undefined) {
      this.owner.set(base, node.name);
      mine.push({ base, prefix: this.prefix, text: `${intToIp(base)}/${this.prefix}` });
    } else if (holder !== node.name) {
      mine.push({ base: address, prefix: 32, text: `${ip}/32` });
    } else return true;
    this.byNode.set(node.name, mine);
    return true;
  }

  /** Every block filed, for claims to step around. */
  all(): Cidr[] {
    return [...this.byNode.values()].flat().filter((b) => b.prefix < 32);
  }
}

/**
 * Blocks claimed beyond the nodes' first ones, from the lowest free block of the pool up.
 * Callers claim in a fixed order (nodes by name), so the same manifests give the same blocks.
 */
export class BlockClaims {
  /** Node name → the blocks it claimed after its first, in claim order. */
  readonly byNode = new Map<string, Cidr[]>();
  /** The nodes' own blocks as sorted address ranges; candidates only ever move up, and so does `next`. */
  private readonly taken: { start: number; end: number }[];
  private next = 0;
  private cursor = 0;

  constructor(private readonly pool: Cidr, private readonly prefix: number, nodes: readonly NodeInfo[], alsoTaken: readonly Cidr[] = []) {
    this.taken = [...nodes.map((n) => n.podCIDR), ...alsoTaken]
      .filter((b) => b.family !== 6 && b.prefix < 32)
      .map((b) => ({ start: b.base >>> 0, end: (b.base >>> 0) + cidrSize(b) - 1 }))
      .sort((a, b) => a.start - b.start);
  }

  /**
   * Claims the next free block for `node`, which holds `held` blocks already; undefined when
   * that is the most it may hold or the pool has none left.
   */
  claim(node: NodeInfo, held: number): Cidr | undefined {
    const mine = this.byNode.get(node.name) ?? [];
    if (held + mine.length >= CALICO_MAX_BLOCKS_PER_HOST) return undefined;
    for (;;) {
      const candidate = nthSubnet(this.pool, this.prefix, this.cursor++);
      if (!candidate) return undefined;
      const start = candidate.base >>> 0;
      const end = start + cidrSize(candidate) - 1;
      while (this.next < this.taken.length && this.taken[this.next].end < start) this.next++;
      // Any node block from `next` on that starts within the candidate overlaps it.
      if (this.next < this.taken.length && this.taken[this.next].start <= end) continue;
      mine.push(candidate);
      this.byNode.set(node.name, mine);
      return candidate;
    }
  }
}
