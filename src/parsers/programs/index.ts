/**
 * Program name (the syslog tag) -> message parser and dataset: one line per program (the sshd family: one line for
 * all). A program not listed here is a plain system.syslog event; PAM module messages are recognised whatever the
 * program (see syslog.ts). Log formats that programs forward whole (web servers' access and error lines, audit
 * records) are listed in CARRIED, one line per format, and land in those programs' `embeds`.
 */
import { access } from '../access.js';
import { apacheErrorMessages } from '../apache-error.js';
import { auditd } from '../auditd.js';
import { FAIL2BAN_PROGRAMS, fail2banMessages } from '../fail2ban.js';
import { nginxErrorMessages } from '../nginx-error.js';
import type { Parser } from '../types.js';
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
  // pkexec logs to authpriv: its refusals (PwnKit's suspicious environment) are auth.log lines
  ['pkexec', { dataset: AUTH }],
  ['CRON', { dataset: SYSLOG, parse: cronMessage }],
  ['cron', { dataset: SYSLOG, parse: cronMessage }],
  ['crond', { dataset: SYSLOG, parse: cronMessage }],
  ['CROND', { dataset: SYSLOG, parse: cronMessage }],
  // the rest of the kernel's messages may be netfilter lines
  ['kernel', { dataset: SYSLOG, parse: kernelMessage }],
  ['haproxy', { dataset: 'haproxy.log', parse: haproxyProgram }],
]);

const APACHE = ['apache2', 'apache', 'httpd'];

/**
 * Formats carried whole in the messages of these programs, one line per format. A program's formats are tried in
 * this order and the first that takes a message gives its event; a message none takes goes on to the program's
 * own parser (or is a plain syslog line).
 */
const CARRIED: [programs: string[], format: Parser][] = [
  [['nginx', ...APACHE], access],
  [['nginx'], nginxErrorMessages],
  [APACHE, apacheErrorMessages],
  // audit records forwarded by audispd's syslog plugin, or printed by the kernel (`audit: type=1400 audit(...)`)
  // when no auditd reads them
  [['audispd', 'audisp-syslog', 'auditd', 'audit', 'kernel'], auditd],
  [FAIL2BAN_PROGRAMS, fail2banMessages],
];

for (const [programs, format] of CARRIED) {
  for (const name of programs) {
    let entry = PROGRAMS.get(name);
    if (!entry) PROGRAMS.set(name, (entry = { dataset: SYSLOG }));
    (entry.embeds ??= []).push(format);
  }
}
