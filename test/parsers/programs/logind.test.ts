import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { checkGolden } from '../../helpers/golden.js';
import { MTIME_2024, SYSLOG_FIXTURES, one } from './util.js';

test('systemd-logind: golden file', () => {
  checkGolden(path.join(SYSLOG_FIXTURES, 'logind.log'), { tz: 'UTC', mtimeMs: MTIME_2024, expectParser: 'syslog' });
});

test('systemd-logind: sessions', () => {
  let f = one('Mar 10 14:00:01 web1 systemd-logind[612]: New session 42 of user alice.');
  assert.deepEqual([f['event.action'], f['user.name'], f['logind.session_id'], f['event.dataset']], ['logind_session_new', 'alice', '42', 'system.auth']);
  f = one('Mar 10 14:05:00 web1 systemd-logind[612]: Removed session 42.');
  assert.deepEqual([f['event.action'], f['logind.session_id']], ['logind_session_removed', '42']);
});
