import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { Writable } from 'node:stream';
import { OutputError } from '../../src/errors.js';
import { Sink } from '../../src/output/sink.js';
import { ENTRY, tmpDir } from '../helpers/cli.js';
import { buildStore, loadStory } from '../cli/investigate-store.js';

/** A stream whose every write fails with `code`, as a full disk or a closed pipe makes stdout's. */
function failing(code: string): Writable {
  return new Writable({
    write(_chunk, _enc, cb) {
      cb(Object.assign(new Error(`${code}: write`), { code }));
    },
  });
}

test('a write error other than a closed pipe closes the sink, and end() throws it as one plain line', async () => {
  const sink = new Sink(failing('ENOSPC'));
  sink.line('x'.repeat(70_000));
  await sink.drain();
  await assert.rejects(sink.end(), (e: unknown) => e instanceof OutputError && e.message === 'cannot write to stdout: no space left on device');
  assert.equal(sink.closed, true);
  assert.equal(sink.line('more'), true, 'later writes are dropped quietly');
});

test('a closed pipe closes the sink and ends quietly', async () => {
  const sink = new Sink(failing('EPIPE'));
  sink.line('x'.repeat(70_000));
  await sink.end();
  assert.equal(sink.closed, true);
});

test('a full disk on stdout exits 2 with one line on stderr, not a stack trace and exit 1', { skip: !fs.existsSync('/dev/full') && 'needs /dev/full' }, () => {
  const store = path.join(tmpDir(), 'story.db');
  buildStore(store, loadStory());
  // stdout opened on /dev/full as a shell's "> /dev/full" does: every write fails with ENOSPC
  const full = fs.openSync('/dev/full', 'w');
  try {
    for (const args of [['search', '*', '--json'], ['export', '--events'], ['sql', 'SELECT 1'], ['stats']]) {
      const r = spawnSync(process.execPath, [ENTRY, '--db', store, ...args], { stdio: ['ignore', full, 'pipe'], encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr, 'error: cannot write to stdout: no space left on device\n', args.join(' '));
    }
  } finally {
    fs.closeSync(full);
  }
});
