/**
 * A seeded, deterministic day (2026-11-10, UTC) of ordinary traffic on one web server, written as the logs it keeps:
 * web/access.log (nginx combined), auth.log (rsyslog RFC 3339), ufw.log and audit/audit.log. Nothing in it is an
 * attack: people browse with their browsers fetching static assets, a search crawler meets a few dead links, a
 * monitor polls a health check, staff log in over SSH (some mistype a password first), run sudo, change their own
 * password; cron runs hourly and nightly (with sudo); the firewall drops the usual Internet background; auditd sees
 * logins, cron, commands and a reboot. The built-in rule pack must stay below medium on it.
 */
import fs from 'node:fs';
import path from 'node:path';

const DAY = Date.UTC(2026, 10, 10);
const H = 3_600_000;
const MON = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const UAS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 15; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36',
];
const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
const BINGBOT = 'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)';
const PAGES = ['/', '/about', '/pricing', '/blog/', '/blog/2026/11/release-notes', '/blog/2026/10/roadmap', '/docs/', '/docs/install', '/docs/config', '/contact', '/products', '/products?page=2', '/search?q=backup+schedule', '/search?q=union+pricing'];
const ASSETS = ['/static/app.css', '/static/app.js', '/static/vendor.js', '/static/logo.svg', '/static/fonts/inter.woff2', '/favicon.ico'];
const STAFF = [
  { user: 'alice', ip: '10.0.0.5', uid: 1001 },
  { user: 'bob', ip: '10.0.0.23', uid: 1002 },
  { user: 'carol', ip: '10.0.0.31', uid: 1003 },
  { user: 'dave', ip: '10.0.0.42', uid: 1004 },
  { user: 'erin', ip: '192.168.1.40', uid: 1005 },
  { user: 'frank', ip: '81.2.69.142', uid: 1006 },
];

const COMMANDS = [
  ['/usr/bin/ls', '-la'],
  ['/usr/bin/git', 'status'],
  ['/usr/bin/git', 'pull', '--ff-only'],
  ['/usr/bin/vim.basic', 'notes.md'],
  ['/usr/bin/less', '/var/log/syslog'],
  ['/usr/bin/tail', '-n', '100', '/var/log/nginx/access.log'],
  ['/usr/bin/journalctl', '-u', 'nginx', '--since', 'today'],
  ['/usr/bin/df', '-h'],
];

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const clf = (t: number) => {
  const d = new Date(t);
  return `${pad(d.getUTCDate())}/${MON[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
};
const rfc3339 = (t: number) => new Date(t).toISOString().replace('Z', '000+00:00');
const hex = (s: string) => Buffer.from(s).toString('hex').toUpperCase();

export interface BenignDay {
  files: string[];
  lines: number;
}

export function writeBenignDay(dir: string, seed = 20261110): BenignDay {
  let state = seed;
  const rand = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const pick = <T>(a: T[]): T => a[Math.floor(rand() * a.length)];

  // ---- web ----
  const web: [number, string][] = [];
  const access = (t: number, ip: string, method: string, url: string, status: number, bytes: number, ua: string, ref = '-') =>
    web.push([t, `${ip} - - [${clf(t)}] "${method} ${url} HTTP/1.1" ${status} ${bytes} "${ref}" "${ua}"`]);
  const visitors: { ip: string; ua: string }[] = [];
  for (let i = 0; i < 12; i++) visitors.push({ ip: `10.0.1.${10 + i}`, ua: pick(UAS) });
  for (let i = 0; i < 8; i++) visitors.push({ ip: `192.168.1.${50 + i}`, ua: pick(UAS) });
  for (const ip of ['81.2.69.142', '81.2.69.160', '81.2.69.192', '216.160.83.56', '216.160.83.58', '2.125.160.216', '2.125.160.217', '89.160.20.128']) visitors.push({ ip, ua: pick(UAS) });
  for (let i = 0; i < 12; i++) visitors.push({ ip: `198.51.100.${100 + i}`, ua: pick(UAS) });
  for (const v of visitors) {
    const sessions = int(2, 8);
    for (let s = 0; s < sessions; s++) {
      let t = DAY + int(6, 22) * H + int(0, 3_599_000);
      let cached = false;
      // some sessions begin with a login; now and then the password is mistyped once
      if (rand() < 0.3) {
        if (rand() < 0.25) {
          access(t, v.ip, 'POST', '/login', 401, 1290, v.ua, 'https://www.example.com/login');
          t += int(4000, 15000);
        }
        access(t, v.ip, 'POST', '/login', 302, 0, v.ua, 'https://www.example.com/login');
        t += 300;
      }
      const views = int(3, 12);
      for (let p = 0; p < views; p++) {
        const page = pick(PAGES);
        access(t, v.ip, 'GET', page, 200, int(4000, 40000), v.ua, 'https://www.example.com/');
        for (const [k, a] of ASSETS.entries()) access(t + 120 + k * 25, v.ip, 'GET', a, cached ? 304 : 200, cached ? 0 : int(400, 180000), v.ua, `https://www.example.com${page}`);
        if (v.ua.includes('iPhone') && !cached) access(t + 400, v.ip, 'GET', '/apple-touch-icon.png', 404, 153, v.ua);
        cached = true;
        if (page.startsWith('/products')) for (let x = 0; x < 4; x++) access(t + 600 + x * 900, v.ip, 'GET', `/api/cart?item=${int(1, 400)}`, 200, int(200, 2000), v.ua, `https://www.example.com${page}`);
        t += int(5000, 90000);
      }
      // a gallery: a burst of thumbnails in two seconds
      if (rand() < 0.15) {
        access(t, v.ip, 'GET', '/gallery', 200, 22000, v.ua);
        for (let k = 0; k < 60; k++) access(t + 200 + k * 30, v.ip, 'GET', `/static/gallery/thumb-${k}.jpg`, 200, int(8000, 30000), v.ua, 'https://www.example.com/gallery');
      }
      if (rand() < 0.1) access(t + 1000, v.ip, 'GET', '/downloads/manual.pdf', 200, 20_971_520, v.ua, 'https://www.example.com/docs/');
    }
  }
  // one colleague keeps the dashboard open all afternoon: it polls every 5 s
  for (let t = DAY + 13 * H; t < DAY + 17 * H; t += 5000) access(t, '10.0.1.10', 'GET', '/api/dashboard/stats', 200, int(800, 1200), UAS[0], 'https://www.example.com/dashboard');
  // search engines: a steady crawl with a few dead links, spread over the day
  let dead = 0;
  for (let i = 0; i < 420; i++) {
    const t = DAY + Math.floor((i * 86_000_000) / 420) + int(0, 60_000);
    const bot = i % 5 === 0 ? { ip: `40.77.167.${int(1, 90)}`, ua: BINGBOT } : { ip: `66.249.66.${int(1, 9)}`, ua: GOOGLEBOT };
    if (i % 26 === 13) access(t, bot.ip, 'GET', `/blog/2019/old-post-${++dead}`, 404, 162, bot.ua);
    else if (i % 60 === 0) access(t, bot.ip, 'GET', '/robots.txt', 200, 120, bot.ua);
    else access(t, bot.ip, 'GET', pick(PAGES), 200, int(4000, 40000), bot.ua);
  }
  // the load balancer's health check, twice a minute
  for (let t = DAY; t < DAY + 24 * H; t += 30_000) access(t, '10.0.0.2', 'GET', '/healthz', 200, 2, 'kube-probe/1.31');
  web.sort((a, b) => a[0] - b[0]);

  // ---- auth.log ----
  const auth: [number, string][] = [];
  const sys = (t: number, prog: string, msg: string) => auth.push([t, `${rfc3339(t)} web01 ${prog}: ${msg}`]);
  let pid = 20000;
  const KEY = 'ED25519 SHA256:q8Yb0n3ZJ0r9m2fQfVnC4d1XkqG2bYw3a1L9sP0uT7E';
  // audit records are built alongside the events they describe
  const audit: [number, string][] = [];
  let serial = 1000;
  const rec = (t: number, type: string, body: string) => audit.push([t, `type=${type} msg=audit(${(t / 1000).toFixed(3)}:${serial}): ${body}`]);
  const pam = (t: number, type: string, op: string, acct: string, exe: string, host: string, auid: number | string, ses: number | string, res = 'success') => {
    serial++;
    rec(t, type, `pid=${pid} uid=0 auid=${auid} ses=${ses} subj=unconfined msg='op=${op} acct="${acct}" exe="${exe}" hostname=${host} addr=${host === '?' ? '?' : host} terminal=${exe.endsWith('sshd') ? 'ssh' : exe.endsWith('cron') ? 'cron' : 'pts/0'} res=${res}'`);
  };
  const exec = (t: number, who: { uid: number }, exe: string, args: string[], cwd: string, ses: number) => {
    serial++;
    rec(t, 'SYSCALL', `arch=c000003e syscall=59 success=yes exit=0 a0=55d1c2a1b2c0 a1=55d1c2a1b310 a2=55d1c2a1b360 a3=0 items=2 ppid=${pid} pid=${pid + 1} auid=${who.uid} uid=${who.uid} gid=${who.uid} euid=${who.uid} suid=${who.uid} fsuid=${who.uid} egid=${who.uid} sgid=${who.uid} fsgid=${who.uid} tty=pts0 ses=${ses} comm="${path.basename(exe)}" exe="${exe}" key="exec"`);
    rec(t, 'EXECVE', `argc=${args.length} ${args.map((a, i) => `a${i}=${/[\s"]/.test(a) ? hex(a) : `"${a}"`}`).join(' ')}`);
    rec(t, 'CWD', `cwd="${cwd}"`);
    rec(t, 'PATH', `item=0 name="${exe}" inode=${int(1000, 90000)} dev=fd:01 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0`);
    rec(t, 'PROCTITLE', `proctitle=${hex(args.join('\0'))}`);
  };
  let ses = 10;
  for (const s of STAFF) {
    const logins = int(1, 4);
    for (let k = 0; k < logins; k++) {
      pid += int(3, 40);
      ses++;
      let t = DAY + int(8, 17) * H + int(0, 3_000_000);
      const port = int(40000, 60000);
      const password = s.user === 'bob' || s.user === 'carol' || s.user === 'erin';
      // mistyped passwords: bob once, carol twice, erin once (with the pam line RHEL-style PAM setups add)
      const typos = k === 0 ? { bob: 1, carol: 2, erin: 1 }[s.user] ?? 0 : 0;
      for (let m = 0; m < typos; m++) {
        if (s.user === 'erin') sys(t, `sshd[${pid}]`, `pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=${s.ip}  user=${s.user}`);
        sys(t + 1500, `sshd[${pid}]`, `Failed password for ${s.user} from ${s.ip} port ${port} ssh2`);
        pam(t + 1500, 'USER_AUTH', 'PAM:authentication', s.user, '/usr/sbin/sshd', s.ip, 4294967295, 4294967295, 'failed');
        t += int(4000, 9000);
      }
      sys(t, `sshd[${pid}]`, password ? `Accepted password for ${s.user} from ${s.ip} port ${port} ssh2` : `Accepted publickey for ${s.user} from ${s.ip} port ${port} ssh2: ${KEY}`);
      pam(t, 'USER_AUTH', 'PAM:authentication', s.user, '/usr/sbin/sshd', s.ip, 4294967295, 4294967295);
      pam(t, 'USER_ACCT', 'PAM:accounting', s.user, '/usr/sbin/sshd', s.ip, 4294967295, 4294967295);
      sys(t, `sshd[${pid}]`, `pam_unix(sshd:session): session opened for user ${s.user}(uid=${s.uid}) by (uid=0)`);
      pam(t, 'USER_START', 'PAM:session_open', s.user, '/usr/sbin/sshd', s.ip, s.uid, ses);
      sys(t + 400, 'systemd-logind[612]', `New session ${ses} of user ${s.user}.`);
      serial++;
      rec(t + 500, 'USER_LOGIN', `pid=${pid} uid=0 auid=${s.uid} ses=${ses} subj=unconfined msg='op=login id=${s.uid} exe="/usr/sbin/sshd" hostname=? addr=${s.ip} terminal=/dev/pts/0 res=success'`);
      // a bit of work, some of it with sudo
      for (let c = 0; c < int(2, 6); c++) {
        t += int(20_000, 600_000);
        const [exe, ...args] = pick(COMMANDS);
        exec(t, s, exe, [path.basename(exe), ...args], `/home/${s.user}`, ses);
      }
      if (rand() < 0.6) {
        t += int(10_000, 300_000);
        const cmd = pick(['/usr/bin/systemctl restart nginx', '/usr/bin/apt update', '/usr/bin/tail -n 200 /var/log/nginx/error.log', '/usr/bin/journalctl -u nginx --since today']);
        if (s.user === 'dave') {
          // one sudo typo, then the right password
          sys(t, 'sudo', `pam_unix(sudo:auth): authentication failure; logname=${s.user} uid=${s.uid} euid=0 tty=/dev/pts/0 ruser=${s.user} rhost=  user=${s.user}`);
          t += 5000;
        }
        sys(t, 'sudo', `${s.user} : TTY=pts/0 ; PWD=/home/${s.user} ; USER=root ; COMMAND=${cmd}`);
        sys(t, 'sudo', `pam_unix(sudo:session): session opened for user root(uid=0) by ${s.user}(uid=${s.uid})`);
        serial++;
        rec(t, 'USER_CMD', `pid=${pid + 2} uid=${s.uid} auid=${s.uid} ses=${ses} subj=unconfined msg='cwd="/home/${s.user}" cmd=${hex(cmd.slice(cmd.lastIndexOf('/') + 1))} exe="/usr/bin/sudo" terminal=pts/0 res=success'`);
        sys(t + int(1000, 60_000), 'sudo', 'pam_unix(sudo:session): session closed for user root');
      }
      if (s.user === 'dave' && k === 0) {
        // dave changes his own password
        t += 60_000;
        sys(t, `passwd[${pid + 3}]`, 'pam_unix(passwd:chauthtok): password changed for dave');
        serial++;
        rec(t, 'SYSCALL', `arch=c000003e syscall=257 success=yes exit=4 a0=ffffff9c a1=55e0f1d2c3a0 a2=241 a3=1b6 items=2 ppid=${pid} pid=${pid + 3} auid=${s.uid} uid=${s.uid} gid=${s.uid} euid=0 suid=0 fsuid=0 egid=${s.uid} sgid=${s.uid} fsgid=${s.uid} tty=pts0 ses=${ses} comm="passwd" exe="/usr/bin/passwd" key="identity"`);
        rec(t, 'CWD', `cwd="/home/${s.user}"`);
        rec(t, 'PATH', 'item=0 name="/etc/" inode=393217 dev=fd:01 mode=040755 ouid=0 ogid=0 rdev=00:00 nametype=PARENT cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0');
        rec(t, 'PATH', 'item=1 name="/etc/shadow" inode=393290 dev=fd:01 mode=0100640 ouid=0 ogid=42 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0');
        rec(t, 'PROCTITLE', `proctitle=${hex('passwd')}`);
      }
      t += int(60_000, 3_000_000);
      sys(t, `sshd[${pid}]`, `Received disconnect from ${s.ip} port ${port}:11: disconnected by user`);
      sys(t, `sshd[${pid}]`, `Disconnected from user ${s.user} ${s.ip} port ${port}`);
      sys(t, `sshd[${pid}]`, `pam_unix(sshd:session): session closed for user ${s.user}`);
      pam(t, 'USER_END', 'PAM:session_close', s.user, '/usr/sbin/sshd', s.ip, s.uid, ses);
      sys(t + 100, 'systemd-logind[612]', `Session ${ses} logged out. Waiting for processes to exit.`);
      sys(t + 120, 'systemd-logind[612]', `Removed session ${ses}.`);
    }
  }
  // cron: hourly run-parts, the nightly backup (with passwordless sudo) and logrotate
  for (let h = 0; h < 24; h++) {
    const t = DAY + h * H + 17 * 60_000;
    pid += 2;
    sys(t, `CRON[${pid}]`, 'pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)');
    pam(t, 'USER_START', 'PAM:session_open', 'root', '/usr/sbin/cron', '?', 0, 900 + h);
    sys(t, `CRON[${pid + 1}]`, '(root) CMD (cd / && run-parts --report /etc/cron.hourly)');
    sys(t + 1000, `CRON[${pid}]`, 'pam_unix(cron:session): session closed for user root');
    pam(t + 1000, 'USER_END', 'PAM:session_close', 'root', '/usr/sbin/cron', '?', 0, 900 + h);
  }
  const night = DAY + 2 * H;
  sys(night, 'CRON[30001]', 'pam_unix(cron:session): session opened for user backup(uid=34) by (uid=0)');
  sys(night, 'CRON[30002]', '(backup) CMD (/usr/local/bin/backup-db --nightly)');
  sys(night + 2000, 'sudo', 'backup : TTY=unknown ; PWD=/var/backups ; USER=postgres ; COMMAND=/usr/bin/pg_dump --format=custom --file=/var/backups/pg/app.dump app');
  sys(night + 2000, 'sudo', 'pam_unix(sudo:session): session opened for user postgres(uid=114) by (uid=0)');
  sys(night + 95_000, 'sudo', 'pam_unix(sudo:session): session closed for user postgres');
  sys(night + 96_000, 'sudo', 'backup : TTY=unknown ; PWD=/var/backups ; USER=root ; COMMAND=/usr/bin/rsync -a /var/backups/pg/ /mnt/backup/pg/');
  sys(night + 96_000, 'sudo', 'pam_unix(sudo:session): session opened for user root(uid=0) by (uid=0)');
  sys(night + 190_000, 'sudo', 'pam_unix(sudo:session): session closed for user root');
  sys(night + 191_000, 'CRON[30001]', 'pam_unix(cron:session): session closed for user backup');
  sys(DAY + 6 * H + 25 * 60_000, 'CRON[30100]', '(root) CMD (test -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.daily; })');
  // the unattended-upgrades reboot at 05:40: auditd starts again and loads its rules (no login uid)
  const boot = DAY + 5 * H + 40 * 60_000;
  serial++;
  rec(boot, 'DAEMON_START', 'op=start ver=3.1.2 format=enriched kernel=6.8.0-49-generic auid=4294967295 pid=598 uid=0 ses=4294967295 subj=unconfined res=success');
  for (const key of ['identity', 'identity', 'identity', 'identity', 'actions', 'sshd_config', 'cron', 'exec']) {
    serial++;
    rec(boot + 800, 'CONFIG_CHANGE', `auid=4294967295 ses=4294967295 subj=unconfined op=add_rule key="${key}" list=4 res=1`);
  }
  sys(boot + 30_000, 'systemd-logind[601]', 'New seat seat0.');
  auth.sort((a, b) => a[0] - b[0]);
  audit.sort((a, b) => a[0] - b[0]);

  // ---- ufw.log: the Internet background, and LAN chatter ----
  const ufw: [number, string][] = [];
  // kernel time: seconds since boot (the previous boot was a day earlier)
  const fw = (t: number, action: string, src: string, dst: string, proto: string, spt: number, dpt: number) => {
    const up = t >= boot ? (t - boot) / 1000 : (t - DAY) / 1000 + 90_000;
    ufw.push([t, `${rfc3339(t)} web01 kernel: [${up.toFixed(6)}] [UFW ${action}] IN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 SRC=${src} DST=${dst} LEN=${proto === 'TCP' ? 44 : 32} TOS=0x00 PREC=0x00 TTL=${int(40, 250)} ID=${int(1, 65535)} PROTO=${proto} SPT=${spt} DPT=${dpt} ${proto === 'TCP' ? 'WINDOW=1024 RES=0x00 SYN URGP=0' : `LEN=${proto === 'UDP' ? 12 : 0}`}`]);
  };
  const nets = ['192.0.2', '198.51.100', '203.0.113', '81.2.69', '216.160.83', '2.125.160'];
  for (let i = 0; i < 220; i++) {
    const t = DAY + int(0, 86_000_000);
    const src = `${pick(nets)}.${int(1, 254)}`;
    const port = pick([23, 445, 3389, 8080, 5900, 1433, 2323, 6379, 8443, 81]);
    for (let r = 0; r < int(1, 3); r++) fw(t + r * 3000, 'BLOCK', src, '203.0.113.10', 'TCP', int(30000, 65000), port);
  }
  for (let t = DAY; t < DAY + 24 * H; t += int(90_000, 300_000)) fw(t, 'BLOCK', `192.168.1.${pick([23, 40, 77])}`, '224.0.0.251', 'UDP', 5353, 5353);
  for (let i = 0; i < 80; i++) fw(DAY + int(6 * H, 22 * H), 'ALLOW', pick(visitors).ip, '203.0.113.10', 'TCP', int(30000, 65000), pick([80, 443]));
  ufw.sort((a, b) => a[0] - b[0]);

  const files: [string, [number, string][]][] = [
    ['web/access.log', web],
    ['auth.log', auth],
    ['ufw.log', ufw],
    ['audit/audit.log', audit],
  ];
  let lines = 0;
  for (const [name, rows] of files) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), rows.map(([, l]) => l).join('\n') + '\n');
    lines += rows.length;
  }
  return { files: files.map(([name]) => path.join(dir, name)), lines };
}
