import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ndjsonLines, run, start, tmpDir, type RunResult } from '../helpers/cli.js';
import { FEEDS, GEO, serve } from './helpers.js';

/** A working folder with its own store, and config/data folders that cannot leak in from the machine. */
function sandbox() {
  const dir = tmpDir('loghound-enrich-cli-');
  const env = { XDG_CONFIG_HOME: path.join(dir, 'xdg-config'), XDG_DATA_HOME: path.join(dir, 'xdg-data'), HOME: dir };
  const lh = (args: string[]) => run(args, { cwd: dir, env });
  return { dir, env, lh };
}

function runAsync(args: string[], cwd: string, env: Record<string, string>): Promise<RunResult> {
  const child = start(args, { cwd, env });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  child.stdin!.end();
  return new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr })));
}

test('feeds list works before there is a store, and does not create one', () => {
  const { dir, lh } = sandbox();
  const r = lh(['feeds', 'list', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const feeds = ndjsonLines(r.stdout);
  assert.deepEqual(
    feeds.map((f) => [f.name, f.enabled, f.status]),
    [
      ['blocklist-de', true, 'never'],
      ['et-compromised', true, 'never'],
      ['firehol-level1', false, 'disabled'],
      ['spamhaus-drop', true, 'never'],
      ['spamhaus-drop-v6', true, 'never'],
      ['feodo', true, 'never'],
      ['tor-exit', true, 'never'],
      ['ipsum', true, 'never'],
      ['cins-army', false, 'disabled'],
      ['greensnow', false, 'disabled'],
      ['binary-defense', false, 'disabled'],
    ],
  );
  assert.ok(feeds.every((f) => typeof f.licence === 'string' && f.context && f.interval_s > 0));
  assert.equal(feeds.find((f) => f.name === 'cins-army')!.url, 'http://cinsscore.com/list/ci-badguys.txt');
  assert.equal(fs.existsSync(path.join(dir, 'loghound.db')), false);
  const table = lh(['feeds', 'list']);
  assert.equal(table.code, 0);
  assert.match(table.stdout, /│ feodo +│ yes │ Botnet C2 +│ 90 +│ 0 +│ - +│ - +│ never +│ https:\/\/feodotracker\.abuse\.ch/);
});

test('feeds add (a file), disable, enable, remove; built-ins cannot be removed', () => {
  const { lh } = sandbox();
  let r = lh(['feeds', 'add', 'local', path.join(FEEDS, 'plain.txt'), '--severity', 'high', '--context', 'Scanner']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^added feed local: .*plain\.txt \(auto, Scanner, weight 75\)\nlocal: 5 ranges\n$/);
  const local = () => ndjsonLines(lh(['feeds', 'list', '--json']).stdout).find((f) => f.name === 'local');
  assert.deepEqual(
    (({ origin, enabled, entries, status, stale, weight, context }) => ({ origin, enabled, entries, status, stale, weight, context }))(local()!),
    { origin: 'added', enabled: true, entries: 5, status: 'ok', stale: false, weight: 75, context: 'Scanner' },
  );
  assert.equal(lh(['feeds', 'disable', 'local']).stdout, 'feed local disabled\n');
  assert.equal(local()!.status, 'disabled');
  assert.equal(lh(['feeds', 'enable', 'local']).code, 0);
  assert.equal(local()!.status, 'ok');

  r = lh(['feeds', 'remove', 'feodo']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /error: "feodo" is a built-in feed and cannot be removed\nhint: use "loghound feeds disable feodo"/);
  r = lh(['feeds', 'remove', 'local']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(local(), undefined);

  for (const [args, msg] of [
    [['feeds', 'add', 'x', 'no-such-file.txt'], /error: no such file: .*no-such-file\.txt/],
    [['feeds', 'add', 'x', path.join(FEEDS, 'plain.txt'), '--format', 'xml'], /error: unknown --format "xml"/],
    [['feeds', 'add', 'x', path.join(FEEDS, 'plain.txt'), '--weight', '500'], /--weight must be a whole number from 0 to 100/],
    [['feeds', 'add', 'Bad', path.join(FEEDS, 'plain.txt')], /feed name "Bad" must be lower case/],
    [['feeds', 'add', 'x', 'ftp://example.org/list'], /unsupported URL scheme/],
    [['feeds', 'add', 'feodo', path.join(FEEDS, 'plain.txt')], /"feodo" is a built-in feed/],
    [['feeds', 'update', 'nosuch'], /error: no feed named "nosuch"/],
    [['feeds', 'enable', 'nosuch'], /error: no feed named "nosuch"/],
  ] as [string[], RegExp][]) {
    r = lh(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, msg, args.join(' '));
  }
  r = lh(['feeds', 'add', 'bad', path.join(FEEDS, 'error.html')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /warning: feed "bad": the download is an HTML page, not a list \(an error or login page\?\); it has no data yet/);
});

test('feeds update over HTTP from the CLI, with --json; a failure exits 2 and names the feed', async (t) => {
  let up = true;
  const srv = await serve((req, res) => {
    if (!up) return void res.writeHead(500).end();
    if (req.headers['if-none-match'] === '"a"') return void res.writeHead(304).end();
    res.writeHead(200, { etag: '"a"' }).end(fs.readFileSync(path.join(FEEDS, 'feodo.txt')));
  });
  t.after(() => srv.close());
  const { dir, env, lh } = sandbox();
  let r = lh(['feeds', 'add', 'web', `${srv.url}/ipblocklist.txt`, '--context', 'Botnet C2', '--severity', 'critical']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /run "loghound feeds update web" to download it/);
  assert.equal(srv.requests.length, 0, 'adding a URL does not download it');

  r = await runAsync(['feeds', 'update', 'web', '--json'], dir, env);
  assert.equal(r.code, 0, r.stderr);
  const [res] = ndjsonLines(r.stdout);
  assert.deepEqual([res.name, res.status, res.entries], ['web', 'updated', 3]);
  assert.match(srv.requests[0]['user-agent']!, /^loghound\/\d+\.\d+\.\d+/);

  r = await runAsync(['feeds', 'update', 'web'], dir, env);
  assert.equal(r.stdout, 'web: not-modified (not modified)\n');

  up = false;
  r = await runAsync(['feeds', 'update', 'web', '--timeout', '5'], dir, env);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /warning: feed "web": HTTP 500 Internal Server Error; the previous data is kept/);
  const web = ndjsonLines(lh(['feeds', 'list', '--json']).stdout).find((f) => f.name === 'web')!;
  assert.deepEqual([web.entries, web.status], [3, 'failed']);
});

test('the config file defines feeds and overrides built-ins', () => {
  const { dir, lh } = sandbox();
  fs.writeFileSync(
    path.join(dir, 'loghound.config.yaml'),
    ['feeds:', '  mine:', `    file: ${path.join(FEEDS, 'tor-exits.txt')}`, '    context: Tor Exit', '    weight: 5', '  feodo: false', '  firehol-level1: { enabled: true }', ''].join('\n'),
  );
  const r = lh(['feeds', 'update', 'mine']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'mine: updated (4 ranges)\n');
  const list = ndjsonLines(lh(['feeds', 'list', '--json']).stdout);
  const by = (n: string) => list.find((f) => f.name === n)!;
  assert.deepEqual([by('mine').origin, by('mine').weight, by('mine').entries], ['config', 5, 4]);
  assert.equal(by('feodo').enabled, false);
  assert.equal(by('firehol-level1').enabled, true);
  const rm = lh(['feeds', 'remove', 'mine']);
  assert.equal(rm.code, 2);
  assert.match(rm.stderr, /"mine" is defined in the config file .*loghound\.config\.yaml/);
  fs.writeFileSync(path.join(dir, 'loghound.config.yaml'), 'feeds:\n  unknown-feed: { weight: 5 }\n');
  const bad = lh(['feeds', 'list']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /loghound\.config\.yaml: feed "unknown-feed" is not a built-in feed, so it needs a "url" or a "file"/);
});

test('geoip: table and --json, MaxMind test databases, the bundled default, errors', () => {
  const { dir, lh } = sandbox();
  const city = path.join(GEO, 'GeoIP2-City-Test.mmdb');
  const asn = path.join(GEO, 'GeoLite2-ASN-Test.mmdb');
  let r = lh(['geoip', '81.2.69.142', '1.128.0.1', '10.0.0.1', '2a02:cf40::1', '--geoip-db', city, '--asn-db', asn, '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(ndjsonLines(r.stdout), [
    { ip: '81.2.69.142', scope: null, country_iso_code: 'GB', country_name: 'United Kingdom', city_name: 'London', location: { lat: 51.5142, lon: -0.0931 }, as: null },
    { ip: '1.128.0.1', scope: null, country_iso_code: null, country_name: null, city_name: null, location: null, as: { number: 1221, organization: { name: 'Telstra Pty Ltd' } } },
    { ip: '10.0.0.1', scope: 'private', country_iso_code: null, country_name: null, city_name: null, location: null, as: null },
    { ip: '2a02:cf40::1', scope: null, country_iso_code: 'NO', country_name: 'Norway', city_name: null, location: { lat: 62, lon: 10 }, as: null },
  ]);
  assert.equal(r.stderr, '', 'no attribution line: the bundled database was not used');

  r = lh(['geoip', '8.8.8.8', '10.0.0.1']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /│ 8\.8\.8\.8 +│ US +│ United States +│/);
  assert.match(r.stdout, /│ 10\.0\.0\.1 +│ \(private\) +│/);
  assert.match(r.stderr, /Country data: @ip-location-db\/geo-whois-asn-country \(CC0-1\.0\), built from RIR data by the NRO under CC BY 4\.0/);

  fs.writeFileSync(path.join(dir, 'loghound.config.json'), JSON.stringify({ 'geoip-db': city }));
  r = lh(['geoip', '81.2.69.142', '--json']);
  assert.equal(ndjsonLines(r.stdout)[0].city_name, 'London', 'geoip-db from the config file');

  r = lh(['geoip', '81.2.69.142', '--geoip-db', path.join(GEO, 'GeoIP2-City-Test-Broken-Double-Format.mmdb')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /error: the database .*GeoIP2-City-Test-Broken-Double-Format\.mmdb is damaged/);
  assert.equal(r.stdout, '');

  r = lh(['geoip', '81.2.69.142', 'example.com', '300.1.1.1']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /error: not an IP address: example\.com, 300\.1\.1\.1/);

  r = lh(['geoip']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /give one or more addresses/);

  r = lh(['geoip', 'update']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /error: MAXMIND_ACCOUNT_ID and MAXMIND_LICENSE_KEY must be set/);
});
