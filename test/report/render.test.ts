/** The report's building blocks without a store: escaping, the html tag, the chart, and a large report's size. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeHtml, html } from '../../src/output/report/html.js';
import { niceStep, stackedBarChart } from '../../src/output/report/chart.js';
import { commonDir, renderReport, type ReportInput } from '../../src/output/report/render.js';
import { evidencePerFinding } from '../../src/cli/commands/report.js';
import { LEVELS, levelRank, type Level, type StoredEvent } from '../../src/model/event.js';
import type { FindingRow } from '../../src/store/findings.js';
import type { EvidenceSample, IpIntel, ReportData } from '../../src/store/report-data.js';
import { assertInert } from './page.js';

test('escapeHtml: markup characters become entities, controls become visible escapes', () => {
  assert.equal(escapeHtml(`<a href="x" onclick='y'>&amp;</a>`), '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;');
  assert.equal(escapeHtml('\u001b[31mred\u0007'), '\\e[31mred\\x07');
  assert.equal(escapeHtml('abc\u202Ecba\u2066x\u2069'), 'abc\\u202ecba\\u2066x\\u2069');
  assert.equal(escapeHtml('a\u061cb\u2028c\u2029d'), 'a\\u061cb\\u2028c\\u2029d');
  assert.equal(escapeHtml('cr\r\n\tkept'), 'cr\\r\n\tkept');
  assert.equal(escapeHtml('plain text, unchanged'), 'plain text, unchanged');
});

test('html: values are escaped, markup made by html is not, lists join, empty values vanish', () => {
  const inner = html`<b>${'<i>'}</b>`;
  const out = html`<p title="${'" onmouseover="x'}">${inner}${['<', html`<br>`, 3]}${null}${undefined}${false}${true}</p>`;
  assert.equal(out.value, '<p title="&quot; onmouseover=&quot;x"><b>&lt;i&gt;</b>&lt;<br>3</p>');
});

test('niceStep picks 1, 2 or 5 times a power of ten', () => {
  assert.equal(niceStep(0), 1);
  assert.equal(niceStep(3), 1);
  assert.equal(niceStep(175), 50);
  assert.equal(niceStep(27), 10);
  assert.equal(niceStep(9000), 5000);
});

test('stacked bars: one rect per non-empty value, heights in proportion, a text summary and a data table', () => {
  const hour = 3_600_000;
  const t0 = Date.UTC(2026, 10, 14, 0);
  const svg = stackedBarChart({
    id: 'c',
    title: 'Test chart',
    unit: 'events',
    interval: 'hour',
    starts: [t0, t0 + hour, t0 + 2 * hour, t0 + 3 * hour],
    series: [
      { key: 'high', label: 'high' },
      { key: 'none', label: 'no finding' },
    ],
    values: [
      [10, 30],
      [0, 0],
      [0, 20],
      [5, 0],
    ],
  }).value;
  const group = (key: string) => new RegExp(`<g class="s-${key}" data-series="${key}">(.*?)</g>`, 's').exec(svg)![1];
  const heights = (key: string) => [...group(key).matchAll(/height="([\d.]+)"/g)].map((m) => Number(m[1]));
  assert.equal(heights('high').length, 2);
  assert.equal(heights('none').length, 2);
  const [h10, h5] = heights('high');
  const [h30, h20] = heights('none');
  assert.ok(Math.abs(h10 / h5 - 2) < 0.05, `${h10} / ${h5}`);
  assert.ok(Math.abs(h30 / h20 - 1.5) < 0.05, `${h30} / ${h20}`);
  assert.match(svg, /role="img" aria-labelledby="c-t c-d"/);
  assert.match(svg, /<desc id="c-d">65 events in 4 one-hour bars from 2026-11-14 00:00 to 2026-11-14 03:00 UTC; the busiest, 2026-11-14 00:00, holds 40\. By series: high 15, no finding 50\.<\/desc>/);
  assert.match(svg, /Chart data: 3 of 4 bars hold events/);
  assert.equal([...svg.matchAll(/<tr><th scope="row">/g)].length, 3);
  assert.match(svg, /<title>2026-11-14 03:00 UTC, high: 5 events<\/title>/);
});

test('commonDir: the folder all sources share', () => {
  assert.equal(commonDir(['/var/log/nginx/access.log', '/var/log/auth.log']), '/var/log');
  assert.equal(commonDir(['/var/log/auth.log']), '/var/log');
  assert.equal(commonDir(['/a.log', '/b.log']), '');
  assert.equal(commonDir([]), '');
});

const HOSTILE = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(2)>',
  '"><svg onload=alert(3)>',
  "'><iframe src=javascript:alert(4)>",
  '</textarea><script>alert(5)</script>',
  'javascript:alert(6)',
];

function finding(i: number, level: Level, text: string, ts: number): FindingRow {
  return {
    id: `f${String(i).padStart(19, '0')}`,
    rule_id: `rule-${i % 40}${text}`,
    rule_title: `Rule ${i % 40} ${text}`,
    rule_kind: 'detection',
    level,
    level_rank: levelRank(level),
    tags: JSON.stringify(['attack.t1110.001', `attack.t1059"><script>alert(7)</script>`, text]),
    group_key: '',
    group_json: JSON.stringify({ 'source.ip': `10.0.${(i >> 8) & 255}.${i & 255}`, 'user.name': text }),
    first_ts: ts,
    last_ts: ts + 60_000,
    count: 25,
    enrichment: null,
    details: JSON.stringify({ [text]: text }),
    created_run: 1,
    updated_run: 1,
    created_at: ts,
    updated_at: ts,
  };
}

function syntheticInput(n: number): ReportInput {
  const t0 = Date.UTC(2026, 10, 14);
  const rows = Array.from({ length: n }, (_, i) => finding(i, LEVELS[i % LEVELS.length], HOSTILE[i % HOSTILE.length], t0 + i * 1000));
  const hostileIntel: IpIntel = {
    scope: null,
    country_iso_code: 'XX',
    country_name: HOSTILE[0],
    city_name: HOSTILE[2],
    asn: 64500,
    as_org: HOSTILE[1],
    feed_count: 2,
    feeds: HOSTILE[5],
    threat_context: HOSTILE[3],
    threat_severity: 'high',
    threat_score: 80,
  };
  const data: ReportData = {
    overview: {
      events: n * 25,
      parsed: n * 25,
      unparsed: 0,
      first: t0,
      last: t0 + n * 1000,
      datasets: [{ dataset: HOSTILE[4], count: n * 25, unparsed: 0 }],
      statusClasses: [],
      outcomes: [],
    },
    sources: [{ path: `/logs/${HOSTILE[2]}.log`, format: 'access', lines: n * 25, events: n * 25 }],
    quietSources: 0,
    timeline: null,
    intelState: 'present',
    ips: [{ ip: '10.0.0.1', events: 5, first: t0, last: t0, findings: 1, level: 'high' }],
    distinctIps: 1,
    countries: [{ code: 'XX', name: HOSTILE[0], scope: null, ips: 1, events: 5, listed: 1 }],
    intel: new Map([['10.0.0.1', hostileIntel]]),
    findings: rows.map((row) => ({ row, group: JSON.parse(row.group_json), fields: JSON.parse(row.group_json), tags: JSON.parse(row.tags), details: JSON.parse(row.details!) })),
    levels: Object.fromEntries(LEVELS.map((l) => [l, rows.filter((r) => r.level === l).length])) as Record<Level, number>,
  };
  const cap = evidencePerFinding(n);
  const evidence = new Map<string, EvidenceSample>();
  for (const r of rows) {
    evidence.set(r.id, {
      tail: [],
      linked: r.count,
      head: Array.from({ length: cap }, (_, k): StoredEvent => ({
        id: k,
        ts: r.first_ts,
        dataset: 'web.access',
        sourcePath: `/logs/${HOSTILE[2]}.log`,
        line: k + 1,
        offset: 0,
        status: 0,
        flags: 0,
        raw: `10.0.0.1 - - [14/Nov/2026:00:00:00 +0000] "GET /${HOSTILE[k % HOSTILE.length]} HTTP/1.1" 404 0 "-" "${HOSTILE[(k + 1) % HOSTILE.length]}"`,
        fields: {},
      })),
    });
  }
  return {
    data,
    evidence,
    rules: new Map([[rows[0].rule_id, { description: HOSTILE[0], falsepositives: [HOSTILE[1]] }]]),
    store: `/tmp/${HOSTILE[3]}.db`,
    generatedAt: t0,
    version: '0.0.0',
    filter: { query: HOSTILE[2] },
  };
}

test('hostile text in every field of a report stays text: no foreign tag, no event handler, no script link', () => {
  const page = renderReport(syntheticInput(60));
  assertInert(page);
  for (const h of HOSTILE) assert.ok(page.includes(escapeHtml(h)), `${h} shown as text`);
  // the crafted ATT&CK tag is shown, not linked
  assert.ok(page.includes('<span class="tag">attack.t1059&quot;&gt;&lt;script&gt;alert(7)&lt;/script&gt;</span>'));
  assert.match(
    page,
    /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; style-src &#39;sha256-[A-Za-z0-9+/]+=*&#39;; base-uri &#39;none&#39;; form-action &#39;none&#39;">/,
  );
});

test('10,000 findings: one evidence line each, collapsed, and a file of sane size', () => {
  assert.equal(evidencePerFinding(36), 10);
  assert.equal(evidencePerFinding(1000), 5);
  assert.equal(evidencePerFinding(10_000), 1);
  const page = renderReport(syntheticInput(10_000));
  assert.equal([...page.matchAll(/<details class="finding"/g)].length, 10_000);
  assert.equal([...page.matchAll(/<details class="finding"[^>]* open>/g)].length, 0);
  // 120 distinct rules of about 83 findings each: every rule's findings are folded under one line
  assert.equal([...page.matchAll(/<details class="fold">/g)].length, 120);
  assert.equal([...page.matchAll(/<td class="raw mono">/g)].length, 10_000);
  const mb = Buffer.byteLength(page) / 1e6;
  // about 1.9 KB a finding here, where every value is a long escaped payload
  assert.ok(mb < 20, `${mb.toFixed(1)} MB`);
});

test('a small report opens its high and critical findings', () => {
  const page = renderReport(syntheticInput(20));
  const open = [...page.matchAll(/<details class="finding" id="[^"]+" open>\n<summary><span class="lv lv-(\w+)">/g)].map((m) => m[1]);
  assert.deepEqual([...new Set(open)].sort(), ['critical', 'high']);
  assert.equal(open.length, 8);
});
