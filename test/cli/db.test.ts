import { test } from 'node:test';
import assert from 'node:assert/strict';
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
