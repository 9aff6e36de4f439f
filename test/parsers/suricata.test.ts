/** Suricata EVE JSON: golden files per event type, detection against other JSON, each type's ECS mapping, bad lines. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { FIXTURES } from '../helpers/cli.js';
import { checkGolden, readLines } from '../helpers/golden.js';
import { suricata } from '../../src/parsers/suricata.js';
import { Dispatcher, rankParsers } from '../../src/parsers/dispatch.js';
import { parseLines } from '../../src/parsers/run.js';
import { EventFlag, type ParsedEvent } from '../../src/model/event.js';

const DIR = path.join(FIXTURES, 'suricata');
const CTX = { path: '-', tz: 'UTC', mtimeMs: Date.UTC(2026, 11, 3) };
type Doc = Record<string, any>;

for (const f of fs.readdirSync(DIR).filter((n) => n.endsWith('.log')).sort()) {
  test(`golden: suricata/${f}`, () => {
    checkGolden(path.join(DIR, f), { expectParser: 'suricata', mtimeMs: CTX.mtimeMs });
  });
}

const docsOf = (f: string) => parseLines(readLines(path.join(DIR, f))).events.map((e) => e.doc as Doc);

function parse(line: string, tz = 'UTC'): ParsedEvent | string {
  return suricata.create({ ...CTX, tz }).parse(line, { line: 1, offset: 0 }) as ParsedEvent | string;
}

const ALERT =
  '{"timestamp":"2026-12-03T10:00:00.123456+0100","flow_id":1234,"in_iface":"eth0","event_type":"alert","src_ip":"203.0.113.5","src_port":4444,"dest_ip":"10.0.0.5","dest_port":80,"proto":"TCP","alert":{"action":"allowed","gid":1,"signature_id":2010935,"rev":3,"signature":"ET SCAN test","category":"Potentially Bad Traffic","severity":2}}';

test('detection: an EVE file scores 1 and is read by suricata; other JSON scores 0 and stays json', () => {
  for (const f of fs.readdirSync(DIR).filter((n) => n.endsWith('.log'))) {
    const [best] = rankParsers(readLines(path.join(DIR, f)));
    assert.deepEqual([best.parser.name, best.score], ['suricata', 1], f);
  }
  for (const f of fs.readdirSync(path.join(FIXTURES, 'json')).filter((n) => n.endsWith('.log'))) {
    const lines = readLines(path.join(FIXTURES, 'json', f));
    assert.equal(suricata.detect(lines), 0, f);
    assert.equal(parseLines(lines).parser.name, 'json', f);
  }
  // an application's JSON with an event_type and addresses of its own is no EVE record
  const app = [
    '{"timestamp":"2026-12-03T10:00:00Z","event_type":"login","user":"alice","src_ip":"203.0.113.5"}',
    '{"timestamp":"2026-12-03T10:00:01Z","event_type":"logout","user":"alice"}',
  ];
  assert.equal(suricata.detect(app), 0);
  const res = parseLines(app);
  assert.equal(res.parser.name, 'json');
  assert.deepEqual(res.events.map((e) => e.parser.name), ['json', 'json']);
});

test('an EVE line among other lines is read by suricata (standalone), whatever the stream', () => {
  const res = parseLines(['Dec  3 10:00:00 gw sshd[811]: Failed password for root from 203.0.113.9 port 52144 ssh2', ALERT, 'Dec  3 10:00:02 gw sshd[811]: Connection closed by 203.0.113.9 port 52144'], { mtimeMs: CTX.mtimeMs });
  assert.equal(res.parser.name, 'syslog');
  assert.deepEqual(res.events.map((e) => e.parser.name), ['syslog', 'suricata', 'syslog']);
  assert.ok(suricata.standalone);
});

test('every event: time with its offset, addresses, transport, interface, flow id and type; the rest under suricata.eve', () => {
  const ev = parse(ALERT) as ParsedEvent;
  assert.equal(ev.ts, Date.UTC(2026, 11, 3, 9, 0, 0, 123));
  assert.equal(ev.dataset, 'suricata.eve');
  assert.equal(ev.flags, 0);
  assert.deepEqual(ev.fields, {
    'event.module': 'suricata',
    'source.ip': '203.0.113.5',
    'source.port': 4444,
    'destination.ip': '10.0.0.5',
    'destination.port': 80,
    'network.transport': 'tcp',
    'network.community_id': undefined,
    'observer.ingress.interface.name': 'eth0',
    'host.name': undefined,
    'network.protocol': undefined,
    'rule.id': '2010935',
    'rule.name': 'ET SCAN test',
    message: 'ET SCAN test',
    'rule.category': 'Potentially Bad Traffic',
    'event.severity': 2,
    'event.kind': 'alert',
    'event.category': ['network', 'intrusion_detection'],
    'event.outcome': 'unknown',
    'event.type': ['allowed'],
    'suricata.eve': { flow_id: 1234, event_type: 'alert', alert: { action: 'allowed', gid: 1, rev: 3 } },
  });
});

test('alert: severity, action as event.type, the http, tls and dns it carries', () => {
  const [http, tls, dns, v6, icmp] = docsOf('alert.log');
  assert.deepEqual([http.event.kind, http.event.severity, http.event.type, http.event.outcome, http.rule.id], ['alert', 2, ['allowed'], 'unknown', '2049382']);
  assert.deepEqual([http.url.path, http.url.query, http.url.domain, http.http.request.method, http.http.response.status_code], ['/index.php', 'page=../../../../etc/passwd', 'www.example.org', 'GET', 200]);
  assert.deepEqual([http.network.protocol, http.network.bytes, http.event.start], ['http', 1857, '2026-12-03T09:59:59.998Z']);
  assert.deepEqual(http.suricata.eve.alert.metadata, { created_at: ['2010_07_30'], updated_at: ['2019_07_26'] });
  assert.deepEqual([tls.event.severity, tls.event.type, tls.suricata.eve.alert.action, tls.tls.client.server_name, tls.tls.client.ja3], [1, ['denied'], 'blocked', 'cdn.example.net', '72a589da586844d7f0818ce684948eea']);
  assert.deepEqual([dns.dns.question.name, dns.dns.question.type, dns.dns.type, dns.event.severity], ['update-check.example.to', 'A', 'query', 3]);
  assert.deepEqual([v6.source.ip, v6.destination.port], ['2001:db8:4::25', 22]);
  assert.deepEqual([icmp.network.transport, icmp.source.port, icmp.suricata.eve.icmp_type, icmp.suricata.eve.flow_id], ['icmp', undefined, 8, undefined]);
});

test('http: url split, host, method, status, length, agent, referrer, version; outcome by status', () => {
  const [ok, notFound, proxy, noStatus] = docsOf('http.log');
  assert.deepEqual(ok.url, { original: '/search?q=red+shoes&page=2', path: '/search', query: 'q=red+shoes&page=2', domain: 'shop.example.com' });
  assert.deepEqual(ok.http, { request: { method: 'GET', referrer: 'https://shop.example.com/' }, response: { status_code: 200, body: { bytes: 18233 }, mime_type: 'text/html' }, version: '1.1' });
  assert.deepEqual([ok.event.category, ok.event.type, ok.event.outcome, ok.destination.domain], [['network', 'web'], ['access', 'protocol'], 'success', 'shop.example.com']);
  assert.deepEqual([notFound.event.outcome, notFound.http.version, notFound.url.domain, notFound.destination.domain], ['failure', '1.0', '10.0.0.5', undefined]);
  assert.equal(notFound.suricata.eve.http.http_port, 8080);
  assert.deepEqual([proxy.url.scheme, proxy.url.domain, proxy.url.path, proxy.suricata.eve.http.redirect], ['http', 'download.example.net', '/pkg/tool.tar.gz', 'https://download.example.net/pkg/tool.tar.gz']);
  assert.deepEqual([noStatus.event.outcome, noStatus.http.response.status_code], [undefined, undefined]);
});

test('dns version 1: one event per query and per answer record', () => {
  const [query, cname, a, nx] = docsOf('dns-v1.log');
  assert.deepEqual(query.dns, { type: 'query', id: '16000', question: { name: 'www.example.com', type: 'A' } });
  assert.deepEqual([query.network.protocol, query.event.type], ['dns', ['protocol']]);
  assert.deepEqual(cname.dns.answers, [{ name: 'www.example.com', type: 'CNAME', ttl: 300, data: 'edge.example.net' }]);
  assert.equal(cname.dns.question, undefined, 'a version 1 answer names the record, not the question');
  assert.equal(cname.dns.resolved_ip, undefined);
  assert.deepEqual([a.dns.resolved_ip, a.dns.response_code, a.dns.header_flags], [['198.51.100.10'], 'NOERROR', ['RD', 'RA']]);
  assert.deepEqual([nx.dns.response_code, nx.dns.answers], ['NXDOMAIN', undefined]);
});

test('dns versions 2 and 3: the question and every answer in one event', () => {
  const [query, answer, grouped, nx, request, response] = docsOf('dns-v2.log');
  assert.deepEqual(query.dns.question, { name: 'mail.example.org', type: 'AAAA' });
  assert.deepEqual(answer.dns.question, { name: 'mail.example.org', type: 'AAAA' });
  assert.deepEqual(answer.dns.answers.map((x: Doc) => [x.name, x.type, x.data]), [['mail.example.org', 'CNAME', 'mx1.example.org'], ['mx1.example.org', 'AAAA', '2001:db8:25::1']]);
  assert.deepEqual(answer.dns.resolved_ip, ['2001:db8:25::1']);
  assert.deepEqual(answer.suricata.eve.dns.grouped, { CNAME: ['mx1.example.org'], AAAA: ['2001:db8:25::1'] }, 'grouped stays as written');
  assert.deepEqual([grouped.dns.resolved_ip, grouped.dns.answers], [['198.51.100.31', '198.51.100.32'], undefined]);
  assert.deepEqual([nx.dns.response_code, nx.suricata.eve.dns.authorities[0].rrtype], ['NXDOMAIN', 'SOA']);
  assert.deepEqual([request.dns.type, request.dns.question.name, response.dns.type, response.dns.resolved_ip], ['query', 'api.example.com', 'answer', ['203.0.113.80']]);
});

test('tls: version, SNI, certificate, JA3/JA3S, validity', () => {
  const [full, resumed, undetermined, ssl] = docsOf('tls.log');
  assert.deepEqual(full.tls, {
    version_protocol: 'tls',
    version: '1.2',
    client: { server_name: 'portal.example.com', ja3: 'e7d705a3286e19ea42f587b344ee6865' },
    server: {
      subject: 'CN=portal.example.com',
      issuer: "C=US, O=Let's Encrypt, CN=R11",
      not_before: '2026-10-01T00:00:00.000Z',
      not_after: '2026-12-30T23:59:59.000Z',
      hash: { sha1: '3F4A9C0122B76D88E190AABBCCDDEEFF00112233' },
      ja3s: 'ec74a5c51106f0419184d0dd08fb05bc',
    },
  });
  assert.equal(full.suricata.eve.tls.ja3.string, '771,4865-4866-4867,0-23-65281,29-23-24,0');
  assert.deepEqual([resumed.tls.version, resumed.tls.client.server_name, resumed.tls.resumed, resumed.suricata.eve.tls.ja4], ['1.3', 'updates.example.net', true, 't13d1516h2_8daaf6152771_02713d6af862']);
  assert.deepEqual([undetermined.tls.version, undetermined.suricata.eve.tls.version], [undefined, 'UNDETERMINED']);
  assert.deepEqual([ssl.tls.version_protocol, ssl.tls.version], ['ssl', '3.0']);
});

test('flow and netflow: bytes and packets per side and summed, start, end, state, reason', () => {
  const [tcp, udpNew, icmp, netflow, gre] = docsOf('flow.log');
  assert.deepEqual([tcp.source.bytes, tcp.destination.bytes, tcp.network.bytes, tcp.source.packets, tcp.destination.packets, tcp.network.packets], [1834, 20977, 22811, 12, 15, 27]);
  assert.deepEqual([tcp.event.start, tcp.event.end, tcp.event.duration], ['2026-12-03T10:38:58.112Z', '2026-12-03T10:39:04.442Z', 6330000000]);
  assert.deepEqual([tcp.event.type, tcp.suricata.eve.flow.state, tcp.suricata.eve.flow.reason, tcp.network.protocol], [['connection', 'end'], 'closed', 'timeout', 'tls']);
  assert.deepEqual([udpNew.event.type, udpNew.network.protocol, udpNew.suricata.eve.app_proto], [['connection', 'start'], undefined, 'failed']);
  assert.deepEqual([icmp.event.type, icmp.suricata.eve.flow.alerted], [['connection'], true]);
  assert.deepEqual([netflow.network.bytes, netflow.source.bytes, netflow.destination.bytes, netflow.network.packets], [4210, 4210, undefined, 22]);
  assert.deepEqual([gre.network.transport, gre.network.iana_number], [undefined, '47']);
});

test('fileinfo, anomaly, ssh, drop and stats: ECS where it exists, the record kept whole otherwise', () => {
  const [exe, mail] = docsOf('fileinfo.log');
  assert.deepEqual(exe.file, { path: '/dl/invoice_2026.exe', name: 'invoice_2026.exe', size: 734208, hash: { md5: '0f343b0931126a20f133d67c2b018a3b', sha1: 'a9993e364706816aba3e25717850c26c9cd0d89d', sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad' } });
  assert.deepEqual([exe.event.category, exe.suricata.eve.fileinfo.magic, exe.url.path], [['network', 'file'], 'PE32+ executable (GUI) x86-64, for MS Windows', '/dl/invoice_2026.exe']);
  assert.deepEqual([mail.file.name, mail.network.protocol, mail.suricata.eve.smtp.helo, mail.suricata.eve.fileinfo.state], ['report.pdf', 'smtp', 'ws61.corp.example', 'TRUNCATED']);
  const [applayer, decode, , ssh, drop] = docsOf('anomaly-ssh-drop.log');
  assert.deepEqual([applayer.event.type, applayer.suricata.eve.anomaly.event], [['info'], 'UNABLE_TO_MATCH_RESPONSE_TO_REQUEST']);
  assert.deepEqual([decode.source, decode.suricata.eve.anomaly, decode['@timestamp']], [undefined, { type: 'decode', event: 'decoder.ipv4.trunc_pkt' }, '2026-12-03T11:00:01.000Z']);
  assert.deepEqual([ssh.network.protocol, ssh.suricata.eve.ssh.client.software_version, ssh.suricata.eve.ssh.server.hassh.hash], ['ssh', 'libssh2_1.10.0', 'b12d2871a1189eff20364cf5333619ee']);
  assert.deepEqual([drop.event.type, drop.suricata.eve.drop.ttl], [['denied'], 49]);
  const [stats] = docsOf('stats.log');
  assert.deepEqual([stats.event.kind, stats.event.type, stats.source, stats.suricata.eve.stats.capture.kernel_drops, stats.suricata.eve.stats.detect.engines[0].rules_loaded], ['metric', ['info'], undefined, 1220, 48012]);
});

test('nothing is lost: every value of the record is in an ECS field or under suricata.eve', () => {
  for (const f of fs.readdirSync(DIR).filter((n) => n.endsWith('.log'))) {
    for (const line of readLines(path.join(DIR, f))) {
      const ev = parse(line) as ParsedEvent;
      const kept = JSON.stringify(ev.fields);
      const leaves: unknown[] = [];
      const walk = (v: unknown) => (v && typeof v === 'object' ? Object.values(v).forEach(walk) : leaves.push(v));
      walk(JSON.parse(line));
      for (const v of leaves) {
        // rewritten, not lost: times as ISO UTC, protocol names and versions as ECS writes them, fingerprints as
        // plain hex, an SNI without its final dot, DNS flag booleans as dns.header_flags
        if (typeof v === 'boolean') continue;
        if (typeof v === 'string' && (/^\d{4}-\d\d-\d\dT/.test(v) || /^(TCP|UDP|ICMP|047|TLS 1\.[23]|SSLv3|HTTP\/1\.[01]|http|tls|ssh|smtp|dns)$/.test(v) || /^[0-9a-f]{2}(:[0-9a-f]{2}){19}$/.test(v) || v.endsWith('.'))) continue;
        assert.ok(kept.includes(JSON.stringify(v)) || (typeof v === 'number' && kept.includes(`"${v}"`)), `${f}: ${JSON.stringify(v)} kept`);
      }
    }
  }
});

test('bad lines are rejected with the reason', () => {
  assert.equal(parse('Dec  3 10:00:00 gw kernel: hello'), 'not a JSON object');
  assert.equal(parse('{"timestamp":"2026-12-03T10:00:00.000000+0000","event_type":"alert",'), 'not valid JSON');
  assert.match(parse('{"timestamp":"2026-12-03T10:00:00.000000+0000","src_ip":"203.0.113.5","dest_ip":"10.0.0.5"}') as string, /needs "timestamp" and "event_type"/);
  assert.match(parse('{"event_type":"alert","src_ip":"203.0.113.5","dest_ip":"10.0.0.5","alert":{}}') as string, /needs "timestamp"/);
  assert.match(parse('{"timestamp":"2026-12-03T10:00:00.000000+0000","event_type":"alert","src_ip":"attacker","dest_ip":"10.0.0.5","alert":{}}') as string, /src_ip or dest_ip is not an IP address/);
  assert.match(parse('{"timestamp":"2026-12-03T10:00:00.000000+0000","event_type":"login","user":"alice"}') as string, /no src_ip\/dest_ip and no "login" object/);
  // in a stream read as EVE, a line suricata rejects goes to the next format that takes it (json), else raw
  const got: [string, number][] = [];
  const d = new Dispatcher(suricata, CTX, (_ev, status, _at, _raw, _n, by) => got.push([by.name, status]));
  [ALERT, '{"timestamp":"2026-12-03T10:00:00Z","event_type":"login","user":"alice"}', 'not json at all'].forEach((l, i) => d.push(l, { line: i + 1, offset: i * 400 }));
  d.end();
  assert.deepEqual(got, [['suricata', 0], ['json', 0], ['raw', 1]]);
});

test('an invalid timestamp: the record is still read, its time inferred by ingest, the text kept', () => {
  const ev = parse(ALERT.replace('2026-12-03T10:00:00.123456+0100', '2026-13-45T99:00:00.000000+0000')) as ParsedEvent;
  assert.equal(ev.ts, undefined);
  assert.equal(ev.fields['rule.id'], '2010935');
  assert.equal((ev.fields['suricata.eve'] as Doc).timestamp, '2026-13-45T99:00:00.000000+0000');
  // a zoneless time is read in --tz and flagged
  const local = parse(ALERT.replace('+0100', ''), 'Europe/Berlin') as ParsedEvent;
  assert.equal(local.ts, Date.UTC(2026, 11, 3, 9, 0, 0, 123));
  assert.equal(local.flags, EventFlag.TZ_ASSUMED);
});
