import { Document, Node as YamlNode, isAlias, isMap, isPair, isScalar, isSeq } from 'yaml';

/** One key repeated in its mapping: the later key node (its value is the one used). */
export interface DuplicateKey {
  key: string;
  /** Offset of the repeated key in the document's text. */
  offset: number;
}

export interface DocumentScan {
  duplicates: DuplicateKey[];
  /** Nodes written in the document. */
  written: number;
  /**
   * Nodes the conversion to plain data builds beyond the written ones: the yaml library builds
   * every source of a `<<` merge afresh each time it is merged (sources that merge other maps
   * again, recursively), so a few lines can cost hundreds of millions of steps. Counting stops
   * a little past `stopAt`.
   */
  extra: number;
}

/**
 * One linear pass over a parsed document, before it is converted to data: finds repeated
 * mapping keys (with a Set per mapping, where the parser's own check compares every key with
 * every earlier one) and prices the conversion, so a document whose merge keys would expand
 * beyond any budget can be refused before it is expanded. `stopAt` ends the pricing early.
 */
export function scanDocument(doc: Document.Parsed, stopAt: number): DocumentScan {
  const duplicates: DuplicateKey[] = [];
  const anchors = new Map<string, YamlNode>();
  const cost = new Map<YamlNode, number>();
  let written = 0;
  let extra = 0;

  // Cost of converting `node` once. Memoised per node: the same node always costs the same.
  const price = (node: unknown): number => {
    if (!node || typeof node !== 'object') return 1;
    const n = node as YamlNode;
    const known = cost.get(n);
    if (known !== undefined) return known;
    written++;
    if (n.anchor) anchors.set(n.anchor, n);
    let total = 1;
    if (isAlias(n)) {
      // An alias converts to the anchor's already built value: one step.
      total = 1;
    } else if (isMap(n)) {
      // String keys by value; other scalars (1, true …) by type and value, as the parser compares them.
      const seen = new Set<string>();
      const seenOther = new Set<string>();
      for (const pair of n.items) {
        if (!isPair(pair)) continue;
        const key = pair.key as YamlNode | null;
        if (isScalar(key) && typeof key.value === 'symbol') {
          // `<<`: every merged source is converted again, in full.
          total += 1 + price(pair.value);
          for (const source of mergeSources(pair.value as YamlNode | null)) {
            const again = price(source);
            total += again;
            extra += again;
          }
        } else {
          if (isScalar(key) && key.value !== null && typeof key.value !== 'object') {
            const strings = typeof key.value === 'string';
            const set = strings ? seen : seenOther;
            const id = strings ? (key.value as string) : `${typeof key.value}:${String(key.value)}`;
            if (set.has(id)) duplicates.push({ key: String(key.value), offset: key.range?.[0] ?? 0 });
            else set.add(id);
          }
          total += price(key) + price(pair.value);
        }
        if (extra > stopAt) break;
      }
    } else if (isSeq(n)) {
      for (const item of n.items) {
        total += price(item);
        if (extra > stopAt) break;
      }
    }
    cost.set(n, total);
    return total;
  };

  const mergeSources = (value: YamlNode | null): YamlNode[] => {
    if (!value) return [];
    const resolve = (v: unknown): YamlNode | undefined => (isAlias(v) ? anchors.get(v.source) : (v as YamlNode | undefined));
    const target = resolve(value);
    if (isSeq(target)) return target.items.flatMap((it) => resolve(it) ?? []);
    return target ? [target] : [];
  };

  price(doc.contents);
  duplicates.sort((a, b) => a.offset - b.offset);
  return { duplicates, written, extra };
}
