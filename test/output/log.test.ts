import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { FIXTURES, start, tmpDir } from '../helpers/cli.js';

/** Runs the CLI with its stderr a pipe nobody reads any more, as `loghound ... 2>&1 | head -1` leaves it. */
function withStderrClosed(args: string[]): Promise<{ code: number | null; stdout: string }> {
  const child = start(args);
  // the parent's end goes before the child has started: every write the child makes to stderr fails with EPIPE
  child.stderr.destroy();
  let stdout = '';
  child.stdout.on('data', (d) => (stdout += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout })));
}

test('a closed stderr is not a crash: the results still reach stdout and the exit code is what the command says', async () => {
  const dir = tmpDir();
  const store = path.join(dir, 'demo.db');
  // hunt -v writes its steps to stderr; exit 1 would tell cron that it found something at --fail-on
  const hunt = await withStderrClosed(['--db', store, '-v', 'hunt', path.join(FIXTURES, 'demo'), '--json']);
  assert.equal(hunt.code, 0);
  assert.equal(hunt.stdout.trim().split('\n').length, 31, 'every finding printed');
  const search = await withStderrClosed(['--db', store, 'search', '*', '--limit', '2']);
  assert.equal(search.code, 0);
  assert.equal(search.stdout.trim().split('\n').length, 3, 'the header and two rows');
  // a usage error is 2, whether or not its message could be written
  assert.equal((await withStderrClosed(['--db', store, 'search', '(('])).code, 2);
  assert.equal((await withStderrClosed(['--db', store, 'findings', '--level', 'bogus'])).code, 2);
});
