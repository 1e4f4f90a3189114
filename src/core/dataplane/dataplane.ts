import { Cluster, NodeInfo } from '../cluster/model';
import { Finding } from '../common/finding';
import { Netns, NodeDataplane } from './model';
import { programNode } from './program';

/**
 * The whole cluster's data path, programmed one node at a time on first use: a trace
 * touches two or three nodes, so a 1,000-node cluster costs only what a trace visits.
 */
export class Dataplane {
  private readonly nodes = new Map<string, NodeDataplane>();
  readonly nodeByIP: Map<string, NodeInfo>;
  readonly findings: Finding[] = [];

  constructor(readonly cluster: Cluster) {
    this.nodeByIP = new Map(cluster.nodes.map((n) => [n.ip, n]));
  }

  node(name: string): NodeDataplane | undefined {
    let dp = this.nodes.get(name);
    if (!dp) {
      const info = this.cluster.nodesByName.get(name);
      if (!info) return undefined;
      dp = programNode(this.cluster, info, this.findings);
      this.nodes.set(name, dp);
    }
    return dp;
  }

  /** A namespace by id: a node name (its root namespace) or `node/namespace/pod`. */
  netns(id: string): Netns | undefined {
    const slash = id.indexOf('/');
    if (slash < 0) return this.node(id)?.root;
    return this.node(id.slice(0, slash))?.pods.get(id.slice(slash + 1));
  }

  /** Programs every node now (for printing all of them, or for a benchmark). */
  all(): NodeDataplane[] {
    return this.cluster.nodes.map((n) => this.node(n.name)!);
  }
}
