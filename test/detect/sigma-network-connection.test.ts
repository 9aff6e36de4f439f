/**
 * SigmaHQ's Linux network_connection rules (written for Sysmon for Linux), copied unchanged into
 * fixtures/sigma/network_connection, run on auditd's connect and accept syscalls: each fires on the connection it
 * names and not on the ones beside it that its filters leave out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { FIXTURES, ndjsonLines, run, tmpDir } from '../helpers/cli.js';
import { loadText } from '../../src/detect/load.js';
import { compileDetection } from '../../src/detect/compile.js';
import { registerSqlFunctions } from '../../src/detect/regex.js';
import type { DetectionRule } from '../../src/detect/model.js';
import { testStore, sec } from '../helpers/events.js';

const DIR = path.join(FIXTURES, 'sigma/network_connection');

test("SigmaHQ's Linux network_connection rules fire on auditd's connect records they name, and only there", () => {
  const res = run(['--db', path.join(tmpDir(), 'store.db'), 'hunt', path.join(DIR, 'audit.log'), '--no-builtin', '--rules', path.join(DIR, 'rules'), '--json']);
  assert.equal(res.code, 0, res.stderr);
  const got: Record<string, string[]> = {};
  for (const f of ndjsonLines(res.stdout)) {
    for (const e of f.evidence.events) (got[f.rule.title] ??= []).push(/:(\d+)\)/.exec(e.event.original)![1]);
  }
  assert.deepEqual(got, {
    // bash out to an Internet address; not bash to 127.0.0.1
    'Linux Reverse Shell Indicator': ['101'],
    // out to 4444 on the Internet; not curl to 10.0.0.5:4444, not the accept from a client's port 2222
    'Potentially Suspicious Malware Callback Communication - Linux': ['101'],
    // python to the metadata service, a non-blocking connect still in progress (EINPROGRESS) as Sysmon logs it
    'Cloud Metadata Endpoint Access By Script Interpreters - Linux': ['102'],
  });
});

test("Initiated: Sysmon's true is a connection the host made (egress), false one it accepted (ingress)", () => {
  const store = testStore();
  registerSqlFunctions(store.db);
  const add = (syscall: string, direction: string) =>
    store.add(sec(1), 'auditd.log', { 'network.direction': direction, 'process.executable': '/usr/sbin/sshd', auditd: { syscall_name: syscall } }, `type=SYSCALL ${syscall}`);
  const out = add('connect', 'egress');
  const inbound = add('accept4', 'ingress');
  const matched = (value: string) => {
    const rule = loadText(`title: t\nlogsource:\n  product: linux\n  category: network_connection\ndetection:\n  sel:\n    Initiated: ${value}\n  condition: sel\n`, 't.yml').rules[0] as DetectionRule;
    const c = compileDetection(rule);
    if (typeof c === 'string') throw new Error(c);
    return (store.db.prepare(`SELECT e.id FROM events e WHERE (${c.scope.sql}) AND (${c.match.sql})`).all(...c.scope.params, ...c.match.params) as { id: number }[]).map((r) => r.id);
  };
  assert.deepEqual(matched("'true'"), [out]);
  assert.deepEqual(matched('true'), [out]);
  assert.deepEqual(matched("'false'"), [inbound]);
  // a rule on the host name auditd never records is refused, not run as if it were absent
  const host = loadText(`title: t\nlogsource:\n  product: linux\n  category: network_connection\ndetection:\n  sel:\n    DestinationHostname|endswith: '.ngrok.io'\n  condition: sel\n`, 't.yml').rules[0] as DetectionRule;
  assert.match(compileDetection(host) as string, /field "DestinationHostname" has no mapping/);
});
