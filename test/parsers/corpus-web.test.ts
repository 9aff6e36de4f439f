/**
 * Conformance of the web parsers against the real logs in ../shared/corpus (skipped when it is absent):
 * - filebeat's module test logs: every line taken by the right parser, core fields equal to filebeat's expected
 *   events (matched by byte offset);
 * - loghub's Apache error sample: every line taken, level and message equal to loghub's structured CSV;
 * - fail2ban's apache-* and nginx-* test logs: every labelled line taken by a web parser, with fail2ban's time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { SHARED } from '../helpers/cli.js';
import { flatten, readLines } from '../helpers/golden.js';
import { parseLines } from '../../src/parsers/run.js';
import { Status } from '../../src/model/event.js';

const CORPUS = path.join(SHARED, 'corpus');
const skip = fs.existsSync(CORPUS) ? false : `${CORPUS} is absent: corpus conformance not checked`;

function lines(rel: string): string[] {
  const out = readLines(path.join(CORPUS, rel));
  while (out.length && out[out.length - 1] === '') out.pop();
  return out;
}

/** Filebeat fields loghound does not produce (enrichment, filebeat bookkeeping, parsed user agents) or names
 * differently (compared below under loghound's name). */
const NOT_PRODUCED = [
  /^event\.(kind|module|timezone|dataset|original)$/, /^(fileset|input|service|ecs|agent|prospector|beat)\./,
  /^log\.offset$/, /^log\.flags$/, /^related\.ip$/, /^user_agent\.(?!original$)/, /^source\.(geo|as)\./,
  /^url\.extension$/, /^apache\.access\.ssl\.(protocol|cipher)$/, /^nginx\.access\.remote_ip_list$/,
  /^source\.address$/,
];

/** Filebeat writes "-" for an absent user or referrer; loghound leaves them out. */
const dash = (v: unknown) => (v === '-' ? undefined : v);
const arr = (v: unknown) => (v === undefined ? undefined : Array.isArray(v) ? v : [v]);
const num = (v: unknown) => (v === undefined ? undefined : Number(v));

const COMPARED: [string, (v: unknown) => unknown][] = [
  ['source.ip', (v) => v],
  ['source.port', num],
  ['source.domain', (v) => v],
  ['user.name', dash],
  ['http.request.method', (v) => v],
  ['http.request.referrer', dash],
  ['http.version', (v) => v],
  ['url.original', (v) => v],
  ['url.path', (v) => v],
  ['url.query', (v) => v],
  ['http.response.status_code', num],
  ['http.response.body.bytes', num],
  ['user_agent.original', dash],
  ['log.level', (v) => v],
  ['message', (v) => v],
  ['process.pid', num],
  ['process.thread.id', num],
  ['nginx.error.connection_id', num],
  ['apache.error.module', (v) => v],
  ['file.path', (v) => v],
  ['event.category', arr],
  ['event.type', arr],
  ['event.outcome', (v) => v],
];

const FILEBEAT: { file: string; parser: string; tz: string }[] = [
  { file: 'beats/nginx/access/access.log', parser: 'access', tz: 'UTC' },
  { file: 'beats/nginx/access/test.log', parser: 'access', tz: 'UTC' },
  { file: 'beats-newer/nginx/access/test.log', parser: 'access', tz: 'Etc/GMT+2' },
  { file: 'beats/apache/access/darwin-2.4.23.log', parser: 'access', tz: 'UTC' },
  { file: 'beats/apache/access/ssl-request.log', parser: 'access', tz: 'UTC' },
  { file: 'beats/apache/access/test.log', parser: 'access', tz: 'UTC' },
  { file: 'beats/apache/access/ubuntu-2.2.22.log', parser: 'access', tz: 'UTC' },
  { file: 'beats/nginx/error/error.log', parser: 'nginx-error', tz: 'UTC' },
  // filebeat's newer expected files were produced with the zone -02:00 (their event.timezone)
  { file: 'beats-newer/nginx/error/error.log', parser: 'nginx-error', tz: 'Etc/GMT+2' },
  { file: 'beats/apache/error/darwin-2.4.23.log', parser: 'apache-error', tz: 'UTC' },
  { file: 'beats/apache/error/test.log', parser: 'apache-error', tz: 'UTC' },
  { file: 'beats/apache/error/ubuntu-2.2.22.log', parser: 'apache-error', tz: 'UTC' },
  { file: 'beats-newer/apache/error/test.log', parser: 'apache-error', tz: 'Etc/GMT+2' },
];

for (const { file, parser, tz } of FILEBEAT) {
  test(`filebeat corpus: ${file}`, { skip }, () => {
    const input = lines(file);
    const { parser: chosen, events } = parseLines(input, { tz, mtimeMs: Date.UTC(2020, 0, 1) });
    assert.equal(chosen.name, parser);
    for (const e of events) assert.equal(e.status, Status.PARSED, `${file}:${e.at.line}: ${e.raw}`);
    assert.equal(events.reduce((n, e) => n + e.raw.split('\n').length, 0), input.length, 'every line taken');
    const expectedFile = path.join(CORPUS, `${file}-expected.json`);
    if (!fs.existsSync(expectedFile)) return;
    const expected = JSON.parse(fs.readFileSync(expectedFile, 'utf8')) as Record<string, unknown>[];
    assert.equal(events.length, expected.length, 'number of events');
    for (const exp of expected) {
      const ours = events.find((e) => e.at.offset === exp['log.offset']);
      assert.ok(ours, `${file}: an event at offset ${exp['log.offset']}`);
      const got = flatten(ours.doc);
      const where = `${file} @${exp['log.offset']}`;
      assert.equal(Date.parse(got['@timestamp'] as string), Date.parse(exp['@timestamp'] as string), `${where}: @timestamp`);
      for (const key of Object.keys(exp)) {
        if (key === '@timestamp' || COMPARED.some(([k]) => k === key)) continue;
        assert.ok(NOT_PRODUCED.some((re) => re.test(key)), `${where}: filebeat field ${key} is neither compared nor listed as not produced`);
      }
      for (const [key, norm] of COMPARED) {
        // keys filebeat does not fill are loghound's additions (e.g. url.path in the 2019 files): not compared
        if (!(key in exp)) continue;
        assert.deepEqual(got[key], norm(exp[key]), `${where}: ${key}`);
      }
      // filebeat's source.address is the client as written: our source.ip, or source.address for non-addresses
      if ('source.address' in exp) assert.equal(got['source.ip'] ?? got['source.address'], exp['source.address'], `${where}: source.address`);
      // renamed: the address list, and Apache's ssl_request fields (ECS tls.*)
      const list = exp['nginx.access.remote_ip_list'] as string[] | undefined;
      if (list && list.length > 1) assert.deepEqual([...(got['access.remote_ip_list'] as string[])].sort(), [...list].sort(), `${where}: remote_ip_list`);
      if (exp['apache.access.ssl.cipher']) {
        assert.equal(got['tls.cipher'], exp['apache.access.ssl.cipher']);
        assert.equal(`${String(got['tls.version_protocol']).toUpperCase()}v${String(got['tls.version'])}`, exp['apache.access.ssl.protocol']);
      }
      if (exp['log.flags']) assert.ok(ours.raw.includes('\n'), `${where}: a multi-line event`);
    }
  });
}

test('loghub Apache_2k: every line an apache-error event with loghub\'s level and content', { skip }, () => {
  const input = lines('loghub/Apache/Apache_2k.log');
  const csv = lines('loghub/Apache/Apache_2k.log_structured.csv').slice(1).map((l) => l.split(','));
  const { parser, events } = parseLines(input, { tz: 'UTC' });
  assert.equal(parser.name, 'apache-error');
  assert.equal(events.length, input.length);
  events.forEach((e, i) => {
    const [, time, level, content] = csv[i];
    const f = flatten(e.doc);
    assert.equal(e.status, Status.PARSED, e.raw);
    assert.equal(f['log.level'], level, e.raw);
    const client = f['source.ip'] === undefined ? '' : `[client ${f['source.ip'] as string}] `;
    assert.equal(client + (f.message as string), content, e.raw);
    assert.equal(Date.parse(f['@timestamp'] as string), Date.parse(`${time} UTC`), e.raw);
  });
});

/** Wall-clock time of an instant in a zone, as fail2ban writes it: 2013-07-11T01:21:41. */
function wall(ms: number, tz: string): string {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
      .formatToParts(new Date(ms))
      .map((x) => [x.type, x.value]),
  );
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}`;
}

/**
 * fail2ban runs its filter tests in Europe/Zurich with the clock set to 2005, and its failJSON times are wall
 * times there: zone-less lines are read in that zone, lines with a zone are shown in it, and year-less syslog
 * lines get 2005.
 */
const F2B_TZ = 'Europe/Zurich';
const F2B_MTIME = Date.UTC(2005, 11, 31);

/**
 * Labelled lines whose failJSON time disagrees with the line itself. This one says Friday 6 December 2013 (a
 * Friday indeed) but is labelled 2014; it is a line fail2ban's filter must not match, and a line that matches
 * nothing gives fail2ban no time to compare, so the label was never checked. loghound keeps the line's own date.
 */
const F2B_KNOWN: Record<string, string> = {
  '[Fri Dec 06 09:29:34 2013] [error] [client 122.49.201.178] client denied by server configuration: /var/www/webmail/.htaccess': '2013-12-06T09:29:34',
};

/*
 * Lines fail2ban crafted on purpose, all real log shapes and parsed as such:
 * - apache-auth: "File does not exist: /srv/http/site/[client 192.168.0.1] user root not found" (a DoS vector
 *   against its filter): the client is the header's, not the one quoted in the message (test below);
 * - apache-modsecurity: two [client] groups in a row: the first counts (host checked);
 * - nginx-http-auth: a user name that imitates a whole "client: ..., server: ..." trailer: the client is the real
 *   trailer's (host checked);
 * - nginx-bad-request: binary and one-word requests: status and size kept, no method or URL.
 */
const F2B_DIR = path.join(CORPUS, 'fail2ban-test-logs');
const F2B_FILES = fs.existsSync(F2B_DIR) ? fs.readdirSync(F2B_DIR).filter((f) => /^(apache|nginx)-/.test(f)).sort() : [];

test('fail2ban corpus: the apache-* and nginx-* files are there', { skip }, () => {
  assert.ok(F2B_FILES.length >= 14, F2B_FILES.join(', '));
});

for (const file of F2B_FILES) {
  test(`fail2ban corpus: ${file}`, { skip }, () => {
    const all = lines(`fail2ban-test-logs/${file}`);
    const family = file.startsWith('apache-') ? ['access', 'apache-error'] : ['access', 'nginx-error'];
    let labelled = 0;
    for (let i = 0; i + 1 < all.length; i++) {
      const m = /^# failJSON: (.*)$/.exec(all[i]);
      if (!m) continue;
      labelled++;
      const meta = JSON.parse(m[1]) as { time?: string; match?: boolean; host?: string };
      const line = all[i + 1];
      // fail2ban's files mix access and error lines of one server: each line is detected on its own, as it would
      // be in the server's own log file
      const { parser, events } = parseLines([line], { tz: F2B_TZ, mtimeMs: F2B_MTIME });
      const where = `${file}:${i + 2}`;
      assert.ok(family.includes(parser.name), `${where}: parsed by ${parser.name}`);
      assert.equal(events.length, 1, where);
      const [e] = events;
      assert.equal(e.status, Status.PARSED, `${where}: ${line}`);
      const f = flatten(e.doc);
      const time = F2B_KNOWN[line] ?? meta.time;
      if (time) assert.equal(wall(Date.parse(f['@timestamp'] as string), F2B_TZ), time.slice(0, 19), `${where}: time`);
      // the host fail2ban finds is our client, also for lines its filter must not match (real lines of other shapes)
      if (meta.host) assert.equal(f['source.ip'], meta.host, `${where}: host`);
    }
    assert.ok(labelled > 0, `${file}: labelled lines`);
  });
}

test('fail2ban corpus: Apache authentication, authorization and not-found failures carry outcome, user and path', { skip }, () => {
  const seen = { authentication: 0, denied: 0, notFound: 0 };
  for (const file of ['apache-auth', 'apache-noscript']) {
    const all = lines(`fail2ban-test-logs/${file}`);
    for (let i = 0; i + 1 < all.length; i++) {
      if (!all[i].startsWith('# failJSON:')) continue;
      const line = all[i + 1];
      const f = flatten(parseLines([line], { tz: F2B_TZ, mtimeMs: F2B_MTIME }).events[0].doc);
      const where = `${file}:${i + 2}: ${line}`;
      const user = /\] (?:AH\d{5}: |Digest: )?(?:Authorization of )?user `?([^\s:`']+)/.exec(line)?.[1];
      if (/authentication failure for|user .* not found|password mismatch|wrong authentication scheme/.test(line) && !line.includes('File does not exist')) {
        seen.authentication++;
        assert.deepEqual(f['event.category'], ['web', 'authentication'], where);
        assert.equal(f['user.name'], user, where);
        // the 2.2 "user NAME not found" without a path leaves url.path out
        if (/(?:: |for ")\//.test(line)) assert.match(f['url.path'] as string, /^\//, where);
        else assert.equal(f['url.path'], undefined, where);
      } else if (/denied by server configuration|authorization failure for|Authorization of user/.test(line)) {
        seen.denied++;
        assert.deepEqual(f['event.type'], ['access', 'denied'], where);
        assert.equal(f['user.name'], user, where);
        assert.match((f['file.path'] ?? f['url.path']) as string, /^\//, where);
      } else if (/not found or unable to stat|File does not exist/.test(line)) {
        seen.notFound++;
        assert.match(f['file.path'] as string, /^\//, where);
      } else {
        assert.equal(f['event.outcome'], undefined, where);
        continue;
      }
      assert.equal(f['event.outcome'], 'failure', where);
    }
  }
  assert.ok(seen.authentication >= 10 && seen.denied >= 8 && seen.notFound >= 8, JSON.stringify(seen));
});

test('fail2ban corpus: a DoS attempt quoting a second [client] in the message keeps the real client', { skip }, () => {
  const line = lines('fail2ban-test-logs/apache-auth').find((l) => l.includes('/srv/http/site/[client 192.168.0.1]'));
  assert.ok(line);
  const f = flatten(parseLines([line], { tz: F2B_TZ }).events[0].doc);
  assert.equal(f['source.ip'], '192.168.33.1');
  assert.equal(f['user.name'], undefined);
});
