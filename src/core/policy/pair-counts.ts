/**
 * The all-pairs reach counts over classes, from one egress and one ingress row per class.
 *
 * A row gives every peer class an answer id (what may pass): `shared.base` for all peers but
 * those `shared` lists, and its own `peers` override both. A pair of classes (s, d) is open when
 * s's egress answer towards d and d's ingress answer from s `meet` (share a connection); it then
 * counts d's pods for s (`reaches`) and s's pods for d (`reachedBy`), a pod never counting itself.
 *
 * Two ways to the same numbers: `countPairsDirect` visits every pair; `countPairsGrouped` uses
 * that many classes share one row object (the engine shares rows of classes facing the same
 * stages), so it visits classes × distinct rows instead of classes². `countPairs` takes the
 * cheaper one for the rows at hand.
 */
export interface PairRow {
  shared: { base: number; peers: Int32Array; values: Int32Array };
  peers: Int32Array;
  values: Int32Array;
}

export interface PairCountInput {
  /** Class ids run from 0 to n - 1. */
  n: number;
  /** The classes counted (others are left to the caller). */
  classes: Int32Array;
  /** Pods per class id. */
  pods: Float64Array;
  /** Rows by class id (read for `classes` only). Equal objects are one row. */
  egress: readonly PairRow[];
  ingress: readonly PairRow[];
  /** Answer ids run from 0 to answers - 1. */
  answers: number;
  /** Whether an egress answer and an ingress answer share a connection. */
  answersMeet: AnswerMeets;
}

/**
 * Whether an egress answer and an ingress answer share a connection. An object with a method
 * (ConnIds, for the engine) rather than a function made per count: the counting loops then call
 * the same method from one computation to the next.
 */
export interface AnswerMeets {
  meets(out: number, inn: number): boolean;
}

/** Adds every counted pair to `reachedBy` and `reaches` (by class id), the cheaper way. */
export function countPairs(input: PairCountInput, reachedBy: Float64Array, reaches: Float64Array): void {
  if (preferGrouped(input)) countPairsGrouped(input, reachedBy, reaches);
  else countPairsDirect(input, reachedBy, reaches);
}

/** Grouped work is about (distinct rows) × classes per direction, besides what the rows list; direct is classes². */
function preferGrouped(input: PairCountInput): boolean {
  const m = input.classes.length;
  const egressRows = new Set<PairRow>();
  const ingressRows = new Set<PairRow>();
  for (let i = 0; i < m; i++) {
    egressRows.add(input.egress[input.classes[i]]);
    ingressRows.add(input.ingress[input.classes[i]]);
  }
  // Its sums are held per row and answer: keep that table modest.
  if ((egressRows.size + ingressRows.size) * input.answers > 1 << 22) return false;
  return 3 * (egressRows.size + ingressRows.size) < m;
}

/**
 * meets(out, inn) through a table filled as pairs of answers come up (few distinct ones do). A
 * class, so the counting loops call one method whose machine code outlives a computation.
 */
class MeetsTable {
  /** By out * answers + inn — 0: not known yet, 1: they meet, 2: they do not; absent when too large. */
  private readonly table: Uint8Array | undefined;
  private readonly answers: number;

  private readonly ask: AnswerMeets;

  constructor(input: PairCountInput) {
    this.ask = input.answersMeet;
    this.answers = input.answers;
    // Past 2,048 answers the table would be too large: ask every time.
    this.table = input.answers > 2048 ? undefined : new Uint8Array(input.answers * input.answers);
  }

  meets(out: number, inn: number): boolean {
    const table = this.table;
    if (!table) return this.ask.meets(out, inn);
    const at = out * this.answers + inn;
    let m = table[at];
    if (m === 0) m = table[at] = this.ask.meets(out, inn) ? 1 : 2;
    return m === 1;
  }
}

/** Writes a row's answer for every peer into `to`. */
export function spreadRow(r: PairRow, to: Int32Array): void {
  to.fill(r.shared.base);
  for (let i = 0; i < r.shared.peers.length; i++) to[r.shared.peers[i]] = r.shared.values[i];
  for (let i = 0; i < r.peers.length; i++) to[r.peers[i]] = r.values[i];
}

/**
 * Pair by pair. Per source its egress row is spread out; the ingress answers towards it come
 * from what each destination admits from most sources, corrected by the destinations whose
 * ingress row names the source (gathered once, by source, so no pair looks up another row).
 */
export function countPairsDirect(input: PairCountInput, reachedBy: Float64Array, reaches: Float64Array): void {
  const { n, classes, pods, egress, ingress } = input;
  const meets = new MeetsTable(input);
  const admitsMost = new Int32Array(n);
  // namedBy lists destination and answer pairs, those of source s at [namedStart[s], namedStart[s + 1]).
  const namedStart = new Int32Array(n + 1);
  for (let b = 0; b < classes.length; b++) {
    const r = ingress[classes[b]];
    for (let i = 0; i < r.shared.peers.length; i++) namedStart[r.shared.peers[i] + 1] += 2;
    for (let i = 0; i < r.peers.length; i++) namedStart[r.peers[i] + 1] += 2;
  }
  for (let i = 0; i < n; i++) namedStart[i + 1] += namedStart[i];
  const namedBy = new Int32Array(namedStart[n]);
  const fill = namedStart.slice(0, n);
  for (let b = 0; b < classes.length; b++) {
    const d = classes[b];
    const r = ingress[d];
    admitsMost[d] = r.shared.base;
    // The shared layer first: the row's own peers override it.
    for (const layer of [r.shared, r]) {
      for (let i = 0; i < layer.peers.length; i++) {
        const at = fill[layer.peers[i]];
        namedBy[at] = d;
        namedBy[at + 1] = layer.values[i];
        fill[layer.peers[i]] = at + 2;
      }
    }
  }
  const toward = new Int32Array(n);
  const admits = new Int32Array(n);
  for (let a = 0; a < classes.length; a++) {
    const s = classes[a];
    spreadRow(egress[s], toward);
    admits.set(admitsMost);
    for (let i = namedStart[s]; i < namedStart[s + 1]; i += 2) admits[namedBy[i]] = namedBy[i + 1];
    const sp = pods[s];
    let reached = 0;
    for (let b = 0; b < classes.length; b++) {
      const d = classes[b];
      const count = d === s ? sp - 1 : pods[d];
      if (count <= 0 || !meets.meets(toward[d], admits[d])) continue;
      reachedBy[d] += d === s ? count : sp;
      reached += count;
    }
    reaches[s] += reached;
  }
}

/**
 * Row by row. Destinations sharing an ingress row give a source one answer, so for a source
 * what they add up to depends only on its egress row and that one answer: per egress row, the
 * pods of each ingress row's destinations are summed by the egress answer towards them, and
 * each source of that egress row then meets those few sums with its answer from each ingress
 * row. reachedBy is the same with the directions swapped. The pair of a class with itself was
 * counted with all its pods and is taken back by one where it is open.
 */
export function countPairsGrouped(input: PairCountInput, reachedBy: Float64Array, reaches: Float64Array): void {
  const { n, classes, pods, egress, ingress, answers } = input;
  const meets = new MeetsTable(input);
  const egressGroups = groupsOf(classes, egress, n);
  const ingressGroups = groupsOf(classes, ingress, n);
  const dense = new Int32Array(n);
  // Sources: rows spread are egress rows, sums are by ingress row, answers come from ingress rows.
  sumByGroups(egressGroups, ingressGroups, classes, pods, dense, answers, meets, false, reaches);
  // Destinations: the other way round.
  sumByGroups(ingressGroups, egressGroups, classes, pods, dense, answers, meets, true, reachedBy);
}

/** Classes by the row object they have, and, per peer, which rows name it with what answer. */
interface Groups {
  rows: PairRow[];
  groupOf: Int32Array;
  /** Classes of group g: members[memberStart[g] .. memberStart[g + 1]). */
  memberStart: Int32Array;
  members: Int32Array;
  /** Rows naming peer y: (group, answer) pairs at named[namedStart[y] .. namedStart[y + 1]), a row's own peers after its shared ones. */
  namedStart: Int32Array;
  named: Int32Array;
}

function groupsOf(classes: Int32Array, rowOf: readonly PairRow[], n: number): Groups {
  const index = new Map<PairRow, number>();
  const rows: PairRow[] = [];
  const groupOf = new Int32Array(n);
  for (let i = 0; i < classes.length; i++) {
    const r = rowOf[classes[i]];
    let g = index.get(r);
    if (g === undefined) {
      index.set(r, (g = rows.length));
      rows.push(r);
    }
    groupOf[classes[i]] = g;
  }
  const memberStart = new Int32Array(rows.length + 1);
  for (let i = 0; i < classes.length; i++) memberStart[groupOf[classes[i]] + 1]++;
  for (let g = 0; g < rows.length; g++) memberStart[g + 1] += memberStart[g];
  const members = new Int32Array(classes.length);
  const at = memberStart.slice(0, rows.length);
  for (let i = 0; i < classes.length; i++) members[at[groupOf[classes[i]]]++] = classes[i];
  const namedStart = new Int32Array(n + 1);
  for (const r of rows) {
    for (let i = 0; i < r.shared.peers.length; i++) namedStart[r.shared.peers[i] + 1] += 2;
    for (let i = 0; i < r.peers.length; i++) namedStart[r.peers[i] + 1] += 2;
  }
  for (let y = 0; y < n; y++) namedStart[y + 1] += namedStart[y];
  const named = new Int32Array(namedStart[n]);
  const fill = namedStart.slice(0, n);
  rows.forEach((r, g) => {
    for (const layer of [r.shared, r]) {
      for (let i = 0; i < layer.peers.length; i++) {
        const y = layer.peers[i];
        named[fill[y]] = g;
        named[fill[y] + 1] = layer.values[i];
        fill[y] += 2;
      }
    }
  });
  return { rows, groupOf, memberStart, members, namedStart, named };
}

/**
 * For each row of `spread` (its classes are the "near" side), each near class x gets
 * Σ over far classes z of pods[z] where the answers meet, z = x counting pods[x] - 1, into
 * `total[x]`. The near row's answer towards z is spread out; z's row (`far`) answers for x.
 * `swapped`: the near side is the destination, so meets is asked (far answer, near answer).
 *
 * Rows list few peers and most far rows give x their common answer, so neither side is walked
 * in full: a near row's sums start from every far row's pods under the row's base answer and
 * move only the peers it lists; a near class's total starts from what every far row's common
 * answer meets, corrected only for the far rows that name it.
 */
function sumByGroups(
  spread: Groups, far: Groups, classes: Int32Array, pods: Float64Array, dense: Int32Array, answers: number,
  meets: MeetsTable, swapped: boolean, total: Float64Array,
): void {
  const farCount = far.rows.length;
  const cellCount = farCount * answers;
  // weight[f * answers + a]: pods of far group f's classes to which the near row answers a.
  const weight = new Float64Array(cellCount);
  const cellMark = new Int32Array(cellCount);
  const used = new Int32Array(cellCount);
  // Per far group, its (answer, pods) sums: at sumAnswer/sumPods[sumStart[f] .. sumStart[f + 1]).
  const sumStart = new Int32Array(farCount + 1);
  const sumAnswer = new Int32Array(cellCount);
  const sumPods = new Float64Array(cellCount);
  // met[f * answers + a]: the pods of far group f that a far answer a meets (valid where metMark is the row's mark).
  const met = new Float64Array(cellCount);
  const metMark = new Int32Array(cellCount);
  const farBase = Int32Array.from(far.rows, (r) => r.shared.base);
  const farPods = new Float64Array(farCount);
  for (let i = 0; i < classes.length; i++) farPods[far.groupOf[classes[i]]] += pods[classes[i]];
  const counted = new Uint8Array(dense.length);
  for (let i = 0; i < classes.length; i++) counted[classes[i]] = 1;
  const peerMark = new Int32Array(dense.length);
  // Per near class: the far groups that name it, and their answer for it.
  const answerOf = new Int32Array(farCount);
  const namesMark = new Int32Array(farCount);
  const naming = new Int32Array(farCount);
  let mark = 0;
  const sums: NearSums = { weight, cellMark, used, usedCount: 0, answers };
  for (let g = 0; g < spread.rows.length; g++) {
    const row = spread.rows[g];
    spreadRow(row, dense);
    const rowMark = ++mark;
    sums.usedCount = 0;
    const base = row.shared.base;
    for (let f = 0; f < farCount; f++) if (farPods[f] !== 0) addWeight(sums, rowMark, f, base, farPods[f]);
    for (let layer = 0; layer < 2; layer++) {
      const peers = layer === 0 ? row.shared.peers : row.peers;
      for (let i = 0; i < peers.length; i++) {
        const z = peers[i];
        if (counted[z] === 0 || peerMark[z] === rowMark) continue;
        peerMark[z] = rowMark;
        const v = dense[z];
        if (v === base) continue;
        const f = far.groupOf[z];
        addWeight(sums, rowMark, f, base, -pods[z]);
        addWeight(sums, rowMark, f, v, pods[z]);
      }
    }
    // Sorted, the used cells come group by group.
    const cells = used.subarray(0, sums.usedCount).sort();
    sumStart.fill(0);
    let cellsKept = 0;
    for (let i = 0; i < cells.length; i++) {
      const at = cells[i];
      if (weight[at] === 0) continue;
      sumStart[Math.floor(at / answers) + 1]++;
      sumAnswer[cellsKept] = at % answers;
      sumPods[cellsKept++] = weight[at];
    }
    for (let f = 0; f < farCount; f++) sumStart[f + 1] += sumStart[f];
    const near: NearCells = { sumStart, sumAnswer, sumPods, met, metMark, mark: rowMark, answers, meets, swapped };
    // What every far group's common answer meets: the total of a near class no far row names.
    let common = 0;
    for (let f = 0; f < farCount; f++) common += metPods(near, f, farBase[f]);
    for (let m = spread.memberStart[g]; m < spread.memberStart[g + 1]; m++) {
      const x = spread.members[m];
      const xMark = ++mark;
      let namingCount = 0;
      // A row's own peers come after its shared ones, so the last answer for a group is its own.
      for (let i = far.namedStart[x]; i < far.namedStart[x + 1]; i += 2) {
        const f = far.named[i];
        if (namesMark[f] !== xMark) {
          namesMark[f] = xMark;
          naming[namingCount++] = f;
        }
        answerOf[f] = far.named[i + 1];
      }
      let sum = common;
      for (let k = 0; k < namingCount; k++) {
        const f = naming[k];
        if (answerOf[f] !== farBase[f]) sum += metPods(near, f, answerOf[f]) - metPods(near, f, farBase[f]);
      }
      // x with itself: counted with all its pods above; a pod never counts itself.
      const own = far.groupOf[x];
      const self = namesMark[own] === xMark ? answerOf[own] : farBase[own];
      if (meets.meets(swapped ? self : dense[x], swapped ? dense[x] : self)) sum -= 1;
      total[x] += sum;
    }
  }
}

/** A near row's pods by far group and answer, as they are summed (see sumByGroups). */
interface NearSums {
  weight: Float64Array;
  cellMark: Int32Array;
  used: Int32Array;
  usedCount: number;
  answers: number;
}

function addWeight(s: NearSums, mark: number, f: number, answer: number, pods: number): void {
  const at = f * s.answers + answer;
  if (s.cellMark[at] !== mark) {
    s.cellMark[at] = mark;
    s.weight[at] = 0;
    s.used[s.usedCount++] = at;
  }
  s.weight[at] += pods;
}

/** A near row's sums by far group, and what far answers meet, memoized for that row. */
interface NearCells {
  sumStart: Int32Array;
  sumAnswer: Int32Array;
  sumPods: Float64Array;
  met: Float64Array;
  metMark: Int32Array;
  mark: number;
  answers: number;
  meets: MeetsTable;
  swapped: boolean;
}

/** The pods of far group f whose answer from the near row meets the far row's answer `a`. */
function metPods(c: NearCells, f: number, a: number): number {
  const at = f * c.answers + a;
  if (c.metMark[at] === c.mark) return c.met[at];
  let sum = 0;
  for (let i = c.sumStart[f]; i < c.sumStart[f + 1]; i++) {
    const near = c.sumAnswer[i];
    // One call for both orders: code made while counting sources still fits destinations.
    if (c.meets.meets(c.swapped ? a : near, c.swapped ? near : a)) sum += c.sumPods[i];
  }
  c.metMark[at] = c.mark;
  c.met[at] = sum;
  return sum;
}
