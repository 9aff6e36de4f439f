/** INPUT arguments -> files: the order a folder or glob is read in, and names a walk must survive. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { expandInputs } from '../../src/ingest/inputs.js';
import { tmpDir } from '../helpers/cli.js';

function folderOf(names: string[]): string {
  const dir = tmpDir();
  for (const name of names) fs.writeFileSync(path.join(dir, name), 'line\n');
  return dir;
}

async function readOrder(input: string, dir: string): Promise<string[]> {
  const { files } = await expandInputs([input]);
  return files.map((f) => path.relative(dir, f.path));
}

test('a file name holding a newline, met in a folder or a glob, is read like any other', async () => {
  // an attacker who can create a file in /tmp or a web upload folder chooses its name; it once ended the whole ingest
  const dir = folderOf(['access.log', 'evil\nname.log', 'evil\nname.log.1']);
  assert.deepEqual(await readOrder(dir, dir), ['access.log', 'evil\nname.log.1', 'evil\nname.log']);
  assert.deepEqual(await readOrder(path.join(dir, '*'), dir), ['access.log', 'evil\nname.log.1', 'evil\nname.log']);
});

test('rotated families are read oldest first: by rotation number, and by date for dateext names', async () => {
  const numbered = folderOf(['access.log', 'access.log.1', 'access.log.2.gz', 'access.log.10.gz']);
  assert.deepEqual(await readOrder(numbered, numbered), ['access.log.10.gz', 'access.log.2.gz', 'access.log.1', 'access.log']);

  // logrotate's dateext: a larger stamp is a later rotation (before: the newest rotated file was read first)
  const dated = folderOf(['access.log', 'access.log-20261203', 'access.log-20261201.gz', 'access.log-20261202.gz']);
  assert.deepEqual(await readOrder(dated, dated), ['access.log-20261201.gz', 'access.log-20261202.gz', 'access.log-20261203', 'access.log']);

  // dateformat -%Y-%m-%d and -%s (before: the live file came first, then the dates by their last number)
  const dashed = folderOf(['secure', 'secure-2026-12-02', 'secure-2026-11-30.gz', 'secure-2026-12-01']);
  assert.deepEqual(await readOrder(dashed, dashed), ['secure-2026-11-30.gz', 'secure-2026-12-01', 'secure-2026-12-02', 'secure']);
  const epoch = folderOf(['app.log', 'app.log-1764633600', 'app.log-1764547200.gz']);
  assert.deepEqual(await readOrder(path.join(epoch, 'app.log*'), epoch), ['app.log-1764547200.gz', 'app.log-1764633600', 'app.log']);
});

test('what a walk finds that is not a regular file is named: a link to nothing or a link loop as an error, a named pipe as a note', async () => {
  const dir = folderOf(['auth.log']);
  fs.symlinkSync('auth.log.0', path.join(dir, 'dangling.log'));
  fs.symlinkSync('loop-b', path.join(dir, 'loop-a'));
  fs.symlinkSync('loop-a', path.join(dir, 'loop-b'));
  execFileSync('mkfifo', [path.join(dir, 'pipe')]);
  fs.mkdirSync(path.join(dir, 'sub'));
  fs.symlinkSync('..', path.join(dir, 'sub/up'));

  for (const input of [dir, path.join(dir, '*')]) {
    const { files, skipped } = await expandInputs([input]);
    assert.deepEqual(files.map((f) => path.basename(f.path)), ['auth.log']);
    // before: the links and the pipe were dropped without a word, and the run exited 0
    const named = Object.fromEntries(skipped.map((s) => [path.relative(dir, s.path), [s.reason, s.error]]));
    assert.deepEqual(named['dangling.log'], ['symbolic link to auth.log.0, which does not exist', true]);
    assert.deepEqual(named['loop-a'], ['symbolic link loop (the links lead back to each other); not followed', true]);
    assert.deepEqual(named['pipe'], ['a named pipe, not read in a folder or glob; name it to read it', false]);
    // the link back to its own folder is the note it was, not a broken link
    if (input === dir) assert.deepEqual(named['sub/up'], ['link to a folder that contains it; not followed', false]);
  }

  // named on the command line: the same reasons (before: ELOOP's raw message, and "no such file" for the link)
  const { skipped } = await expandInputs([path.join(dir, 'loop-a'), path.join(dir, 'dangling.log')]);
  assert.deepEqual(skipped.map((s) => s.reason), ['symbolic link loop (the links lead back to each other); not followed', 'symbolic link to auth.log.0, which does not exist']);
  // a folder that holds nothing but a pipe still holds no file to read
  const pipes = tmpDir();
  execFileSync('mkfifo', [path.join(pipes, 'pipe')]);
  assert.ok((await expandInputs([pipes])).skipped.some((s) => s.reason === 'folder holds no files' && s.error));
});
