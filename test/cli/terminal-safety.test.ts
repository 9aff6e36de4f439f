/**
 * Log data is attacker-controlled: escape sequences planted in a user agent, a user name and a file name must never
 * reach a terminal raw, in any view of any command; JSON keeps them as JSON escapes (issue 9).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ENTRY, run, tmpDir, ndjsonLines } from '../helpers/cli.js';
import { huntArgs } from './investigate-store.js';

// OSC (set the window title, ended by BEL), CSI (clear the screen), an 8-bit C1 CSI, and a right-to-left override
const OSC = '\u001b]0;pwned\u0007';
const CSI = '\u001b[2J';
const C1 = '\u009b31m';
const BIDI = '\u202e';
// the Arabic letter mark (a bidi control like U+200F) and the line separator
const MARKS = '\u061c\u2028';
const AGENT = `Mozilla/5.0 ${OSC}${CSI}${C1}Scanner${BIDI}${MARKS}gpj.exe`;
const USER = `${CSI}r${C1}oo${BIDI}t${OSC}`;
const FILE = `access${OSC}${CSI}${C1}${BIDI}.log`;

/** What a terminal would act on or reorder: C0 controls except newline, DEL, C1 controls, bidi controls, line separators. */
// eslint-disable-next-line no-control-regex
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;

let dir: string;
let store: string;
const ENV = { LANG: 'C.UTF-8' };
const cli = (...args: string[]) => run(['--db', store, ...args], { env: ENV });

function assertClean(what: string, text: string): void {
  const m = RAW.exec(text);
  assert.equal(m, null, `${what}: a raw U+${m?.[0].charCodeAt(0).toString(16).padStart(4, '0')} reached stdout near ${JSON.stringify(text.slice(Math.max(0, (m?.index ?? 0) - 40), (m?.index ?? 0) + 20))}`);
}

before(() => {
  dir = tmpDir();
  store = path.join(dir, 'hostile.db');
  const logs = path.join(dir, 'logs');
  fs.mkdirSync(logs);
  const web: string[] = [];
  for (let i = 0; i < 4; i++) {
    web.push(`198.51.100.23 - - [14/Nov/2026:04:00:0${i} +0000] "GET /x${i} HTTP/1.1" 404 10 "-" "${AGENT}"`);
  }
  fs.writeFileSync(path.join(logs, FILE), web.join('\n') + '\n');
  const auth: string[] = [];
  for (let i = 0; i < 5; i++) {
    auth.push(`2026-11-14T04:01:0${i}+00:00 web01 sshd[90${i}]: Failed password for invalid user ${USER} from 198.51.100.23 port 5000${i} ssh2`);
  }
  auth.push(`2026-11-14T04:02:00+00:00 web01 sshd[910]: Invalid user ${USER} from 198.51.100.23 port 50010`);
  fs.writeFileSync(path.join(logs, 'auth.log'), auth.join('\n') + '\n');
  const hunt = run(['--db', store, ...huntArgs(logs)], { env: ENV });
  assert.equal(hunt.code, 0, hunt.stderr);
  assertClean('hunt', hunt.stdout);
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('the planted values are in the store as the logs wrote them', () => {
  const docs = ndjsonLines(cli('search', '*', '--json').stdout);
  assert.ok(docs.some((d) => d.user_agent?.original === AGENT));
  assert.ok(docs.some((d) => d.user?.name === USER));
  assert.ok(docs.some((d) => d.log.file.path === path.join(dir, 'logs', FILE)));
  const groups = ndjsonLines(cli('findings', '--json').stdout).map((f) => f.group);
  assert.ok(groups.some((g) => g.user_agent?.original === AGENT), 'a finding grouped by the hostile user agent');
  assert.ok(groups.some((g) => g.user?.name === USER), 'a finding grouped by the hostile user name');
});

test('no table or text view lets an escape sequence through', () => {
  const ids = ndjsonLines(cli('findings', '--json').stdout).map((f) => f.id as string);
  assert.ok(ids.length >= 3);
  const views: string[][] = [
    ['findings'],
    ['hunt', '--all'],
    ...ids.map((id) => ['show', id, '--limit', '0']),
    ['timeline', '--ip', '198.51.100.23'],
    ['timeline', '--user', USER],
    ['timeline', '--host', 'web01'],
    ['search', '*'],
    ['search', '*', '--fields', '@timestamp,user.name,user_agent.original,log.file.path,event.original'],
    ['stats'],
    ['stats', '--top', 'user_agent.original'],
    ['stats', '--top', 'user.name'],
    ['stats', '--top', 'log.file.path'],
    ['stats', '--by', 'minute'],
    ['sql', 'SELECT raw, user_name, user_agent_original FROM events'],
    ['sql', 'SELECT group_json, rule_title FROM findings'],
  ];
  for (const args of views) {
    const r = cli(...args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.ok(r.stdout.length > 0, args.join(' '));
    assertClean(args.join(' '), r.stdout);
  }
  // the escaped forms are what an analyst reads
  const show = cli('show', ids[0], '--limit', '0').stdout + cli('findings').stdout + cli('search', '*').stdout;
  assert.match(show, /\\e\]0;pwned\\x07\\e\[2J\\x9b31m/);
  assert.match(show, /\\u202e/);
});

test('explain escapes the names a log gives its fields, not only their values', () => {
  // a JSON line names its own fields; explain prints every name beside its value
  const line = JSON.stringify({ msg: 'hi', [`ev${OSC}${CSI}${C1}il${BIDI}${MARKS}`]: 'v' });
  const r = run(['explain', line], { env: ENV });
  assert.equal(r.code, 0, r.stderr);
  assertClean(`explain ${line}`, r.stdout);
  assert.match(r.stdout, /^ {2}json\.ev\\e\]0;pwned\\x07\\e\[2J\\x9b31mil\\u202e\\u061c\\u2028 {2}v$/m);
});

test('JSON keeps every planted character, escaped as JSON', () => {
  const outputs: string[][] = [
    ['findings', '--json'],
    ['search', '*', '--json'],
    ['timeline', '--ip', '198.51.100.23', '--json'],
    ['export', '--events'],
    ['export', '--events', '--format', 'ecs-bulk'],
    ['export', '--findings'],
    ['export', '--findings', '--format', 'ecs-bulk'],
    ['stats', '--top', 'user_agent.original', '--json'],
    ...ndjsonLines(cli('findings', '--json').stdout).map((f) => ['show', f.id as string, '--json']),
  ];
  for (const args of outputs) {
    const r = cli(...args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    assertClean(args.join(' '), r.stdout);
    assert.match(r.stdout, /\\u001b\]0;pwned\\u0007|\\u009b|\\u202e/, `${args.join(' ')}: the planted text is there, escaped`);
    // and reads back exactly
    const text = JSON.stringify(ndjsonLines(r.stdout));
    assert.ok(text.includes(JSON.stringify(AGENT).slice(1, -1)) || text.includes(JSON.stringify(USER).slice(1, -1)), args.join(' '));
  }
});

/** Runs the CLI on a pseudo-terminal (util-linux script), as a person at a terminal would. */
function onTerminal(args: string[]): string | undefined {
  const probe = spawnSync('script', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return undefined;
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, ENTRY, '--db', store, ...args].map(quote).join(' ');
  const r = spawnSync('script', ['-qec', command, '/dev/null'], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', TZ: 'UTC', LANG: 'C.UTF-8', COLUMNS: '200' },
  });
  assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

test('on a terminal, CSV is escaped too (into a file or pipe it keeps the bytes)', (t) => {
  const views = [['findings', '--csv'], ['hunt', '--all', '--csv'], ['search', '*', '--csv'], ['export', '--events', '--format', 'csv'], ['export', '--findings', '--format', 'csv'], ['findings', '--json']];
  for (const args of views) {
    const out = onTerminal(args);
    if (out === undefined) {
      t.skip('util-linux script is not available to open a pseudo-terminal');
      return;
    }
    assert.ok(out.includes('198.51.100.23'), args.join(' '));
    assertClean(`${args.join(' ')} on a terminal`, out.replace(/\r\n/g, '\n'));
  }
  // a pipe gets the log's bytes: CSV is data for other programs
  assert.ok(cli('search', '*', '--csv').stdout.includes(AGENT));
});
