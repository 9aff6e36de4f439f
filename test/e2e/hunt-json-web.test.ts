/** hunt over web access logs written as JSON lines (nginx escape=json, Caddy) finds what it finds in combined logs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { FIXTURES, ndjsonLines, run, tmpDir } from '../helpers/cli.js';
import { ruleId } from '../rules/pack.js';

/** The findings of a hunt over one file in a new store: rule, group and count, in a stable order. */
function findings(file: string): string[] {
  const res = run(['--db', path.join(tmpDir(), 'store.db'), 'hunt', path.join(FIXTURES, file), '--json', '--tz', 'UTC']);
  assert.equal(res.code, 0, res.stderr);
  return ndjsonLines(res.stdout)
    .map((f) => `${f.rule.id as string} ${JSON.stringify(f.group)} ${f.count as number}`)
    .sort();
}

test('nginx JSON and Caddy access logs: the web rules find what they find in the same requests as a combined log', () => {
  const combined = findings('access/web-same-as-json.log');
  for (const rule of ['web/path_traversal', 'web/scanner_user_agent']) {
    assert.ok(combined.some((f) => f.startsWith(`${ruleId(rule)} {"source":{"ip":"198.51.100.23"}}`)), `${rule} in ${combined.join('\n')}`);
  }
  assert.deepEqual(findings('json/web-nginx.log'), combined);
  assert.deepEqual(findings('json/web-caddy.log'), combined);
});
