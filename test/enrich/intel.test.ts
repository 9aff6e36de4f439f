import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { enrichDoc, intelFor, listedIntel, refreshIntel, staleFeeds, threatEcs, type IntelSettings } from '../../src/enrich/index.js';
import { addFeed, enableFeed, updateFeeds } from '../../src/enrich/feeds.js';
import { tmpDir } from '../helpers/cli.js';
import { FEEDS, GEO, insertEvents, tempStore } from './helpers.js';

const GEO_SETTINGS: IntelSettings = {
  geoipDb: path.join(GEO, 'GeoIP2-City-Test.mmdb'),
  asnDb: path.join(GEO, 'GeoLite2-ASN-Test.mmdb'),
  dataDir: tmpDir('loghound-intel-geo-'),
};

async function storeWithFeeds() {
  const s = tempStore();
  addFeed(s.db, 'c2', path.join(FEEDS, 'feodo.txt'), { context: 'Botnet C2', severity: 'critical' });
  addFeed(s.db, 'attackers', path.join(FEEDS, 'plain.txt'), { severity: 'medium' });
  addFeed(s.db, 'exits', path.join(FEEDS, 'tor-exits.txt'), { context: 'Tor Exit', weight: 10 });
  const { results } = await updateFeeds(s.db, { names: ['c2', 'attackers', 'exits'] });
  assert.deepEqual(results.map((r) => r.status), ['updated', 'updated', 'updated']);
  return s;
}

test('refreshIntel: one row per distinct address, with geo, AS, threat and scope', async () => {
  const { db } = await storeWithFeeds();
  insertEvents(db, [
    { src: '185.224.128.17', dst: '10.0.0.5' },
    { src: '185.224.128.17', dst: '10.0.0.5' },
    { src: '81.2.69.142' },
    { src: '1.128.0.1', dst: '50.16.16.211' },
    { src: '::ffff:193.142.146.35' },
    { src: '2a03:b0c0:3:d0::1a51:c001' },
    { src: '192.168.1.40', dst: '127.0.0.1' },
  ]);
  const r = refreshIntel(db, GEO_SETTINGS);
  assert.equal(r.new_ips, 9);
  assert.equal(r.listed, 4);
  assert.equal(r.geo_sources.length, 2);

  const intel = intelFor(db, ['185.224.128.17', '81.2.69.142', '1.128.0.1', '10.0.0.5', '127.0.0.1', '::ffff:193.142.146.35', '50.16.16.211', '8.8.8.8']);
  assert.equal(intel.has('8.8.8.8'), false, 'never seen in an event');
  assert.deepEqual(intel.get('10.0.0.5'), { ip: '10.0.0.5', scope: 'private' });
  assert.deepEqual(intel.get('127.0.0.1'), { ip: '127.0.0.1', scope: 'loopback' });
  assert.deepEqual(intel.get('81.2.69.142'), {
    ip: '81.2.69.142',
    geo: { country_iso_code: 'GB', country_name: 'United Kingdom', city_name: 'London', location: { lat: 51.5142, lon: -0.0931 } },
  });
  assert.deepEqual(intel.get('1.128.0.1'), { ip: '1.128.0.1', as: { number: 1221, organization: { name: 'Telstra Pty Ltd' } } });

  const t = intel.get('185.224.128.17')!.threat!;
  assert.deepEqual(
    { context: t.context, feeds: t.feeds, feed_count: t.feed_count, score: t.score, severity: t.severity, confidence: t.confidence, type: t.type },
    { context: 'Botnet C2', feeds: ['c2', 'attackers'], feed_count: 2, score: 95, severity: 'critical', confidence: 'High', type: 'ipv4-addr' },
  );
  const mapped = intel.get('::ffff:193.142.146.35')!.threat!;
  assert.equal(mapped.ip, '193.142.146.35', 'the indicator is the unwrapped address');
  assert.deepEqual([mapped.context, mapped.severity, mapped.feeds], ['Malicious Host', 'medium', ['attackers']]);

  const row = db.prepare('SELECT feed_count, feeds, threat_context, threat_severity, threat_score FROM ip_intel WHERE ip = ?').get('50.16.16.211');
  assert.deepEqual(row, { feed_count: 1, feeds: 'c2', threat_context: 'Botnet C2', threat_severity: 'critical', threat_score: 90 });
  assert.deepEqual(
    listedIntel(db).map((i) => [i.ip, i.threat!.score]),
    [
      ['185.224.128.17', 95],
      ['50.16.16.211', 90],
      ['2a03:b0c0:3:d0::1a51:c001', 50],
      ['::ffff:193.142.146.35', 50],
    ],
  );
  const joined = db
    .prepare('SELECT count(*) AS n FROM events e JOIN ip_intel i ON i.ip = e.source_ip WHERE i.feed_count > 0')
    .get() as { n: number };
  assert.equal(joined.n, 4, 'rules can join events to ip_intel on the address text');
});

test('refreshIntel is incremental, and redoes threat or geo only when feeds or databases change', async () => {
  const { db } = await storeWithFeeds();
  insertEvents(db, [{ src: '45.155.205.233' }, { src: '171.25.193.77' }]);
  assert.equal(refreshIntel(db, GEO_SETTINGS).new_ips, 2);
  const again = refreshIntel(db, GEO_SETTINGS);
  assert.deepEqual([again.new_ips, again.threat_changed, again.geo_changed], [0, 0, 0], 'nothing new, nothing redone');

  insertEvents(db, [{ src: '45.155.205.233' }, { src: '2.125.160.216' }]);
  const more = refreshIntel(db, GEO_SETTINGS);
  assert.equal(more.new_ips, 1, 'only the address not seen before');
  assert.equal(intelFor(db, ['2.125.160.216']).get('2.125.160.216')?.geo?.country_iso_code, 'GB');

  enableFeed(db, 'exits', false);
  const afterDisable = refreshIntel(db, GEO_SETTINGS);
  assert.equal(afterDisable.threat_changed, 1);
  assert.equal(intelFor(db, ['171.25.193.77']).get('171.25.193.77')?.threat, undefined);
  enableFeed(db, 'exits', true);
  assert.equal(refreshIntel(db, GEO_SETTINGS).threat_changed, 1);
  assert.equal(intelFor(db, ['171.25.193.77']).get('171.25.193.77')?.threat?.context, 'Tor Exit');

  // A weight changed in the config file is a change too.
  const heavier = refreshIntel(db, { ...GEO_SETTINGS, feeds: { exits: { weight: 40 } } });
  assert.equal(heavier.threat_changed, 1);
  assert.equal(intelFor(db, ['171.25.193.77']).get('171.25.193.77')?.threat?.severity, 'medium');

  const countryOnly = refreshIntel(db, { ...GEO_SETTINGS, feeds: { exits: { weight: 40 } }, geoipDb: path.join(GEO, 'GeoLite2-Country-Test.mmdb') });
  assert.equal(countryOnly.geo_changed, 1, 'London lost its city and location');
  assert.deepEqual(intelFor(db, ['2.125.160.216']).get('2.125.160.216')?.geo, { country_iso_code: 'GB', country_name: 'United Kingdom' });
});

test('without GeoIP (noGeo) only the threat part is filled; stale feeds are reported', async () => {
  const { db } = await storeWithFeeds();
  insertEvents(db, [{ src: '81.2.69.142' }, { src: '50.16.16.211' }]);
  const r = refreshIntel(db, { noGeo: true });
  assert.deepEqual(r.geo_sources, []);
  const intel = intelFor(db, ['81.2.69.142', '50.16.16.211']);
  assert.deepEqual(intel.get('81.2.69.142'), { ip: '81.2.69.142' });
  assert.equal(intel.get('50.16.16.211')?.threat?.context, 'Botnet C2');
  const stale = staleFeeds(db).map((s) => s.name);
  assert.ok(stale.includes('blocklist-de'), 'built-in feeds never downloaded are stale');
  assert.ok(!stale.includes('c2'));
});

test('ECS: source.geo / source.as and threat.enrichments on an event document', async () => {
  const { db } = await storeWithFeeds();
  insertEvents(db, [{ src: '81.2.69.142', dst: '185.224.128.17' }]);
  refreshIntel(db, GEO_SETTINGS);
  const intel = intelFor(db, ['81.2.69.142', '185.224.128.17']);
  const doc = enrichDoc({ '@timestamp': '2026-01-01T00:00:00.000Z', source: { ip: '81.2.69.142', port: 50312 }, destination: { ip: '185.224.128.17' } }, intel);
  assert.deepEqual(doc.source, {
    ip: '81.2.69.142',
    port: 50312,
    geo: { country_iso_code: 'GB', country_name: 'United Kingdom', city_name: 'London', location: { lat: 51.5142, lon: -0.0931 } },
  });
  assert.deepEqual(doc.destination, { ip: '185.224.128.17' });
  assert.deepEqual(doc.threat, {
    context: 'Botnet C2',
    ip: '185.224.128.17',
    feeds: ['c2', 'attackers'],
    feed_count: 2,
    severity: 'critical',
    score: 95,
    indicator: { ip: '185.224.128.17', type: 'ipv4-addr', confidence: 'High', provider: 'local file', description: 'Botnet C2' },
    feed: { name: 'c2' },
    enrichments: [
      {
        indicator: { ip: '185.224.128.17', type: 'ipv4-addr', provider: 'local file', confidence: 'High', description: 'Botnet C2' },
        matched: { atomic: '185.224.128.17', field: 'destination.ip', type: 'indicator_match_rule' },
        feed: { name: 'c2' },
      },
      {
        indicator: { ip: '185.224.128.17', type: 'ipv4-addr', provider: 'local file', confidence: 'Medium', description: 'Malicious Host' },
        matched: { atomic: '185.224.128.17', field: 'destination.ip', type: 'indicator_match_rule' },
        feed: { name: 'attackers' },
      },
    ],
  });
  assert.equal(threatEcs([{ intel: intel.get('81.2.69.142'), field: 'source.ip' }]), undefined, 'not listed: no threat object');
  const plain = enrichDoc({ source: { ip: '8.8.8.8' } }, intel);
  assert.deepEqual(plain, { source: { ip: '8.8.8.8' } }, 'unknown addresses leave the document alone');
});

test('at scale: 100k events from 20k addresses refresh in one pass, with correct matches', async () => {
  const { db } = tempStore();
  addFeed(db, 'big', path.join(FEEDS, 'plain.txt'), {});
  await updateFeeds(db, { names: ['big'] });
  const rows: { src?: string; dst?: string }[] = [];
  for (let i = 0; i < 100_000; i++) {
    const k = i % 20_000;
    rows.push({ src: `45.${(k >> 8) & 255}.${k & 255}.${1 + (k % 200)}`, dst: i % 10 === 0 ? '45.155.205.233' : undefined });
  }
  insertEvents(db, rows);
  const r = refreshIntel(db, { noGeo: true });
  assert.equal(r.new_ips, 20_001);
  assert.equal(r.listed, 1);
  assert.equal((db.prepare('SELECT count(*) AS n FROM ip_intel').get() as { n: number }).n, 20_001);
  assert.equal(refreshIntel(db, { noGeo: true }).new_ips, 0);
});
