/**
 * Program name (the syslog tag) -> message parser and dataset: one line per program (the sshd family: one line for
 * all). A program not listed here is a plain system.syslog event; PAM module messages are recognised whatever the
 * program (see syslog.ts). Programs that forward another log format whole (web servers' access lines, audit records)
 * name its parser in `embeds`.
 */
import { access } from '../access.js';
import { auditd } from '../auditd.js';
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
  // kernel audit lines (`audit: type=1400 audit(...)`) when no auditd reads them; the rest may be netfilter lines
  ['kernel', { dataset: SYSLOG, parse: kernelMessage, embeds: auditd }],
  ['haproxy', { dataset: 'haproxy.log', parse: haproxyProgram }],
  ['nginx', { dataset: SYSLOG, embeds: access }],
  ['apache2', { dataset: SYSLOG, embeds: access }],
  ['apache', { dataset: SYSLOG, embeds: access }],
  ['httpd', { dataset: SYSLOG, embeds: access }],
  ['audispd', { dataset: SYSLOG, embeds: auditd }],
  ['audisp-syslog', { dataset: SYSLOG, embeds: auditd }],
  ['auditd', { dataset: SYSLOG, embeds: auditd }],
  ['audit', { dataset: SYSLOG, embeds: auditd }],
]);
