/**
 * Rule tests, data-driven: beside rules/<source>/<rule>.yml sits rules/<source>/tests/<rule>/ with match.log
 * (must produce at least one finding of the file's first rule) and nomatch.log (a near miss: must produce none).
 * Either may be a folder of logs (cross-source correlations need several formats). An optional test.yml sets
 * `format`, `tz`, `min-findings`, and for rules that read enrichment `geoip-db` (a file) and `feeds` (file feeds,
 * as in the config file), paths relative to the test folder. Each case is ingested into a fresh store, enriched,
 * and run with the whole rule set, so correlations find the rules they refer to.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { openDb } from '../store/db.js';
import { ingest } from '../ingest/ingest.js';
import { detect } from '../detect/engine.js';
import { loadText } from '../detect/load.js';
import type { Rule } from '../detect/model.js';
import { refreshIntel, updateFeeds, type IntelSettings } from '../enrich/index.js';
import type { FeedConfig } from '../config.js';

export interface RuleTestResult {
  file: string;
  rule_id: string;
  title: string;
  case: 'match' | 'nomatch';
  ok: boolean;
  findings: number;
  message?: string;
}

export function testCases(ruleFile: string): { dir: string; match?: string; nomatch?: string; opts: Record<string, unknown> } | undefined {
  const dir = path.join(path.dirname(ruleFile), 'tests', path.basename(ruleFile).replace(/\.ya?ml$/i, ''));
  if (!fs.existsSync(dir)) return undefined;
  const has = (f: string) => (fs.existsSync(path.join(dir, f)) ? path.join(dir, f) : undefined);
  const optsFile = has('test.yml');
  return { dir, match: has('match.log'), nomatch: has('nomatch.log'), opts: optsFile ? (YAML.parse(fs.readFileSync(optsFile, 'utf8')) ?? {}) : {} };
}

export async function runRuleTest(ruleFile: string, allRules: Rule[]): Promise<RuleTestResult[]> {
  const cases = testCases(ruleFile);
  const [first] = loadText(fs.readFileSync(ruleFile, 'utf8'), ruleFile).rules;
  if (!cases || !first) return [];
  const results: RuleTestResult[] = [];
  for (const kind of ['match', 'nomatch'] as const) {
    const log = cases[kind];
    const base = { file: ruleFile, rule_id: first.id, title: first.title, case: kind };
    if (!log) {
      results.push({ ...base, ok: false, findings: 0, message: `${kind}.log is missing in ${cases.dir}` });
      continue;
    }
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'loghound-ruletest-'));
    const db = openDb(path.join(tmp, 'test.db'));
    try {
      const summary = await ingest(db, { inputs: [log], format: cases.opts.format as string | undefined, tz: String(cases.opts.tz ?? 'UTC') });
      const settings = intelSettingsFor(cases.dir, cases.opts);
      if (settings.feeds) await updateFeeds(db, { ...settings, names: Object.keys(settings.feeds) });
      refreshIntel(db, settings);
      const res = detect(db, allRules, { tz: String(cases.opts.tz ?? 'UTC'), command: 'rules test' });
      const n = (db.prepare('SELECT count(*) AS n FROM findings WHERE rule_id = ?').get(first.id) as { n: number }).n;
      const skipped = res.skipped.find((s) => s.id === first.id);
      const min = Number(cases.opts['min-findings'] ?? 1);
      const ok = !skipped && (kind === 'match' ? n >= min : n === 0);
      results.push({
        ...base,
        ok,
        findings: n,
        message: skipped
          ? `rule skipped: ${skipped.reason}`
          : ok
            ? undefined
            : kind === 'match'
              ? `expected at least ${min} finding${min === 1 ? '' : 's'}, got ${n} (${summary.unparsed} of ${summary.events_stored} lines unparsed)`
              : `expected no finding, got ${n}`,
      });
    } finally {
      db.close();
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }
  return results;
}

/** A test's enrichment: its own GeoIP database and file feeds, or none (the bundled country data still answers). */
function intelSettingsFor(dir: string, opts: Record<string, unknown>): IntelSettings {
  const settings: IntelSettings = {};
  if (typeof opts['geoip-db'] === 'string') settings.geoipDb = path.resolve(dir, opts['geoip-db']);
  const feeds = opts.feeds as Record<string, FeedConfig> | undefined;
  if (feeds) {
    settings.feeds = Object.fromEntries(
      Object.entries(feeds).map(([name, f]) => [name, { ...f, enabled: true, file: f.file ? path.resolve(dir, f.file) : undefined }]),
    );
  }
  return settings;
}
