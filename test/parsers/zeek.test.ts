/**
 * Zeek logs: golden files for TSV (conn, http, dns, ssl, two logs concatenated) and JSON, the preamble's place, the
 * TSV value encoding, the log type from #path, _path, the file name or the fields, and ingest (gzip, resume).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { checkGolden, readLines } from '../helpers/golden.js';
import { FIXTURES, run, tmpDir } from '../helpers/cli.js';
import { query } from '../helpers/store.js';
import { zeek, unescapeZeek } from '../../src/parsers/zeek.js';
import { parseLines } from '../../src/parsers/run.js';
import { rankParsers } from '../../src/parsers/dispatch.js';
import type { ParsedEvent } from '../../src/model/event.js';

const DIR = path.join(FIXTURES, 'zeek');
const ctx = { path: '-', tz: 'UTC', mtimeMs: Date.UTC(2024, 2, 2) };
type Doc = Record<string, any>;

for (const f of fs.readdirSync(DIR).filter((n) => n.endsWith('.log')).sort()) {
  test(`golden: zeek/${f}`, () => {
    checkGolden(path.join(DIR, f), { expectParser: 'zeek' });
  });
}

const docsOf = (f: string, p = `zeek/${f}`) => parseLines(readLines(path.join(DIR, f)), { path: p }).events.map((e) => e.doc as Doc);

test('conn.log: the preamble joins the first record, #close is an event of its own, nothing is unparsed', () => {
  const lines = readLines(path.join(DIR, 'conn.log'));
  const res = parseLines(lines, { path: 'zeek/conn.log' });
  const d = res.events.map((e) => e.doc as Doc);
  assert.equal(d.length, 8, '7 records and the #close');
  assert.ok(res.events.every((e) => e.status === 0 && e.parser.name === 'zeek'));
  assert.equal(d[0].event.original.split('\n').length, 9, 'the 8 preamble lines and the first record');
  assert.deepEqual([d[7].event.original, d[7].message, d[7].event.action, d[7]['@timestamp']], ['#close\t2024-03-02-11-00-00', 'Zeek conn log closed', 'log_closed', '2024-03-02T11:00:00.000Z']);
  assert.equal(d.slice(0, 7).reduce((n, x) => n + x.event.original.split('\n').length, 0) + 1, lines.length);
});

test('conn.log: addresses, bytes and packets, duration, connection state, direction', () => {
  const [sf, s0, rej, dns, icmp, v6, s1] = docsOf('conn.log');
  assert.deepEqual([sf['@timestamp'], sf.event.dataset, sf.event.module, sf.zeek.session_id], ['2024-03-02T10:00:00.123Z', 'zeek.conn', 'zeek', 'CwjjYJ2WqgTbAqiHl6']);
  assert.deepEqual([sf.source.ip, sf.source.port, sf.destination.ip, sf.destination.port], ['10.1.1.20', 51234, '203.0.113.10', 80]);
  assert.deepEqual([sf.network.transport, sf.network.protocol, sf.network.community_id], ['tcp', 'http', '1:LQU9qZlK+B5F3KDmev6m5PMibrg=']);
  // IP bytes, as Filebeat and VPC flow logs count them; the payload bytes stay under zeek.conn
  assert.deepEqual([sf.source.bytes, sf.destination.bytes, sf.network.bytes, sf.zeek.conn.orig_bytes], [1144, 19582, 20726, 412]);
  assert.deepEqual([sf.source.packets, sf.destination.packets, sf.network.packets], [14, 16, 30]);
  assert.deepEqual([sf.event.duration, sf.zeek.conn.duration], [512344000, 0.512344]);
  assert.deepEqual([sf.zeek.conn.state, sf.zeek.conn.state_message, sf.zeek.conn.history], ['SF', 'Normal establishment and termination', 'ShADadfF']);
  assert.deepEqual([sf.zeek.conn.local_orig, sf.zeek.conn.local_resp, sf.network.direction], [true, false, 'outbound']);
  assert.deepEqual([sf.event.category, sf.event.type, sf.event.outcome], [['network'], ['connection', 'start', 'end'], 'success']);
  assert.deepEqual(sf.zeek.conn.tunnel_parents, [], '(empty) is an empty set');
  assert.deepEqual([s0.event.type, s0.event.outcome, s0.network.direction, s0.network.protocol], [['connection', 'start'], 'failure', 'inbound', undefined]);
  assert.deepEqual([rej.event.type, rej.event.outcome, rej.zeek.conn.state_message], [['connection', 'start', 'denied'], 'failure', 'Connection attempt rejected']);
  assert.deepEqual([dns.network.transport, dns.network.direction], ['udp', 'internal']);
  // ICMP's type and code are no ports
  assert.deepEqual([icmp.source.port, icmp.destination.port, icmp.zeek.conn.icmp_type, icmp.zeek.conn.icmp_code, icmp.event.type], [undefined, undefined, 8, 0, ['connection', 'info']]);
  assert.deepEqual([v6.source.ip, v6.destination.ip, v6.network.direction, v6.zeek.conn.tunnel_parents], ['2001:db8::15', '2001:db8:1::80', undefined, ['CjhGID4nQcgTWjvg4c', 'Ck51lg1bScffFj34Ri']]);
  // unset (-) values are left out, not zero
  assert.deepEqual([s1.event.duration, s1.zeek.conn.orig_bytes, s1.source.bytes, s1.network.community_id], [undefined, undefined, 104, undefined]);
});

test('http.log: request, URL parts, Host, status, body sizes, user; \\xNN escapes undone unless they are not UTF-8', () => {
  const [get, traversal, put, , auth, proxy, escaped] = docsOf('http.log');
  assert.deepEqual([get.http.request.method, get.url.domain, get.url.original, get.url.path, get.url.query], ['GET', 'www.example.com', '/index.html?lang=en', '/index.html', 'lang=en']);
  assert.deepEqual([get.http.response.status_code, get.http.response.body.bytes, get.http.request.body.bytes, get.http.version, get.event.outcome], [200, 18230, 0, '1.1', 'success']);
  assert.deepEqual([get.event.category, get.zeek.http.resp_mime_types, get.zeek.http.status_msg], [['network', 'web'], ['text/html'], 'OK']);
  assert.deepEqual([traversal.url.query, traversal.event.outcome], ['file=../../../../etc/passwd', 'failure']);
  assert.equal(put.user_agent.original, 'Microsoft-WebDAV-MiniRedir/10.0.19045');
  assert.deepEqual([auth.user.name, auth.url.username, auth.http.request.referrer, auth.zeek.http.tags], ['admin', 'admin', 'http://203.0.113.10:8080/', ['HTTP::BASIC_AUTH']]);
  // a proxy request's absolute target: the Host header names the domain
  assert.deepEqual([proxy.url.scheme, proxy.url.domain, proxy.url.path, proxy.url.query], ['http', 'example.com', '/a%20b', 'x=1']);
  assert.equal(escaped.url.original, '/search?q=a\tb&r=\\xff\\xfe');
  assert.equal(escaped.user_agent.original, 'Mozilla/5.0 \u2014 scanner');
});

test('the TSV escapes', () => {
  assert.equal(unescapeZeek('a\\x09b'), 'a\tb');
  assert.equal(unescapeZeek('\\x2d'), '-', 'a value that is the unset marker is written escaped');
  assert.equal(unescapeZeek('caf\\xc3\\xa9'), 'café');
  assert.equal(unescapeZeek('\\xff\\xfe!'), '\\xff\\xfe!');
  assert.equal(unescapeZeek('plain'), 'plain');
});

test('dns.log: question, response code, id, flags, answers paired with their TTLs, resolved addresses', () => {
  const [a, nx, xmr, sink, noreply, txt] = docsOf('dns.log');
  assert.deepEqual([a.dns.question.name, a.dns.question.type, a.dns.question.class, a.dns.response_code, a.dns.id, a.dns.type], ['www.example.com', 'A', 'C_INTERNET', 'NOERROR', '15209', 'answer']);
  assert.deepEqual(a.dns.header_flags, ['RD', 'RA']);
  assert.deepEqual(a.dns.answers, [{ data: 'www.example.com.cdn.example.net', ttl: 119 }, { data: '203.0.113.10', ttl: 59 }]);
  assert.deepEqual(a.dns.resolved_ip, ['203.0.113.10']);
  assert.deepEqual([a.zeek.dns.answers, a.zeek.dns.rejected, a.zeek.dns.RD, a.zeek.dns.rtt], [['www.example.com.cdn.example.net', '203.0.113.10'], false, true, 0.076967]);
  assert.deepEqual([nx.dns.response_code, nx.dns.answers, nx.dns.question.type], ['NXDOMAIN', undefined, 'AAAA']);
  assert.equal(xmr.dns.question.name, 'pool.supportxmr.com');
  assert.deepEqual(sink.dns.header_flags, ['AA', 'RD', 'RA']);
  assert.deepEqual([noreply.dns.type, noreply.dns.response_code, noreply.dns.header_flags], ['query', undefined, ['RD']]);
  // the set separator inside an element is escaped: it stays one answer
  assert.deepEqual(txt.zeek.dns.answers, ['TXT 36 v=spf1 ip4:192.0.2.0/24, ~all']);
  assert.equal(txt.source.ip, '2001:db8::15');
});

test('ssl.log: version, cipher, SNI, handshake, certificate names, JA3', () => {
  const [v13, v12, v10, ssl3] = docsOf('ssl.log');
  assert.deepEqual([v13.tls.version, v13.tls.version_protocol, v13.tls.cipher, v13.tls.curve, v13.tls.next_protocol], ['1.3', 'tls', 'TLS_AES_128_GCM_SHA256', 'x25519', 'h2']);
  assert.deepEqual([v13.tls.client.server_name, v13.tls.established, v13.tls.resumed, v13.tls.client.ja3, v13.tls.server.ja3s], ['www.example.com', true, false, '773906b0efdefa24a7f2b8eb6985bf37', 'eb1d94daa7e0344597e756a1fb6e7054']);
  assert.deepEqual([v12.tls.server.subject, v12.tls.server.issuer, v12.zeek.ssl.validation_status], ['CN=update.example.net,O=Example Corp,C=US', 'CN=Example Issuing CA,O=Example Corp,C=US', 'ok']);
  assert.deepEqual(v12.zeek.ssl.cert_chain_fuids, ['Fq1B0n2ZbB7G3cQ5a8', 'FzJk3Q1v0Nn7P2c9b4']);
  assert.deepEqual([v10.tls.version, v10.tls.resumed, v10.tls.established, v10.tls.client], ['1.0', true, false, undefined]);
  assert.deepEqual([ssl3.tls.version, ssl3.tls.version_protocol, ssl3.zeek.ssl.version, ssl3.zeek.ssl.last_alert], ['3.0', 'ssl', 'SSLv3', 'handshake_failure']);
});

test('two logs concatenated: each preamble applies to the lines after it; the first #close joins the second preamble', () => {
  const d = docsOf('concatenated.log');
  assert.deepEqual(d.map((x) => x.event.dataset), ['zeek.conn', 'zeek.conn', 'zeek.notice', 'zeek.notice', 'zeek.notice']);
  assert.ok(d[2].event.original.startsWith('#close\t2024-03-02-10-00-00\n#separator \\x09\n'));
  const [, , scan, cert, close] = d;
  assert.deepEqual([scan.event.kind, scan.rule.name, scan.source.ip, scan.destination.ip, scan.zeek.notice.src], ['alert', 'Scan::Port_Scan', '198.51.100.7', '10.1.1.20', '198.51.100.7']);
  assert.equal(scan.message, '198.51.100.7 scanned at least 15 unique ports of host 10.1.1.20 in 0m2s');
  assert.deepEqual([cert.zeek.session_id, cert.destination.port, cert.zeek.notice.actions, cert.zeek.notice.email_dest], ['CkG1ttRz5ma9ki2Wg7', 443, ['Notice::ACTION_LOG', 'Notice::ACTION_EMAIL'], ['soc@example.com']]);
  assert.equal(close.message, 'Zeek notice log closed');
});

test('JSON logs: the log from the file name, _path or the fields; ISO timestamps; nested names', () => {
  const [sf, , iso] = docsOf('conn.json.log');
  assert.deepEqual([sf.event.dataset, sf.source.bytes, sf.zeek.conn.state, sf.network.direction], ['zeek.conn', 1144, 'SF', 'outbound']);
  assert.deepEqual([iso['@timestamp'], iso.network.direction, iso.zeek.conn.id, iso.zeek.conn.tunnel_parents], ['2024-03-02T10:00:05.000Z', undefined, { vlan: 20 }, ['CjhGID4nQcgTWjvg4c']]);
  // the same lines on stdin: no file name, the fields tell
  assert.equal(docsOf('conn.json.log', '-')[0].event.dataset, 'zeek.conn');

  const m = docsOf('json-mixed.log');
  assert.deepEqual(m.map((x) => x.event.dataset), ['zeek.ssh', 'zeek.ssh', 'zeek.ssh', 'zeek.notice', 'zeek.weird', 'zeek.weird', 'zeek.files', 'zeek.x509', 'zeek.smtp']);
  const [fail, ok, none, notice, weird, , files, x509, smtp] = m;
  assert.deepEqual([fail.event.outcome, fail.zeek.ssh.auth_success, fail.zeek.ssh.auth_attempts, fail.zeek.ssh.client, fail.zeek.ssh._path], ['failure', false, 6, 'SSH-2.0-libssh2_1.10.0', undefined]);
  assert.deepEqual([ok.event.outcome, none.event.outcome], ['success', 'unknown']);
  assert.deepEqual([notice.event.kind, notice.rule.name, notice.source.ip, notice.zeek.session_id], ['alert', 'Scan::Port_Scan', '198.51.100.7', undefined]);
  assert.deepEqual([weird.event.kind, weird.rule.name, weird.message, weird.zeek.weird.source], ['event', 'unescaped_special_URI_char', 'unescaped_special_URI_char', 'HTTP']);
  assert.deepEqual([files.zeek.files.mime_type, files.zeek.files.analyzers, files.zeek.session_id], ['application/x-dosexec', ['MD5', 'SHA1'], 'CwjjYJ2WqgTbAqiHl6']);
  assert.deepEqual([x509.event.type, x509.zeek.x509.certificate.subject, x509.zeek.x509.san.dns], [['info'], 'CN=update.example.net,O=Example Corp,C=US', ['update.example.net', 'www.update.example.net']]);
  assert.deepEqual([smtp.zeek.smtp.mailfrom, smtp.zeek.smtp.rcptto, smtp.destination.port], ['alice@example.org', ['bob@example.net'], 25]);
});

test('the preamble is held until the record after it; resuming mid-file reads the columns from the head', () => {
  const lines = readLines(path.join(DIR, 'dns.log'));
  const p = zeek.create(ctx);
  for (let i = 0; i < 8; i++) assert.equal(p.parse(lines[i], { line: i + 1, offset: i * 10 }), null);
  assert.deepEqual(p.held!(), { line: 1, offset: 0 });
  const first = p.parse(lines[8], { line: 9, offset: 90 }) as ParsedEvent;
  assert.deepEqual(first.span, { at: { line: 1, offset: 0 }, raw: lines.slice(0, 9).join('\n'), lines: 9 });
  assert.equal(p.held!(), undefined);
  // a #close at the end: held, then its own event
  assert.equal(p.parse(lines[lines.length - 1], { line: 15, offset: 900 }), null);
  const [close] = p.flush();
  assert.deepEqual([close.dataset, close.fields['event.action'], close.span?.lines], ['zeek.dns', 'log_closed', 1]);

  // ingest resumes at line 10: the stream's head still holds the preamble
  const resumed = zeek.create({ ...ctx, head: lines.slice(0, 10).join('\n') });
  const ev = resumed.parse(lines[10], { line: 11, offset: 1000 }) as ParsedEvent;
  assert.deepEqual([ev.dataset, ev.fields['dns.question.name'], ev.span], ['zeek.dns', 'pool.supportxmr.com', undefined]);
  // a preamble with no record after it is kept, saying so
  const q = zeek.create(ctx);
  lines.slice(0, 8).forEach((l, i) => q.parse(l, { line: i + 1, offset: i }));
  const [lone] = q.flush();
  assert.deepEqual([lone.fields.message, lone.span?.lines, lone.ts], ['Zeek dns log header with no records after it', 8, undefined]);
});

test("field names from the log cannot reach Object.prototype", () => {
  const p = zeek.create(ctx);
  const at = { line: 1, offset: 0 };
  const ev = p.parse('{"ts":1709373600,"_path":"conn","id.orig_h":"192.0.2.1","__proto__.polluted":1,"constructor":"x","a.__proto__":{"b":2}}', at) as ParsedEvent;
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  const z = ev.fields['zeek.conn'] as Record<string, unknown>;
  assert.deepEqual(Object.keys(z).sort(), ['__proto__', 'a', 'constructor']);
  assert.equal((Object.getOwnPropertyDescriptor(z, '__proto__')!.value as Record<string, unknown>).polluted, 1);
  // a TSV column named like an Object member
  const q = zeek.create({ ...ctx, head: '#separator \\x09\n#path\tconn\n#fields\tts\tconstructor\ttoString\n' });
  const tsv = q.parse('1709373600.0\tC1\tx', at) as ParsedEvent;
  assert.deepEqual(tsv.fields['zeek.conn'], { constructor: 'C1', toString: 'x' });
});

test('broken input is rejected with a reason', () => {
  const at = { line: 1, offset: 0 };
  const lines = readLines(path.join(DIR, 'conn.log'));
  assert.match(zeek.create(ctx).parse(lines[8], at) as string, /without the #fields line/);
  const p = zeek.create({ ...ctx, head: lines.slice(0, 8).join('\n') });
  assert.match(p.parse(lines[8].split('\t').slice(0, 10).join('\t'), at) as string, /expected 22 tab-separated fields, found 10/);
  assert.match(p.parse(lines[8].replace('1709373600.123456', 'yesterday'), at) as string, /ts "yesterday" is not epoch seconds/);
  assert.match(p.parse('# just a comment', at) as string, /no Zeek log directive/);
  assert.match(p.parse('{"ts":1,"msg":"an app log"}', at) as string, /without the keys of a Zeek record/);
  assert.match(p.parse('{"ts":"soon","id.orig_h":"192.0.2.1"}', at) as string, /is no time/);
  assert.match(p.parse('{"ts":1,"id.orig_h":', at) as string, /not valid JSON/);
});

test('detection: Zeek TSV and JSON logs choose zeek (over json for JSON), other JSON does not', () => {
  for (const f of ['conn.log', 'http.log', 'concatenated.log', 'conn.json.log', 'json-mixed.log']) {
    const [best, second] = rankParsers(readLines(path.join(DIR, f)));
    assert.deepEqual([best.parser.name, best.score], ['zeek', 1], f);
    if (f.includes('json')) assert.deepEqual([second.parser.name, second.score], ['json', 1], 'json ties and loses on registry order');
  }
  assert.equal(zeek.detect(['{"ts":1709373600,"level":"info","msg":"started"}', '{"@timestamp":"2024-03-02T10:00:00Z","source":{"ip":"192.0.2.1"}}']), 0);
  assert.equal(zeek.detect(['a\tb\tc', '# comment']), 0);
});

test('a Zeek JSON line inside another stream is read by zeek (standalone)', () => {
  const json = readLines(path.join(DIR, 'conn.json.log'))[0];
  const res = parseLines(['Mar  2 10:00:00 host sshd[1]: Accepted password for alice from 192.0.2.1 port 22 ssh2', json, 'Mar  2 10:00:01 host sshd[1]: pam_unix(sshd:session): session opened for user alice'], { path: '-' });
  assert.deepEqual(res.events.map((e) => e.parser.name), ['syslog', 'zeek', 'syslog']);
  assert.equal((res.events[1].doc as Doc).event.dataset, 'zeek.conn');
});

// ---- through the real ingest ------------------------------------------------------------------------------------

const stored = (db: string) => query(db, 'SELECT ts, dataset, line, offset, status, flags, raw, source_ip, extra FROM events ORDER BY line');

function ingestOk(db: string, file: string) {
  const res = run(['--db', db, 'ingest', file]);
  assert.equal(res.code, 0, res.stderr);
  return res;
}

test('ingest: a gzipped rotated TSV log is decompressed and read', () => {
  const dir = tmpDir();
  const gz = path.join(dir, 'conn.10:00:00-11:00:00.log.gz');
  fs.writeFileSync(gz, zlib.gzipSync(fs.readFileSync(path.join(DIR, 'conn.log'))));
  const db = path.join(dir, 'store.db');
  ingestOk(db, gz);
  const rows = stored(db);
  assert.equal(rows.length, 8);
  assert.ok(rows.every((r) => r.status === 0));
  assert.deepEqual(rows.slice(0, 7).map((r) => r.dataset), Array(7).fill('zeek.conn'));
  const got = run(['--db', db, 'search', 'zeek.conn.state:REJ', '--json']);
  assert.equal(got.code, 0, got.stderr);
  assert.match(got.stdout, /"destination":\{[^}]*"ip":"10\.1\.1\.20","port":23/);
});

test('ingest: a TSV log grown after a first ingest keeps its preamble\'s columns for the new lines', () => {
  const lines = readLines(path.join(DIR, 'http.log'));
  const dir = tmpDir();
  const whole = path.join(dir, 'whole', 'http.log');
  const grown = path.join(dir, 'grown', 'http.log');
  fs.mkdirSync(path.dirname(whole));
  fs.mkdirSync(path.dirname(grown));
  fs.writeFileSync(whole, lines.join('\n') + '\n');
  ingestOk(path.join(dir, 'whole.db'), whole);
  fs.writeFileSync(grown, lines.slice(0, 10).join('\n') + '\n');
  ingestOk(path.join(dir, 'grown.db'), grown);
  fs.appendFileSync(grown, lines.slice(10).join('\n') + '\n');
  ingestOk(path.join(dir, 'grown.db'), grown);
  const a = stored(path.join(dir, 'whole.db'));
  const b = stored(path.join(dir, 'grown.db'));
  assert.equal(a.length, 8);
  assert.deepEqual(b, a);
  assert.ok(b.every((r) => r.status === 0 && r.dataset === 'zeek.http'));
  assert.match(String(b[6].extra), /"url.domain":"intranet.example.org"/);
});
