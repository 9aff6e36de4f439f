import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { checkGolden } from '../../helpers/golden.js';
import { MTIME_2024, SYSLOG_FIXTURES, one } from './util.js';

test('su: golden file', () => {
  checkGolden(path.join(SYSLOG_FIXTURES, 'su.log'), { tz: 'UTC', mtimeMs: MTIME_2024, expectParser: 'syslog' });
});

test('su: who became whom, and whether it worked', () => {
  const cases: [string, string, string, string][] = [
    ['Successful su for root by alice', 'success', 'alice', 'root'],
    ['FAILED su for root by bob', 'failure', 'bob', 'root'],
    ['+ /dev/pts/0 alice:root', 'success', 'alice', 'root'],
    ['- /dev/pts/1 bob:postgres', 'failure', 'bob', 'postgres'],
    ['(to root) carol on pts/2', 'success', 'carol', 'root'],
    ['FAILED SU (to root) dave on pts/3', 'failure', 'dave', 'root'],
  ];
  for (const [msg, outcome, user, target] of cases) {
    const f = one(`Mar 10 10:00:01 web1 su[4001]: ${msg}`);
    assert.deepEqual([f['event.action'], f['event.outcome'], f['user.name'], f['user.target.name']], ['su', outcome, user, target], msg);
  }
});
