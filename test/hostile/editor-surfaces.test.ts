import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { LanguageService } from '../../src/core/service/language-service';
import { escapeMarkdown, markdownCode } from '../../src/core/service/markdown';
import { traceLinks } from '../../src/core/service/trace-links';
import type { ServiceFile } from '../../src/core/service/types';
import { formatTraceText } from '../../src/core/format/trace-text';
import type { Trace } from '../../src/core/forward/trace';
import { isSourceRangeShaped, isWorkspaceRelativePath } from '../../src/extension/workspace-paths';
import { REPO_ROOT } from '../support/analyze';

// Manifests are untrusted: what they name must reach the editor's hovers and trace links as
// plain characters, never as an image, a link, HTML, or a path outside the workspace.

const PAYLOADS = [
  'x** ![t](https://attacker.example/t.png) **',
  '[click](command:workbench.action.terminal.new)',
  '<img src=https://attacker.example/p.png>',
  '<script>alert(1)</script>',
  '`` ` ``![i](http://a.example/i)',
  'www.attacker.example',
  'https://attacker.example/x',
  '&lt;b&gt; &#x3C;img&#x3E;',
  '# heading\n- list\n> quote',
  '\\![t](https://attacker.example/t.png)',
  '$(alert) [a]: https://attacker.example "ref"',
  '| a | b |\n|---|---|',
  '\u202eevil\u0000\r\n![t](https://a.example/t)',
];

/**
 * What a CommonMark + GFM renderer would make of inline Markdown, to the degree that matters
 * here: the text shown, and how many images, links (inline, reference, auto) and HTML tags or
 * entities it would produce. Escapes and code spans follow CommonMark 0.31.
 */
function render(md: string): { text: string; images: number; links: number; html: number; blocks: number } {
  let text = '';
  let images = 0, links = 0, html = 0;
  let raw = ''; // the current run of unescaped text outside code spans (where autolinks live)
  const flushRaw = () => {
    links += (raw.match(/https?:\/\/|www\.|mailto:|command:/gi) ?? []).length;
    html += (raw.match(/<[a-z/!?]|&(#\d+|#x[0-9a-f]+|[a-z]+);/gi) ?? []).length;
    raw = '';
  };
  for (let i = 0; i < md.length; ) {
    const c = md[i];
    if (c === '\\' && i + 1 < md.length && /[!-/:-@[-`{-~]/.test(md[i + 1])) {
      flushRaw();
      text += md[i + 1];
      i += 2;
    } else if (c === '`') {
      flushRaw();
      const fence = /^`+/.exec(md.slice(i))![0];
      let j = i + fence.length;
      let end = -1;
      while (j < md.length) {
        const run = /^`+/.exec(md.slice(j));
        if (run) {
          if (run[0].length === fence.length) { end = j; break; }
          j += run[0].length;
        } else j++;
      }
      if (end < 0) { text += fence; raw += fence; i += fence.length; continue; }
      let content = md.slice(i + fence.length, end);
      if (content.length > 1 && content.startsWith(' ') && content.endsWith(' ') && content.trim() !== '') content = content.slice(1, -1);
      text += content;
      i = end + fence.length;
    } else {
      if (c === '!' && md[i + 1] === '[') images++;
      if (c === ']' && (md[i + 1] === '(' || md[i + 1] === ':' || md[i + 1] === '[')) links++;
      text += c;
      raw += c;
      i++;
    }
  }
  flushRaw();
  // Block syntax a manifest string could start: only our own list items and blank lines exist.
  const blocks = md.split('\n').filter((l) => /^\s*(#|>|\||[-*+] \[|\d+[.)] |={2,}|-{3,})/.test(l)).length;
  return { text, images, links, html, blocks };
}

test('escapeMarkdown: any text renders as exactly itself, on one line, with no image, link or HTML', () => {
  let seed = 42;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const alphabet = '![]()<>&#`*_\\:/.wh tps-|~{}$"\'\n\r\u0000\u202e=+';
  const cases = [...PAYLOADS];
  for (let n = 0; n < 500; n++) cases.push(Array.from({ length: 1 + Math.floor(random() * 40) }, () => alphabet[Math.floor(random() * alphabet.length)]).join(''));
  for (const s of cases) {
    const md = escapeMarkdown(s);
    const r = render(md);
    assert.equal(md.includes('\n') || md.includes('\r'), false, JSON.stringify(s));
    assert.deepEqual([r.images, r.links, r.html, r.blocks], [0, 0, 0, 0], `${JSON.stringify(s)} → ${JSON.stringify(md)}`);
    // Unprintable characters are shown as U+FFFD; everything else is shown as written.
    assert.equal(r.text, s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, '\ufffd'), JSON.stringify(s));
  }
});

test('markdownCode: a code span that no backtick in the text can close early', () => {
  for (const s of [...PAYLOADS, '`', '``', 'a`b', '`a', 'a`', ' `` ', 'x```y`']) {
    const md = markdownCode(s);
    const r = render(md);
    assert.deepEqual([r.images, r.links, r.html], [0, 0, 0], `${JSON.stringify(s)} → ${JSON.stringify(md)}`);
    assert.equal(r.text, s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, '\ufffd'), JSON.stringify(md));
  }
});

// ---- hovers on hostile manifests -------------------------------------------------------------

function workspace(name: string, port: string, label: string): ServiceFile[] {
  const q = (s: string) => JSON.stringify(s);
  return [{
    file: 'app.yaml',
    text: [
      'apiVersion: v1', 'kind: Pod',
      `metadata: {name: ${q(name)}, labels: {app: ${q(label)}}}`,
      'spec:', '  containers:', `    - {name: ${q(name)}, image: x, ports: [{name: ${q(port)}, containerPort: 8080}]}`,
      '---',
      'apiVersion: v1', 'kind: Pod', 'metadata: {name: client}', 'spec: {containers: [{name: c, image: x}]}',
      '---',
      'apiVersion: v1', 'kind: Service', `metadata: {name: web}`,
      'spec:', `  selector: {app: ${q(label)}}`, `  ports: [{name: ${q(port)}, port: 80, targetPort: ${q(port)}}]`,
    ].join('\n') + '\n',
  }];
}

test('hovers on objects named by an attacker show the names as text: no image, link or HTML', () => {
  let hovers = 0;
  let shownPayloads = 0;
  for (const payload of PAYLOADS) {
    const s = new LanguageService();
    const files = workspace(payload, payload.slice(0, 15), payload);
    s.update(files, {});
    const lines = files[0].text.split('\n');
    for (let line = 1; line <= lines.length; line++) {
      for (let column = 1; column <= lines[line - 1].length + 1; column += 4) {
        const h = s.hover('app.yaml', { line, column });
        if (!h) continue;
        hovers++;
        const r = render(h.markdown);
        assert.deepEqual([r.images, r.links, r.html, r.blocks], [0, 0, 0, 0], `${JSON.stringify(payload)} at ${line}:${column}:\n${h.markdown}`);
        if (r.text.includes(payload.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, '\ufffd'))) shownPayloads++;
      }
    }
  }
  assert.ok(hovers > PAYLOADS.length * 5, `${hovers} hovers checked`);
  // Where the analysis keeps such an object (today: the container's name, the label), the hover shows it verbatim.
  assert.ok(shownPayloads > 0, 'some hover shows a payload as plain text');
});

// ---- trace links ---------------------------------------------------------------------------

function example(name: string): ServiceFile[] {
  const dir = path.join(REPO_ROOT, 'examples', name);
  return fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort().map((f) => ({ file: `${name}/${f}`, text: fs.readFileSync(path.join(dir, f), 'utf8') }));
}

test('trace links come from the hops\' source locations only: a location written into a name is text', () => {
  const s = new LanguageService();
  const files = example('seed-000');
  s.update(files, {});
  const r = s.trace('pod1', 'pod4');
  assert.ok(r.ok && r.trace);
  const trace: Trace = JSON.parse(JSON.stringify(r.trace));
  const analysed = new Set(files.map((f) => f.file));
  const honest = traceLinks(trace, formatTraceText(trace, { details: true }), (f) => analysed.has(f));
  assert.ok(honest.length >= 3);

  // A name that looks like a location, in every text a hop prints; the endpoint names as well.
  const fake = '../../../../root/.config/secret.yaml:1:1';
  trace.from.name = `pod1 (${fake})`;
  for (const hop of [...trace.hops, ...trace.branches.flatMap((b) => b.hops)]) {
    hop.summary += ` (${fake})`;
    if (hop.decidedBy) hop.decidedBy.text += ` ↳ (${fake})`;
    hop.details = [...(hop.details ?? []), `↳ (${fake})`, `↳ (/etc/passwd:1:1)`];
  }
  const document = formatTraceText(trace, { details: true });
  assert.ok(document.includes(fake));
  const links = traceLinks(trace, document, (f) => analysed.has(f));
  assert.deepEqual(links.map((l) => l.target), honest.map((l) => l.target), 'the same targets as before the names changed');
  const lines = document.split('\n');
  for (const l of links) {
    assert.ok(analysed.has(l.target.file), l.target.file);
    assert.equal(lines[l.line - 1].slice(l.column - 1, l.column - 1 + l.length), `${l.target.file}:${l.target.start.line}:${l.target.start.column}`);
  }

  // A hop whose structured source is not a file of the analysis gets no link at all.
  const outside: Trace = JSON.parse(JSON.stringify(r.trace));
  const hop = outside.hops.find((h) => h.decidedBy?.source)!;
  hop.decidedBy!.source = { ...hop.decidedBy!.source!, file: '../../../../root/.config/secret.yaml' };
  const fewer = traceLinks(outside, formatTraceText(outside, { details: true }), (f) => analysed.has(f));
  assert.equal(fewer.length, honest.length - 1);
  assert.ok(fewer.every((l) => analysed.has(l.target.file)));
});

test('paths the editor opens: workspace-relative only; absolute, climbing, drive, scheme and control paths are refused', () => {
  for (const ok of ['a.yaml', 'examples/flannel-vxlan/app.yaml', 'folder-b/x/y.yml', 'with space/a b.yaml', '.github/k8s.yaml', 'a..b.yaml']) {
    assert.equal(isWorkspaceRelativePath(ok), true, ok);
  }
  for (const bad of [
    '', '/etc/passwd', '../secret.yaml', 'a/../../b.yaml', '../../../../root/.config/secret.yaml', 'a/./b.yaml', './a.yaml',
    'a//b.yaml', 'a/', 'C:/Windows/x.yaml', 'c:x.yaml', 'C:\\x.yaml', 'a\\..\\..\\b.yaml', 'file:///etc/passwd',
    'vscode-remote://x/y.yaml', 'command:workbench.action.terminal.new', 'a\u0000.yaml', 'a\n.yaml', '<podpath.defaultCluster>'.replace('<', '/'),
    'x'.repeat(5000),
  ]) {
    assert.equal(isWorkspaceRelativePath(bad), false, JSON.stringify(bad.slice(0, 60)));
  }
  assert.equal(isWorkspaceRelativePath(undefined), false);
  assert.equal(isWorkspaceRelativePath({ toString: () => 'a.yaml' }), false);
  // The page's "open YAML" message: a range with whole-number positions, or nothing is opened.
  const good = { file: 'a.yaml', start: { line: 1, column: 1 }, end: { line: 2, column: 1 } };
  assert.equal(isSourceRangeShaped(good), true);
  for (const bad of [null, 'a.yaml', { ...good, file: 7 }, { ...good, start: { line: '1', column: 1 } }, { ...good, end: { line: 1.5, column: 1 } }, { file: 'a.yaml' }]) {
    assert.equal(isSourceRangeShaped(bad), false, JSON.stringify(bad));
  }
});
