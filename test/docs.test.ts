/** README is the front door: it must say what the code does. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT, run } from './helpers/cli.js';
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
  for (const c of ['hunt', 'ingest', 'explain', 'search', 'timeline', 'stats', 'sql', 'export', 'prune', 'report']) {
    assert.match(run([c, '--help']).stdout, /Examples:/, `${c} --help has examples`);
  }
});
