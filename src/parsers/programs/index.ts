/**
 * Program name (the syslog tag) -> message parser and dataset: one line per program (the sshd family: one line for
 * all). A program not listed here is a plain system.syslog event; PAM module messages are recognised whatever the
 * program (see syslog.ts).
 */
import { accountsMessage } from './accounts.js';
import { cronMessage } from './cron.js';
import { haproxyProgram } from './haproxy.js';
import { kernelMessage } from './kernel.js';
import { logindMessage } from './logind.js';
import { sshdMessage } from './sshd.js';
import { suMessage } from './su.js';
import { sudoMessage } from './sudo.js';
import { SSHD_PROGRAMS, type ProgramParser } from './types.js';

const AUTH = 'system.auth';
const SYSLOG = 'system.syslog';

export const PROGRAMS = new Map<string, ProgramParser>([
  ...[...SSHD_PROGRAMS].map((name): [string, ProgramParser] => [name, { dataset: AUTH, parse: sshdMessage }]),
  ['sudo', { dataset: AUTH, parse: sudoMessage }],
  ['su', { dataset: AUTH, parse: suMessage }],
  ['useradd', { dataset: AUTH, parse: accountsMessage }],
  ['userdel', { dataset: AUTH, parse: accountsMessage }],
  ['usermod', { dataset: AUTH, parse: accountsMessage }],
  ['groupadd', { dataset: AUTH, parse: accountsMessage }],
  ['groupdel', { dataset: AUTH, parse: accountsMessage }],
  ['groupmod', { dataset: AUTH, parse: accountsMessage }],
  ['gpasswd', { dataset: AUTH, parse: accountsMessage }],
  ['passwd', { dataset: AUTH, parse: accountsMessage }],
  ['chpasswd', { dataset: AUTH, parse: accountsMessage }],
  ['chage', { dataset: AUTH, parse: accountsMessage }],
  ['systemd-logind', { dataset: AUTH, parse: logindMessage }],
  ['login', { dataset: AUTH }],
  ['pam', { dataset: AUTH }],
  ['polkitd', { dataset: AUTH }],
  ['CRON', { dataset: SYSLOG, parse: cronMessage }],
  ['cron', { dataset: SYSLOG, parse: cronMessage }],
  ['crond', { dataset: SYSLOG, parse: cronMessage }],
  ['CROND', { dataset: SYSLOG, parse: cronMessage }],
  ['kernel', { dataset: SYSLOG, parse: kernelMessage }],
  ['haproxy', { dataset: 'haproxy.log', parse: haproxyProgram }],
]);
