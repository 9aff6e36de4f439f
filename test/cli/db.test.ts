import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { run, tmpDir } from '../helpers/cli.js';
import { count } from '../helpers/store.js';
import { buildStore, loadStory } from './investigate-store.js';

test('prune refuses an --older-than that does not exist instead of deleting another range', () => {
  const store = path.join(tmpDir(), 'story.db');
  buildStore(store, loadStory());
  const before = count(store);
  for (const age of ['2026-11-13T47:00', '2026-11-31', '2026-11-15T00:00+25:00']) {
    const r = run(['--db', store, 'prune', '--older-than', age]);
    assert.equal(r.code, 2, age);
    assert.ok(r.stderr.includes(`cannot read "${age}" as a time`), r.stderr);
    assert.equal(count(store), before, `${age}: nothing deleted`);
  }
});

test('prune and db check --repair on a missing store exit 2 with "no store at", and create nothing', () => {
  const dir = tmpDir();
  const typo = path.join(dir, 'typo.db');
  for (const args of [['prune', '--older-than', '90d'], ['db', 'check', '--repair'], ['db', 'check']]) {
    const r = run(['--db', typo, ...args]);
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(r.stdout, '');
    assert.ok(r.stderr.startsWith(`error: no store at ${typo}\n`), r.stderr);
  }
  assert.deepEqual(fs.readdirSync(dir), [], 'no store and no lock file were made');
});
