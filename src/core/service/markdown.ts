/**
 * Markdown for hovers, built from text that comes from manifests: names, labels, port names,
 * messages. Such text is untrusted (a repository someone else wrote), so it only ever enters
 * the Markdown through these two functions and renders as the characters it is — never as an
 * image, a link, HTML, an entity or a block (heading, list, quote, table).
 *
 * CommonMark 0.31, "Backslash escapes": any ASCII punctuation character may be backslash-escaped
 * and then stands for itself. Escaping all of them (not a hand-picked few) also defeats the GFM
 * autolink extension (`https://…`, `www.…`) and HTML, which both need literal `:`, `/`, `.`, `<`.
 */

/** ASCII punctuation: ! " # $ % & ' ( ) * + , - . / : ; < = > ? @ [ \ ] ^ _ ` { | } ~ */
const ASCII_PUNCTUATION = /[!-/:-@[-`{-~]/g;
/** C0/C1 controls, line and paragraph separators, bidi controls: shown as U+FFFD. */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Untrusted text as Markdown that renders exactly this text, on one line. */
export function escapeMarkdown(text: string): string {
  return String(text).replace(UNPRINTABLE, '\ufffd').replace(ASCII_PUNCTUATION, (c) => `\\${c}`);
}

/**
 * Untrusted text as an inline code span. A code span's content is literal (no links, images or
 * HTML inside), but a backtick in the text would close it early: the fence is one backtick
 * longer than the longest run inside (CommonMark, "Code spans"), with a space on each side so a
 * leading or trailing backtick cannot join the fence.
 */
export function markdownCode(text: string): string {
  const content = String(text).replace(UNPRINTABLE, '\ufffd');
  const longest = Math.max(0, ...[...content.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = longest > 0 || content.startsWith(' ') || content.endsWith(' ') ? ' ' : '';
  return `${fence}${pad}${content}${pad}${fence}`;
}
