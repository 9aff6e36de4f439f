import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ipKey, parseCidr, spellingPrefixes } from '../../src/query/ip.js';
import { asNumber, ipInCidr, ipInRange } from '../../src/query/functions.js';

test('one key per address, whatever the spelling', () => {
  const k = ipKey('2001:db8::42');
  assert.equal(k, '20010db8000000000000000000000042');
  for (const s of ['2001:0DB8:0:0:0:0:0:42', '2001:db8:0::42', '2001:db8::42%eth0']) assert.equal(ipKey(s), k, s);
  assert.equal(ipKey('::ffff:10.1.2.3'), ipKey('10.1.2.3'));
  assert.equal(ipKey('::'), '0'.repeat(32));
  for (const bad of ['1.2.3', '1.2.3.256', '01.2.3.4', '1::2::3', '1:2:3:4:5:6:7:8:9', 'g::1', '', 'abc', '1.2.3.4/8']) {
    assert.equal(ipKey(bad), undefined, bad);
  }
});

test('CIDRs become [lo, hi]; host bits in the written network are ignored', () => {
  const r = parseCidr('10.1.2.3/8')!;
  assert.equal(r.lo, ipKey('10.0.0.0'));
  assert.equal(r.hi, ipKey('10.255.255.255'));
  assert.deepEqual(parseCidr('2001:db8::/32'), { lo: ipKey('2001:db8::'), hi: ipKey('2001:db8:ffff:ffff:ffff:ffff:ffff:ffff'), v4: false, bits: 32 });
  assert.equal(parseCidr('1.2.3.4')!.lo, parseCidr('1.2.3.4')!.hi);
  for (const bad of ['10.0.0.0/33', '::/129', '10.0.0.0/', '10.0.0.0/x', 'x/8']) assert.equal(parseCidr(bad), undefined, bad);
});

test('the SQL functions: NULL in, NULL out; non-addresses do not match; bad CIDRs fail loudly', () => {
  assert.equal(ipInCidr(null, '10.0.0.0/8'), null);
  assert.equal(ipInCidr('10.9.8.7', '10.0.0.0/8'), 1);
  assert.equal(ipInCidr('::ffff:10.9.8.7', '10.0.0.0/8'), 1);
  assert.equal(ipInCidr('11.0.0.1', '10.0.0.0/8'), 0);
  assert.equal(ipInCidr('not an ip', '10.0.0.0/8'), 0);
  assert.equal(ipInCidr(42, '10.0.0.0/8'), 0);
  assert.throws(() => ipInCidr('10.0.0.1', '10.0.0.0/99'), /not a CIDR/);
  assert.equal(ipInRange('10.0.0.5', '10.0.0.1', '10.0.0.9'), 1);
  assert.equal(ipInRange('10.0.0.10', '10.0.0.1', '10.0.0.9'), 0);
  assert.throws(() => ipInRange('10.0.0.5', 'x', '10.0.0.9'), /not an IP address/);
  assert.equal(asNumber('503'), 503);
  assert.equal(asNumber(' -1.5e2 '), -150);
  assert.equal(asNumber('12abc'), null);
  assert.equal(asNumber(null), null);
});

test('every spelling of an IPv6 address starts with one of its spelling prefixes; other addresses mostly do not', () => {
  const spellings: Record<string, string[]> = {
    '2001:db8::2': ['2001:db8::2', '2001:0DB8:0000:0000:0000:0000:0000:0002', '2001:Db8:0::2', '2001:db8::0.0.0.2', '2001:db8::2%eth0', '2001:db8:0:0:0:0:0:2'],
    'fe80::1': ['fe80::1', 'FE80::1', 'fe80:0::1', 'fe80:0000:0000:0000:0000:0000:0000:0001', 'fE80:0:0:0::1%2'],
    '::1': ['::1', '0::1', '0:0:0:0:0:0:0:1', '0000::0001', '::0.0.0.1'],
    'abcd:ef01:2345:6789:abcd:ef01:2345:6789': ['ABCD:EF01:2345:6789:ABCD:EF01:2345:6789', 'abcd:ef01:2345:6789:abcd:ef01:35.69.103.137'],
  };
  for (const [addr, texts] of Object.entries(spellings)) {
    const key = ipKey(addr)!;
    const prefixes = spellingPrefixes(key);
    assert.ok(prefixes.length <= 32, addr);
    for (const t of texts) {
      assert.equal(ipKey(t), key, t);
      assert.ok(prefixes.some((p) => t.startsWith(p)), `${t} under ${prefixes.join(' ')}`);
    }
  }
  assert.ok(!spellingPrefixes(ipKey('2001:db8::2')!).some((p) => '2001:db9::2'.startsWith(p)));
});
