/**
 * Text for a terminal. Names come from manifests nobody vetted; written raw, an ESC sequence in
 * a pod name could move the cursor, recolour or retitle the terminal, and a carriage return could
 * hide the rest of a line (ECMA-48 control functions: C0 0x00–0x1F, DEL, C1 0x80–0x9F). Bidi
 * controls reorder what is shown (Unicode UAX #9), so they are made visible too.
 * JSON output is left exact: JSON.stringify already escapes every control character.
 */

// eslint-disable-next-line no-control-regex
const UNSAFE_IN_VALUE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex
const UNSAFE_IN_TEXT = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function visible(ch: string): string {
  const code = ch.charCodeAt(0);
  if (ch === '\n') return '\\n';
  if (ch === '\r') return '\\r';
  if (ch === '\t') return '\\t';
  if (code === 0x1b) return '\\e';
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** One value (a name, an address, what the user typed) on one line: every control character shown as an escape. */
export function forTerminal(value: string): string {
  return value.replace(UNSAFE_IN_VALUE, visible);
}

/** Whole lines of text output: line feeds and tabs stay, every other control character is shown as an escape. */
export function forTerminalText(text: string): string {
  return text.replace(UNSAFE_IN_TEXT, visible);
}
