import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type http from 'node:http';
import { addFeed, effectiveFeeds, feedStatus, staleFeeds, updateFeeds, type UpdateOptions } from '../../src/enrich/feeds.js';
import { feedState } from '../../src/enrich/feedstore.js';
import { FeedMatcher } from '../../src/enrich/matcher.js';
import type { DB } from '../../src/store/db.js';
import { FEEDS, serve, tempStore } from './helpers.js';

const PLAIN = fs.readFileSync(path.join(FEEDS, 'plain.txt'));
const NEWER = Buffer.from('# version 2\n91.92.240.10\n91.92.240.11\n');
const LAST_MODIFIED = 'Thu, 01 Jan 2026 00:00:00 GMT';

type Mode = 'ok' | 'newer' | 'lm-only' | 'slow' | 'big' | 'html' | 'gzip-encoded' | 'gzip-file' | 'broken-gzip' | 'reset' | 'empty' | 'not-found' | 'flaky' | 'garbage';

function handler(state: { mode: Mode; hits: number }) {
  return (req: http.IncomingMessage, res: http.ServerResponse) => {
    state.hits++;
    switch (state.mode) {
      case 'ok':
        if (req.headers['if-none-match'] === '"v1"') return void res.writeHead(304).end();
        return void res.writeHead(200, { etag: '"v1"', 'last-modified': LAST_MODIFIED, 'content-type': 'text/plain' }).end(PLAIN);
      case 'newer':
        return void res.writeHead(200, { etag: '"v2"' }).end(NEWER);
      case 'lm-only':
        if (req.headers['if-modified-since'] === LAST_MODIFIED) return void res.writeHead(304).end();
        return void res.writeHead(200, { 'last-modified': LAST_MODIFIED }).end(PLAIN);
      case 'slow':
        res.writeHead(200, { 'content-type': 'text/plain' });
        return void res.write('45.155.205.233\n'); // and never ends
      case 'big': {
        res.writeHead(200, { 'content-type': 'text/plain' });
        for (let i = 0; i < 64; i++) res.write('45.155.205.233\n'.repeat(16));
        return void res.end();
      }
      case 'html':
        return void res.writeHead(200, { 'content-type': 'text/html' }).end(fs.readFileSync(path.join(FEEDS, 'error.html')));
      case 'gzip-encoded':
        return void res.writeHead(200, { 'content-encoding': 'gzip' }).end(zlib.gzipSync(NEWER));
      case 'gzip-file':
        return void res.writeHead(200, { 'content-type': 'application/gzip' }).end(zlib.gzipSync(NEWER));
      case 'broken-gzip': {
        const gz = zlib.gzipSync(Buffer.from('45.155.205.233\n'.repeat(200)));
        gz.fill(0x41, 12, 40);
        return void res.writeHead(200, { 'content-encoding': 'gzip' }).end(gz);
      }
      case 'reset':
        return void req.socket.destroy();
      case 'empty':
        return void res.writeHead(200).end();
      case 'not-found':
        return void res.writeHead(404).end('no such list');
      case 'flaky':
        if (state.hits % 2 === 1) return void res.writeHead(503).end();
        return void res.writeHead(200).end(NEWER);
      case 'garbage':
        return void res.writeHead(200).end(fs.readFileSync(path.join(FEEDS, 'garbage.txt')));
    }
  };
}

const FAST: UpdateOptions = { timeoutMs: 400, retryDelayMs: 20, maxBytes: 4096 };

function matched(db: DB, ip: string): string[] {
  return (FeedMatcher.load(db, effectiveFeeds(db)).match(ip) ?? []).map((h) => h.feed);
}

test('download: 200, 304 with ETag, and every fault keeps the previous data', async (t) => {
  const state = { mode: 'ok' as Mode, hits: 0 };
  const srv = await serve(handler(state));
  t.after(() => srv.close());
  const { db } = tempStore();
  addFeed(db, 'local', `${srv.url}/feed`, { format: 'ip' });
  let clock = Date.UTC(2026, 0, 10);
  const update = (extra: UpdateOptions = {}) => updateFeeds(db, { ...FAST, names: ['local'], now: () => clock, ...extra });

  let { results } = await update();
  assert.equal(results[0].status, 'updated');
  assert.equal(results[0].entries, 5);
  assert.deepEqual(matched(db, '45.155.205.233'), ['local']);
  assert.deepEqual(matched(db, '2a03:b0c0:3:d0::1a51:c001'), ['local']);

  clock += 3_600_000;
  ({ results } = await update());
  assert.equal(results[0].status, 'not-modified');
  assert.equal(srv.requests.at(-1)!['if-none-match'], '"v1"');
  assert.equal(srv.requests.at(-1)!['if-modified-since'], LAST_MODIFIED);
  const st = feedState(db, 'local')!;
  assert.equal(st.checked_at, clock, 'a 304 updates the check time');
  assert.equal(st.ok_at, clock);
  assert.equal(st.updated_at, clock - 3_600_000, 'and keeps the data (and its time)');
  assert.equal(st.entries, 5);

  const faults: [Mode, RegExp, number][] = [
    ['slow', /no complete answer within 0.4 s/, 2],
    ['big', /larger than the 4 KiB cap/, 1],
    ['html', /HTML page/, 1],
    ['broken-gzip', /the gzip body is damaged/, 2],
    ['reset', /the connection was reset/, 2],
    ['empty', /empty/, 1],
    ['not-found', /HTTP 404/, 1],
    ['garbage', /3 of 4 lines are not addresses/, 1],
  ];
  for (const [mode, why, requests] of faults) {
    state.mode = mode;
    state.hits = 0;
    const warnings: string[] = [];
    ({ results } = await update({ onWarning: (m) => warnings.push(m) }));
    assert.equal(results[0].status, 'failed', mode);
    assert.match(results[0].message, /^feed "local": /, mode);
    assert.match(results[0].message, why, mode);
    assert.match(results[0].message, /the previous data is kept/, mode);
    assert.deepEqual(warnings, [results[0].message], `${mode}: the failure is reported as a warning`);
    assert.equal(state.hits, requests, `${mode}: ${requests === 2 ? 'retried once' : 'not retried'}`);
    assert.deepEqual(matched(db, '45.155.205.233'), ['local'], `${mode}: old data intact`);
    const s = feedState(db, 'local')!;
    assert.equal(s.entries, 5, mode);
    assert.equal(s.status, 'failed', mode);
  }
  const listed = feedStatus(db, {}, clock).find((s) => s.name === 'local')!;
  assert.equal(listed.health, 'failed');
  assert.equal(listed.stale, false, 'the data itself is an hour old');
  assert.match(listed.message!, /3 of 4 lines/);

  for (const mode of ['gzip-encoded', 'gzip-file', 'flaky'] as Mode[]) {
    state.mode = mode;
    state.hits = 0;
    ({ results } = await update());
    assert.equal(results[0].status, 'updated', mode);
    assert.deepEqual(matched(db, '91.92.240.11'), ['local'], mode);
    assert.deepEqual(matched(db, '45.155.205.233'), [], `${mode}: the new list replaced the old one`);
  }
  assert.equal(state.hits, 2, 'flaky: a 503, then the retry');
});

test('a redirect loop fails at once with a plain message, and is not asked again', async (t) => {
  let hits = 0;
  const srv = await serve((_req, res) => {
    hits++;
    res.writeHead(302, { location: '/again' }).end();
  });
  t.after(() => srv.close());
  const { db } = tempStore();
  addFeed(db, 'loop', `${srv.url}/list`, {});
  const { results } = await updateFeeds(db, { ...FAST, names: ['loop'] });
  assert.equal(results[0].status, 'failed');
  assert.match(results[0].message, /^feed "loop": too many redirects \(a redirect loop\?\); it has no data yet$/);
  assert.equal(hits, 21, 'the first request and the 20 redirects fetch follows, once');
});

test('Last-Modified alone gives If-Modified-Since and a 304', async (t) => {
  const state = { mode: 'lm-only' as Mode, hits: 0 };
  const srv = await serve(handler(state));
  t.after(() => srv.close());
  const { db } = tempStore();
  addFeed(db, 'lm', `${srv.url}/list`, {});
  assert.equal((await updateFeeds(db, { ...FAST, names: ['lm'] })).results[0].status, 'updated');
  assert.equal(srv.requests[0]['if-modified-since'], undefined, 'no conditional header without data');
  assert.equal((await updateFeeds(db, { ...FAST, names: ['lm'] })).results[0].status, 'not-modified');
  assert.equal(srv.requests[1]['if-modified-since'], LAST_MODIFIED);
});

test('a 304 to a request that asked for no comparison is a failure: the feed is not "ok" without data', async (t) => {
  let hits = 0;
  const srv = await serve((_req, res) => {
    hits++;
    res.writeHead(304, { etag: '"x"' }).end();
  });
  t.after(() => srv.close());
  const { db } = tempStore();
  addFeed(db, 'odd', `${srv.url}/list`, {});
  const clock = Date.UTC(2026, 0, 10);
  const warnings: string[] = [];
  const { results } = await updateFeeds(db, { ...FAST, names: ['odd'], now: () => clock, onWarning: (m) => warnings.push(m) });
  assert.equal(srv.requests[0]['if-none-match'], undefined, 'the feed has no data: the request is unconditional');
  assert.equal(srv.requests[0]['if-modified-since'], undefined);
  assert.equal(results[0].status, 'failed');
  assert.equal(
    results[0].message,
    'feed "odd": the server answered 304 Not Modified to a request without If-None-Match or If-Modified-Since, and sent no list; it has no data yet',
  );
  assert.deepEqual(warnings, [results[0].message]);
  assert.equal(hits, 1, 'not retried: the server will answer the same');
  const st = feedState(db, 'odd')!;
  assert.deepEqual([st.status, st.entries, st.etag], ['failed', 0, null], 'no validator is kept from the bogus answer');
  assert.equal(feedStatus(db, {}, clock).find((s) => s.name === 'odd')!.health, 'failed');
});

test('a 304 to the unconditional request after a settings change keeps the data marked out of date', async (t) => {
  const IPSUM = fs.readFileSync(path.join(FEEDS, 'ipsum.txt'));
  let always304 = false;
  const srv = await serve((_req, res) => void (always304 ? res.writeHead(304).end() : res.writeHead(200, { etag: '"i1"' }).end(IPSUM)));
  t.after(() => srv.close());
  const { db } = tempStore();
  const clock = Date.UTC(2026, 0, 10);
  const at5 = { feeds: { ipsum: { url: `${srv.url}/ipsum.txt`, 'min-count': 5 } } };
  const update = (settings: UpdateOptions) => updateFeeds(db, { ...FAST, ...settings, names: ['ipsum'], now: () => clock });
  assert.equal((await update({ feeds: { ipsum: { url: `${srv.url}/ipsum.txt` } } })).results[0].entries, 4);
  always304 = true;
  const { results } = await update(at5);
  assert.equal(srv.requests.at(-1)!['if-none-match'], undefined, 'asked unconditionally: the data was read with min-count 3');
  assert.equal(results[0].status, 'failed');
  assert.match(results[0].message, /304 Not Modified to a request without If-None-Match or If-Modified-Since.*; the previous data is kept$/);
  // recorded as "not modified", the min-count 3 data would have passed for data read with min-count 5
  assert.equal(feedStatus(db, at5, clock).find((s) => s.name === 'ipsum')!.stale, true);
});

test('Spamhaus is asked at most once an hour; FireHOL bogons are stripped with a warning', async (t) => {
  const srv = await serve((req, res) => {
    const file = req.url === '/drop_v4.json' ? 'drop_v4.json' : 'firehol_level1.netset';
    res.writeHead(200).end(fs.readFileSync(path.join(FEEDS, file)));
  });
  t.after(() => srv.close());
  const { db } = tempStore();
  const settings = {
    feeds: { 'spamhaus-drop': { url: `${srv.url}/drop_v4.json` }, 'firehol-level1': { url: `${srv.url}/level1.netset`, enabled: true } },
    configFile: '/test/loghound.config.yaml',
  };
  let clock = Date.UTC(2026, 0, 10, 12);
  const warnings: string[] = [];
  const run = () => updateFeeds(db, { ...FAST, ...settings, names: ['spamhaus-drop', 'firehol-level1'], now: () => clock, onWarning: (m) => warnings.push(m) });

  let { results } = await run();
  assert.deepEqual(results.map((r) => r.status), ['updated', 'updated']);
  assert.equal(results[1].entries, 5);
  assert.deepEqual(warnings, [
    'feed "firehol-level1": 11 entries cover private, loopback, link-local or reserved addresses (e.g. 0.0.0.0/8, 10.0.0.0/8, 100.64.0.0/10); 11 dropped, 0 trimmed: such addresses are never matched',
  ]);
  const m = FeedMatcher.load(db, effectiveFeeds(db, settings));
  assert.deepEqual(m.match('1.10.16.5')?.map((h) => h.feed), ['spamhaus-drop', 'firehol-level1']);
  assert.equal(m.match('10.1.1.1'), null);
  assert.equal(m.match('192.168.1.40'), null);

  clock += 20 * 60_000;
  ({ results } = await run());
  assert.equal(results[0].status, 'skipped');
  assert.match(results[0].message, /checked 20 minutes ago; Spamhaus asks for at most one download every 1 h/);
  assert.equal(srv.requests.filter((r) => r[':path'] === '/drop_v4.json').length, 1);

  clock += 60 * 60_000;
  ({ results } = await run());
  assert.equal(results[0].status, 'updated');
  assert.equal(srv.requests.filter((r) => r[':path'] === '/drop_v4.json').length, 2);
});

test('a new min-count, format or source in the config is applied by the next update, though the list did not change', async (t) => {
  const IPSUM = fs.readFileSync(path.join(FEEDS, 'ipsum.txt'));
  const srv = await serve((req, res) => {
    if (req.headers['if-none-match'] === '"i1"') return void res.writeHead(304).end();
    res.writeHead(200, { etag: '"i1"' }).end(IPSUM);
  });
  t.after(() => srv.close());
  const { db } = tempStore();
  const clock = Date.UTC(2026, 0, 10);
  const at3 = { feeds: { ipsum: { url: `${srv.url}/ipsum.txt` } } };
  const at5 = { feeds: { ipsum: { url: `${srv.url}/ipsum.txt`, 'min-count': 5 } } };
  const update = (settings: UpdateOptions) => updateFeeds(db, { ...FAST, ...settings, names: ['ipsum'], now: () => clock });
  const listed = (settings: UpdateOptions, ip: string) => (FeedMatcher.load(db, effectiveFeeds(db, settings)).match(ip) ?? []).map((h) => h.feed);

  assert.equal((await update(at3)).results[0].entries, 4);
  assert.deepEqual(listed(at3, '193.142.146.35'), ['ipsum'], 'on 3 lists');
  assert.equal((await update(at3)).results[0].status, 'not-modified');

  const before = feedStatus(db, at5, clock).find((s) => s.name === 'ipsum')!;
  assert.equal(before.stale, true, 'data parsed with min-count 3 is out of date for min-count 5');
  const { results } = await update(at5);
  assert.equal(results[0].status, 'updated', 'asked unconditionally, so the new min-count is applied');
  assert.equal(srv.requests.at(-1)!['if-none-match'], undefined);
  assert.equal(results[0].entries, 2);
  assert.deepEqual(listed(at5, '193.142.146.35'), [], 'on 3 lists: below the new minimum');
  assert.deepEqual(listed(at5, '185.224.128.17'), ['ipsum'], 'on 6 lists');
  assert.equal(feedStatus(db, at5, clock).find((s) => s.name === 'ipsum')!.stale, false);
  assert.equal((await update(at5)).results[0].status, 'not-modified', 'conditional again once the data matches the settings');
});

test('status: never downloaded and old feeds are stale; disabled ones are not', async (t) => {
  const srv = await serve((_req, res) => void res.writeHead(200).end(PLAIN));
  t.after(() => srv.close());
  const { db } = tempStore();
  const settings = { feeds: { 'blocklist-de': { url: `${srv.url}/all.txt` }, 'tor-exit': { enabled: false } } };
  const t0 = Date.UTC(2026, 0, 10);
  await updateFeeds(db, { ...FAST, ...settings, names: ['blocklist-de'], now: () => t0 });
  const fresh = staleFeeds(db, settings, t0 + 3_600_000).map((s) => [s.name, s.health]);
  assert.ok(!fresh.some(([n]) => n === 'blocklist-de'));
  assert.ok(!fresh.some(([n]) => n === 'tor-exit'), 'disabled by the config file');
  assert.ok(fresh.some(([n, h]) => n === 'feodo' && h === 'never'));
  const later = staleFeeds(db, settings, t0 + 25 * 3_600_000).find((s) => s.name === 'blocklist-de')!;
  assert.equal(later.health, 'stale');
  assert.equal(later.age_ms, 25 * 3_600_000);
  assert.equal(later.entries, 5);
});

test('a local file feed: read, then unchanged until the file changes', async () => {
  const { db, dir } = tempStore();
  const file = path.join(dir, 'mine.txt');
  fs.writeFileSync(file, '45.155.205.233\n');
  addFeed(db, 'mine', file, { severity: 'high', context: 'Scanner' });
  let r = await updateFeeds(db, { names: ['mine'] });
  assert.equal(r.results[0].status, 'updated');
  const hit = FeedMatcher.load(db, effectiveFeeds(db)).match('45.155.205.233')!;
  assert.deepEqual([hit[0].feed, hit[0].context, hit[0].weight, hit[0].provider], ['mine', 'Scanner', 75, 'local file']);
  r = await updateFeeds(db, { names: ['mine'] });
  assert.equal(r.results[0].status, 'not-modified');
  fs.writeFileSync(file, '45.155.205.233\n193.142.146.35\n');
  fs.utimesSync(file, new Date(), new Date(Date.now() + 5000));
  r = await updateFeeds(db, { names: ['mine'] });
  assert.equal(r.results[0].status, 'updated');
  assert.equal(r.results[0].entries, 2);
  fs.rmSync(file);
  r = await updateFeeds(db, { names: ['mine'] });
  assert.equal(r.results[0].status, 'failed');
  assert.match(r.results[0].message, /feed "mine": cannot read .*mine\.txt: no such file or directory; the previous data is kept/);
});
