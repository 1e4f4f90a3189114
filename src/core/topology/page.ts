/**
 * The topology page's HTML shell, as a string. The webview host and the standalone browser
 * test serve this same document, so the test exercises the real Content-Security-Policy:
 * nothing runs but scripts carrying the nonce, no inline style or script, no eval, images only
 * from the extension, data: and blob: (the PNG export draws the SVG through a blob: URL).
 */

export interface PageOptions {
  /** The webview's `cspSource` (VS Code), or the test server's origin. */
  cspSource: string;
  /** A fresh random value per page load. */
  nonce: string;
  scriptUri: string;
  styleUri: string;
  /** BCP 47 language for `<html lang>`. */
  lang?: string;
  /** Scripts loaded before the page (the test's stand-in for the VS Code API). */
  preludeUris?: string[];
}

export function topologyPageHtml(o: PageOptions): string {
  const csp = [
    "default-src 'none'",
    `img-src ${o.cspSource} data: blob:`,
    `style-src ${o.cspSource}`,
    `font-src ${o.cspSource}`,
    `script-src 'nonce-${o.nonce}'`,
  ].join('; ');
  const scripts = [...(o.preludeUris ?? []), o.scriptUri].map((u) => `  <script nonce="${attr(o.nonce)}" src="${attr(u)}"></script>`).join('\n');
  return `<!DOCTYPE html>
<html lang="${attr(o.lang ?? 'en')}">
<head>
  <meta charset="utf-8">
  <meta http-equiv="Content-Security-Policy" content="${attr(csp)}">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <link rel="stylesheet" href="${attr(o.styleUri)}">
  <title>PodPath topology</title>
</head>
<body>
  <div id="app" data-testid="app"></div>
${scripts}
</body>
</html>
`;
}

/** A nonce for the CSP from random bytes the caller draws (crypto.randomBytes / getRandomValues). */
export function nonceFrom(bytes: Uint8Array): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let s = '';
  for (const b of bytes) s += alphabet[b % alphabet.length];
  return s;
}

function attr(v: string): string {
  return v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
