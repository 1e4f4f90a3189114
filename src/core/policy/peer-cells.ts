/**
 * The peers some lists name, split into cells of peers named by exactly the same lists. A
 * stage's rules name peers through a few lists (a namespace, a tier label, one workload) that
 * recur from policy to policy, so stepping each cell once per rule instead of each peer does
 * the same work for far fewer: every peer of a cell goes through the same rules.
 *
 * Peers are ids from 0 to n - 1. One splitter serves many splits; each overwrites the last.
 */
export class PeerCells {
  /** The named peers (the first `namedCount`), in order of first mention. */
  readonly named: Int32Array;
  namedCount = 0;
  /** A peer is named in the last split when marks[peer] === mark. */
  readonly marks: Int32Array;
  mark = 0;
  /** The cell of each named peer. */
  readonly cellOf: Int32Array;
  cellCount = 0;
  /** The cells inside list i: cells[cellStart[i] .. cellStart[i + 1]). */
  cellStart = new Int32Array(1);
  cells = new Int32Array(0);

  // A trie of list sequences: node 0 is "named by no list yet"; a peer moves from a node to its
  // child by the next list naming it, so peers end on the same node exactly when the same lists
  // name them.
  private readonly nodeOf: Int32Array;
  private nodeParent: number[] = [];
  private nodeList: number[] = [];
  private readonly children = new Map<number, number>();
  private nodeCell = new Int32Array(0);

  constructor(n: number) {
    this.named = new Int32Array(n);
    this.marks = new Int32Array(n);
    this.cellOf = new Int32Array(n);
    this.nodeOf = new Int32Array(n);
  }

  /** Splits the peers the lists name (each list without repeats). */
  split(lists: readonly Int32Array[]): void {
    const mark = ++this.mark;
    const L = lists.length;
    this.nodeParent.length = 0;
    this.nodeList.length = 0;
    this.nodeParent.push(-1);
    this.nodeList.push(-1);
    this.children.clear();
    let count = 0;
    for (let li = 0; li < L; li++) {
      const ids = lists[li];
      for (let i = 0; i < ids.length; i++) {
        const y = ids[i];
        let parent = 0;
        if (this.marks[y] !== mark) {
          this.marks[y] = mark;
          this.named[count++] = y;
        } else parent = this.nodeOf[y];
        const at = parent * L + li;
        let child = this.children.get(at);
        if (child === undefined) {
          child = this.nodeParent.length;
          this.nodeParent.push(parent);
          this.nodeList.push(li);
          this.children.set(at, child);
        }
        this.nodeOf[y] = child;
      }
    }
    this.namedCount = count;
    // Cells are the nodes peers end on, numbered in order of their first peer.
    if (this.nodeCell.length < this.nodeParent.length) this.nodeCell = new Int32Array(this.nodeParent.length * 2);
    const nodeCell = this.nodeCell;
    nodeCell.fill(-1, 0, this.nodeParent.length);
    const cellNode: number[] = [];
    for (let i = 0; i < count; i++) {
      const y = this.named[i];
      const node = this.nodeOf[y];
      if (nodeCell[node] < 0) {
        nodeCell[node] = cellNode.length;
        cellNode.push(node);
      }
      this.cellOf[y] = nodeCell[node];
    }
    this.cellCount = cellNode.length;
    // A cell lies in the lists on its node's path to the root.
    const start = new Int32Array(L + 1);
    for (const leaf of cellNode) for (let node = leaf; node > 0; node = this.nodeParent[node]) start[this.nodeList[node] + 1]++;
    for (let li = 0; li < L; li++) start[li + 1] += start[li];
    const cells = new Int32Array(start[L]);
    const fill = start.slice(0, L);
    cellNode.forEach((leaf, cell) => {
      for (let node = leaf; node > 0; node = this.nodeParent[node]) cells[fill[this.nodeList[node]]++] = cell;
    });
    this.cellStart = start;
    this.cells = cells;
  }
}
