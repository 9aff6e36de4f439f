import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { GeoLookup, bundledGeoDb, countryName, geoIdentity, resolveGeoFiles } from '../../src/enrich/geoip.js';
import { tarEntry, updateGeoLite } from '../../src/enrich/geoupdate.js';
import { InputError, UsageError } from '../../src/errors.js';
import { tmpDir } from '../helpers/cli.js';
import { GEO, serve } from './helpers.js';

const CITY = path.join(GEO, 'GeoIP2-City-Test.mmdb');
const ASN = path.join(GEO, 'GeoLite2-ASN-Test.mmdb');
const COUNTRY = path.join(GEO, 'GeoLite2-Country-Test.mmdb');
const BROKEN = path.join(GEO, 'GeoIP2-City-Test-Broken-Double-Format.mmdb');
/** no GeoLite2 downloaded: the bundled database is the default */
const EMPTY_DIR = tmpDir('loghound-geo-none-');

test('MaxMind City + ASN test databases: the nested shape and the ASN shape', () => {
  const geo = GeoLookup.open({ geoipDb: CITY, asnDb: ASN, dataDir: EMPTY_DIR });
  assert.deepEqual(geo.lookup('81.2.69.142'), {
    country_iso_code: 'GB',
    country_name: 'United Kingdom',
    city_name: 'London',
    lat: 51.5142,
    lon: -0.0931,
  });
  assert.deepEqual(geo.lookup('1.128.0.1'), { asn: 1221, as_org: 'Telstra Pty Ltd' });
  assert.deepEqual(geo.lookup('2a02:cf40::1'), { country_iso_code: 'NO', country_name: 'Norway', lat: 62, lon: 10 });
  assert.equal(geo.lookup('2001:218::1')?.country_iso_code, 'JP');
  assert.equal(geo.lookup('::ffff:81.2.69.142')?.city_name, 'London', 'IPv4-mapped');
  assert.equal(geo.lookup('10.0.0.1'), null, 'private: not looked up');
  assert.equal(geo.lookup('fe80::1'), null);
  assert.equal(geo.lookup('nonsense'), null);
  assert.deepEqual(
    geo.sources.map((s) => [path.basename(s.path), s.role, s.databaseType]),
    [
      ['GeoIP2-City-Test.mmdb', 'geo', 'GeoIP2-City'],
      ['GeoLite2-ASN-Test.mmdb', 'asn', 'GeoLite2-ASN'],
    ],
  );
});

test('the bundled ip-location-db database: flat country_code records, offline', () => {
  const geo = GeoLookup.open({ dataDir: EMPTY_DIR });
  assert.equal(geo.sources[0].bundled, true);
  assert.deepEqual(geo.lookup('8.8.8.8'), { country_iso_code: 'US', country_name: 'United States' });
  assert.equal(geo.lookup('1.1.1.1')?.country_iso_code, 'AU');
  assert.equal(geo.lookup('81.2.69.142')?.country_iso_code, 'GB');
  assert.equal(geo.lookup('2a00:1450:4001::1')?.country_iso_code, 'IE');
  assert.equal(geo.lookup('::ffff:8.8.8.8')?.country_iso_code, 'US', 'ip-location-db does not map ::ffff: itself');
  assert.equal(geo.lookup('10.0.0.1'), null);
});

test('an IPv4-only database is not asked about IPv6 addresses', () => {
  const v4only = path.join(path.dirname(bundledGeoDb()), 'geo-whois-asn-country-ipv4.mmdb');
  const geo = GeoLookup.open({ geoipDb: v4only });
  assert.equal(geo.sources[0].ipVersion, 4);
  assert.equal(geo.lookup('8.8.8.8')?.country_iso_code, 'US');
  assert.equal(geo.lookup('2a00:1450:4001::1'), null);
});

test('GeoLite2 files fetched by "geoip update" are the default when present', () => {
  const dir = tmpDir('loghound-geo-dir-');
  fs.copyFileSync(COUNTRY, path.join(dir, 'GeoLite2-City.mmdb'));
  fs.copyFileSync(ASN, path.join(dir, 'GeoLite2-ASN.mmdb'));
  const files = resolveGeoFiles({ dataDir: dir });
  assert.deepEqual(files, { geo: path.join(dir, 'GeoLite2-City.mmdb'), asn: path.join(dir, 'GeoLite2-ASN.mmdb'), bundled: false });
  assert.equal(resolveGeoFiles({ dataDir: dir, geoipDb: CITY }).geo, CITY, 'a flag wins');
  const before = geoIdentity({ dataDir: dir });
  fs.copyFileSync(CITY, path.join(dir, 'GeoLite2-City.mmdb'));
  assert.notEqual(geoIdentity({ dataDir: dir }), before, 'swapping a file changes the identity');
});

test('an edition fetched with "geoip update --edition" other than City is used too, City first', () => {
  const dir = tmpDir('loghound-geo-editions-');
  fs.copyFileSync(COUNTRY, path.join(dir, 'GeoLite2-Country.mmdb'));
  assert.deepEqual(resolveGeoFiles({ dataDir: dir }), { geo: path.join(dir, 'GeoLite2-Country.mmdb'), asn: undefined, bundled: false });
  const geo = GeoLookup.open({ dataDir: dir });
  assert.equal(geo.sources[0].databaseType, 'GeoLite2-Country');
  assert.equal(geo.lookup('81.2.69.142')?.country_iso_code, 'GB');
  fs.copyFileSync(CITY, path.join(dir, 'GeoLite2-City.mmdb'));
  assert.equal(resolveGeoFiles({ dataDir: dir }).geo, path.join(dir, 'GeoLite2-City.mmdb'), 'City wins over Country');
});

test('a database of the wrong kind for its slot is refused, saying where it belongs', () => {
  assertInputError(
    () => GeoLookup.open({ geoipDb: ASN, dataDir: EMPTY_DIR }),
    /GeoLite2-ASN-Test\.mmdb is a GeoLite2-ASN database, not a City or Country database/,
  );
  // Before, a City database in the ASN slot overwrote the GeoIP database's answer with its own country.
  assertInputError(
    () => GeoLookup.open({ geoipDb: COUNTRY, asnDb: CITY, dataDir: EMPTY_DIR }),
    /GeoIP2-City-Test\.mmdb is a GeoIP2-City database, not an ASN database/,
  );
  assert.throws(
    () => GeoLookup.open({ asnDb: CITY, dataDir: EMPTY_DIR }),
    (err: unknown) => err instanceof InputError && /give it as --geoip-db/.test(err.hint ?? ''),
  );
  const dir = tmpDir('loghound-geo-kind-');
  fs.copyFileSync(ASN, path.join(dir, 'GeoLite2-City.mmdb'));
  assertInputError(() => GeoLookup.open({ dataDir: dir }), /GeoLite2-City\.mmdb is a GeoLite2-ASN database/);
  assert.equal(GeoLookup.open({ geoipDb: bundledGeoDb(), dataDir: EMPTY_DIR }).sources[0].databaseType, 'country ipvAll', 'ip-location-db names its type plainly');
});

function assertInputError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => err instanceof InputError && pattern.test(err.message));
}

test('broken, foreign and missing files give a clear error naming the file', () => {
  const dir = tmpDir('loghound-geo-bad-');
  const geo = GeoLookup.open({ geoipDb: BROKEN, dataDir: EMPTY_DIR });
  assertInputError(() => geo.lookup('81.2.69.142'), /GeoIP2-City-Test-Broken-Double-Format\.mmdb is damaged: 81\.2\.69\.142 has an impossible location/);
  const text = path.join(dir, 'notes.mmdb');
  fs.writeFileSync(text, 'this is not a database\n');
  assertInputError(() => GeoLookup.open({ geoipDb: text }), /notes\.mmdb is not a readable MaxMind database/);
  const truncated = path.join(dir, 'truncated.mmdb');
  fs.writeFileSync(truncated, fs.readFileSync(CITY).subarray(0, 4000));
  assertInputError(() => GeoLookup.open({ geoipDb: truncated }), /truncated\.mmdb is not a readable MaxMind database/);
  const gz = path.join(dir, 'city.mmdb.gz');
  fs.writeFileSync(gz, zlib.gzipSync(fs.readFileSync(CITY)));
  assertInputError(() => GeoLookup.open({ geoipDb: gz }), /city\.mmdb\.gz is gzip-compressed/);
  assertInputError(() => GeoLookup.open({ asnDb: path.join(dir, 'missing.mmdb'), dataDir: EMPTY_DIR }), /cannot read the ASN database .*missing\.mmdb: no such file/);
});

test('country names come from ICU', () => {
  assert.equal(countryName('DE'), 'Germany');
  assert.equal(countryName('gb'), 'United Kingdom');
  assert.equal(countryName('ZZZ'), undefined);
});

/** A minimal ustar archive, as MaxMind ships: a folder, a text file and the database. */
function tar(entries: { name: string; data?: Buffer; type?: string }[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const data = e.data ?? Buffer.alloc(0);
    const h = Buffer.alloc(512);
    h.write(e.name, 0, 100);
    h.write('0000644\0', 100);
    h.write('0000000\0', 108);
    h.write('0000000\0', 116);
    h.write(data.length.toString(8).padStart(11, '0') + '\0', 124);
    h.write('00000000000\0', 136);
    h.write('        ', 148);
    h.write(e.type ?? '0', 156);
    h.write('ustar\0', 257);
    h.write('00', 263);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
    blocks.push(h, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

test('tarEntry finds the database, with GNU long names too', () => {
  const db = fs.readFileSync(ASN);
  const t = tar([
    { name: 'GeoLite2-ASN_20260101/', type: '5' },
    { name: 'GeoLite2-ASN_20260101/COPYRIGHT.txt', data: Buffer.from('(c) test') },
    { name: 'GeoLite2-ASN_20260101/GeoLite2-ASN.mmdb', data: db },
  ]);
  const e = tarEntry(t, (n) => n.endsWith('.mmdb'))!;
  assert.equal(e.name, 'GeoLite2-ASN_20260101/GeoLite2-ASN.mmdb');
  assert.deepEqual(e.data, db);
  const long = `${'x'.repeat(120)}/GeoLite2-ASN.mmdb`;
  const t2 = tar([{ name: '././@LongLink', type: 'L', data: Buffer.from(long + '\0') }, { name: 'truncated-name', data: db }]);
  assert.equal(tarEntry(t2, (n) => n.endsWith('.mmdb'))?.name, long);
  assert.equal(tarEntry(t, (n) => n.endsWith('.csv')), undefined);
});

test('geoip update: Basic auth, a redirect to storage, atomic swap, Last-Modified check, refusals', async (t) => {
  const archive = zlib.gzipSync(
    tar([
      { name: 'GeoLite2-City_20260101/', type: '5' },
      { name: 'GeoLite2-City_20260101/GeoLite2-City.mmdb', data: fs.readFileSync(CITY) },
    ]),
  );
  const lastModified = 'Tue, 06 Jan 2026 10:00:00 GMT';
  let serveArchive = archive;
  const srv = await serve((req, res) => {
    if (req.url?.startsWith('/geoip/databases/')) {
      if (req.headers.authorization !== `Basic ${Buffer.from('1234:secret').toString('base64')}`) return void res.writeHead(401).end();
      return void res.writeHead(302, { location: '/storage/GeoLite2-City.tar.gz?sig=abc' }).end();
    }
    if (req.url?.startsWith('/storage/')) {
      res.writeHead(200, { 'content-type': 'application/gzip', 'last-modified': lastModified });
      return void res.end(req.method === 'HEAD' ? undefined : serveArchive);
    }
    res.writeHead(404).end();
  });
  t.after(() => srv.close());
  const dir = tmpDir('loghound-geoupdate-');
  const opts = { editions: ['GeoLite2-City'], dir, accountId: '1234', licenseKey: 'secret', baseUrl: srv.url, retryDelayMs: 10 };

  const first = await updateGeoLite(opts);
  assert.deepEqual(first.map((r) => [r.edition, r.status, r.databaseType]), [['GeoLite2-City', 'updated', 'GeoIP2-City']]);
  const target = path.join(dir, 'GeoLite2-City.mmdb');
  assert.deepEqual(fs.readFileSync(target), fs.readFileSync(CITY));
  assert.equal(srv.requests[0][':path'], '/geoip/databases/GeoLite2-City/download?suffix=tar.gz');
  assert.equal(GeoLookup.open({ dataDir: dir }).lookup('81.2.69.142')?.city_name, 'London', 'lookups use it from now on');
  assert.deepEqual(fs.readdirSync(dir).sort(), ['GeoLite2-City.json', 'GeoLite2-City.mmdb'], 'no temporary file left');

  const n = srv.requests.length;
  const second = await updateGeoLite(opts);
  assert.equal(second[0].status, 'unchanged');
  assert.deepEqual(srv.requests.slice(n).map((r) => r[':method']), ['HEAD', 'HEAD'], 'a HEAD (and its redirect), no download');

  // A damaged archive: the installed file stays as it was.
  fs.rmSync(path.join(dir, 'GeoLite2-City.json'));
  serveArchive = zlib.gzipSync(tar([{ name: 'README.txt', data: Buffer.from('no database here') }]));
  await assert.rejects(updateGeoLite(opts), (err: unknown) => err instanceof InputError && /downloading GeoLite2-City failed: the archive holds no \.mmdb file; the current file is kept/.test(err.message));
  serveArchive = zlib.gzipSync(tar([{ name: 'x/GeoLite2-City.mmdb', data: Buffer.from('garbage') }]));
  await assert.rejects(updateGeoLite(opts), /the \.mmdb in the archive does not open/);
  assert.deepEqual(fs.readFileSync(target), fs.readFileSync(CITY));

  await assert.rejects(updateGeoLite({ ...opts, licenseKey: 'wrong' }), (err: unknown) => err instanceof InputError && /MaxMind refused the credentials for GeoLite2-City \(HTTP 401\)/.test(err.message) && /MAXMIND_LICENSE_KEY/.test(err.hint ?? ''));
  await assert.rejects(updateGeoLite({ ...opts, accountId: undefined }), (err: unknown) => err instanceof UsageError && /MAXMIND_ACCOUNT_ID and MAXMIND_LICENSE_KEY must be set/.test(err.message));
  await assert.rejects(updateGeoLite({ ...opts, editions: ['../etc'] }), /not a MaxMind edition id/);
});

/** A copy of a database whose metadata says it was built at `when` (build_epoch is a 4-byte uint64 there). */
function builtAt(file: string, when: Date): Buffer {
  const buf = Buffer.from(fs.readFileSync(file));
  const at = buf.lastIndexOf('build_epoch') + 'build_epoch'.length;
  assert.deepEqual([...buf.subarray(at, at + 2)], [0x04, 0x02], 'a uint64 of 4 bytes');
  buf.writeUInt32BE(Math.floor(when.getTime() / 1000), at + 2);
  return buf;
}

test('geoip update checks a download as lookups do, and keeps the installed database when it is damaged or older', async (t) => {
  let serving: Buffer = fs.readFileSync(CITY);
  let version = 0;
  const srv = await serve((req, res) => {
    // a new Last-Modified each time: every update downloads
    res.writeHead(200, { 'content-type': 'application/gzip', 'last-modified': new Date(Date.UTC(2026, 0, 1) + ++version * 1000).toUTCString() });
    res.end(req.method === 'HEAD' ? undefined : zlib.gzipSync(tar([{ name: 'GeoLite2-City_20260101/GeoLite2-City.mmdb', data: serving }])));
  });
  t.after(() => srv.close());
  const dir = tmpDir('loghound-geoupdate-');
  const opts = { editions: ['GeoLite2-City'], dir, accountId: '1234', licenseKey: 'secret', baseUrl: srv.url, retryDelayMs: 10 };
  const target = path.join(dir, 'GeoLite2-City.mmdb');

  // no database yet: a damaged one is not installed either
  serving = fs.readFileSync(BROKEN);
  await assert.rejects(updateGeoLite(opts), (err: unknown) => err instanceof InputError && /GeoLite2-City failed: .*damaged: .*impossible location.*; the current file is kept/.test(err.message));
  assert.equal(fs.existsSync(target), false);

  serving = fs.readFileSync(CITY);
  assert.equal((await updateGeoLite(opts))[0].status, 'updated');
  serving = builtAt(BROKEN, new Date('2026-06-01T00:00:00Z'));
  await assert.rejects(updateGeoLite(opts), /damaged: .*impossible location/, 'a damaged download, even a newer one');
  assert.deepEqual(fs.readFileSync(target), fs.readFileSync(CITY), 'the working database stays');
  assert.equal(GeoLookup.open({ dataDir: dir }).lookup('81.2.69.142')?.city_name, 'London');

  serving = builtAt(CITY, new Date('2025-01-01T00:00:00Z'));
  await assert.rejects(updateGeoLite(opts), (err: unknown) => err instanceof InputError && /built 2025-01-01, before the installed 2026-02-04; the current file is kept/.test(err.message));
  assert.deepEqual(fs.readFileSync(target), fs.readFileSync(CITY));
  serving = builtAt(CITY, new Date('2026-03-01T00:00:00Z'));
  assert.equal((await updateGeoLite(opts))[0].buildEpoch, '2026-03-01T00:00:00.000Z', 'a newer build replaces it');
});

test('geoip update keeps its folder and files private under umask 000, and writes through no planted link', async (t) => {
  const srv = await serve((req, res) => {
    res.writeHead(200, { 'content-type': 'application/gzip', 'last-modified': 'Tue, 06 Jan 2026 10:00:00 GMT' });
    res.end(req.method === 'HEAD' ? undefined : zlib.gzipSync(tar([{ name: 'GeoLite2-City_20260101/GeoLite2-City.mmdb', data: fs.readFileSync(CITY) }])));
  });
  t.after(() => srv.close());
  const root = tmpDir('loghound-geoupdate-');
  const dir = path.join(root, 'data', 'geoip');
  const victim = path.join(root, 'victim.txt');
  fs.writeFileSync(victim, 'keep me\n');
  const old = process.umask(0);
  try {
    const opts = { editions: ['GeoLite2-City'], dir, accountId: '1234', licenseKey: 'secret', baseUrl: srv.url, retryDelayMs: 10 };
    assert.equal((await updateGeoLite(opts))[0].status, 'updated');
    for (const p of [path.join(root, 'data'), dir]) assert.equal(fs.statSync(p).mode & 0o777, 0o700, p);
    for (const f of ['GeoLite2-City.mmdb', 'GeoLite2-City.json']) assert.equal(fs.statSync(path.join(dir, f)).mode & 0o777, 0o600, f);
    // a link at the temp name the update used to take (".<edition>.mmdb.<pid>.tmp") by someone who can write the folder
    fs.rmSync(path.join(dir, 'GeoLite2-City.json'));
    fs.symlinkSync(victim, path.join(dir, `.GeoLite2-City.mmdb.${process.pid}.tmp`));
    assert.equal((await updateGeoLite(opts))[0].status, 'updated');
    assert.equal(fs.readFileSync(victim, 'utf8'), 'keep me\n', 'the file the link names is untouched');
    assert.ok(fs.lstatSync(path.join(dir, 'GeoLite2-City.mmdb')).isFile(), 'the database is a file of its own, not the link');
  } finally {
    process.umask(old);
  }
});
