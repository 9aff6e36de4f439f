/** The built-in pack on a day of ordinary traffic: nothing at medium or above. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ndjsonLines, run, tmpDir } from '../helpers/cli.js';
import { writeBenignDay } from '../helpers/benign.js';

test('a day of benign traffic produces no finding at medium or above', (t) => {
  const dir = tmpDir('loghound-benign-');
  const logs = path.join(dir, 'logs');
  const day = writeBenignDay(logs);
  assert.ok(day.lines > 10_000, `a realistic volume (${day.lines} lines)`);
  const res = run(['--db', path.join(dir, 'store.db'), 'hunt', logs, '--tz', 'UTC', '--json', '--evidence', '3']);
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stderr, /0 unparsed/, 'every generated line parses');
  const findings = ndjsonLines(res.stdout);
  const byRule = new Map<string, { level: string; findings: number; events: number }>();
  for (const f of findings) {
    const r = byRule.get(f.rule.title) ?? { level: f.rule.level, findings: 0, events: 0 };
    r.findings++;
    r.events += f.count;
    byRule.set(f.rule.title, r);
  }
  t.diagnostic(`${day.lines} lines; findings below medium:`);
  for (const [title, r] of [...byRule].sort()) t.diagnostic(`  ${r.level.padEnd(13)} ${title}: ${r.findings} findings, ${r.events} events`);
  const loud = findings.filter((f) => ['medium', 'high', 'critical'].includes(f.rule.level));
  assert.deepEqual(
    loud.map((f) => `${f.rule.level} ${f.rule.title} ${JSON.stringify(f.group)}`),
    [],
    'benign traffic must stay quiet at medium and above',
  );
});
