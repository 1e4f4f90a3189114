import { Cidr, nthSubnet } from '../common/ip';
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

  constructor(private readonly pool: Cidr, private readonly prefix: number, nodes: readonly NodeInfo[]) {
    this.taken = nodes
      .filter((n) => n.podCIDR.family !== 6 && n.podCIDR.prefix < 32)
      .map((n) => ({ start: n.podCIDR.base >>> 0, end: (n.podCIDR.base >>> 0) + 2 ** (32 - n.podCIDR.prefix) - 1 }))
      .sort((a, b) => a.start - b.start);
  }

  /** Claims the next free block for `node`; undefined when the node holds the most it may or the pool has none left. */
  claim(node: NodeInfo): Cidr | undefined {
    const mine = this.byNode.get(node.name) ?? [];
    if (mine.length + 1 >= CALICO_MAX_BLOCKS_PER_HOST) return undefined;
    for (;;) {
      const candidate = nthSubnet(this.pool, this.prefix, this.cursor++);
      if (!candidate) return undefined;
      const start = candidate.base >>> 0;
      const end = start + 2 ** (32 - candidate.prefix) - 1;
      while (this.next < this.taken.length && this.taken[this.next].end < start) this.next++;
      // Any node block from `next` on that starts within the candidate overlaps it.
      if (this.next < this.taken.length && this.taken[this.next].start <= end) continue;
      mine.push(candidate);
      this.byNode.set(node.name, mine);
      return candidate;
    }
  }
}
