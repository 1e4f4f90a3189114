import { Chain, MatchTerm, Rule, Ruleset, Table } from '../dataplane/netfilter';
import { NftChain, NftElement, NftRuleset, NftSet, NftTable } from '../dataplane/nftables';

/**
 * Every byte the lab writes — script lines, here-documents, `iptables-restore` input, `ip`
 * arguments, `#` comments — passes through this file. Names come from manifests someone else
 * wrote and the lab runs as root, so the rule is simple: nothing taken from a name may ever
 * start a new line or a new word that the lab did not put there itself.
 *
 * - A comment is free text with every line-breaking or invisible control character written
 *   out as a visible escape (`\n`, `\x1b`, `\u2028` …): it stays one line in a shell script,
 *   in `cat`, and in a terminal.
 * - A command argument must be a plain token (letters, digits and `._:/=@%+,-`); the plan
 *   is refused otherwise, so a script never even needs shell quoting.
 * - `iptables-restore` input is checked line by line against the grammar `iptables-save`
 *   writes; names only ever appear inside a double-quoted `--comment`.
 * - `nft -f` input is checked line by line against the shapes `nft list ruleset` prints;
 *   names appear as chain, set and map identifiers of plain characters, and as free text only
 *   inside a double-quoted `comment`.
 */

/**
 * Characters that can break a line or hide text: C0 controls (NUL, TAB, LF, CR, ESC …), DEL,
 * C1 controls (NEL U+0085 ends a line for some readers), the Unicode line and paragraph
 * separators, and the bidirectional overrides and isolates ("Trojan Source", CVE-2021-42574)
 * plus the byte-order mark, which reorder or hide what a reader sees.
 */
const UNSAFE_IN_TEXT = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

const NAMED_ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\0': '\\0' };

/** Free text made safe for one comment line: unsafe characters become visible escapes. */
export function commentText(text: string): string {
  return text.replace(UNSAFE_IN_TEXT, (ch) => {
    const named = NAMED_ESCAPES[ch];
    if (named) return named;
    const code = ch.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** Does this text contain anything `commentText` would rewrite? */
export function hasUnsafeText(text: string): boolean {
  return new RegExp(UNSAFE_IN_TEXT.source).test(text);
}

/**
 * The characters a lab command argument may hold: what namespace names, device names,
 * addresses, MACs, CIDRs, sysctl settings and numbers are made of. None of them is special
 * to a POSIX shell, so a plan made of such tokens prints as a script without any quoting.
 */
export const SAFE_TOKEN = /^[A-Za-z0-9._:/=@%+,-]+$/;

export function isSafeToken(word: string): boolean {
  return SAFE_TOKEN.test(word);
}

/**
 * A here-document end marker that no line of `body` equals: `EOF`, then `PODPATH_EOF`, then
 * `PODPATH_EOF_2`, `_3` … (deterministic: the same body always gets the same marker).
 */
export function heredocMarker(body: string): string {
  const lines = new Set(body.split(/\r?\n|\r/));
  // Also refuse a marker that equals a line with trailing blanks or CRs stripped: some shells
  // and editors are lenient there, and a marker is only safe when no reader can see it early.
  for (const l of [...lines]) lines.add(l.replace(/[\s]+$/, ''));
  if (!lines.has('EOF')) return 'EOF';
  for (let i = 1; ; i++) {
    const marker = i === 1 ? 'PODPATH_EOF' : `PODPATH_EOF_${i}`;
    if (!lines.has(marker)) return marker;
  }
}

// ---- iptables-restore input -------------------------------------------------------------

/**
 * xt_comment keeps at most 255 bytes (XT_MAX_COMMENT_LEN is 256 with the NUL; linux
 * include/uapi/linux/netfilter/xt_comment.h); iptables-restore refuses a longer one.
 */
export const MAX_IPTABLES_COMMENT_BYTES = 255;

/** A rule comment the kernel will take: one line, no control characters, at most 255 bytes. */
export function iptablesCommentText(text: string): string {
  const safe = commentText(text);
  if (Buffer.byteLength(safe, 'utf8') <= MAX_IPTABLES_COMMENT_BYTES) return safe;
  let out = '';
  for (const ch of safe) {
    if (Buffer.byteLength(out + ch + '…', 'utf8') > MAX_IPTABLES_COMMENT_BYTES) break;
    out += ch;
  }
  return out + '…';
}

/**
 * The ruleset with every comment made safe (the only place a name reaches a rule). Returns
 * the very same object when nothing needed changing, so an ordinary cluster's rules are fed
 * to the kernel byte for byte as `podpath dataplane --iptables` prints them.
 */
export function labSafeRuleset(rs: Ruleset): Ruleset {
  const fix = (t: MatchTerm): MatchTerm => (t.m === 'comment' && iptablesCommentText(t.text) !== t.text ? { m: 'comment', text: iptablesCommentText(t.text) } : t);
  let changed = false;
  const tables = new Map<Table['name'], Table>();
  for (const [name, table] of rs.tables) {
    const chains = new Map<string, Chain>();
    for (const [cname, chain] of table.chains) {
      const rules = chain.rules.map((r): Rule => {
        const terms = r.terms.map(fix);
        if (terms.every((t, i) => t === r.terms[i])) return r;
        changed = true;
        return { ...r, terms };
      });
      chains.set(cname, { ...chain, rules });
    }
    tables.set(name, { name, chains });
  }
  return changed ? { tables, ipsets: rs.ipsets, ...(rs.ipsetTypes ? { ipsetTypes: rs.ipsetTypes } : {}) } : rs;
}

/** iptables chain names: at most 28 characters (XT_EXTENSION_MAXNAMELEN 29 with the NUL). */
const CHAIN = '[A-Za-z0-9_.-]{1,28}';
/** A word outside a quoted comment: options, addresses, ports, marks, chain names, targets. */
// ip6tables writes an IPv6 address with a port in brackets: --to-destination [fd00::5]:80.
const WORD = /^(?:!|[A-Za-z0-9_.:/,=+-]+|\[[0-9a-f:.]+\](?::[0-9]+)?)$/;
const QUOTED = /^"(?:[^"\\\u0000-\u001f\u007f]|\\["'\\])*"$/;

/**
 * Why this text is not plain `iptables-restore` input as the lab writes it (empty when it is):
 * comment lines, `*table`, `:CHAIN POLICY [0:0]`, `-A`/`-I` rules made of plain words and
 * double-quoted comments, `COMMIT` after each table, and no control character anywhere but
 * the newline ending each line.
 */
export function restoreInputProblems(text: string): string[] {
  const problems: string[] = [];
  if (!text.endsWith('\n')) problems.push('does not end with a newline');
  const lines = text.replace(/\n$/, '').split('\n');
  let open: string | undefined;
  lines.forEach((line, i) => {
    const at = `line ${i + 1}`;
    if (hasUnsafeText(line)) {
      problems.push(`${at}: control or invisible character`);
      return;
    }
    if (line.startsWith('#')) return;
    const table = /^\*(raw|mangle|filter|nat)$/.exec(line);
    if (table) {
      if (open) problems.push(`${at}: table ${table[1]} starts before ${open} is committed`);
      open = table[1];
      return;
    }
    if (line === 'COMMIT') {
      if (!open) problems.push(`${at}: COMMIT without a table`);
      open = undefined;
      return;
    }
    if (!open) {
      problems.push(`${at}: outside a table`);
      return;
    }
    if (new RegExp(`^:${CHAIN} (?:ACCEPT|DROP|-) \\[0:0\\]$`).test(line)) return;
    const rule = new RegExp(`^-(?:A ${CHAIN}|I ${CHAIN}(?: [0-9]+)?) (.*)$`).exec(line);
    if (!rule) {
      problems.push(`${at}: not a chain or rule line`);
      return;
    }
    const words = splitRuleWords(rule[1]);
    if (!words) {
      problems.push(`${at}: unbalanced quotes`);
      return;
    }
    words.forEach((w, k) => {
      if (w.startsWith('"')) {
        if (!QUOTED.test(w) || words[k - 1] !== '--comment') problems.push(`${at}: a quoted word outside --comment`);
      } else if (!WORD.test(w)) {
        problems.push(`${at}: unexpected word ${JSON.stringify(w)}`);
      }
    });
  });
  if (open) problems.push(`table ${open} is never committed`);
  return problems;
}

/** Splits a rule on spaces, keeping a double-quoted word (with backslash escapes) whole. */
function splitRuleWords(text: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === ' ') {
      i++;
      continue;
    }
    if (text[i] === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (j >= text.length) return undefined;
      out.push(text.slice(i, j + 1));
      i = j + 1;
      continue;
    }
    let j = i;
    while (j < text.length && text[j] !== ' ') j++;
    const word = text.slice(i, j);
    if (word.includes('"')) return undefined;
    out.push(word);
    i = j;
  }
  return out;
}

// ---- nft -f input -----------------------------------------------------------------------

/** nft refuses comments longer than 128 characters (NFT_USERDATA_MAXLEN is 256 bytes with framing). */
export const MAX_NFT_COMMENT_BYTES = 128;

/** A comment nft will take: one line, no control characters, at most 128 bytes. */
export function nftCommentText(text: string): string {
  const safe = commentText(text);
  if (Buffer.byteLength(safe, 'utf8') <= MAX_NFT_COMMENT_BYTES) return safe;
  let out = '';
  for (const ch of safe) {
    if (Buffer.byteLength(out + ch + '…', 'utf8') > MAX_NFT_COMMENT_BYTES) break;
    out += ch;
  }
  return out + '…';
}

/**
 * The nftables ruleset with every comment made safe (tables, sets, chains, rules and map
 * elements: the only places a name reaches as free text). The very same object comes back when
 * nothing needed changing, so the kernel gets what `podpath dataplane --nftables` prints.
 */
export function labSafeNftRuleset(rs: NftRuleset): NftRuleset {
  let changed = false;
  const fix = (c: string | undefined): string | undefined => {
    if (c === undefined) return c;
    const safe = nftCommentText(c);
    if (safe !== c) changed = true;
    return safe;
  };
  const tables = rs.tables.map((t): NftTable => {
    const sets = new Map<string, NftSet>();
    for (const [name, s] of t.sets) {
      const elements = new Map<string, NftElement>();
      for (const [k, e] of s.elements) elements.set(k, e.comment === undefined ? e : { ...e, comment: fix(e.comment)! });
      sets.set(name, { ...s, ...(s.comment !== undefined ? { comment: fix(s.comment)! } : {}), elements });
    }
    const chains = new Map<string, NftChain>();
    for (const [name, c] of t.chains) {
      const rules = c.rules.map((r) => (r.comment === undefined ? r : { ...r, comment: fix(r.comment)! }));
      chains.set(name, { ...c, ...(c.comment !== undefined ? { comment: fix(c.comment)! } : {}), rules });
    }
    return { ...t, ...(t.comment !== undefined ? { comment: fix(t.comment)! } : {}), sets, chains };
  });
  return changed ? { tables } : rs;
}

/** nft identifiers (tables, chains, sets): a letter, `_` or `.` first, then [A-Za-z0-9_./-]; kube-proxy's are at most 256. */
const NFT_NAME = '[A-Za-z_.][A-Za-z0-9_./-]{0,255}';
/** A word of a rule or element list outside a quoted comment. */
const NFT_WORD = /^(?:[A-Za-z0-9_.:/@!=&|^{},[\]-]+)$/;
const NFT_QUOTED = /^"[^"\\\u0000-\u001f\u007f]*"$/;

const NFT_LINE_SHAPES: RegExp[] = [
  new RegExp(`^table (?:ip|ip6) ${NFT_NAME} \\{$`),
  /^\}$/,
  /^\t\}$/,
  new RegExp(`^\\t(?:set|map|chain) ${NFT_NAME} \\{$`),
  /^\t\ttype (?:filter|nat) hook (?:prerouting|input|forward|output|postrouting) priority (?:-?[0-9]+|(?:raw|mangle|dstnat|filter|security|srcnat)(?: [+-] [0-9]+)?); policy accept;$/,
  /^\t\ttype [a-z0-9_]+(?: \. [a-z0-9_]+)*(?: : verdict)?$/,
  /^\t\tsize [0-9]+$/,
  /^\t\tflags [a-z]+(?:,[a-z]+)*$/,
  /^\t\ttimeout (?:[0-9]+[dhms])+$/,
];

/**
 * Why this text is not `nft -f` input of the shape PodPath writes (empty when it is): tables,
 * sets, maps and chains as `nft list ruleset` prints them, rules and element lists made of
 * plain words, and double-quoted text only right after `comment`. No control character appears
 * anywhere but the newlines and the tabs that indent.
 */
export function nftInputProblems(text: string): string[] {
  const problems: string[] = [];
  if (!text.endsWith('\n')) problems.push('does not end with a newline');
  let depth = 0;
  text.replace(/\n$/, '').split('\n').forEach((line, i) => {
    const at = `line ${i + 1}`;
    if (hasUnsafeText(line.replace(/^\t+/, ''))) {
      problems.push(`${at}: control or invisible character`);
      return;
    }
    if (line === '') return;
    if (NFT_LINE_SHAPES.some((re) => re.test(line))) {
      if (line.endsWith('{')) depth++;
      else if (line.endsWith('}') && /^\t?\}$/.test(line)) depth--;
      if (depth < 0) problems.push(`${at}: closes a block that is not open`);
      return;
    }
    const body = /^\t(comment (.*))$/.exec(line) ?? /^\t\t(comment (.*))$/.exec(line);
    if (body) {
      if (!NFT_QUOTED.test(body[2])) problems.push(`${at}: a comment that is not one quoted string`);
      return;
    }
    const words = /^\t\telements = \{ (.*)$/.exec(line)?.[1] ?? /^\t\t\t {5}(.*)$/.exec(line)?.[1] ?? /^\t\t([^\t].*)$/.exec(line)?.[1];
    if (words === undefined) {
      problems.push(`${at}: not a table, set, map, chain, attribute or rule line`);
      return;
    }
    const split = splitRuleWords(words);
    if (!split) {
      problems.push(`${at}: unbalanced quotes`);
      return;
    }
    split.forEach((w, k) => {
      if (w.startsWith('"')) {
        if (!NFT_QUOTED.test(w) || split[k - 1] !== 'comment') problems.push(`${at}: a quoted word outside a comment`);
      } else if (!NFT_WORD.test(w)) {
        problems.push(`${at}: unexpected word ${JSON.stringify(w)}`);
      }
    });
  });
  if (depth !== 0) problems.push('a table, set or chain is never closed');
  return problems;
}
