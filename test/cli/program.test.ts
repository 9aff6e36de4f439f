import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { ENTRY, run } from '../helpers/cli.js';
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

// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/;

test("commander's own errors escape the argument they echo, as loghound's do", () => {
  // a value pasted from a log into an unknown command, an unknown option or a bad choice comes back in the message
  const planted = 'x\u001b]0;pwned\u0007\u001b[2J\u202e';
  for (const args of [[planted], ['search', `--${planted}`, 'q'], ['findings', '--level', planted]]) {
    const r = run(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, /^error: /, args.join(' '));
    assert.equal(RAW_CONTROL.exec(r.stderr), null, `${JSON.stringify(r.stderr)} carries a raw control character`);
    assert.ok(r.stderr.includes('x\\e]0;pwned\\x07\\e[2J\\u202e'), r.stderr);
  }
});

test('help and --version go out through the stdout sink: a full disk is exit 2, as for any other output', { skip: !fs.existsSync('/dev/full') && 'needs /dev/full' }, () => {
  const full = fs.openSync('/dev/full', 'w');
  try {
    for (const args of [['--help'], ['search', '--help'], ['-V']]) {
      const r = spawnSync(process.execPath, [ENTRY, ...args], { stdio: ['ignore', full, 'pipe'], encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr, 'error: cannot write to stdout: no space left on device\n', args.join(' '));
    }
  } finally {
    fs.closeSync(full);
  }
});
