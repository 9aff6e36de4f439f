/** `rules test` at the terminal and in CI: what it prints from a rule file, and what a wrong path exits with. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { run, tmpDir } from '../helpers/cli.js';

test('rules test on a path that does not exist exits 2 and names it, instead of passing with 0 cases', () => {
  const dir = tmpDir();
  const missing = path.join(dir, 'my-rulez');
  for (const args of [[missing], ['--json', missing]]) {
    const r = run(['rules', 'test', ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^error: .*my-rulez.*no such file or folder/m);
    assert.equal(r.stdout, '');
  }
});
