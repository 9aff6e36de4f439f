import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { checkGolden, readLines } from '../helpers/golden.js';
import { FIXTURES } from '../helpers/cli.js';
import { firewall } from '../../src/parsers/firewall.js';
import { MTIME_2024, flatEvents } from './programs/util.js';

const fixture = (name: string) => path.join(FIXTURES, 'firewall', name);

test('firewall golden: dmesg prefixes, custom iptables prefixes and bare lines', () => {
  checkGolden(fixture('dmesg.log'), { tz: 'UTC', mtimeMs: MTIME_2024, expectParser: 'firewall' });
});

test('firewall golden: a ufw.log with syslog prefixes is read by the syslog parser', () => {
  checkGolden(fixture('ufw.log'), { tz: 'UTC', mtimeMs: MTIME_2024, expectParser: 'syslog' });
});

test('firewall: the syslog parser and the firewall parser give the same events for kernel lines', () => {
  const lines = readLines(fixture('ufw.log'));
  const bySyslog = flatEvents(lines);
  const byFirewall = flatEvents(lines, { format: 'firewall' });
  assert.equal(bySyslog[0].parser, 'syslog');
  assert.deepEqual(byFirewall.map((e) => e.f), bySyslog.map((e) => e.f));
});

test('firewall: UFW block with ports, flags, interfaces and MACs', () => {
  const [e] = flatEvents(readLines(fixture('ufw.log')).slice(0, 1), { format: 'firewall' });
  const f = e.f;
  assert.deepEqual(
    [f['event.action'], f['event.outcome'], f['event.type'], f['firewall.action'], f['firewall.prefix']],
    ['firewall_block', 'failure', ['connection', 'denied'], 'block', '[UFW BLOCK]'],
  );
  assert.deepEqual([f['source.ip'], f['source.port'], f['destination.ip'], f['destination.port']], ['198.51.100.61', 51234, '192.0.2.10', 3389]);
  assert.equal(f['network.transport'], 'tcp');
  assert.equal(f['observer.ingress.interface.name'], 'eth0');
  assert.equal(f['observer.egress.interface.name'], undefined, 'OUT= is empty');
  assert.equal(f['source.mac'], '52-54-00-65-43-21');
  assert.equal(f['destination.mac'], '52-54-00-12-34-56');
  assert.deepEqual(f['firewall.tcp_flags'], ['SYN']);
  assert.equal(f['firewall.ttl'], 243);
  assert.equal(f['firewall.length'], 44);
});

test('firewall: the verdict comes from the prefix', () => {
  const cases: [string, string | undefined, string][] = [
    ['[UFW ALLOW]', 'firewall_allow', 'success'],
    ['[UFW AUDIT]', 'firewall_audit', 'unknown'],
    ['[UFW LIMIT BLOCK]', 'firewall_block', 'failure'],
    ['IPTABLES-DROP:', 'firewall_block', 'failure'],
    ['REJECT', 'firewall_block', 'failure'],
    ['ACCEPT', 'firewall_allow', 'success'],
    ['', undefined, 'unknown'],
  ];
  for (const [prefix, action, outcome] of cases) {
    const line = `${prefix}${prefix ? ' ' : ''}IN=eth0 OUT= SRC=198.51.100.1 DST=192.0.2.1 LEN=40 TTL=50 PROTO=UDP SPT=1 DPT=2`;
    const [e] = flatEvents([line], { format: 'firewall' });
    assert.equal(e.f['event.action'], action, prefix);
    assert.equal(e.f['event.outcome'], outcome, prefix);
    assert.equal(e.f['network.transport'], 'udp');
  }
});

test('firewall: ICMP errors quote another packet, whose addresses are not taken', () => {
  const e = flatEvents(readLines(fixture('ufw.log')), { format: 'firewall' })[4].f;
  assert.equal(e['source.ip'], '198.51.100.63');
  assert.equal(e['destination.ip'], '192.0.2.10');
  assert.equal(e['network.transport'], 'icmp');
  assert.equal(e['firewall.icmp.type'], 3);
  assert.equal(e['source.port'], undefined);
});

test('firewall: IPv6, ICMPv6 and protocol numbers', () => {
  const evs = flatEvents(readLines(fixture('ufw.log')), { format: 'firewall' });
  assert.equal(evs[5].f['network.transport'], 'ipv6-icmp');
  assert.equal(evs[5].f['source.ip'], 'fe80::5054:ff:fe65:4321', 'in the compressed form other logs use');
  assert.equal(evs[5].f['destination.ip'], 'ff02::1');
  assert.equal(evs[5].f['firewall.ttl'], 255);
  assert.equal(evs[6].f['network.transport'], '2');
});

test('firewall: detect and rejections', () => {
  assert.equal(firewall.detect(readLines(fixture('dmesg.log'))), 1);
  assert.equal(firewall.detect(['Nov 14 03:12:01 h sshd[1]: Accepted password for a from 1.2.3.4 port 1 ssh2']), 0);
  const p = firewall.create({ path: '-', tz: 'UTC', mtimeMs: MTIME_2024 });
  for (const line of ['', 'IN=eth0 OUT=', 'IN=eth0 SRC=notanip DST=also-not', '[12.5] usb 1-1: new device', 'xIN=eth0 SRC=1.2.3.4 DST=1.2.3.5']) {
    assert.equal(typeof p.parse(line, { line: 1, offset: 0 }), 'string', JSON.stringify(line));
  }
});
