import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import {
  bigIntToIpv6,
  formatIPv4,
  formatIPv6,
  formatRange,
  ipScope,
  ipv6ToBigInt,
  parseIPv4,
  parseIPv6,
  parseIp,
  parseRange,
  publicParts,
  scopeV4,
} from '../../src/util/ip.js';

test('IPv4 parses to an unsigned integer and back', () => {
  assert.equal(parseIPv4('0.0.0.0'), 0);
  assert.equal(parseIPv4('255.255.255.255'), 0xffffffff);
  assert.equal(parseIPv4('81.2.69.142'), ((81 * 256 + 2) * 256 + 69) * 256 + 142);
  assert.equal(formatIPv4(parseIPv4('203.0.113.7')), '203.0.113.7');
  assert.equal(formatIPv4(0xffffffff), '255.255.255.255');
});

test('IPv4 refuses what net.isIP refuses', () => {
  for (const bad of ['256.1.1.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1..2.3', '1.2.3.', '.1.2.3', ' 1.2.3.4', '1.2.3.4 ', 'a.b.c.d', '', '1.2.3.-4', '1234.1.1.1']) {
    assert.equal(parseIPv4(bad), -1, bad);
    assert.equal(net.isIPv4(bad), false, `net agrees on ${bad}`);
  }
  assert.equal(parseIPv4('x1.2.3.4y', 1, 8), 0x01020304, 'a slice of a longer string');
});

test('IPv6 parses the forms RFC 4291 allows, like net.isIPv6', () => {
  const cases: [string, string][] = [
    ['::', '00000000000000000000000000000000'],
    ['::1', '00000000000000000000000000000001'],
    ['1::', '00010000000000000000000000000000'],
    ['2001:db8::ff00:42:8329', '20010db8000000000000ff0000428329'],
    ['2001:0DB8:0000:0000:0000:FF00:0042:8329', '20010db8000000000000ff0000428329'],
    ['::ffff:81.2.69.142', '00000000000000000000ffff5102458e'],
    ['64:ff9b::192.0.2.33', '0064ff9b0000000000000000c0000221'],
    ['fe80::1%eth0', 'fe800000000000000000000000000001'],
    ['1:2:3:4:5:6:7::', '00010002000300040005000600070000'],
    ['::2:3:4:5:6:7:8', '00000002000300040005000600070008'],
  ];
  for (const [text, hex] of cases) {
    assert.equal(parseIPv6(text)?.toString('hex'), hex, text);
    assert.equal(net.isIPv6(text), true, text);
  }
  for (const bad of [':', ':::', '1:2:3:4:5:6:7:8:9', '1::2::3', '12345::', 'g::1', '1:2:3:4:5:6:7', '::1.2.3', '1.2.3.4', 'fe80::1%', ':1::', '1::2:']) {
    assert.equal(parseIPv6(bad), null, bad);
    assert.equal(net.isIPv6(bad), false, `net agrees on ${bad}`);
  }
});

test('IPv6 text is canonical (RFC 5952) and survives a bigint round trip', () => {
  assert.equal(formatIPv6(parseIPv6('2001:0db8:0:0:1:0:0:1')!), '2001:db8::1:0:0:1');
  assert.equal(formatIPv6(parseIPv6('2001:db8:0:1:1:1:1:1')!), '2001:db8:0:1:1:1:1:1', 'a single zero group stays');
  assert.equal(formatIPv6(parseIPv6('0:0:0:0:0:0:0:0')!), '::');
  assert.equal(formatIPv6(parseIPv6('::ffff:1.2.3.4')!), '::ffff:1.2.3.4');
  const b = parseIPv6('2a02:cf40:ffff::1')!;
  assert.deepEqual(bigIntToIpv6(ipv6ToBigInt(b)), b);
});

test('parseIp unwraps IPv4-mapped IPv6 addresses', () => {
  assert.deepEqual(parseIp('::ffff:8.8.8.8'), { v: 4, n: parseIPv4('8.8.8.8') });
  assert.deepEqual(parseIp('::FFFF:808:808'), { v: 4, n: parseIPv4('8.8.8.8') });
  assert.equal(parseIp('2a00:1450:4001::1')?.v, 6);
  assert.equal(parseIp('example.com'), null);
});

test('ranges: CIDRs (host bits cleared), single addresses and a-b, both families', () => {
  assert.deepEqual(parseRange('1.2.3.0/24'), { v: 4, lo: parseIPv4('1.2.3.0'), hi: parseIPv4('1.2.3.255') });
  assert.deepEqual(parseRange('1.2.3.77/24'), { v: 4, lo: parseIPv4('1.2.3.0'), hi: parseIPv4('1.2.3.255') });
  assert.deepEqual(parseRange('0.0.0.0/0'), { v: 4, lo: 0, hi: 0xffffffff });
  assert.deepEqual(parseRange('9.9.9.9'), { v: 4, lo: parseIPv4('9.9.9.9'), hi: parseIPv4('9.9.9.9') });
  assert.deepEqual(parseRange('1.1.1.1-1.1.1.9'), { v: 4, lo: parseIPv4('1.1.1.1'), hi: parseIPv4('1.1.1.9') });
  assert.equal(parseRange('1.1.1.9-1.1.1.1'), null, 'reversed');
  assert.equal(parseRange('1.2.3.0/33'), null);
  assert.equal(parseRange('1.2.3.0/'), null);
  assert.equal(parseRange('1.1.1.1-2001:db8::1'), null, 'mixed families');
  const r6 = parseRange('2a02:cf40::/32');
  assert.equal(r6?.v, 6);
  assert.equal(formatRange(r6!), '2a02:cf40::/32');
  assert.deepEqual(parseRange('::ffff:10.1.0.0/112'), { v: 4, lo: parseIPv4('10.1.0.0'), hi: parseIPv4('10.1.255.255') }, 'mapped CIDR');
  assert.equal(formatRange(parseRange('5.6.7.8-5.6.7.10')!), '5.6.7.8-5.6.7.10');
  assert.equal(formatRange(parseRange('5.6.7.0/25')!), '5.6.7.0/25');
});

test('special-purpose scopes, v4 and v6', () => {
  const expect: [string, string | null][] = [
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.32.0.1', null],
    ['192.168.1.40', 'private'],
    ['100.64.0.1', 'shared'],
    ['127.0.0.1', 'loopback'],
    ['169.254.1.1', 'link-local'],
    ['192.0.2.1', 'documentation'],
    ['198.51.100.9', 'documentation'],
    ['203.0.113.10', 'documentation'],
    ['198.18.0.1', 'benchmarking'],
    ['224.0.0.251', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'broadcast'],
    ['0.1.2.3', 'this-network'],
    ['8.8.8.8', null],
    ['81.2.69.142', null],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:8.8.8.8', null],
    ['fe80::1', 'link-local'],
    ['fd12:3456::1', 'unique-local'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'documentation'],
    ['2001:2::1', 'benchmarking'],
    ['3fff::1', 'documentation'],
    ['2a00:1450:4001::1', null],
    ['2001:4860::8888', null],
    ['4000::1', 'reserved'],
    ['nonsense', 'invalid'],
  ];
  for (const [ip, scope] of expect) assert.equal(ipScope(ip), scope, ip);
  assert.equal(scopeV4(parseIPv4('11.0.0.0')), null, 'just past 10/8');
  assert.equal(scopeV4(parseIPv4('9.255.255.255')), null, 'just before 10/8');
});

test('publicParts cuts the special ranges out of a feed entry', () => {
  assert.deepEqual(publicParts(parseRange('10.0.0.0/8')!), [], 'wholly private');
  assert.deepEqual(publicParts(parseRange('8.8.8.0/24')!), [parseRange('8.8.8.0/24')], 'wholly public');
  const parts = publicParts(parseRange('0.0.0.0/0')!);
  const covered = parts.reduce((n, p) => n + ((p.hi as number) - (p.lo as number) + 1), 0);
  // 2^32 minus the special blocks: three /8 (0, 10, 127), 100.64/10, 172.16/12, two /16 (169.254, 192.168),
  // five /24 (192.0.0, 192.0.2, 192.88.99, 198.51.100, 203.0.113), 198.18/15, and 224/4 + 240/4
  const special = 3 * 2 ** 24 + 2 ** 22 + 2 ** 20 + 2 * 2 ** 16 + 5 * 256 + 2 ** 17 + 2 * 2 ** 28;
  assert.equal(covered, 2 ** 32 - special);
  assert.deepEqual(
    publicParts(parseRange('9.0.0.0-11.0.0.0')!).map(formatRange),
    ['9.0.0.0/8', '11.0.0.0'],
    'a range straddling 10/8',
  );
  assert.deepEqual(publicParts(parseRange('fc00::/7')!), []);
  assert.deepEqual(publicParts(parseRange('2001:db8::/32')!), []);
  assert.deepEqual(publicParts(parseRange('2a02:cf40::/32')!).map(formatRange), ['2a02:cf40::/32']);
});
