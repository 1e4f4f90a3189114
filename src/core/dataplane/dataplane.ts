import { familyView } from '../cluster/family';
import { Cluster, NodeInfo } from '../cluster/model';
import { IpFamily } from '../common/ip';
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

  /**
   * The data path of one IP family: this one for the cluster's own (IPv4), a second Dataplane
   * over the cluster's IPv6 view (its routes, neighbours and ip6tables) for IPv6; undefined
   * when the cluster has no such family. Programmed lazily like the first.
   */
  forFamily(family: IpFamily): Dataplane | undefined {
    if (family === this.cluster.config.family) return this;
    let dp = this.families.get(family);
    if (dp === undefined) {
      const view = familyView(this.cluster, family);
      dp = view ? new Dataplane(view) : null;
      this.families.set(family, dp);
    }
    return dp ?? undefined;
  }

  private readonly families = new Map<IpFamily, Dataplane | null>();

  /** Programs every node now (for printing all of them, or for a benchmark). */
  all(): NodeDataplane[] {
    return this.cluster.nodes.map((n) => this.node(n.name)!);
  }
}
