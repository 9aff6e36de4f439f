/** VPC flow logs: golden files for the default and custom field orders, the header's place, broken input. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { checkGolden, readLines } from '../helpers/golden.js';
import { FIXTURES } from '../helpers/cli.js';
import { vpcflow } from '../../src/parsers/vpcflow.js';
import { parseLines } from '../../src/parsers/run.js';
import type { ParsedEvent } from '../../src/model/event.js';

const DIR = path.join(FIXTURES, 'vpcflow');
const ctx = { path: '-', tz: 'UTC', mtimeMs: Date.UTC(2024, 0, 1) };
type Doc = Record<string, any>;

for (const f of fs.readdirSync(DIR).filter((n) => n.endsWith('.log')).sort()) {
  test(`golden: vpcflow/${f}`, () => {
    checkGolden(path.join(DIR, f), { expectParser: 'vpcflow' });
  });
}

const docsOf = (f: string) => parseLines(readLines(path.join(DIR, f))).events.map((e) => e.doc as Doc);

test('the default format: addresses, ports, protocol, counts, verdict, capture window', () => {
  const d = docsOf('default-header.log');
  assert.equal(d.length, 11, 'the header is not an event of its own');
  const [ssh, , rdp, , dns, icmp, , v6, unknownAccount, nodata, skipdata] = d;
  assert.deepEqual([ssh.source.ip, ssh.source.port, ssh.destination.ip, ssh.destination.port], ['203.0.113.45', 51234, '10.20.1.25', 22]);
  assert.deepEqual([ssh.network.transport, ssh.network.iana_number, ssh.network.packets, ssh.network.bytes], ['tcp', '6', 18, 4312]);
  assert.deepEqual([ssh.event.action, ssh.event.type, ssh.event.outcome], ['accept', ['allowed', 'connection'], 'success']);
  assert.deepEqual([ssh['@timestamp'], ssh.event.end], ['2024-03-02T10:08:00.000Z', '2024-03-02T10:09:00.000Z']);
  assert.deepEqual([ssh.cloud.account.id, ssh.aws.vpcflow.interface_id, ssh.aws.vpcflow.log_status, ssh.aws.vpcflow.version], ['210987654321', 'eni-0a1b2c3d4e5f60718', 'OK', 2]);
  assert.equal(ssh.event.original.split('\n').length, 2, 'the header joins the first record');
  assert.deepEqual([rdp.event.action, rdp.event.type, rdp.event.outcome], ['reject', ['denied', 'connection'], 'failure']);
  assert.equal(dns.network.transport, 'udp');
  assert.equal(icmp.network.transport, 'icmp');
  assert.equal(v6.source.ip, '2001:db8:1:2::15');
  assert.equal(unknownAccount.cloud.account, undefined);
  assert.deepEqual([nodata.event.action, nodata.event.outcome, nodata.source, nodata.aws.vpcflow.log_status], ['nodata', 'unknown', undefined, 'NODATA']);
  assert.equal(skipdata.event.action, 'skipdata');
  assert.deepEqual(docsOf('default-noheader.log'), d.slice(0, 6).map((x, i) => (i === 0 ? { ...x, event: { ...x.event, original: x.event.original.split('\n')[1] } } : x)));
});

test('a header declares a custom order; CloudWatch export timestamps are skipped', () => {
  const [ssh, c2, nat, , nodata] = docsOf('custom-v5.log');
  assert.deepEqual([ssh.source.ip, ssh.destination.port, ssh.network.bytes, ssh.network.packets], ['203.0.113.45', 22, 4312, 18]);
  assert.deepEqual([ssh.network.direction, ssh.network.type, ssh.cloud.region, ssh.cloud.instance.id], ['ingress', 'ipv4', 'eu-west-1', 'i-0abc1234def567890']);
  assert.deepEqual([ssh.aws.vpcflow.vpc_id, ssh.aws.vpcflow.tcp_flags, ssh.aws.vpcflow.az_id, ssh.aws.vpcflow.traffic_path], ['vpc-0123456789abcdef0', 19, 'euw1-az2', undefined]);
  assert.deepEqual([c2.destination.ip, c2.destination.port, c2.network.direction, c2.aws.vpcflow.traffic_path], ['198.51.100.66', 4444, 'egress', 8]);
  assert.deepEqual([nat.cloud.instance, nat.aws.vpcflow.pkt_srcaddr, nat.source.ip], [undefined, '10.20.1.25', '10.20.3.7']);
  assert.equal(nodata.event.action, 'nodata');

  const cw = docsOf('cloudwatch-export.log');
  assert.deepEqual(cw.map((x) => x.event.action), ['accept', 'reject', 'nodata']);

  // two files concatenated: each header applies to the lines after it
  const cat = docsOf('concatenated.log');
  assert.deepEqual(cat.map((x) => [x.aws.vpcflow.version, x.destination?.port]), [[2, 22], [2, 51234], [5, 22], [5, 4444]]);
});

test('the header is held until the record after it; a header with nothing after it is still kept', () => {
  const lines = readLines(path.join(DIR, 'custom-v5.log'));
  const p = vpcflow.create(ctx);
  assert.equal(p.parse(lines[0], { line: 1, offset: 0 }), null);
  assert.deepEqual(p.held!(), { line: 1, offset: 0 });
  const first = p.parse(lines[1], { line: 2, offset: 300 }) as ParsedEvent;
  assert.deepEqual(first.span, { at: { line: 1, offset: 0 }, raw: `${lines[0]}\n${lines[1]}`, lines: 2 });
  assert.equal(p.held!(), undefined);
  assert.equal((p.parse(lines[2], { line: 3, offset: 600 }) as ParsedEvent).span, undefined);
  assert.equal(p.parse(lines[0], { line: 4, offset: 900 }), null);
  const [alone] = p.flush();
  assert.deepEqual(alone.span, { at: { line: 4, offset: 900 }, raw: lines[0], lines: 1 });
  assert.equal(p.held!(), undefined);
});

test('broken input is rejected with a reason', () => {
  const p = vpcflow.create(ctx);
  const at = { line: 1, offset: 0 };
  const good = readLines(path.join(DIR, 'default-noheader.log'))[0];
  assert.match(p.parse(good.split(' ').slice(0, 10).join(' '), at) as string, /expected 14 space-separated fields, found 10/);
  assert.match(p.parse(good.replace('ACCEPT', 'MAYBE'), at) as string, /a field has a value it cannot hold/);
  assert.match(p.parse(good.replace('203.0.113.45', '203.0.113.999'), at) as string, /a field has a value it cannot hold/);
  assert.match(p.parse(good.replace('eni-', 'xyz-'), at) as string, /a field has a value it cannot hold/);
  assert.match(p.parse(good.replace('1709374140', '9'.repeat(20)), at) as string, /a field has a value it cannot hold/);
  assert.match(p.parse('', at) as string, /found 1/);
  assert.match(p.parse('Mar  2 10:00:00 host kernel: [UFW BLOCK] IN=eth0 OUT= SRC=203.0.113.45 DST=10.0.0.1', at) as string, /expected 14/);
  // a header naming only fields that cannot tell a flow record
  assert.equal(p.parse('vpc-id subnet-id', at), null);
  assert.match(p.parse('vpc-0123 subnet-0456', at) as string, /cannot tell a flow record/);
});

test('detection: flow records with or without a header, not other space-separated text', () => {
  assert.equal(vpcflow.detect(readLines(path.join(DIR, 'default-noheader.log'))), 1);
  assert.equal(vpcflow.detect(readLines(path.join(DIR, 'custom-v5.log'))), 1);
  assert.equal(vpcflow.detect(readLines(path.join(DIR, 'cloudwatch-export.log'))), 1);
  assert.equal(vpcflow.detect(['a b c d e f g h i j k l m n', '127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 2326 "-" "curl/8" x']), 0);
});
