import type { Command } from 'commander';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { action, appFor, examples, type App } from '../app.js';
import { InputError, describeSystemError } from '../../errors.js';
import { buildFilter, type FilterFlags } from './search.js';
import { replaceByRename, syncIfFile } from '../outfile.js';
import { replaceFile } from '../../util/files.js';
import type { ReportData } from '../../store/report-data.js';

interface ReportFlags extends FilterFlags {
  out: string;
}

/** Evidence lines shown per finding; fewer when there are many findings, so the file stays a few MB at most. */
const EVIDENCE_PER_FINDING = 10;
const EVIDENCE_BUDGET = 5000;

export function evidencePerFinding(findings: number): number {
  return Math.max(1, Math.min(EVIDENCE_PER_FINDING, Math.floor(EVIDENCE_BUDGET / Math.max(1, findings))));
}

/**
 * Written beside the target as a private temp file (reports hold raw log lines), then renamed over it; a FIFO,
 * a device or a symlink is written to directly (see outfile.ts).
 */
function writeReport(file: string, store: string, text: string): void {
  if (!replaceByRename(file, store)) return writeDirectly(file, text);
  try {
    replaceFile(file, text);
  } catch (err) {
    throw new InputError(`cannot write ${file}: ${describeSystemError(err)}`);
  }
}

function writeDirectly(file: string, text: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'w', 0o600);
    fs.writeFileSync(fd, text);
    syncIfFile(fd);
  } catch (err) {
    // a pipe whose reader went away (`--out /dev/stdout | head`) is a normal end, as on stdout
    if ((err as NodeJS.ErrnoException).code === 'EPIPE') return;
    throw new InputError(`cannot write ${file}: ${describeSystemError(err)}`);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

async function runReport(app: App, flags: ReportFlags): Promise<void> {
  const filter = await buildFilter(flags);
  const out = path.resolve(flags.out);
  const { openReadStore } = await import('../../store/read.js');
  const { gatherReport, evidenceSample } = await import('../../store/report-data.js');
  const { renderReport } = await import('../../output/report/render.js');
  const { loadRules, BUILTIN_RULES } = await import('../../detect/load.js');
  const { fmtBytes, fmtInt } = await import('../../output/format.js');
  const { escapeTerminal } = await import('../../output/escape.js');
  const { LEVELS } = await import('../../model/event.js');
  const version = (createRequire(import.meta.url)('../../../../package.json') as { version: string }).version;

  const db = openReadStore(app.dbPath);
  let data: ReportData;
  let html: string;
  try {
    data = gatherReport(db, filter);
    const cap = evidencePerFinding(data.findings.length);
    const evidence = new Map(data.findings.map((x) => [x.row.id, evidenceSample(db, x.row.id, cap)]));
    const rules = new Map(loadRules([BUILTIN_RULES]).rules.map((r) => [r.id, { description: r.description, falsepositives: r.falsepositives }]));
    html = renderReport({
      data,
      evidence,
      rules,
      store: app.dbPath,
      generatedAt: Date.now(),
      version,
      filter: { since: filter.since, until: filter.until, query: flags.query },
    });
  } finally {
    db.close();
  }
  writeReport(out, app.dbPath, html);
  const levels = [...LEVELS].reverse().filter((l) => data.levels[l] > 0);
  const count = (n: number, what: string) => `${fmtInt(n)} ${what}${n === 1 ? '' : 's'}`;
  app.log.info(
    `wrote ${escapeTerminal(out)} (${fmtBytes(Buffer.byteLength(html))}): ${count(data.overview.events, 'event')} from ${count(data.sources.length, 'source')}, ` +
      `${count(data.findings.length, 'finding')}${levels.length ? ` (${levels.map((l) => `${fmtInt(data.levels[l])} ${l}`).join(', ')})` : ''}`,
  );
}

export function register(program: Command): void {
  program
    .command('report')
    .summary('write a self-contained HTML incident report')
    .description(
      'One HTML file to attach to a ticket: the time range, sources, events per dataset, a timeline of events and ' +
        'findings by level, the source addresses with their country, AS and threat context, and every finding with ' +
        'its rule, tags and evidence lines. No script and no network: it opens anywhere, offline. --since, --until and ' +
        '--query narrow it as they narrow search: a finding is kept when its span overlaps the range and, with --query, ' +
        'when some of its evidence matches.',
    )
    .requiredOption('--out <file>', 'the HTML file to write (mode 0600; replaced only once complete)')
    .option('--query <query>', 'only events matching this search query')
    .option('--since <time>', 'events at or after this time (ISO, or a duration: 15m, 2h, 7d)')
    .option('--until <time>', 'events before this time')
    .addHelpText(
      'after',
      examples([
        'loghound report --out report.html',
        'loghound report --since 2026-11-14 --until 2026-11-15 --out day.html',
        "loghound report --query 'source.ip:175.16.199.0/24' --out attacker.html",
      ]),
    )
    .action(
      action(async (flags: ReportFlags, cmd: Command) => {
        await runReport(appFor(cmd), flags);
      }),
    );
}
