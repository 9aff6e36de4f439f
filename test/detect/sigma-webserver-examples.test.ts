/**
 * Every public SigmaHQ webserver rule loghound loads fires on a real-format access line made from the rule's own
 * detection: the example event (sigma-example.ts) written as an nginx/Apache combined line, or an nginx JSON line
 * when it needs the Host header, all hunted in one run of the CLI. A field mapping that silently matches nothing,
 * a parser that drops or alters a field, or wrong modifier semantics show up as a rule that does not fire.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { loadRules } from '../../src/detect/load.js';
import type { DetectionRule } from '../../src/detect/model.js';
import { SHARED, ndjsonLines, run, tmpDir } from '../helpers/cli.js';
import { exampleOf } from '../helpers/sigma-example.js';
import { combinedLine, jsonLine, needsJson, webRequest } from '../helpers/web-example.js';

const SIGMA = path.join(SHARED, 'sigma');

/** Strings for the `|re` values of the rules (sampling regular expressions is beyond the example helper). */
const REGEX_SAMPLES: Record<string, string> = {
  // CVE-2023-4966 (Citrix Bleed): the exploit's overlong Host header
  '.{150}': 'a'.repeat(200),
};

/**
 * Rules that cannot fire on an access line, and why. Each must stay quiet: one that starts firing fails the test,
 * so that it is taken off this list.
 */
const EXCLUDED: Record<string, string> = {};

const BASE_TIME = Date.UTC(2026, 2, 7, 10, 0, 1);

test('every SigmaHQ webserver rule fires on an access line made from its own detection', (t) => {
  if (!fs.existsSync(SIGMA)) return t.skip(`${SIGMA} is absent`);
  const rules = loadRules([SIGMA]).rules.filter((r): r is DetectionRule => r.kind === 'detection' && r.logsource.category === 'webserver');
  assert.ok(rules.length >= 80, `${rules.length} webserver rules`);

  // one client address per rule: the findings are grouped by source.ip
  const lines = new Map<string, string>();
  const noExample = new Map<string, string>();
  const combined: string[] = [];
  const json: string[] = [];
  rules.forEach((rule, i) => {
    const ex = exampleOf(rule, REGEX_SAMPLES);
    const req = typeof ex === 'string' ? ex : webRequest(ex, `198.51.100.${i + 1}`);
    if (typeof req === 'string') {
      noExample.set(rule.id, req);
      return;
    }
    const ms = BASE_TIME + i * 1000;
    const line = needsJson(req) ? jsonLine(req, ms) : combinedLine(req, ms);
    (needsJson(req) ? json : combined).push(line);
    lines.set(rule.id, line);
  });
  const dir = tmpDir();
  fs.writeFileSync(path.join(dir, 'access.log'), `${combined.join('\n')}\n`);
  if (json.length > 0) fs.writeFileSync(path.join(dir, 'access.json'), `${json.join('\n')}\n`);

  const res = run(['--db', path.join(dir, 'store.db'), 'hunt', dir, '--no-builtin', '--rules', SIGMA, '--json', '--evidence', '5']);
  assert.equal(res.code, 0, res.stderr);
  const evidence = new Map<string, Set<string>>();
  for (const f of ndjsonLines(res.stdout)) {
    const set = evidence.get(f.rule.id) ?? new Set<string>();
    evidence.set(f.rule.id, set);
    for (const e of f.evidence.events as { event: { original: string } }[]) set.add(e.event.original);
  }
  const fired = (id: string) => lines.has(id) && (evidence.get(id)?.has(lines.get(id)!) ?? false);

  const missed: string[] = [];
  for (const rule of rules) {
    if (rule.id in EXCLUDED) {
      assert.ok(!fired(rule.id), `${rule.title} is excluded (${EXCLUDED[rule.id]}) but fired: take it off the list`);
      continue;
    }
    if (noExample.has(rule.id)) missed.push(`${rule.title} (${rule.id}): no example: ${noExample.get(rule.id)}`);
    else if (!fired(rule.id)) missed.push(`${rule.title} (${rule.id}) did not fire on: ${lines.get(rule.id)}`);
  }
  const ids = new Set(rules.map((r) => r.id));
  for (const id of Object.keys(EXCLUDED)) assert.ok(ids.has(id), `excluded rule ${id} is not a loaded webserver rule`);
  t.diagnostic(`${rules.filter((r) => fired(r.id)).length} of ${rules.length} webserver rules fired on their example; ${Object.keys(EXCLUDED).length} excluded`);
  assert.deepEqual(missed, []);
});
