/**
 * `loghound report` end to end: hunt the demo incident into a store, write the report, read it as text and in
 * headless Chromium (text, chart, no network, dark and print layouts, a screenshot), and plant HTML in every
 * kind of log field to prove that nothing from the logs becomes markup. Without Chromium the browser parts skip.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { FIXTURES, PROJECT_ROOT, run, start, tmpDir } from '../helpers/cli.js';
import { makeFifo, readFifo } from '../helpers/fifo.js';
import { query } from '../helpers/store.js';
import { testStore } from '../helpers/events.js';
import { escapeHtml } from '../../src/output/report/html.js';
import { BUILTIN_RULES, loadRules } from '../../src/detect/load.js';
import { Browser, findChromium, type Page } from './browser.js';
import { REPORT_TAGS, assertInert } from './page.js';

const CHROMIUM = findChromium();
const NO_BROWSER = CHROMIUM
  ? false
  : process.env.CHROMIUM
    ? `CHROMIUM=${process.env.CHROMIUM} does not exist`
    : 'chromium is not installed (apt-get install chromium, or set CHROMIUM=/path/to/chrome)';
const fmt = (n: number) => n.toLocaleString('en-US');

let dir: string;
let store: string;
let reportFile: string;
let result: ReturnType<typeof run>;
let page: string;

type IntelRow = [ip: string, scope: string | null, cc: string | null, country: string | null, city: string | null, asn: number | null, org: string | null, feeds: string | null, context: string | null, severity: string | null];

/** Enrichment as the GeoIP step stores it (values from MaxMind's test databases in fixtures/geoip), one feed listing. */
const DEMO_INTEL: IntelRow[] = [
  ['175.16.199.14', null, 'CN', 'China', 'Changchun', null, null, 'blocklist-de', 'Malicious Host', 'medium'],
  ['67.43.156.14', null, 'BT', 'Bhutan', null, 35908, null, null, null, null],
  ['89.160.20.112', null, 'SE', 'Sweden', 'Linköping', 29518, 'Bredband2 AB', null, null, null],
  ['81.2.69.142', null, 'GB', 'United Kingdom', 'London', null, null, null, null, null],
  ['216.160.83.56', null, 'US', 'United States', 'Milton', 209, null, null, null, null],
  ['10.0.0.5', 'private', null, null, null, null, null, null, null, null],
  ['10.0.0.23', 'private', null, null, null, null, null, null, null, null],
  ['192.168.1.40', 'private', null, null, null, null, null, null, null, null],
];

function putIntel(db: string, rows: IntelRow[]): void {
  const d = new Database(db);
  try {
    const insert = d.prepare(
      `INSERT OR REPLACE INTO ip_intel (ip, scope, country_iso_code, country_name, city_name, asn, as_org, feed_count, feeds, threat_context, threat_severity, threat_score, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const [ip, scope, cc, country, city, asn, org, feeds, context, severity] of rows) {
      insert.run(ip, scope, cc, country, city, asn, org, feeds ? feeds.split(',').length : 0, feeds, context, severity, severity ? 60 : null, Date.now());
    }
  } finally {
    d.close();
  }
}

before(() => {
  dir = tmpDir('loghound-report-');
  store = path.join(dir, 'demo.db');
  reportFile = path.join(dir, 'report.html');
  const hunt = run(['--db', store, 'hunt', path.join(FIXTURES, 'demo')]);
  assert.equal(hunt.code, 0, hunt.stderr);
  putIntel(store, DEMO_INTEL);
  result = run(['--db', store, 'report', '--out', reportFile]);
  page = fs.existsSync(reportFile) ? fs.readFileSync(reportFile, 'utf8') : '';
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

interface Facts {
  events: number;
  sources: number;
  findings: { id: string; level: string; rule_id: string; rule_title: string }[];
  levels: Map<string, number>;
}

function facts(db: string): Facts {
  const findings = query<Facts['findings'][number]>(db, 'SELECT id, level, rule_id, rule_title FROM findings ORDER BY level_rank DESC, first_ts');
  const levels = new Map<string, number>();
  for (const f of findings) levels.set(f.level, (levels.get(f.level) ?? 0) + 1);
  return {
    events: query<{ n: number }>(db, 'SELECT count(*) AS n FROM events')[0].n,
    sources: query<{ n: number }>(db, 'SELECT count(*) AS n FROM sources')[0].n,
    findings,
    levels,
  };
}

/** The first and last evidence lines of a finding, as the report shows them. */
function evidenceEnds(db: string, id: string): { first: string; last: string } {
  const rows = query<{ raw: string }>(db, 'SELECT e.raw AS raw FROM finding_events fe JOIN events e ON e.id = fe.event_id WHERE fe.finding_id = ? ORDER BY fe.ts, fe.event_id', id);
  return { first: rows[0].raw, last: rows[rows.length - 1].raw };
}

test('report writes one private file, says so in one line on stderr, and leaves no temp file', () => {
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, '');
  const f = facts(store);
  const levels = ['critical', 'high', 'medium', 'low', 'informational'].filter((l) => f.levels.get(l)).map((l) => `${f.levels.get(l)} ${l}`);
  assert.equal(
    result.stderr.trim(),
    `wrote ${reportFile} (${Math.round(fs.statSync(reportFile).size / 1024)} KB): ${fmt(f.events)} events from ${f.sources} sources, ${f.findings.length} findings (${levels.join(', ')})`,
  );
  assert.equal(fs.statSync(reportFile).mode & 0o777, 0o600);
  assert.deepEqual(fs.readdirSync(dir).filter((n) => n.endsWith('.tmp')), []);
});

test('the HTML is self-contained and holds every finding, its evidence, the rules and the enrichment', () => {
  assertInert(page);
  const f = facts(store);
  assert.ok(f.findings.length > 10, 'the demo produces findings');
  for (const x of f.findings) assert.ok(page.includes(`id="f-${x.id}"`), `finding ${x.id}`);
  // the top finding's first and last evidence lines (a correlation's last event is its point)
  const top = f.findings[0];
  const ends = evidenceEnds(store, top.id);
  assert.ok(page.includes(`<td class="raw mono">${escapeHtml(ends.first)}</td>`));
  assert.ok(page.includes(`<td class="raw mono">${escapeHtml(ends.last)}</td>`));
  // a built-in rule's description, looked up by id
  const rule = loadRules([BUILTIN_RULES]).rules.find((r) => r.id === top.rule_id)!;
  assert.ok(rule.description);
  assert.ok(page.includes(escapeHtml(rule.description!.slice(0, 60))));
  // enrichment from ip_intel: the address table and the country table
  const sameRow = '(?:(?!</tr>)[^])*';
  assert.match(page, new RegExp(`<th scope="row"><code>89\\.160\\.20\\.112</code></th>${sameRow}<td>SE Sweden, Linköping</td><td>AS29518 Bredband2 AB</td>`));
  assert.match(
    page,
    new RegExp(`<th scope="row"><code>175\\.16\\.199\\.14</code></th>${sameRow}<span class="lv lv-medium">medium</span> Malicious Host<br><span class="muted">blocklist-de</span>`),
  );
  const cn = query<{ n: number }>(store, "SELECT count(*) AS n FROM events WHERE source_ip = '175.16.199.14'")[0].n;
  assert.ok(page.includes(`<tr><th scope="row">CN China</th><td class="num">1</td><td class="num">${fmt(cn)}</td><td class="num">1</td></tr>`));
  assert.ok(page.includes('<th scope="row">(private)</th><td class="num">3</td>'));
});

test('Source addresses count a finding grouped under an alias (client = c-ip or source.ip) for its address', () => {
  const ip = '175.16.199.14';
  const naming = query<{ name: string }>(store, 'SELECT j.key AS name FROM findings f, json_each(f.group_json) j WHERE j.value = ?', ip);
  // "Web scanner logged in over SSH" joins the web log and sshd on the alias `client`
  assert.ok(naming.some((x) => x.name === 'client'), 'the demo has an aliased finding for the address');
  const sameRow = '(?:(?!</tr>)[^])*';
  assert.match(page, new RegExp(`<th scope="row"><code>175\\.16\\.199\\.14</code></th>${sameRow}</span> ${naming.length}</td>`));
});

test('a finding past the 1,000-event evidence cap: the report and show say what is kept, not what is counted', () => {
  const sub = path.join(dir, 'capped');
  fs.mkdirSync(sub);
  const t0 = Date.UTC(2026, 10, 20, 1);
  const lines = Array.from({ length: 1500 }, (_, i) => {
    const ts = new Date(t0 + i * 2000).toISOString().replace('Z', '000+00:00');
    return `${ts} web02 sshd[${5000 + i}]: Failed password for root from 198.51.100.77 port ${30000 + i} ssh2`;
  });
  fs.writeFileSync(path.join(sub, 'auth.log'), lines.join('\n') + '\n');
  const db = path.join(sub, 'capped.db');
  assert.equal(run(['--db', db, 'hunt', path.join(sub, 'auth.log')]).code, 0);
  const [f] = query<{ id: string; count: number }>(db, 'SELECT id, count FROM findings');
  assert.equal(f.count, 1500);
  const kept = query<{ raw: string }>(db, 'SELECT e.raw AS raw FROM finding_events fe JOIN events e ON e.id = fe.event_id WHERE fe.finding_id = ? ORDER BY fe.ts', f.id);
  assert.equal(kept.length, 1000);
  const out = path.join(sub, 'capped.html');
  assert.equal(run(['--db', db, 'report', '--out', out]).code, 0);
  const html = fs.readFileSync(out, 'utf8');
  // "the last 5" are the last kept lines, and show --limit 0 lists the kept ones, not all 1,500
  assert.ok(html.includes('Evidence: the first 5 and the last 5 of the 1,000 events kept as evidence (1,500 in all)'));
  assert.ok(html.includes(`<td class="raw mono">${escapeHtml(kept[999].raw)}</td>`));
  assert.ok(!html.includes(escapeHtml(lines[1499])), 'the real last line is not kept, so it cannot be shown');
  assert.match(html, /990 more events not shown: <code>loghound show \w+ --limit 0<\/code> lists them/);
  // the chart colours kept evidence only, and says so for the 500 it cannot colour
  assert.ok(html.includes('medium 1,000, no finding 500'));
  assert.ok(html.includes('1 finding counts 500 events more than it keeps, which are drawn as no finding unless another finding keeps them.'));
  const show = run(['--db', db, 'show', f.id, '--limit', '0']).stdout.trimEnd().split('\n');
  assert.equal(show.filter((l) => l.includes('Failed password')).length, 1000);
  assert.equal(show.at(-1), '  … 500 more counted, not kept as evidence');
});

test('the timeline keeps to 180 bars over years: week, month and year bars past 180 days', () => {
  const cases: [string[], string][] = [
    [['2026-01-01T00:00:00Z', '2026-06-29T12:00:00Z'], '2 events in 180 one-day bars from 2026-01-01 to 2026-06-29 UTC'],
    // 2026-01-01 is a Thursday: its week starts on Monday 2025-12-29
    [['2026-01-01T00:00:00Z', '2026-07-01T00:00:00Z'], '2 events in 27 one-week bars from 2025-12-29 to 2026-06-29 UTC'],
    [['2016-01-22T10:00:00Z', '2026-07-27T23:00:00Z'], '2 events in 127 one-month bars from 2016-01 to 2026-07 UTC'],
    [['1996-01-01T00:00:00Z', '2026-07-27T23:00:00Z'], '2 events in 31 one-year bars from 1996 to 2026 UTC'],
  ];
  for (const [times, summary] of cases) {
    const s = testStore();
    for (const t of times) s.add(t, 'system.auth', { message: 'x' });
    s.db.close();
    const out = path.join(path.dirname(s.file), 'span.html');
    const r = run(['--db', s.file, 'report', '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    const html = fs.readFileSync(out, 'utf8');
    assert.ok(html.includes(`<desc id="chart-events-d">${summary};`), `${times.join(' .. ')}: ${/<desc id="chart-events-d">[^<]*/.exec(html)?.[0]}`);
  }
});

test('--since, --until and --query narrow events and findings alike', () => {
  const out = path.join(dir, 'narrow.html');
  const ip = '67.43.156.14';
  const r = run(['--db', store, 'report', '--query', `source.ip:${ip}`, '--since', '2026-11-14', '--until', '2026-11-15', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const html = fs.readFileSync(out, 'utf8');
  const since = Date.UTC(2026, 10, 14);
  const until = Date.UTC(2026, 10, 15);
  const events = query<{ n: number }>(store, 'SELECT count(*) AS n FROM events WHERE source_ip = ? AND ts >= ? AND ts < ?', ip, since, until)[0].n;
  assert.ok(events > 0);
  assert.match(html, new RegExp(`<div class="card"><span class="n">${fmt(events)}</span><span class="l">events</span>`));
  const expected = query<{ id: string }>(
    store,
    `SELECT f.id FROM findings f WHERE f.last_ts >= ? AND f.first_ts < ? AND EXISTS (
       SELECT 1 FROM finding_events fe JOIN events e ON e.id = fe.event_id WHERE fe.finding_id = f.id AND e.source_ip = ? AND e.ts >= ? AND e.ts < ?)`,
    since,
    until,
    ip,
    since,
    until,
  ).map((x) => x.id);
  assert.ok(expected.length > 0);
  const shown = [...html.matchAll(/<details class="finding" id="f-(\w+)"/g)].map((m) => m[1]);
  assert.deepEqual(shown.sort(), expected.sort());
  assert.ok(html.includes(`events matching <code>source.ip:${ip}</code>`));
});

test('errors: --out is required, an unwritable place and a bad query fail cleanly with exit 2', () => {
  const missing = run(['--db', store, 'report']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--out/);
  const nowhere = run(['--db', store, 'report', '--out', path.join(dir, 'no-such-folder', 'r.html')]);
  assert.equal(nowhere.code, 2);
  assert.match(nowhere.stderr, /cannot write .*no-such-folder/);
  const bad = run(['--db', store, 'report', '--query', 'source.ip:(', '--out', path.join(dir, 'bad.html')]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /column/);
  const noStore = run(['--db', path.join(dir, 'none.db'), 'report', '--out', path.join(dir, 'none.html')]);
  assert.equal(noStore.code, 2);
  assert.match(noStore.stderr, /no store/);
  assert.deepEqual(fs.readdirSync(dir).filter((n) => n.endsWith('.tmp') || /^(bad|none)\.html$/.test(n)), []);
});

test('--out to a FIFO writes the report into it and leaves it a FIFO', async () => {
  const fifo = makeFifo('report.fifo');
  const r = await readFifo(fifo, () => start(['--db', store, 'report', '--out', fifo]));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.text, /^<!doctype html>[^]*<\/html>\s*$/i, 'the whole page');
  assert.ok(fs.lstatSync(fifo).isFIFO(), 'the FIFO is still there');
  assert.deepEqual(fs.readdirSync(path.dirname(fifo)), ['report.fifo'], 'no temp file');
});

const RECORDER = `
window.__calls = [];
window.__violations = [];
for (const name of ['alert', 'confirm', 'prompt', 'print', 'open']) window[name] = (...args) => { window.__calls.push(name + '(' + args.join(',') + ')'); };
document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));
`;

async function open(browser: Browser, file: string): Promise<{ page: Page; url: string }> {
  const p = await browser.newPage(1280, 1500);
  await p.beforeLoad(RECORDER);
  const url = pathToFileURL(file).href;
  await p.goto(url);
  return { page: p, url };
}

/** Nothing ran, nothing was fetched, nothing was blocked: the CSP never had to step in. */
async function assertQuiet(p: Page, url: string): Promise<void> {
  const state = await p.evaluate<{ calls: string[]; violations: string[]; scripts: number }>(
    '({ calls: window.__calls, violations: window.__violations, scripts: document.scripts.length })',
  );
  assert.deepEqual(state, { calls: [], violations: [], scripts: 0 });
  const requests = p.events.filter((e) => e.method === 'Network.requestWillBeSent').map((e) => e.params.request.url as string);
  assert.deepEqual([...new Set(requests)], [url]);
  assert.equal(p.events.filter((e) => e.method === 'Page.javascriptDialogOpening').length, 0);
}

test('in Chromium: the summary, a finding, its evidence, both charts, dark and print layouts; a screenshot', { skip: NO_BROWSER }, async () => {
  const browser = await Browser.launch(CHROMIUM!);
  try {
    const { page: p, url } = await open(browser, reportFile);
    await assertQuiet(p, url);
    const f = facts(store);
    const cards = await p.evaluate<string[]>(`[...document.querySelectorAll('.card')].map((c) => c.innerText)`);
    assert.match(cards[0], new RegExp(`^${fmt(f.events)}\\nevents\\n`));
    assert.match(cards[1], new RegExp(`^${f.findings.length}\\nfindings\\n`));
    assert.match(cards[2], new RegExp(`^${f.sources}\\nsource files`));
    const byLevel = await p.evaluate<string[][]>(
      `[...document.querySelectorAll('#summary table')[0].tBodies[0].rows].map((r) => [...r.cells].map((c) => c.innerText))`,
    );
    assert.deepEqual(
      byLevel.map((r) => [r[0], r[1]]),
      ['critical', 'high', 'medium', 'low', 'informational'].map((l) => [l, String(f.levels.get(l) ?? 0)]),
    );
    const top = f.findings[0];
    const text = await p.evaluate<string>('document.body.innerText');
    assert.ok(text.includes(top.rule_title));
    const ends = evidenceEnds(store, top.id);
    const cells = await p.evaluate<string[]>(`[...document.querySelectorAll('#f-${top.id} td.raw')].map((td) => td.textContent)`);
    assert.equal(cells[0], ends.first);
    assert.equal(cells[cells.length - 1], ends.last);

    // Both charts drew: every level with findings has a series of visible bars in the findings chart.
    const series = await p.evaluate<Record<string, Record<string, { bars: number; minHeight: number }>>>(`(() => {
      const out = {};
      for (const fig of document.querySelectorAll('figure.chart')) {
        const s = {};
        for (const g of fig.querySelectorAll('svg g[data-series]')) {
          const hs = [...g.querySelectorAll('rect')].map((r) => r.getBBox().height);
          s[g.dataset.series] = { bars: hs.length, minHeight: hs.length ? Math.min(...hs) : 0 };
        }
        out[fig.id] = s;
      }
      return out;
    })()`);
    for (const [level, n] of f.levels) {
      assert.ok(series['chart-findings'][level].bars > 0 && series['chart-findings'][level].minHeight > 0, `findings chart: ${level} (${n})`);
    }
    assert.ok(series['chart-events'].none.bars > 10 && series['chart-events'].none.minHeight > 0);
    assert.ok(series['chart-events'].critical.bars > 0);
    const totals = await p.evaluate<number[]>(
      `[...document.querySelectorAll('#chart-findings .chart-data tbody tr')].map((r) => Number(r.cells[r.cells.length - 1].textContent.replace(/,/g, '')))`,
    );
    assert.equal(totals.reduce((a, b) => a + b, 0), f.findings.length);
    const width = await p.evaluate<number>(`document.querySelector('#chart-events svg').getBoundingClientRect().width`);
    assert.ok(width > 800, `chart width ${width}`);

    // The light and dark schemes differ; print opens collapsed findings.
    await p.media('screen', 'dark');
    const dark = await p.evaluate<string>('getComputedStyle(document.body).backgroundColor');
    await p.media('screen', 'light');
    const light = await p.evaluate<string>('getComputedStyle(document.body).backgroundColor');
    assert.equal(light, 'rgb(255, 255, 255)');
    assert.notEqual(dark, light);
    const closed = `document.querySelector('details.finding:not([open]) table.ev').checkVisibility()`;
    assert.equal(await p.evaluate<boolean>(closed), false);
    await p.media('print');
    assert.equal(await p.evaluate<boolean>(closed), true);
    await p.media('screen', 'light');

    const png = await p.screenshot();
    assert.deepEqual([...png.subarray(1, 4)], [...Buffer.from('PNG')]);
    fs.mkdirSync(path.join(PROJECT_ROOT, 'test-output'), { recursive: true });
    fs.writeFileSync(path.join(PROJECT_ROOT, 'test-output', 'report.png'), png);
    // the README's screenshot: rewritten on request, like the golden files
    if (process.env.UPDATE_GOLDEN) {
      fs.mkdirSync(path.join(PROJECT_ROOT, 'docs'), { recursive: true });
      fs.writeFileSync(path.join(PROJECT_ROOT, 'docs', 'report.png'), png);
    }
  } finally {
    await browser.close();
  }
});

/** Markup planted in user agents, paths, referrers, user names, a file name and the enrichment. */
const PLANTED = {
  fileName: 'x"><img src=x onerror=alert(1)>.log',
  webUser: '<svg/onload=alert(2)>',
  path: '/search?q=<script>alert(3)</script>',
  referrer: 'javascript:alert(4)',
  agent: 'Mozilla/5.0 <img src=x onerror=alert(5)> </textarea><script>alert(7)</script> sqlmap/1.7',
  invalidUser: '"><svg/onload=alert(6)>',
  failedUser: '<script>alert(10)</script>',
  newUser: '<img/src=x/onerror=alert(11)>',
  jsPath: '/go?u=javascript:alert(9)',
  jsAgent: 'javascript:alert(8)',
  asOrg: '<script>alert(12)</script>',
  context: '"><img src=x onerror=alert(13)>',
  feeds: 'javascript:alert(14)',
  country: '</textarea><svg onload=alert(15)>',
  city: "'><script>alert(16)</script>",
  query: 'not user.name:"<script>alert(17)</script>"',
};

function plantLogs(folder: string): void {
  const web: string[] = [];
  for (let i = 0; i < 8; i++) {
    const t = `14/Nov/2026:03:00:${String(i).padStart(2, '0')} +0000`;
    web.push(`175.16.199.14 - ${PLANTED.webUser} [${t}] "GET ${PLANTED.path}&n=${i} HTTP/1.1" 404 512 "${PLANTED.referrer}" "${PLANTED.agent}"`);
  }
  web.push(`175.16.199.14 - - [14/Nov/2026:03:01:00 +0000] "GET ${PLANTED.jsPath} HTTP/1.1" 200 10 "-" "${PLANTED.jsAgent}"`);
  fs.writeFileSync(path.join(folder, PLANTED.fileName), web.join('\n') + '\n');
  const auth: string[] = [];
  for (let i = 0; i < 12; i++) {
    const t = `2026-11-14T03:10:${String(i).padStart(2, '0')}`;
    auth.push(`${t}.000000+00:00 web01 sshd[${41000 + i}]: Invalid user ${PLANTED.invalidUser}${i} from 175.16.199.14 port ${43500 + i}`);
    auth.push(`${t}.500000+00:00 web01 sshd[${41000 + i}]: Failed password for invalid user ${PLANTED.failedUser}${i} from 175.16.199.14 port ${43500 + i} ssh2`);
  }
  auth.push(`2026-11-14T03:16:10.000000+00:00 web01 useradd[41877]: new user: name=${PLANTED.newUser}, UID=0, GID=0, home=/tmp, shell=/bin/bash, from=/dev/pts/1`);
  fs.writeFileSync(path.join(folder, 'auth.log'), auth.join('\n') + '\n');
}

test('HTML injection through log data: planted markup is shown as text and never becomes an element', async (t) => {
  const logs = path.join(dir, 'hostile');
  fs.mkdirSync(logs);
  plantLogs(logs);
  const db = path.join(dir, 'hostile.db');
  const hunt = run(['--db', db, 'hunt', logs]);
  assert.equal(hunt.code, 0, hunt.stderr);
  // every planted value must have reached the findings' evidence or groups, or the test would prove nothing
  const titles = query<{ rule_title: string }>(db, 'SELECT rule_title FROM findings').map((r) => r.rule_title);
  assert.ok(titles.some((x) => /scripting/i.test(x)) && titles.some((x) => /UID 0/.test(x)) && titles.some((x) => /enumeration/i.test(x)), titles.join('; '));
  putIntel(db, [['175.16.199.14', null, 'XX', PLANTED.country, PLANTED.city, 64500, PLANTED.asOrg, PLANTED.feeds, PLANTED.context, 'high']]);
  const out = path.join(dir, 'hostile.html');
  const r = run(['--db', db, 'report', '--query', PLANTED.query, '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const html = fs.readFileSync(out, 'utf8');
  assertInert(html);
  for (const [name, value] of Object.entries(PLANTED)) assert.ok(html.includes(escapeHtml(value)), `${name} shown as text`);

  if (!CHROMIUM) {
    t.diagnostic(`browser check skipped: ${NO_BROWSER}`);
    return;
  }
  const browser = await Browser.launch(CHROMIUM);
  try {
    const { page: p, url } = await open(browser, out);
    await assertQuiet(p, url);
    const dom = await p.evaluate<{ tags: string[]; handlers: string[]; links: string[]; loaders: number; svgs: number; text: string }>(`(() => {
      const all = [...document.querySelectorAll('*')];
      return {
        tags: [...new Set(all.map((e) => e.localName))].sort(),
        handlers: all.flatMap((e) => [...e.attributes].filter((a) => a.name.startsWith('on')).map((a) => e.localName + ' ' + a.name)),
        links: [...document.querySelectorAll('[href]')].map((a) => a.getAttribute('href')),
        loaders: document.querySelectorAll('[src], [srcdoc], [style], [action], [formaction], img, iframe, object, embed, textarea, form, input').length,
        svgs: [...document.querySelectorAll('svg')].filter((s) => !s.classList.contains('bars')).length,
        text: document.body.textContent,
      };
    })()`);
    assert.deepEqual(dom.handlers, []);
    assert.equal(dom.loaders, 0);
    assert.equal(dom.svgs, 0);
    for (const tag of dom.tags) assert.ok(REPORT_TAGS.has(tag), `unexpected <${tag}>`);
    for (const link of dom.links) assert.match(link, /^(#|https:\/\/attack\.mitre\.org\/techniques\/)/);
    for (const [name, value] of Object.entries(PLANTED)) assert.ok(dom.text.includes(value), `${name} visible as text`);
  } finally {
    await browser.close();
  }
});

