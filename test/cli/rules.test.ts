/** `rules test` at the terminal and in CI: what it prints from a rule file, and what a wrong path exits with. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { run, tmpDir } from '../helpers/cli.js';

// eslint-disable-next-line no-control-regex
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/;

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

test('rules test prints a rule title and its message escaped for the terminal, as rules lint and rules list do', () => {
  const dir = tmpDir();
  // a title as a rule from elsewhere could carry it: a window-title OSC, a screen clear and a right-to-left override
  fs.writeFileSync(
    path.join(dir, 'planted.yml'),
    [
      'title: "Planted\\e]0;pwned\\a\\e[2J\\u202erule"',
      'id: 6f1d3c2b-8a4e-4b7c-9d0e-1f2a3b4c5d6e',
      'logsource: {category: webserver}',
      'detection: {selection: {cs-uri-stem|contains: /wp-login}, condition: selection}',
      'level: low',
      '',
    ].join('\n'),
  );
  const cases = path.join(dir, 'tests', 'planted');
  fs.mkdirSync(cases, { recursive: true });
  fs.writeFileSync(path.join(cases, 'match.log'), '203.0.113.9 - - [14/Nov/2026:03:00:00 +0000] "GET /index.html HTTP/1.1" 200 1 "-" "curl"\n');
  fs.writeFileSync(path.join(cases, 'nomatch.log'), '203.0.113.9 - - [14/Nov/2026:03:00:00 +0000] "GET /index.html HTTP/1.1" 200 1 "-" "curl"\n');
  const r = run(['rules', 'test', dir]);
  assert.equal(r.code, 2, 'the match case finds nothing: a failure');
  assert.equal(RAW.exec(r.stdout), null, `a raw control character reached stdout: ${JSON.stringify(r.stdout)}`);
  assert.match(r.stdout, /^FAIL match +Planted\\e\]0;pwned\\x07\\e\[2J\\u202erule — expected at least 1 finding/m);
  assert.match(r.stdout, /^ok {3}nomatch Planted\\e\]0;pwned\\x07\\e\[2J\\u202erule$/m);
  // JSON keeps the title as the rule wrote it
  const json = run(['rules', 'test', '--json', dir]);
  assert.equal(JSON.parse(json.stdout.split('\n')[0]).title, 'Planted\u001b]0;pwned\u0007\u001b[2J\u202erule');
});
