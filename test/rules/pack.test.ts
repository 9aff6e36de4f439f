/** The built-in pack through the CLI: every rule loads, every rule file has tests, and every test case passes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ndjsonLines, run, tmpDir } from '../helpers/cli.js';
import { RULES, documents, packFiles } from './pack.js';

const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const FOLDERS = ['auditd', 'auth', 'baseline', 'cloudtrail', 'firewall', 'ids', 'kubernetes', 'threat-intel', 'web'];

test('rules test: every case of every built-in rule passes', () => {
  const res = run(['rules', 'test', '--json'], { timeout: 600_000 });
  const cases = ndjsonLines(res.stdout);
  const failed = cases.filter((c) => !c.ok).map((c) => `${path.relative(RULES, c.file)} ${c.case}: ${c.message}`);
  assert.deepEqual(failed, []);
  assert.equal(res.code, 0, res.stderr);
  const files = packFiles();
  assert.equal(cases.length, files.length * 2, 'a match and a nomatch case per rule file');
  assert.match(res.stderr, / 0 rule files without tests/);
});

test('rules test on one built-in rule file runs its cases (the file is the pack\'s own rule, not a duplicate id)', () => {
  const res = run(['rules', 'test', '--json', path.join(RULES, 'web', 'xss.yml')]);
  assert.equal(res.code, 0, res.stderr);
  assert.deepEqual(ndjsonLines(res.stdout).map((c) => [c.case, c.ok, c.rule_id]), [
    ['match', true, 'd2c288f1-dfd5-4221-b130-5c85bdb38584'],
    ['nomatch', true, 'd2c288f1-dfd5-4221-b130-5c85bdb38584'],
  ]);
});

test('every rule file has tests/<stem>/match.log and nomatch.log beside it', () => {
  for (const rel of packFiles()) {
    const dir = path.join(RULES, path.dirname(rel), 'tests', path.basename(rel, '.yml'));
    for (const kind of ['match.log', 'nomatch.log']) assert.ok(fs.existsSync(path.join(dir, kind)), `${rel}: ${kind}`);
  }
});

test('rules list --json shows every built-in rule loaded', () => {
  const res = run(['rules', 'list', '--json']);
  assert.equal(res.code, 0, res.stderr);
  const rows = ndjsonLines(res.stdout).filter((r) => typeof r.file === 'string' && r.file.startsWith(RULES));
  const ids = packFiles().flatMap((rel) => documents(rel).map((d) => d.id));
  assert.deepEqual(rows.map((r) => r.id).sort(), [...ids].sort());
  assert.deepEqual(rows.filter((r) => r.status !== 'loaded').map((r) => `${r.title}: ${r.reason}`), []);
});

test('pack hygiene: folders, ids, names, levels, tags and documentation', () => {
  const ids = new Set<string>();
  const names = new Set<string>();
  for (const rel of packFiles()) {
    assert.ok(FOLDERS.includes(rel.split(path.sep)[0]), `${rel}: a folder per log source`);
    documents(rel).forEach((d, i) => {
      const where = `${rel} document ${i + 1}`;
      assert.match(d.id, UUID4, `${where}: id`);
      assert.ok(!ids.has(d.id), `${where}: duplicate id ${d.id}`);
      ids.add(d.id);
      if (d.name) {
        assert.ok(!names.has(d.name), `${where}: duplicate name ${d.name}`);
        names.add(d.name);
      }
      assert.equal(d.author, 'loghound', `${where}: author`);
      assert.ok(d.title && d.description && d.date, `${where}: title, description, date`);
      // the first document is the rule the file is about: it reports, so it carries the full documentation
      if (i === 0) {
        assert.ok(['informational', 'low', 'medium', 'high', 'critical'].includes(d.level), `${where}: level`);
        assert.ok(d.tags.some((t: string) => /^attack\.t\d{4}(\.\d{3})?$/.test(t)), `${where}: an ATT&CK technique tag`);
        assert.ok(d.tags.some((t: string) => /^attack\.[a-z]+(-[a-z]+)*$/.test(t)), `${where}: an ATT&CK tactic tag`);
        assert.ok(d.references?.length > 0 && d.falsepositives?.length > 0, `${where}: references and falsepositives`);
      }
    });
  }
});

test('rules list: of two rules with one id the first is loaded and only the second shows as skipped', () => {
  const dir = tmpDir();
  const rule = (title: string) => `title: ${title}\nid: 3f0c2a1e-9d8b-4c7a-8e6f-5d4c3b2a1f0e\nlogsource: {category: webserver}\ndetection:\n  sel: {sc-status: 401}\n  condition: sel\n`;
  fs.writeFileSync(path.join(dir, 'a.yml'), rule('first'));
  fs.writeFileSync(path.join(dir, 'b.yml'), rule('second'));
  const res = run(['rules', 'list', '--no-builtin', '--rules', dir, '--json']);
  assert.equal(res.code, 0, res.stderr);
  assert.deepEqual(
    ndjsonLines(res.stdout).map((r) => [r.title, r.status]),
    [['first', 'loaded'], ['second', 'skipped']],
  );
});
