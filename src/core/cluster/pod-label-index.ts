import { LabelSelector } from '../manifest/types';
import { PodInfo } from './model';

/**
 * The pods of each namespace by label pair, so a selector is tested only against the pods that
 * carry the pair it requires (its rarest one) instead of every pod of the namespace: at 100,000
 * pods in 50 namespaces, a lint rule asking 10,000 selectors went from 2,000 tests each to a
 * handful. Candidates keep the namespace's pod order; callers still test the selector on them.
 */
export class PodLabelIndex {
  /** namespace → key → value → pods, made on the first question. */
  private byPair?: Map<string, Map<string, Map<string, PodInfo[]>>>;
  /** namespace → pod → its place in the namespace's list (made with byPair). */
  private positions?: Map<string, Map<PodInfo, number>>;
  private static readonly NONE: readonly PodInfo[] = [];

  constructor(private readonly byNamespace: ReadonlyMap<string, readonly PodInfo[]>) {}

  /**
   * A superset, in namespace order, of the pods of `namespace` a selector (a LabelSelector, or
   * a plain map as Services have) matches: those carrying its rarest required pair, or every
   * pod of the namespace when it requires none (`{}`, only NotIn, Exists, DoesNotExist).
   */
  candidates(namespace: string, selector: LabelSelector | Record<string, string> | undefined): readonly PodInfo[] {
    const all = this.byNamespace.get(namespace) ?? PodLabelIndex.NONE;
    if (!selector) return all;
    let best = all;
    const consider = (list: readonly PodInfo[]) => {
      if (list.length < best.length) best = list;
    };
    if (!isLabelSelector(selector)) {
      for (const k in selector) consider(this.withPair(namespace, k, selector[k]));
      return best;
    }
    for (const k in selector.matchLabels) consider(this.withPair(namespace, k, selector.matchLabels[k]));
    for (const e of selector.matchExpressions) {
      if (e.operator !== 'In') continue;
      // A pod matching `key In (a, b)` carries one of the pairs: their pods together, in namespace order.
      const lists = e.values.map((v) => this.withPair(namespace, e.key, v));
      if (lists.reduce((n, l) => n + l.length, 0) >= best.length) continue;
      best = lists.length === 1 ? lists[0] : this.inOrder(namespace, lists.flat());
    }
    return best;
  }

  /** Pods of a namespace (no pod twice) sorted into the namespace's order. */
  private inOrder(namespace: string, pods: PodInfo[]): PodInfo[] {
    const position = this.positions!.get(namespace)!;
    return [...new Set(pods)].sort((a, b) => position.get(a)! - position.get(b)!);
  }

  private withPair(namespace: string, key: string, value: string): readonly PodInfo[] {
    if (!this.byPair) this.byPair = this.build();
    return this.byPair.get(namespace)?.get(key)?.get(value) ?? PodLabelIndex.NONE;
  }

  private build(): Map<string, Map<string, Map<string, PodInfo[]>>> {
    const index = new Map<string, Map<string, Map<string, PodInfo[]>>>();
    this.positions = new Map();
    for (const [ns, pods] of this.byNamespace) {
      const byKey = new Map<string, Map<string, PodInfo[]>>();
      index.set(ns, byKey);
      const position = new Map<PodInfo, number>();
      this.positions.set(ns, position);
      for (const p of pods) {
        position.set(p, position.size);
        for (const k in p.labels) {
          let byValue = byKey.get(k);
          if (!byValue) byKey.set(k, (byValue = new Map()));
          const list = byValue.get(p.labels[k]);
          if (list) list.push(p);
          else byValue.set(p.labels[k], [p]);
        }
      }
    }
    return index;
  }
}

function isLabelSelector(s: LabelSelector | Record<string, string>): s is LabelSelector {
  return typeof (s as LabelSelector).matchLabels === 'object' && Array.isArray((s as LabelSelector).matchExpressions);
}
