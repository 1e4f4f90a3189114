import { grownInt32 } from './int-arena';

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
  // A node's child by the list being read: childOf[node], valid when childStep[node] is that
  // list's step (steps only grow, so children from earlier lists or splits never match).
  private childOf = new Int32Array(64);
  private childStep = new Int32Array(64);
  private step = 0;
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
    let count = 0;
    for (let li = 0; li < L; li++) {
      const ids = lists[li];
      const step = ++this.step;
      for (let i = 0; i < ids.length; i++) {
        const y = ids[i];
        let parent = 0;
        if (this.marks[y] !== mark) {
          this.marks[y] = mark;
          this.named[count++] = y;
        } else parent = this.nodeOf[y];
        this.nodeOf[y] = this.childStep[parent] === step ? this.childOf[parent] : this.addChild(parent, li, step);
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
    const parentOf = this.nodeParent;
    const listOf = this.nodeList;
    const start = new Int32Array(L + 1);
    for (let cell = 0; cell < cellNode.length; cell++) for (let node = cellNode[cell]; node > 0; node = parentOf[node]) start[listOf[node] + 1]++;
    for (let li = 0; li < L; li++) start[li + 1] += start[li];
    const cells = new Int32Array(start[L]);
    const fill = start.slice(0, L);
    for (let cell = 0; cell < cellNode.length; cell++) for (let node = cellNode[cell]; node > 0; node = parentOf[node]) cells[fill[listOf[node]]++] = cell;
    this.cellStart = start;
    this.cells = cells;
  }

  /** A new node under `parent`, reached by list li (read at `step`). */
  private addChild(parent: number, li: number, step: number): number {
    const child = this.nodeParent.length;
    this.nodeParent.push(parent);
    this.nodeList.push(li);
    if (parent >= this.childOf.length) {
      this.childOf = grownInt32(this.childOf, parent + 1);
      this.childStep = grownInt32(this.childStep, parent + 1);
    }
    this.childOf[parent] = child;
    this.childStep[parent] = step;
    return child;
  }
}
