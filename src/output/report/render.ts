/**
 * The HTML incident report: data in, one self-contained HTML string out. No script, no external resource, one
 * stylesheet admitted by its hash in a Content-Security-Policy that forbids everything else; every value from the
 * store goes through `html` (see html.ts), so log data always lands as text.
 */
import crypto from 'node:crypto';
import { html, type Html, type Part } from './html.js';
import { STYLE } from './style.js';
import { stackedBarChart, type Series } from './chart.js';
import { fmtInt } from '../format.js';
import { LEVELS, type Level, type StoredEvent } from '../../model/event.js';
import { NONE, groupIps, type EvidenceSample, type IpIntel, type ReportData, type ReportFinding } from '../../store/report-data.js';
import { EVIDENCE_CAP } from '../../store/findings.js';

/** What the report says about a rule beyond the finding itself (the built-in pack's text). */
export interface RuleInfo {
  description?: string;
  falsepositives: string[];
}

export interface ReportInput {
  data: ReportData;
  /** evidence events shown per finding id (capped by the caller) */
  evidence: Map<string, EvidenceSample>;
  /** rules known by id */
  rules: Map<string, RuleInfo>;
  store: string;
  generatedAt: number;
  version: string;
  filter: { since?: number; until?: number; query?: string };
}

/** With this many findings or fewer, the high and critical ones start expanded. */
const OPEN_UP_TO = 50;
const OPEN_LEVELS: ReadonlySet<Level> = new Set(['high', 'critical']);

const DOWN = [...LEVELS].reverse();

/** "2026-11-14 03:16:10" (UTC), with milliseconds only when there are some. */
export function fmtTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.endsWith('.000Z') ? iso.slice(11, 19) : iso.slice(11, 23)}`;
}

export function fmtSpan(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

const plural = (n: number, one: string) => `${fmtInt(n)} ${n === 1 ? one : `${one}s`}`;

function level(l: string): Html {
  return html`<span class="lv lv-${(LEVELS as readonly string[]).includes(l) ? l : 'unknown'}">${l}</span>`;
}

function valueText(v: unknown): string {
  if (v === null || v === undefined) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function groupText(group: Record<string, unknown>): string {
  const parts = Object.entries(group).map(([k, v]) => `${k}=${valueText(v)}`);
  return parts.length ? parts.join(' ') : '(all events)';
}

const ATTACK_TECHNIQUE = /^attack\.(t\d{4})(?:\.(\d{3}))?$/i;

/** ATT&CK technique tags link to their page; the URL is built from the matched digits, never from the tag text. */
function tag(t: string): Html {
  const m = ATTACK_TECHNIQUE.exec(t);
  if (!m) return html`<span class="tag">${t}</span>`;
  const id = m[1].toUpperCase();
  const url = `https://attack.mitre.org/techniques/${id}/${m[2] ? `${m[2]}/` : ''}`;
  return html`<a class="tag" href="${url}" rel="noreferrer noopener">${t}</a>`;
}

function country(i: IpIntel | undefined): string {
  if (!i) return '';
  if (i.scope) return `(${i.scope})`;
  if (!i.country_iso_code && !i.country_name) return '';
  return [i.country_iso_code, i.country_name].filter(Boolean).join(' ') + (i.city_name ? `, ${i.city_name}` : '');
}

function asText(i: IpIntel | undefined): string {
  if (!i || (i.asn === null && !i.as_org)) return '';
  return [i.asn !== null ? `AS${i.asn}` : '', i.as_org ?? ''].filter(Boolean).join(' ');
}

function threat(i: IpIntel | undefined): Html {
  if (!i || !i.feed_count) return html``;
  return html`${i.threat_severity && level(i.threat_severity)} ${i.threat_context ?? 'listed'}${
    i.feeds && html`<br><span class="muted">${i.feeds.split(',').join(', ')}</span>`
  }`;
}

function intelLine(ip: string, i: IpIntel | undefined): Html {
  const bits = [country(i), asText(i)].filter(Boolean).join(' · ');
  return html`<code>${ip}</code> ${bits && html`<span>${bits}</span>`} ${i?.feed_count ? html`· ${threat(i)}` : ''}`;
}

/** A table's header row; `num` marks a right-aligned number column. */
const num = (label: string) => ({ label });
function thead(...cols: (string | { label: string })[]): Html {
  return html`<thead><tr>${cols.map((c) => (typeof c === 'string' ? html`<th scope="col">${c}</th>` : html`<th scope="col" class="num">${c.label}</th>`))}</tr></thead>`;
}

function card(n: string, label: string, note?: string): Html {
  return html`<div class="card"><span class="n">${n}</span><span class="l">${label}</span>${note && html`<br><span class="l">${note}</span>`}</div>`;
}

function header(input: ReportInput): Html {
  const o = input.data.overview;
  const f = input.filter;
  const filter: Part[] = [];
  if (f.since !== undefined) filter.push(html`from <b>${fmtTime(f.since)}</b> `);
  if (f.until !== undefined) filter.push(html`until <b>${fmtTime(f.until)}</b> (exclusive) `);
  if (f.query !== undefined) filter.push(html`events matching <code>${f.query}</code>`);
  return html`<header>
<h1>Incident report</h1>
<dl class="meta">
<dt>Events</dt><dd>${o.first !== null && o.last !== null ? html`${fmtTime(o.first)} to ${fmtTime(o.last)} UTC <span class="muted">(${fmtSpan(o.last - o.first)})</span>` : 'none'}</dd>
<dt>Scope</dt><dd>${filter.length ? filter : 'the whole store'}</dd>
<dt>Store</dt><dd><code>${input.store}</code></dd>
<dt>Generated</dt><dd>${fmtTime(Math.floor(input.generatedAt / 1000) * 1000)} UTC by loghound ${input.version}</dd>
</dl>
<nav aria-label="Sections"><a href="#summary">Summary</a><a href="#timeline">Timeline</a><a href="#ips">Source addresses</a><a href="#countries">Countries</a><a href="#findings">Findings</a><a href="#rules">Rules</a></nav>
</header>`;
}

function summary(input: ReportInput): Html {
  const d = input.data;
  const o = d.overview;
  const total = d.findings.length;
  const top = DOWN.find((l) => d.levels[l] > 0);
  const listed = d.countries.reduce((n, c) => n + c.listed, 0);
  const base = commonDir(d.sources.map((s) => s.path));
  return html`<section id="summary" aria-labelledby="h-summary">
<h2 id="h-summary">Summary</h2>
<div class="cards">
${card(fmtInt(o.events), 'events', `${fmtInt(o.parsed)} parsed, ${fmtInt(o.unparsed)} unparsed`)}
${card(fmtInt(total), total === 1 ? 'finding' : 'findings', top ? `highest level: ${top}` : undefined)}
${card(fmtInt(d.sources.length), d.sources.length === 1 ? 'source file' : 'source files')}
${card(fmtInt(d.distinctIps), 'source addresses', d.intelState === 'present' ? `${fmtInt(listed)} on a threat feed` : undefined)}
</div>
<div class="cols">
<div>
<h3>Findings by level</h3>
<table>
${thead('level', num('findings'), num('rules'))}
<tbody>${DOWN.map((l) => {
    const rules = new Set(d.findings.filter((x) => x.row.level === l).map((x) => x.row.rule_id)).size;
    return html`<tr><th scope="row">${d.levels[l] ? html`<a href="#level-${l}">${level(l)}</a>` : level(l)}</th><td class="num">${fmtInt(d.levels[l])}</td><td class="num">${fmtInt(rules)}</td></tr>`;
  })}</tbody>
</table>
</div>
<div>
<h3>Events per dataset</h3>
${
  o.datasets.length
    ? html`<table>
${thead('dataset', num('events'), num('unparsed'))}
<tbody>${o.datasets.map((x) => html`<tr><th scope="row"><code>${x.dataset}</code></th><td class="num">${fmtInt(x.count)}</td><td class="num">${x.unparsed ? fmtInt(x.unparsed) : ''}</td></tr>`)}</tbody>
</table>`
    : html`<p class="note">No events.</p>`
}
</div>
</div>
<h3>Sources</h3>
${
  d.sources.length
    ? html`<table>
${thead('file', 'format', num('lines read'), num('events in this report'))}
<tbody>${d.sources.map((s) => html`<tr><th scope="row" class="wrap"><code>${s.path}</code></th><td>${s.format ?? ''}</td><td class="num">${fmtInt(s.lines)}</td><td class="num">${fmtInt(s.events)}</td></tr>`)}</tbody>
</table>`
    : html`<p class="note">No source holds events in this report.</p>`
}
${base && html`<p class="note">Evidence lines below name these files relative to <code>${base}</code>.</p>`}
${d.quietSources > 0 && html`<p class="note">${plural(d.quietSources, 'more source')} in the store ${d.quietSources === 1 ? 'holds' : 'hold'} no event in this report.</p>`}
</section>`;
}

const EVENT_SERIES: Series[] = [...DOWN.map((l) => ({ key: l, label: l })), { key: 'none', label: 'no finding' }];
const FINDING_SERIES: Series[] = DOWN.map((l) => ({ key: l, label: l }));

/** Said under the events chart when findings count more events than they keep: the chart cannot colour those. */
function unlinkedNote(u: { findings: number; events: number }): Html {
  const one = u.findings === 1;
  return html`<p class="note">Events are coloured by the evidence findings keep, at most ${fmtInt(EVIDENCE_CAP)} per finding: ${plural(u.findings, 'finding')} ${one ? 'counts' : 'count'} ${plural(u.events, 'event')} more than ${one ? 'it keeps' : 'they keep'}, which are drawn as no finding unless another finding keeps them.</p>`;
}

function timelineSection(input: ReportInput): Html {
  const t = input.data.timeline;
  if (!t) {
    return html`<section id="timeline" aria-labelledby="h-timeline"><h2 id="h-timeline">Timeline</h2><p class="note">No events or findings to draw.</p></section>`;
  }
  // LEVELS run low to high; the stacks put the highest level at the bottom, events with no finding on top.
  const order = [...DOWN.map((l) => LEVELS.indexOf(l)), NONE];
  const events = stackedBarChart({
    id: 'chart-events',
    title: `Events per ${t.interval}, by the highest level of a finding they are evidence of`,
    unit: 'events',
    interval: t.interval,
    starts: t.starts,
    series: EVENT_SERIES,
    values: t.events.map((row) => order.map((i) => row[i])),
  });
  const findings = stackedBarChart({
    id: 'chart-findings',
    title: `Findings per ${t.interval} of their first event, by level`,
    unit: 'findings',
    interval: t.interval,
    starts: t.starts,
    series: FINDING_SERIES,
    values: t.findings.map((row) => order.slice(0, LEVELS.length).map((i) => row[i])),
    height: 170,
  });
  return html`<section id="timeline" aria-labelledby="h-timeline">
<h2 id="h-timeline">Timeline <span class="muted">(UTC)</span></h2>
${events}
${t.unlinked.events > 0 && unlinkedNote(t.unlinked)}
${findings}
</section>`;
}

function intelNote(state: ReportData['intelState']): Html {
  if (state === 'absent') return html`<p class="note">This store predates enrichment: country, AS and threat context are not available.</p>`;
  if (state === 'empty') return html`<p class="note">No address has been enriched yet, so country, AS and threat context are empty.</p>`;
  return html``;
}

function ipsSection(input: ReportInput): Html {
  const d = input.data;
  return html`<section id="ips" aria-labelledby="h-ips">
<h2 id="h-ips">Source addresses</h2>
${
  d.ips.length
    ? html`<p class="note">The addresses that findings name, highest level first, then the busiest: ${fmtInt(d.ips.length)} of ${fmtInt(d.distinctIps)}.</p>
${intelNote(d.intelState)}
<table>
${thead('address', num('events'), 'findings', 'country', 'AS', 'threat', 'first seen', 'last seen')}
<tbody>${d.ips.map((s) => {
        const i = d.intel.get(s.ip);
        return html`<tr><th scope="row"><code>${s.ip}</code></th><td class="num">${fmtInt(s.events)}</td>
<td class="nowrap">${s.level ? html`${level(s.level)} ${fmtInt(s.findings)}` : ''}</td><td>${country(i)}</td><td>${asText(i)}</td><td>${threat(i)}</td>
<td class="nowrap">${s.first !== null ? fmtTime(s.first) : ''}</td><td class="nowrap">${s.last !== null ? fmtTime(s.last) : ''}</td></tr>`;
      })}</tbody>
</table>`
    : html`<p class="note">No event in this report has a source address.</p>`
}
</section>`;
}

function countriesSection(input: ReportInput): Html {
  const d = input.data;
  const name = (c: ReportData['countries'][number]) =>
    c.code || c.name ? [c.code, c.name].filter(Boolean).join(' ') : c.scope ? `(${c.scope})` : d.intelState === 'present' ? '(unknown)' : '(not enriched)';
  return html`<section id="countries" aria-labelledby="h-countries">
<h2 id="h-countries">Countries</h2>
${
  d.countries.length
    ? html`<table>
${thead('country', num('addresses'), num('events'), num('addresses on a threat feed'))}
<tbody>${d.countries.map((c) => html`<tr><th scope="row">${name(c)}</th><td class="num">${fmtInt(c.ips)}</td><td class="num">${fmtInt(c.events)}</td><td class="num">${c.listed ? fmtInt(c.listed) : ''}</td></tr>`)}</tbody>
</table>`
    : d.intelState === 'present'
      ? html`<p class="note">No event in this report has a source address.</p>`
      : intelNote(d.intelState)
}
</section>`;
}

function detailsList(details: Record<string, unknown>): Html {
  return html`${Object.entries(details).map(([k, v]) => html`<dt>${k}</dt><dd><code>${valueText(v)}</code></dd>`)}`;
}

/** The folder every listed source is under, so evidence can name files briefly; '' when there is none to share. */
export function commonDir(paths: string[]): string {
  if (!paths.length) return '';
  let common = paths[0].split('/').slice(0, -1);
  for (const p of paths.slice(1)) {
    const dirs = p.split('/').slice(0, -1);
    let i = 0;
    while (i < common.length && i < dirs.length && common[i] === dirs[i]) i++;
    common = common.slice(0, i);
  }
  return common.join('/');
}

function evidenceTable(x: ReportFinding, sample: EvidenceSample, base: string): Html {
  const total = x.row.count;
  const shown = sample.head.length + sample.tail.length;
  // past the evidence cap the lines come from the kept events only: "the last 5" are the last kept, not the last
  const of = sample.linked < total ? `of the ${plural(sample.linked, 'event')} kept as evidence (${fmtInt(total)} in all)` : `of ${plural(total, 'event')}`;
  const caption =
    shown >= total
      ? `Evidence: ${plural(total, 'event')}`
      : shown >= sample.linked
        ? `Evidence: the ${plural(shown, 'event')} kept (${fmtInt(total)} in all)`
        : sample.tail.length
          ? `Evidence: the first ${fmtInt(sample.head.length)} and the last ${fmtInt(sample.tail.length)} ${of}`
          : `Evidence: the first ${fmtInt(sample.head.length)} ${of}`;
  if (!shown) return html`<p class="note">Evidence: ${plural(total, 'event')}, none linked in the store.</p>`;
  const row = (e: StoredEvent) => {
    const name = base && e.sourcePath.startsWith(`${base}/`) ? e.sourcePath.slice(base.length + 1) : e.sourcePath;
    return html`<tr><td class="nowrap mono">${fmtTime(e.ts)}</td><td class="wrap mono" title="${e.sourcePath}">${name}:${e.line}</td><td class="raw mono">${e.raw}</td></tr>`;
  };
  return html`<table class="ev">
<caption class="note">${caption}</caption>
${thead('time (UTC)', 'file:line', 'line')}
<tbody>${sample.head.map(row)}${
    sample.tail.length > 0 && html`<tr class="gap"><td colspan="3" class="note">${plural(sample.linked - shown, 'more event')} not shown: <code>loghound show ${x.row.id.slice(0, 12)} --limit 0</code> lists them</td></tr>${sample.tail.map(row)}`
  }</tbody>
</table>`;
}

function findingBlock(input: ReportInput, x: ReportFinding, open: boolean, base: string): Html {
  const r = x.row;
  const ips = groupIps(x.fields).filter((ip) => input.data.intel.has(ip));
  return html`<details class="finding" id="f-${r.id}"${open ? html` open` : ''}>
<summary>${level(r.level)} <span class="t">${r.rule_title}</span> <code class="wrap">${groupText(x.group)}</code>
<span class="muted nowrap">${plural(r.count, 'event')} · ${fmtTime(r.first_ts)}${r.last_ts !== r.first_ts ? html` to ${fmtTime(r.last_ts)}` : ''}</span></summary>
<div class="body">
<dl class="kv">
<dt>Rule</dt><dd><a href="#r-${r.rule_id}"><code>${r.rule_id}</code></a> <span class="muted">(${r.rule_kind})</span></dd>
${x.tags.length > 0 && html`<dt>Tags</dt><dd><span class="tags">${x.tags.map(tag)}</span></dd>`}
<dt>Group</dt><dd>${Object.keys(x.group).length ? Object.entries(x.group).map(([k, v], i) => html`${i > 0 && ', '}<code>${k}</code> = <code>${valueText(v)}</code>`) : 'all events'}</dd>
${ips.map((ip) => html`<dt>Address</dt><dd>${intelLine(ip, input.data.intel.get(ip))}</dd>`)}
${x.details && detailsList(x.details)}
<dt>Finding</dt><dd><code>${r.id}</code></dd>
</dl>
${evidenceTable(x, input.evidence.get(r.id) ?? { head: [], tail: [], linked: 0 }, base)}
</div>
</details>`;
}

/** A rule with more findings than this in one level gets them folded under one line. */
const FOLD_OVER = 10;

function findingsSection(input: ReportInput): Html {
  const d = input.data;
  const open = d.findings.length <= OPEN_UP_TO;
  const base = commonDir(d.sources.map((s) => s.path));
  const block = (x: ReportFinding) => findingBlock(input, x, open && OPEN_LEVELS.has(x.row.level), base);
  const levels = DOWN.map((l) => {
    const byRule = new Map<string, ReportFinding[]>();
    for (const x of d.findings) {
      if (x.row.level !== l) continue;
      const list = byRule.get(x.row.rule_id);
      if (list) list.push(x);
      else byRule.set(x.row.rule_id, [x]);
    }
    return { l, n: d.levels[l], rules: [...byRule.values()] };
  }).filter((g) => g.n > 0);
  const fold = (list: ReportFinding[]) => {
    const first = list.reduce((t, x) => Math.min(t, x.row.first_ts), Infinity);
    const last = list.reduce((t, x) => Math.max(t, x.row.last_ts), -Infinity);
    return html`<details class="fold">
<summary>${level(list[0].row.level)} <span class="t">${list[0].row.rule_title}</span> <span class="muted nowrap">${plural(list.length, 'finding')} · ${fmtTime(first)} to ${fmtTime(last)}</span></summary>
<div class="items">${list.map(block)}</div>
</details>`;
  };
  return html`<section id="findings" aria-labelledby="h-findings">
<h2 id="h-findings">Findings <span class="muted">(${fmtInt(d.findings.length)})</span></h2>
${d.findings.length === 0 && html`<p class="note">No finding in this report.</p>`}
${levels.map(
  (g) => html`<h3 id="level-${g.l}">${level(g.l)} ${plural(g.n, 'finding')}</h3>
${g.rules.map((list) => (list.length > FOLD_OVER ? fold(list) : list.map(block)))}`,
)}
</section>`;
}

function rulesSection(input: ReportInput): Html {
  const byRule = new Map<string, { x: ReportFinding; findings: number; events: number; rank: number }>();
  for (const x of input.data.findings) {
    const r = byRule.get(x.row.rule_id);
    if (!r) byRule.set(x.row.rule_id, { x, findings: 1, events: x.row.count, rank: x.row.level_rank });
    else {
      r.findings++;
      r.events += x.row.count;
      r.rank = Math.max(r.rank, x.row.level_rank);
    }
  }
  const rules = [...byRule.values()].sort((a, b) => b.rank - a.rank || b.findings - a.findings || (a.x.row.rule_title < b.x.row.rule_title ? -1 : 1));
  return html`<section id="rules" aria-labelledby="h-rules">
<h2 id="h-rules">Rules that fired <span class="muted">(${fmtInt(rules.length)})</span></h2>
${
  rules.length
    ? html`<table>
${thead('level', 'rule', num('findings'), num('events'))}
<tbody>${rules.map((r) => {
        const info = input.rules.get(r.x.row.rule_id);
        return html`<tr id="r-${r.x.row.rule_id}"><td>${level(r.x.row.level)}</td><td><b>${r.x.row.rule_title}</b> <code class="muted">${r.x.row.rule_id}</code>
${r.x.tags.length > 0 && html`<br><span class="tags">${r.x.tags.map(tag)}</span>`}
${info?.description ? html`<p>${info.description}</p>` : !info && html`<p class="note">Not a built-in rule: no description at hand.</p>`}
${info && info.falsepositives.length > 0 && html`<p class="note">False positives: ${info.falsepositives.join('; ')}</p>`}</td><td class="num">${fmtInt(r.findings)}</td><td class="num">${fmtInt(r.events)}</td></tr>`;
      })}</tbody>
</table>`
    : html`<p class="note">No rule fired.</p>`
}
</section>`;
}

/** The CSP admits exactly the stylesheet above, by its hash; with no script-src, no script can run at all. */
export function contentSecurityPolicy(): string {
  const hash = crypto.createHash('sha256').update(STYLE.value).digest('base64');
  return `default-src 'none'; style-src 'sha256-${hash}'; base-uri 'none'; form-action 'none'`;
}

export function renderReport(input: ReportInput): string {
  const o = input.data.overview;
  const title = o.first !== null && o.last !== null ? `loghound report: ${fmtTime(o.first).slice(0, 10)} to ${fmtTime(o.last).slice(0, 10)}` : 'loghound report';
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy()}">
<meta name="referrer" content="no-referrer">
<meta name="color-scheme" content="light dark">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="loghound ${input.version}">
<title>${title}</title>
<style>${STYLE}</style>
</head>
<body>
${header(input)}
<main>
${summary(input)}
${timelineSection(input)}
${ipsSection(input)}
${countriesSection(input)}
${findingsSection(input)}
${rulesSection(input)}
</main>
<footer>Made by loghound ${input.version}. All times are UTC. Everything taken from the logs is shown as text; control characters appear as escapes such as \\e and \\x07.</footer>
</body>
</html>
`;
  return page.value;
}
