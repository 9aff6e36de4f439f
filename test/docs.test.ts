/** README is the front door: it must say what the code does. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { FIXTURES, PROJECT_ROOT, ndjsonLines, run, tmpDir } from './helpers/cli.js';
import '../src/parsers/registry.js';
import { schemaTable } from '../src/model/fields.js';

const readme = fs.readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');

test('README opens with the two fresh-clone commands', () => {
  const top = readme.slice(0, 1500);
  assert.match(top, /npm install && npx loghound hunt fixtures\/demo/);
  assert.match(top, /npm install && npm test/);
});

test('the schema table in README matches the field catalogue (node scripts/schema-table.mjs rewrites it)', () => {
  const begin = readme.indexOf('<!-- schema:begin -->');
  const end = readme.indexOf('<!-- schema:end -->');
  assert.ok(begin > 0 && end > begin);
  assert.equal(readme.slice(begin + '<!-- schema:begin -->'.length, end).trim(), schemaTable().trim());
});

test('every command has a README section and examples in its --help', () => {
  const help = run(['--help']).stdout;
  const commands = [...help.matchAll(/^ {2}([a-z]+) /gm)].map((m) => m[1]).filter((c) => c !== 'help');
  assert.ok(commands.length >= 15, commands.join(' '));
  for (const c of commands) {
    assert.match(readme, new RegExp(`loghound ${c}\\b`), `README mentions "loghound ${c}"`);
  }
});

/** the subcommands a --help lists under "Commands:" (help itself left out) */
function subcommands(help: string): string[] {
  const section = help.split(/^Commands:\n/m)[1]?.split(/\n\n/)[0] ?? '';
  return [...section.matchAll(/^ {2}([a-z]+)\b/gm)].map((m) => m[1]).filter((c) => c !== 'help');
}

test('every command and subcommand ends its --help with examples, as README says', () => {
  assert.match(readme, /every command's\s+help ends with examples/);
  const seen: string[] = [];
  const walk = (path: string[]) => {
    for (const c of subcommands(run([...path, '--help']).stdout)) {
      const cmd = [...path, c];
      const help = run([...cmd, '--help']);
      assert.equal(help.code, 0, cmd.join(' '));
      assert.match(help.stdout, /\nExamples:\n( {2}\$ .+\n)+\n*$/, `"loghound ${cmd.join(' ')} --help" ends with examples`);
      seen.push(cmd.join(' '));
      walk(cmd);
    }
  };
  walk([]);
  for (const c of ['rules lint', 'rules test', 'feeds remove', 'feeds disable', 'geoip update', 'db check']) assert.ok(seen.includes(c), `${c} among ${seen.join(', ')}`);
});

const DEMO = path.join(FIXTURES, 'demo');

test('the demo counts and finding ids README quotes are what hunting the demo gives', () => {
  const db = path.join(tmpDir('loghound-docs-'), 'demo.db');
  const hunt = run(['--db', db, 'hunt', DEMO, '--json']);
  assert.equal(hunt.code, 0, hunt.stderr);
  const found = ndjsonLines(hunt.stdout);

  const quoted = readme.match(/The (\d+) rules of the built-in pack read the demo's ([\d,]+) events and print (\d+) findings \(([^)]*)\)/);
  assert.ok(quoted, 'README quotes the demo hunt');
  const [, rules, events, findings, levels] = quoted;
  assert.match(hunt.stderr, new RegExp(`rules: ${rules} loaded, 0 skipped; ${events} events evaluated`));
  assert.equal(found.length, Number(findings));
  for (const [said, n, level] of levels.matchAll(/(\d+) (\w+)/g)) assert.equal(found.filter((f) => f.rule.level === level).length, Number(n), said);

  const critical = found.filter((f) => f.rule.level === 'critical');
  assert.equal(critical.length, 1);
  const { id } = critical[0];
  for (const quote of [`show ${id.slice(0, 4)}`, `show ${id.slice(0, 12)}`, `"id": "${id}"`, `"@timestamp": "${critical[0]['@timestamp']}"`, `"last_seen": "${critical[0].last_seen}"`]) {
    assert.ok(readme.includes(quote), `README quotes ${quote}`);
  }
  const show = run(['--db', db, 'show', id.slice(0, 4)]);
  assert.equal(show.code, 0, show.stderr);
  assert.equal(show.stdout.split('\n')[0], critical[0].rule.title);
});

test('the ingest --json sample in README is what ingesting the demo gives', () => {
  const block = readme.match(/here `loghound ingest --json --tz UTC fixtures\/demo`[\s\S]*?```json\n([\s\S]*?)```/);
  assert.ok(block, 'README shows the demo ingest summary');
  const sample = JSON.parse(block[1]);
  const db = path.join(tmpDir('loghound-docs-'), 'ingest.db');
  const got = JSON.parse(run(['--db', db, 'ingest', '--json', '--tz', 'UTC', DEMO]).stdout);
  for (const key of ['files', 'lines_read', 'bytes_read', 'events_stored', 'unparsed', 'truncated', 'invalid_utf8', 'by_dataset', 'skipped', 'tz', 'interrupted']) {
    assert.deepEqual(got[key], sample[key], key);
  }
  assert.deepEqual(Object.keys(got).sort(), Object.keys(sample).sort());
  const [source] = sample.sources;
  const same = got.sources.find((s: { path: string }) => s.path.endsWith(source.path.slice(source.path.indexOf('/fixtures/demo/') + '/fixtures/demo/'.length)));
  assert.deepEqual({ ...same, path: undefined }, { ...source, path: undefined });
});

test('the rule examples in README load on their own: rules lint finds no problem', () => {
  const rules = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]).filter((y) => /^title: /m.test(y));
  assert.ok(rules.length >= 3, `${rules.length} rule examples`);
  const dir = tmpDir('loghound-docs-rules-');
  rules.forEach((y, i) => fs.writeFileSync(path.join(dir, `example-${i}.yml`), y));
  const lint = run(['rules', 'lint', dir]);
  assert.equal(lint.stdout, '');
  assert.equal(lint.code, 0, lint.stderr);
});
