import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ipaddr from 'ipaddr.js';
import {
  cidr, cidrContains, cidrContainsCidr, cidrSize, cidrsOverlap, coveringCidr, familyOf, intToIp, ipToInt, maskOf, nthAddress, nthSubnet, parseCidr, parseIPv4,
} from '../../src/core/common/ip';
import { rng } from '../support/random';

test('parseIPv4 accepts a dotted quad and returns it unchanged', () => {
  assert.deepEqual(parseIPv4('10.244.1.7'), { ok: true, value: '10.244.1.7' });
});

test('parseIPv4 rejects leading zeros, out-of-range octets, short forms and non-strings', () => {
  assert.equal(parseIPv4('010.1.1.1').ok, false);
  assert.equal(parseIPv4('10.1.1.256').ok, false);
  assert.equal(parseIPv4('10.1.1').ok, false);
  assert.equal(parseIPv4(' 10.1.1.1').ok, false);
  assert.deepEqual(parseIPv4(80), { ok: false, error: 'expected an IPv4 address, got number 80' });
  assert.deepEqual(parseIPv4(null), { ok: false, error: 'expected an IPv4 address, got nothing' });
});

test('parseIPv4 names IPv6 addresses as IPv6 rather than as garbage', () => {
  assert.deepEqual(parseIPv4('fd00::1'), { ok: false, error: '"fd00::1" is IPv6; an IPv4 address is expected here' });
});

test('parseCidr returns the network, prefix and canonical text', () => {
  assert.deepEqual(parseCidr('10.244.0.0/16'), { ok: true, value: { base: ipToInt('10.244.0.0'), prefix: 16, text: '10.244.0.0/16' } });
  assert.deepEqual(parseCidr('0.0.0.0/0'), { ok: true, value: { base: 0, prefix: 0, text: '0.0.0.0/0' } });
});

test('parseCidr rejects host bits unless allowHostBits, which keeps only the network', () => {
  assert.deepEqual(parseCidr('10.244.1.5/24'), { ok: false, error: '"10.244.1.5/24" has host bits set; the network is 10.244.1.0/24' });
  assert.deepEqual(parseCidr('10.244.1.5/24', { allowHostBits: true }), { ok: true, value: { base: ipToInt('10.244.1.0'), prefix: 24, text: '10.244.1.0/24' } });
});

test('parseCidr rejects a missing prefix, a prefix over 32, a prefix with a leading zero, and IPv6 where IPv4 is asked for', () => {
  assert.deepEqual(parseCidr('10.0.0.0'), { ok: false, error: '"10.0.0.0" is not a CIDR: it has no /prefix (e.g. 10.0.0.0/24)' });
  assert.deepEqual(parseCidr('10.0.0.0/33'), { ok: false, error: '"10.0.0.0/33" has an invalid prefix length "33" (0–32)' });
  assert.deepEqual(parseCidr('10.0.0.0/08'), { ok: false, error: '"10.0.0.0/08" has an invalid prefix length "08" (0–32)' });
  assert.deepEqual(parseCidr('fd00::/64', { family: 4 }), { ok: false, error: '"fd00::/64" is IPv6; an IPv4 CIDR is expected here' });
  assert.deepEqual(parseCidr('10.0.0/24'), { ok: false, error: '"10.0.0/24" is not a valid CIDR: "10.0.0" is not an IP address' });
  assert.deepEqual(parseCidr(24), { ok: false, error: 'expected a CIDR such as 10.244.0.0/16, got number 24' });
});

test('cidr() throws on text that is not a CIDR at all (it is for trusted input only)', () => {
  assert.throws(() => cidr('nonsense'), /not a CIDR/);
});

test('cidrContains is true exactly for the addresses between network and broadcast', () => {
  const c = cidr('10.244.1.0/24');
  assert.equal(cidrContains(c, '10.244.1.0'), true);
  assert.equal(cidrContains(c, '10.244.1.255'), true);
  assert.equal(cidrContains(c, '10.244.2.0'), false);
  assert.equal(cidrContains(c, '10.244.0.255'), false);
  assert.equal(cidrContains(cidr('0.0.0.0/0'), '255.255.255.255'), true);
});

test('cidrsOverlap is true for nesting and equality, false for neighbours', () => {
  assert.equal(cidrsOverlap(cidr('10.244.0.0/16'), cidr('10.244.7.0/24')), true);
  assert.equal(cidrsOverlap(cidr('10.244.7.0/24'), cidr('10.244.0.0/16')), true);
  assert.equal(cidrsOverlap(cidr('10.244.1.0/24'), cidr('10.244.1.0/24')), true);
  assert.equal(cidrsOverlap(cidr('10.244.1.0/24'), cidr('10.244.2.0/24')), false);
  assert.equal(cidrsOverlap(cidr('10.96.0.0/12'), cidr('10.112.0.0/12')), false);
});

test('cidrContainsCidr needs the inner block wholly inside the outer one', () => {
  assert.equal(cidrContainsCidr(cidr('10.244.0.0/16'), cidr('10.244.3.0/24')), true);
  assert.equal(cidrContainsCidr(cidr('10.244.3.0/24'), cidr('10.244.0.0/16')), false);
  assert.equal(cidrContainsCidr(cidr('10.244.0.0/16'), cidr('10.245.0.0/24')), false);
});

test('nthSubnet counts /24 blocks from the start of the range and stops at its end', () => {
  const c = cidr('10.244.0.0/16');
  assert.equal(nthSubnet(c, 24, 0)!.text, '10.244.0.0/24');
  assert.equal(nthSubnet(c, 24, 3)!.text, '10.244.3.0/24');
  assert.equal(nthSubnet(c, 24, 255)!.text, '10.244.255.0/24');
  assert.equal(nthSubnet(c, 24, 256), undefined);
  assert.equal(nthSubnet(c, 8, 0), undefined);
  assert.equal(nthSubnet(cidr('192.168.0.0/24'), 26, 2)!.text, '192.168.0.128/26');
});

test('nthAddress, cidrSize, maskOf and intToIp agree on a /24', () => {
  const c = cidr('10.1.2.0/24');
  assert.equal(cidrSize(c), 256);
  assert.equal(nthAddress(c, 1), '10.1.2.1');
  assert.equal(nthAddress(c, 255), '10.1.2.255');
  assert.equal(maskOf(24), 0xffffff00);
  assert.equal(maskOf(0), 0);
  assert.equal(intToIp(ipToInt('192.168.255.1')), '192.168.255.1');
  assert.equal(ipToInt('255.255.255.255'), 0xffffffff);
});

test('coveringCidr finds the smallest block holding all inputs, but at least the given width', () => {
  assert.equal(coveringCidr([cidr('10.42.0.0/24'), cidr('10.42.1.0/24')], 16)!.text, '10.42.0.0/16');
  assert.equal(coveringCidr([cidr('10.42.0.0/24'), cidr('10.42.1.0/24')])!.text, '10.42.0.0/23');
  assert.equal(coveringCidr([ipToInt('10.43.0.10'), ipToInt('10.43.200.1')], 16)!.text, '10.43.0.0/16');
  assert.equal(coveringCidr([ipToInt('10.0.0.1'), ipToInt('172.16.0.1')], 16)!.text, '0.0.0.0/0');
  assert.equal(coveringCidr([]), undefined);
});

test('ipToInt reads every dotted quad as the general parse does, and anything else the same way as before', () => {
  const bySplit = (ip: string) => { const p = ip.split('.'); return ((+p[0] << 24) | (+p[1] << 16) | (+p[2] << 8) | +p[3]) >>> 0; };
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
  for (let i = 0; i < 5000; i++) {
    const ip = [next() % 256, next() % 256, next() % 256, next() % 256].join('.');
    assert.equal(ipToInt(ip), bySplit(ip), ip);
  }
  for (const odd of ['0.0.0.0', '255.255.255.255', '10.1.2', '10.1.2.3.4', '1..2.3', '300.1.1.1', '1.2.3.256', '1.2.3.4 ', '', 'a.b.c.d', '01.2.3.4', '1.2.3.1000']) {
    assert.equal(ipToInt(odd), bySplit(odd), JSON.stringify(odd));
  }
});

test('nthAddress writes IPv6 pod addresses in RFC 5952 form for blocks with and without zero groups, at every kind of offset', async () => {
  const ipaddr = await import('ipaddr.js');
  const blocks = ['fd00:10:244:1::/64', 'fd00::/64', '2001:db8:0:0:1::/80', 'fd00:0:0:5::/64', '2001:db8:1:2:3:4::/96', '::/64', '1:0:0:1:0:0::/96', 'fd00:1:2:3:4:0::/96', 'fd00:10:96::/112', 'fd00:10:96::7:0/112', 'fd00::a:0:0/100', '1::1:0/112'];
  const offsets = [0, 1, 7, 0xffff, 0x10000, 0x10001, 0x2a0000, 0xffffffff, 0x12345678];
  for (const text of blocks) {
    const c = parseCidr(text, { family: 6 });
    assert.ok(c.ok, text);
    const size = 2 ** (128 - c.value.prefix);
    for (const n of offsets.filter((o) => o < size)) {
      const expected = ipaddr.IPv6.parse(ipaddr.IPv6.networkAddressFromCIDR(text).toString()).toByteArray();
      for (let i = 15, carry = n; i >= 0 && carry > 0; i--) {
        const sum = expected[i] + (carry % 256);
        expected[i] = sum % 256;
        carry = Math.floor(carry / 256) + Math.floor(sum / 256);
      }
      assert.equal(nthAddress(c.value, n), ipaddr.fromByteArray(expected).toString(), `${text} + ${n}`);
    }
  }
});

test('familyOf answers as ipaddr.js does (four-part decimal IPv4, zone-less IPv6) on edge cases and 50,000 random strings, without its exceptions', () => {
  const reference = (text: string) => (ipaddr.IPv4.isValidFourPartDecimal(text) ? 4 : text.includes(':') && !text.includes('%') && ipaddr.IPv6.isValid(text) ? 6 : undefined);
  const edges = [
    '10.0.0.1', '0.0.0.0', '255.255.255.255', '256.1.1.1', '01.2.3.4', '1.2.3.04', '1.2.3', '1.2.3.4.5', ' 1.2.3.4', '1.2.3.4 ', '0x1.2.3.4', '1000.1.1.1',
    '::', '::1', 'fd00::1', 'FD00::A', 'fd00::1%eth0', '::ffff:1.2.3.4', '::ffff:1.2.3.256', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8:9', 'gggg::1',
    'team-3/app:80', 'service:ns/name', '1.2.3.4:80', '[::1]:80', '', ':', ':::', '1::2::3',
  ];
  for (const text of edges) assert.equal(familyOf(text), reference(text), JSON.stringify(text));
  const r = rng(7);
  const alphabet = '0123456789..::abcdefABCDEFx% /';
  for (let i = 0; i < 50000; i++) {
    let text = '';
    const length = 1 + Math.floor(r() * 16);
    for (let j = 0; j < length; j++) text += alphabet[Math.floor(r() * alphabet.length)];
    assert.equal(familyOf(text), reference(text), JSON.stringify(text));
  }
  // Dotted numbers: parts up to 399, some with a leading zero, three to five of them.
  let valid = 0;
  for (let i = 0; i < 20000; i++) {
    const parts = Array.from({ length: 3 + Math.floor(r() * 3) }, () => (r() < 0.1 ? '0' : '') + String(Math.floor(r() ** 3 * 400)));
    const text = parts.join('.');
    assert.equal(familyOf(text), reference(text), JSON.stringify(text));
    if (reference(text) === 4) valid++;
  }
  assert.ok(valid > 1000, `${valid} of the dotted numbers are addresses`);
});
