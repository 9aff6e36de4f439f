/** INPUT arguments -> files: the order a folder or glob is read in, and names a walk must survive. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
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
