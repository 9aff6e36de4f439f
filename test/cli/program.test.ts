import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildProgram, commandNamed } from '../../src/cli/program.js';

const argv = (...a: string[]) => ['node', 'loghound', ...a];

test('commandNamed finds the command after global flags and their values', () => {
  assert.equal(commandNamed(argv('stats')), 'stats');
  assert.equal(commandNamed(argv('--db', 'hunt', 'search', 'x')), 'search');
  assert.equal(commandNamed(argv('--db=x.db', '-q', 'export', '--events')), 'export');
  assert.equal(commandNamed(argv('--config', 'c.yaml', '--no-color', 'findings')), 'findings');
  assert.equal(commandNamed(argv()), undefined);
  assert.equal(commandNamed(argv('--help')), undefined);
  assert.equal(commandNamed(argv('help', 'stats')), undefined);
  assert.equal(commandNamed(argv('stat')), undefined);
  assert.equal(commandNamed(argv('--', 'stats')), undefined);
});

test('a named command loads alone; help and unknown names load the whole registry', async () => {
  const names = async (...a: string[]) => (await buildProgram(argv(...a))).commands.map((c) => c.name());
  assert.deepEqual(await names('-q', 'stats'), ['stats']);
  const all = await names('--help');
  assert.equal(all.length, 16);
  assert.deepEqual(await names('prune', '--older-than', '30d'), ['prune', 'db']);
  assert.deepEqual(all.slice(0, 3), ['hunt', 'ingest', 'explain']);
  assert.deepEqual(await names('stat'), all);
});
