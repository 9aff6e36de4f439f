/**
 * Deterministic synthetic logs for the benchmark: nginx combined, syslog auth (sshd, sudo, PAM, cron), UFW and
 * auditd, with skewed (Zipf-like) value distributions as real traffic has, and a few planted attacks so the rule
 * pack has something to find. The same seed and size always give byte-identical files.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface Sizes {
  access: number;
  auth: number;
  ufw: number;
  audit: number;
}

function prng(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Picks index i with probability ~ 1/(i+1)^s: a few values dominate, a long tail follows. */
function zipf(rand: () => number, n: number, s = 1.1): () => number {
  const cdf: number[] = [];
  let sum = 0;
  for (let i = 0; i < n; i++) cdf.push((sum += 1 / Math.pow(i + 1, s)));
  return () => {
    const x = rand() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

const MON = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number) => String(n).padStart(2, '0');
const clf = (t: number) => {
  const d = new Date(t);
  return `${p2(d.getUTCDate())}/${MON[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} +0000`;
};
const bsd = (t: number) => {
  const d = new Date(t);
  return `${MON[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`;
};

/** Writes lines through a buffer, so memory stays flat at any size. */
class Out {
  private fd: number;
  private buf: string[] = [];
  private len = 0;
  constructor(file: string) {
    this.fd = fs.openSync(file, 'w');
  }
  line(s: string) {
    this.buf.push(s);
    this.len += s.length;
    if (this.len > 1 << 20) this.flush();
  }
  flush() {
    if (this.buf.length) fs.writeSync(this.fd, this.buf.join('\n') + '\n');
    this.buf = [];
    this.len = 0;
  }
  close() {
    this.flush();
    fs.closeSync(this.fd);
  }
}

const START = Date.UTC(2026, 9, 1);
const DAY = 86_400_000;

export function generate(dir: string, sizes: Sizes, seed = 42): Record<keyof Sizes, string> {
  fs.mkdirSync(dir, { recursive: true });
  const files = {
    access: path.join(dir, 'access.log'),
    auth: path.join(dir, 'auth.log'),
    ufw: path.join(dir, 'ufw.log'),
    audit: path.join(dir, 'audit.log'),
  };
  const rand = prng(seed);
  const ip = (i: number) => `${11 + (i % 200)}.${(i * 7) % 256}.${(i * 13) % 256}.${1 + (i % 254)}`;

  // nginx combined: 50k clients, pages, assets and API calls, a crawler, and planted scans/injections/bursts
  {
    const out = new Out(files.access);
    const client = zipf(rand, 50_000);
    const uas = [
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36',
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15',
      'Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0',
      'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
      'Mozilla/5.0 (Linux; Android 15; Pixel 9) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36',
      'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
      'curl/8.5.0',
      'python-requests/2.32.3',
    ];
    const ua = zipf(rand, uas.length, 1.3);
    const pages = ['/', '/pricing', '/docs/', '/docs/install', '/blog/', '/login', '/account', '/cart', '/search?q=shoes', '/api/v1/items'];
    const page = zipf(rand, pages.length);
    const assets = ['/static/app.css', '/static/app.js', '/static/vendor.js', '/static/logo.svg', '/favicon.ico', '/static/fonts/inter.woff2'];
    const step = (30 * DAY) / sizes.access;
    for (let i = 0; i < sizes.access; i++) {
      const t = START + Math.floor(i * step);
      const c = client();
      const r = rand();
      let method = 'GET';
      let url: string;
      let status = 200;
      let bytes = 500 + Math.floor(-Math.log(1 - rand()) * 8000);
      let agent = uas[ua()];
      if (i % 100_000 === 77 && i > 0) {
        // planted: a scanner sweeping sensitive paths, one request per second for a minute
        for (let k = 0; k < 60 && i < sizes.access - 1; k++, i++) {
          out.line(`203.0.113.66 - - [${clf(t + k * 1000)}] "GET /.env.${k} HTTP/1.1" 404 153 "-" "Mozilla/5.00 (Nikto/2.5.0) (Evasions:None)"`);
        }
        continue;
      }
      if (r < 0.55) url = assets[Math.floor(rand() * assets.length)];
      else if (r < 0.93) url = pages[page()];
      else if (r < 0.985) url = `/api/v1/items/${Math.floor(rand() * 100_000)}`;
      else {
        url = `/old/page-${Math.floor(rand() * 5000)}.html`;
        status = 404;
        bytes = 162;
      }
      if (r > 0.5 && r < 0.53) status = 304;
      if (url === '/login' && rand() < 0.3) {
        method = 'POST';
        status = rand() < 0.2 ? 401 : 302;
      }
      if (i % 250_000 === 1234) {
        url = "/products?id=1%27%20UNION%20SELECT%20password%20FROM%20users--";
        status = 500;
        agent = 'sqlmap/1.8.11#stable (https://sqlmap.org)';
      }
      const ref = rand() < 0.4 ? 'https://www.example.com/' : '-';
      out.line(`${ip(c)} - - [${clf(t)}] "${method} ${url} HTTP/1.1" ${status} ${bytes} "${ref}" "${agent}"`);
    }
    out.close();
  }

  // auth.log (RFC 3164): logins, brute force bursts, sudo, PAM sessions, cron
  {
    const out = new Out(files.auth);
    const users = ['alice', 'bob', 'carol', 'deploy', 'backup', 'ci'];
    const step = (30 * DAY) / sizes.auth;
    let pid = 1000;
    for (let i = 0; i < sizes.auth; i++) {
      const t = START + Math.floor(i * step);
      const h = `web${1 + (i % 4)}`;
      const r = rand();
      pid = (pid + 1) % 60000;
      let msg: string;
      if (i % 50_000 === 999) {
        // planted: a brute force burst from one address
        for (let k = 0; k < 40 && i < sizes.auth - 1; k++, i++) {
          out.line(`${bsd(t + k * 2000)} ${h} sshd[${pid + k}]: Failed password for invalid user admin${k % 9} from 198.51.100.23 port ${40000 + k} ssh2`);
        }
        continue;
      }
      const u = users[Math.floor(rand() * users.length)];
      const addr = `10.${Math.floor(rand() * 4)}.${Math.floor(rand() * 250)}.${1 + Math.floor(rand() * 250)}`;
      if (r < 0.3) msg = `sshd[${pid}]: Accepted publickey for ${u} from ${addr} port ${20000 + (pid % 40000)} ssh2: ED25519 SHA256:q8Yb0n3ZJ0r9m2fQfVnC4d1XkqG2bYw3a1L9sP0uT7E`;
      else if (r < 0.45) msg = `sshd[${pid}]: pam_unix(sshd:session): session opened for user ${u}(uid=1001) by (uid=0)`;
      else if (r < 0.6) msg = `sshd[${pid}]: pam_unix(sshd:session): session closed for user ${u}`;
      else if (r < 0.7) msg = `sshd[${pid}]: Failed password for ${u} from ${addr} port ${20000 + (pid % 40000)} ssh2`;
      else if (r < 0.8) msg = `sudo:   ${u} : TTY=pts/${pid % 9} ; PWD=/home/${u} ; USER=root ; COMMAND=/usr/bin/systemctl status nginx`;
      else if (r < 0.9) msg = `CRON[${pid}]: (root) CMD (/usr/local/bin/backup --quiet)`;
      else msg = `systemd-logind[612]: New session ${pid % 500} of user ${u}.`;
      out.line(`${bsd(t)} ${h} ${msg}`);
    }
    out.close();
  }

  // ufw.log: blocked probes from many sources, and a port scan now and then
  {
    const out = new Out(files.ufw);
    const src = zipf(rand, 20_000);
    const ports = [22, 23, 80, 443, 445, 3389, 8080, 5900, 3306, 6379];
    const port = zipf(rand, ports.length);
    const step = (30 * DAY) / sizes.ufw;
    for (let i = 0; i < sizes.ufw; i++) {
      const t = START + Math.floor(i * step);
      const scan = i % 100_000 === 500;
      const n = scan ? Math.min(60, sizes.ufw - i) : 1;
      for (let k = 0; k < n; k++) {
        const s = scan ? '192.0.2.77' : ip(src() + 70_000);
        const dpt = scan ? 1000 + k * 7 : ports[port()];
        out.line(
          `${bsd(t + k * 500)} fw1 kernel: [${((t - START) / 1000).toFixed(6)}] [UFW BLOCK] IN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 SRC=${s} DST=203.0.113.10 LEN=44 TOS=0x00 PREC=0x00 TTL=${40 + (i % 200)} ID=${i % 65535} PROTO=TCP SPT=${1024 + (i % 60000)} DPT=${dpt} WINDOW=1024 RES=0x00 SYN URGP=0`,
        );
      }
      i += n - 1;
    }
    out.close();
  }

  // audit.log: execve groups (SYSCALL, EXECVE, CWD, PATH x2, PROCTITLE), user logins, now and then /tmp execution
  {
    const out = new Out(files.audit);
    const bins = ['/usr/bin/ls', '/usr/bin/cat', '/usr/bin/grep', '/usr/bin/python3', '/usr/bin/git', '/usr/sbin/sshd', '/usr/bin/curl'];
    const bin = zipf(rand, bins.length);
    const step = (30 * DAY) / sizes.audit;
    let serial = 1000;
    const hex = (s: string) => Buffer.from(s).toString('hex').toUpperCase();
    for (let i = 0; i < sizes.audit; ) {
      const t = START + Math.floor(i * step);
      const stamp = `${(t / 1000).toFixed(3)}:${++serial}`;
      if (serial % 10 === 0) {
        out.line(`type=USER_LOGIN msg=audit(${stamp}): pid=${serial % 60000} uid=0 auid=1001 ses=${serial % 900} msg='op=login acct="alice" exe="/usr/sbin/sshd" hostname=? addr=10.0.0.5 terminal=ssh res=success'`);
        i++;
        continue;
      }
      const exe = serial % 5000 === 7 ? '/tmp/.x/run' : bins[bin()];
      const name = exe.split('/').pop()!;
      const lines = [
        `type=SYSCALL msg=audit(${stamp}): arch=c000003e syscall=59 success=yes exit=0 a0=55d1c2a1b2c0 a1=55d1c2a1b310 a2=55d1c2a1b360 a3=0 items=2 ppid=${serial % 30000} pid=${serial % 60000} auid=1001 uid=1001 gid=1001 euid=1001 suid=1001 fsuid=1001 egid=1001 sgid=1001 fsgid=1001 tty=pts0 ses=${serial % 900} comm="${name}" exe="${exe}" key="exec"`,
        `type=EXECVE msg=audit(${stamp}): argc=2 a0="${name}" a1="--version"`,
        `type=CWD msg=audit(${stamp}): cwd="/home/alice"`,
        `type=PATH msg=audit(${stamp}): item=0 name="${exe}" inode=1311 dev=fd:01 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0`,
        `type=PATH msg=audit(${stamp}): item=1 name="/lib64/ld-linux-x86-64.so.2" inode=1312 dev=fd:01 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0`,
        `type=PROCTITLE msg=audit(${stamp}): proctitle=${hex(`${name}\0--version`)}`,
      ];
      for (const l of lines) out.line(l);
      i += lines.length;
    }
    out.close();
  }
  return files;
}
