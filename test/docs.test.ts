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
