import { grownInt32 } from './int-arena';

/**
 * One sequence of labels per class, grown a label at a time, each sequence known by a node id:
 * classes with equal sequences have the same node. The engine keeps which policies of a stage
 * apply to each class this way (the AdminNetworkPolicies selecting it, by priority; a tier's
 * members, in order), so a stage's key holds one node instead of the whole list, and classes
 * under the same policies are told alike without comparing their lists.
 *
 * Labels are appended in rounds: `startRound(label)`, then `add(id)` for each class that gets
 * it. Within a round every extended node gets the same label, so a node's child for the round
 * is found without any map (childOf, valid where childRound holds the round).
 */
export class ClassSequences {
  /** Each class's node; 0 is the empty sequence. */
  readonly nodeOf: Int32Array;
  private readonly parents: number[] = [-1];
  private readonly labels: number[] = [-1];
  private childOf = new Int32Array(64);
  private childRound = new Int32Array(64);
  private round = 0;
  private label = -1;
  /** The round each class last got a label in (a class added twice in a round gets it once). */
  private readonly addedIn: Int32Array;

  constructor(classCount: number) {
    this.nodeOf = new Int32Array(classCount);
    this.addedIn = new Int32Array(classCount);
  }

  startRound(label: number): void {
    this.round++;
    this.label = label;
  }

  /** Appends the round's label to class id's sequence. */
  add(id: number): void {
    const round = this.round;
    if (this.addedIn[id] === round) return;
    this.addedIn[id] = round;
    const parent = this.nodeOf[id];
    if (parent >= this.childRound.length) {
      this.childOf = grownInt32(this.childOf, parent + 1);
      this.childRound = grownInt32(this.childRound, parent + 1);
    }
    if (this.childRound[parent] !== round) {
      this.childRound[parent] = round;
      this.childOf[parent] = this.parents.length;
      this.parents.push(parent);
      this.labels.push(this.label);
    }
    this.nodeOf[id] = this.childOf[parent];
  }

  /** Writes node's labels, first to last, into `out`; returns how many. */
  sequence(node: number, out: number[]): number {
    let length = 0;
    for (let at = node; at > 0; at = this.parents[at]) length++;
    let i = length;
    for (let at = node; at > 0; at = this.parents[at]) out[--i] = this.labels[at];
    return length;
  }

  /**
   * A flag per node: set where `flagged(label)` holds for some label of its sequence. Parents
   * are made before their children, so one pass in node order carries a parent's flag down.
   */
  flagNodes(flagged: (label: number) => boolean): Uint8Array {
    const flags = new Uint8Array(this.parents.length);
    for (let node = 1; node < this.parents.length; node++) flags[node] = flags[this.parents[node]] | (flagged(this.labels[node]) ? 1 : 0);
    return flags;
  }
}
