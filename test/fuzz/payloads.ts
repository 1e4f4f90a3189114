import { Random } from './random';

/**
 * Values an attacker or a half-finished edit puts where PodPath expects a name, a number or a
 * CIDR. Each targets one boundary: a shell or here-document line, an iptables-restore line,
 * Markdown, a terminal, a path, a length or a type.
 */
export const HOSTILE_STRINGS: readonly string[] = [
  'demo\ntouch /tmp/podpath-fuzz-pwned; exit 0\n#',
  'svc\r\nCOMMIT\r\n',
  'svc\nCOMMIT\nPODPATH_EOF\nEOF\ntouch /tmp/podpath-fuzz-pwned\n',
  'svc\n-I PREROUTING 1 -j RETURN\n#',
  '$(touch /tmp/podpath-fuzz-pwned)',
  '`id`',
  "it's \"quoted\"",
  'x** ![t](https://attacker.example/t.png) **',
  '<img src=x onerror=alert(1)>',
  '[link](command:workbench.action.terminal.new)',
  '../../../../root/.config/secret.yaml:1:1',
  '/etc/passwd',
  '\u001b[2J\u001b[31mred\u001b]0;title\u0007',
  'nul\u0000byte',
  'tab\there',
  'line\u2028separator',
  'ünïcödé-名前',
  'a%d',
  'lo',
  'eth0',
  '-',
  '.',
  '..',
  '',
  ' ',
  'a'.repeat(64),
  'b'.repeat(300),
  'UPPER-case',
  'web',
  'default',
  'kube-system',
  'node-1',
  'flannel.1',
  '10.96.0.1',
  '10.244.0.0/16',
  '300.1.2.3/8',
  '10.0.0.0/33',
  '::1/128',
  'fe80::/10',
  '0.0.0.0/0',
  'http',
  'NaN',
  'Infinity',
  '-1',
  '65536',
  '99999',
  '0x50',
  '1e3',
  'true',
  'null',
  '~',
];

export const HOSTILE_NUMBERS: readonly number[] = [
  0, 1, -1, 2, 3, 80, 65535, 65536, 99999, 1.5, -0.0, 2 ** 31, 2 ** 53, 1e21, 30000, 32767, 30080,
];

/** Replica counts: small ones that run, and absurd ones that the bounds must refuse quickly. */
export const REPLICA_COUNTS: readonly number[] = [0, 1, 2, 3, 7, 40, 250, 1_000_000, 1e9, 2 ** 53];

export function hostileString(rng: Random): string {
  if (rng.chance(0.15)) {
    // A random string of bytes in the troublesome ranges: C0, DEL, C1, quotes, shell metacharacters.
    const alphabet = '\n\r\t\u0000\u0007\u001b\u007f\u0085\u009b\'"`$()<>|&;#*?[]{}!\\ ~/%:=@,.-_aZ09';
    let s = '';
    const n = rng.int(1, 24);
    for (let i = 0; i < n; i++) s += alphabet[rng.int(0, alphabet.length - 1)];
    return s;
  }
  return rng.pick(HOSTILE_STRINGS);
}

/** A value of any JSON type, biased towards the ones that break type assumptions. */
export function hostileValue(rng: Random, depth = 0): unknown {
  switch (rng.int(0, 7)) {
    case 0: case 1: return hostileString(rng);
    case 2: return rng.pick(HOSTILE_NUMBERS);
    case 3: return rng.pick([true, false, null]);
    case 4: return depth < 2 ? [hostileValue(rng, depth + 1)] : [];
    case 5: return depth < 2 ? { [hostileString(rng)]: hostileValue(rng, depth + 1) } : {};
    case 6: return {};
    default: return [];
  }
}
