import { createHash } from 'crypto';

/**
 * Deterministic stand-ins for the random names and addresses a real cluster picks
 * (veth names, MACs, pod name suffixes, ClusterIPs): same input, same output, and stable
 * when unrelated objects are added or removed.
 */

/** 32-bit FNV-1a: cheap and good enough for spreading names over a range. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function sha1Hex(text: string): string {
  return remembered(sha1Seen, text, () => createHash('sha1').update(text).digest('hex'));
}

export function sha256Hex(text: string): string {
  return remembered(sha256Seen, text, () => createHash('sha256').update(text).digest('hex'));
}

/**
 * Digests of recent inputs. A rebuild after an edit derives the same pod names, veth names and
 * MACs again (tens of thousands of digests at 10,000 pods); each is computed once. Bounded: the
 * table starts over when full, which costs only time.
 */
const sha1Seen = new Map<string, string>();
const sha256Seen = new Map<string, string>();
const REMEMBERED_MAX = 250000;
const REMEMBERED_LENGTH = 200;

function remembered(seen: Map<string, string>, text: string, compute: () => string): string {
  // Long inputs (a whole pod template) cost as much to look up as to digest.
  if (text.length > REMEMBERED_LENGTH) return compute();
  let v = seen.get(text);
  if (v === undefined) {
    if (seen.size >= REMEMBERED_MAX) seen.clear();
    seen.set(text, (v = compute()));
  }
  return v;
}

/** The alphabet Kubernetes uses for generated name suffixes (no vowels, no look-alikes). */
const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function nameSuffix(seed: string, length: number): string {
  const hex = sha256Hex(seed);
  let out = '';
  for (let i = 0; i < length; i++) {
    out += SUFFIX_ALPHABET[parseInt(hex.slice(i * 4, i * 4 + 4), 16) % SUFFIX_ALPHABET.length];
  }
  return out;
}

/** A locally administered unicast MAC derived from a seed. */
export function macFor(seed: string): string {
  const hex = sha1Hex(seed);
  const first = (parseInt(hex.slice(0, 2), 16) & 0xfc) | 0x02;
  const bytes = [first.toString(16).padStart(2, '0')];
  for (let i = 1; i < 6; i++) bytes.push(hex.slice(i * 2, i * 2 + 2));
  return bytes.join(':');
}
