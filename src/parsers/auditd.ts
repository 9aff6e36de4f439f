/**
 * auditd: the Linux audit log. One line is one record, `type=X msg=audit(EPOCH.MS:SERIAL): key=value ...`, taken
 * as written by auditd (optionally `node=HOST ` first), behind a syslog header (audispd / audisp-syslog), from the
 * kernel ring buffer (`audit: type=1300 audit(...)`, numeric types) and in ausearch's default output (`----` and
 * `time->` lines join the record set after them). Interpreted output (`ausearch -i`) is rejected: its values are
 * unquoted text with spaces, which cannot be split reliably.
 *
 * The kernel writes the records of one event (SYSCALL, EXECVE, CWD, PATH, PROCTITLE, ...) together under one
 * serial, so a group is a run of consecutive lines with the same serial and node; a different serial, a line
 * without a stamp, or an EOE record closes it. One group is open at a time and held() reports its first line, so
 * ingest never commits a resume point inside a group.
 */
import type { FieldValue, Fields, LineRef, ParsedEvent } from '../model/event.js';
import type { FieldDef } from '../model/fields.js';
import type { Parser } from './types.js';
import { isIpAddress, toInt } from './lib.js';
import { ARCHITECTURES, RECORD_TYPES, SYSCALLS_BY_ARCH, SYSCALL_CATEGORIES, TYPE_CATEGORIES } from './auditd-tables.js';

const DATASET = 'auditd.log';
/** A run of one serial longer than this is closed anyway: memory stays bounded on pathological input. */
const MAX_GROUP_LINES = 4096;

const NOT_AUDIT = 'not an audit record (no type=... msg=audit(...))';
const BAD_STAMP = 'malformed audit stamp (expected audit(EPOCH.MS:SERIAL))';
const INTERPRETED = 'interpreted record (ausearch -i): read ausearch --raw or audit.log instead';

interface AuditRecord {
  /** the type as written (UNKNOWN[1329] stays so); numeric kernel types are named */
  type: string;
  ts: number | undefined;
  serial: string | undefined;
  node: string | undefined;
  /** host name from a syslog header */
  host: string | undefined;
  keys: string[];
  /** decoded values; a multi-key `key` is an array */
  vals: FieldValue[];
}

interface Group {
  first: LineRef;
  lines: string[];
  records: AuditRecord[];
}

/** Record types that add detail to a SYSCALL event rather than name it. */
const AUXILIARY = new Set([
  'SYSCALL', 'EXECVE', 'CWD', 'PATH', 'PROCTITLE', 'SOCKADDR', 'EOE', 'BPRM_FCAPS', 'CAPSET', 'MMAP', 'OBJ_PID',
  'FD_PAIR', 'IPC', 'IPC_SET_PERM', 'MQ_OPEN', 'MQ_SENDRECV', 'MQ_NOTIFY', 'MQ_GETSETATTR', 'SOCKETCALL',
  'KERNEL_OTHER', 'OPENAT2', 'AVC_PATH',
]);

/** Fields auditd writes hex-encoded (unquoted) when they hold spaces, quotes or control characters. */
const HEX_KEYS = new Set(['exe', 'comm', 'ocomm', 'cwd', 'name', 'path', 'proctitle', 'acct', 'cmd', 'key', 'data', 'dir', 'watch', 'file', 'grp']);

const IAM_USER = new Set(['ADD_USER', 'DEL_USER', 'USER_MGMT', 'USER_CHAUTHTOK', 'ACCT_LOCK', 'ACCT_UNLOCK', 'CHUSER_ID']);
const IAM_GROUP = new Set(['ADD_GROUP', 'DEL_GROUP', 'GRP_MGMT', 'GRP_CHAUTHTOK', 'CHGRP_ID']);
const MAC_TYPES = new Set(['AVC', 'USER_AVC', 'SELINUX_ERR', 'USER_SELINUX_ERR', 'APPARMOR_AUDIT', 'APPARMOR_ALLOWED', 'APPARMOR_DENIED', 'APPARMOR_HINT', 'APPARMOR_STATUS', 'APPARMOR_ERROR']);
const FILE_CLASSES = new Set(['file', 'dir', 'lnk_file', 'chr_file', 'blk_file', 'sock_file', 'fifo_file']);

const OUTCOMES: Record<string, string> = { success: 'success', yes: 'success', '1': 'success', failed: 'failure', failure: 'failure', no: 'failure', '0': 'failure' };

const SYSLOG_HOST = /^(?:[A-Z][a-z]{2} {1,2}\d{1,2} \d\d:\d\d:\d\d|\d{4}-\d\d-\d\dT\S+) (\S+) /;
const DETECT = /(?:^|\s)type=\S+ (?:msg=)?audit\(\d+\.\d+:\d+\)/;

function lookup<T>(table: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function isHex(s: string): boolean {
  if (s.length === 0 || s.length % 2 !== 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

function isArgKey(k: string): boolean {
  return k.length > 1 && k.charCodeAt(0) === 97 /* a */ && isDigits(k.slice(1));
}

/** A record type's meaning: UNKNOWN[n], written by userspace older than the kernel, is named from its number. */
function canonical(type: string): string {
  if (type.startsWith('UNKNOWN[') && type.endsWith(']')) return lookup(RECORD_TYPES, type.slice(8, -1)) ?? type;
  return type;
}

function hexText(hex: string): string {
  return Buffer.from(hex, 'hex').toString('utf8');
}

function decodeValue(key: string, v: string, execve: boolean): FieldValue {
  // most unquoted values are short numbers: the length test rules them out before any lookup
  if ((v.length & 1) !== 0 || !(HEX_KEYS.has(key) || (execve && isArgKey(key))) || !isHex(v)) return v;
  const text = hexText(v);
  if (key === 'proctitle') return text.replaceAll('\0', ' ').trimEnd();
  // several rule keys are joined with \x01 before encoding
  if (key === 'key' && text.includes('\x01')) return text.split('\x01');
  return text;
}

/** decode: 0 = interpreted (enriched) text, 1 = raw record, 2 = raw EXECVE record (a0.. are hex-encodable) */
function scan(s: string, i: number, end: number, rec: AuditRecord, decode: 0 | 1 | 2): void {
  let prefix = '';
  let avc = false;
  let chunks: Map<string, { index: number; hex: string }> | undefined;
  while (i < end) {
    let c = s.charCodeAt(i);
    if (c === 32 || c === 29 || c === 9) {
      i++;
      continue;
    }
    let j = i;
    while (j < end) {
      c = s.charCodeAt(j);
      if (c === 61 /* = */ || c === 32 || c === 29) break;
      j++;
    }
    if (j >= end || c !== 61) {
      const word = s.slice(i, j);
      if (word === '{') {
        // an AVC permission set: { read write }
        let close = s.indexOf('}', j);
        if (close < 0 || close > end) close = end;
        push(rec, 'seperms', s.slice(j, close).trim().split(/\s+/).join(','));
        i = close + 1;
        continue;
      }
      // LOGIN records of older kernels: "old auid=500 new auid=1000"
      if (word === 'old' || word === 'new') prefix = `${word}_`;
      else if (word === 'avc:') avc = true;
      else if (avc && (word === 'denied' || word === 'granted')) push(rec, 'seresult', word);
      i = j;
      continue;
    }
    const key = prefix ? prefix + s.slice(i, j) : s.slice(i, j);
    prefix = '';
    const v = j + 1;
    c = s.charCodeAt(v);
    if (c === 34 /* " */) {
      let q = s.indexOf('"', v + 1);
      if (q < 0 || q > end) q = end;
      push(rec, key, s.slice(v + 1, q));
      i = q + 1;
    } else if (c === 39 /* ' */ && key === 'msg') {
      // a user-space record's message: its key=value pairs belong to the record
      let q = s.lastIndexOf("'", end - 1);
      if (q <= v) q = end;
      scan(s, v + 1, q, rec, decode);
      i = q + 1;
    } else if (c === 123 /* { */) {
      // enriched SADDR={ fam=inet laddr=... }
      let q = s.indexOf('}', v);
      if (q < 0 || q >= end) q = end - 1;
      push(rec, key, s.slice(v, q + 1));
      i = q + 1;
    } else {
      let q = v;
      while (q < end) {
        c = s.charCodeAt(q);
        if (c === 32 || c === 29) break;
        q++;
      }
      const raw = s.slice(v, q);
      i = q;
      const bracket = decode === 2 ? key.indexOf('[') : -1;
      if (bracket > 0) {
        // a long EXECVE argument split into a1[0]=HEX a1[1]=HEX ...
        const base = key.slice(0, bracket);
        chunks ??= new Map();
        const part = chunks.get(base);
        if (part) part.hex += raw;
        else {
          chunks.set(base, { index: rec.keys.length, hex: raw });
          push(rec, base, '');
        }
      } else {
        push(rec, key, decode === 0 ? raw : decodeValue(key, raw, decode === 2));
      }
    }
  }
  if (chunks) for (const { index, hex } of chunks.values()) rec.vals[index] = isHex(hex) ? hexText(hex) : hex;
}

function push(rec: AuditRecord, key: string, value: FieldValue): void {
  if (key === '__proto__') return;
  rec.keys.push(key);
  rec.vals.push(value);
}

function parseRecord(line: string): AuditRecord | string {
  let t = 0;
  if (!line.startsWith('type=')) {
    t = line.indexOf('type=');
    while (t > 0 && line.charCodeAt(t - 1) !== 32) t = line.indexOf('type=', t + 5);
    if (t < 0) return NOT_AUDIT;
  }
  const typeEnd = line.indexOf(' ', t + 5);
  if (typeEnd < 0 || typeEnd === t + 5) return NOT_AUDIT;
  let type = line.slice(t + 5, typeEnd);
  if (isDigits(type)) type = lookup(RECORD_TYPES, type) ?? `UNKNOWN[${type}]`;

  let node: string | undefined;
  let host: string | undefined;
  if (t > 0) {
    const prefix = line.slice(0, t);
    const n = prefix.lastIndexOf('node=');
    if (n >= 0 && (n === 0 || prefix.charCodeAt(n - 1) === 32)) {
      const e = prefix.indexOf(' ', n);
      node = prefix.slice(n + 5, e < 0 ? undefined : e);
    } else {
      host = SYSLOG_HOST.exec(prefix)?.[1];
    }
  }
  const rec: AuditRecord = { type, ts: undefined, serial: undefined, node, host, keys: [], vals: [] };

  let s: number;
  if (line.startsWith('msg=audit(', typeEnd + 1)) s = typeEnd + 11;
  else if (line.startsWith('audit(', typeEnd + 1)) s = typeEnd + 7;
  else if (line.startsWith('msg=', typeEnd + 1) && (t === 0 || line.startsWith('node='))) {
    // a record without a stamp (seen in real logs, cut short): kept, with no time and no group
    scan(line, typeEnd + 1, line.length, rec, 1);
    return rec;
  } else return NOT_AUDIT;

  let k = s;
  let sec = 0;
  for (; k < line.length; k++) {
    const d = line.charCodeAt(k) - 48;
    if (d < 0 || d > 9) break;
    sec = sec * 10 + d;
  }
  if (k === s || line.charCodeAt(k) !== 46 /* . */) return line.charCodeAt(k) === 47 /* / */ ? INTERPRETED : BAD_STAMP;
  // more digits than any date a Date can hold
  if (k - s > 11) return BAD_STAMP;
  k++;
  let ms = 0;
  let scale = 100;
  for (; k < line.length; k++) {
    const d = line.charCodeAt(k) - 48;
    if (d < 0 || d > 9) break;
    ms += d * scale;
    scale /= 10;
  }
  if (line.charCodeAt(k) !== 58 /* : */) return BAD_STAMP;
  const serialStart = ++k;
  while (k < line.length && line.charCodeAt(k) >= 48 && line.charCodeAt(k) <= 57) k++;
  if (k === serialStart || line.charCodeAt(k) !== 41 /* ) */) return BAD_STAMP;
  rec.serial = line.slice(serialStart, k);
  rec.ts = sec * 1000 + Math.floor(ms);
  k++;
  if (line.charCodeAt(k) === 58) k++;

  // auditd's enriched format appends interpreted values (UID="root" SYSCALL=execve ...) after a 0x1d byte
  const gs = line.indexOf('\x1d', k);
  const rawEnd = gs < 0 ? line.length : gs;
  scan(line, k, rawEnd, rec, type === 'EXECVE' ? 2 : 1);
  if (gs >= 0) scan(line, gs + 1, line.length, rec, 0);
  return rec;
}

function recVal(r: AuditRecord, key: string): string | undefined {
  for (let i = 0; i < r.keys.length; i++) if (r.keys[i] === key && typeof r.vals[i] === 'string') return r.vals[i] as string;
  return undefined;
}

/** Values auditd writes for "nothing here". */
function meaningful(v: string | undefined): v is string {
  return v !== undefined && v !== '' && v !== '?' && v !== '(null)' && v !== '(none)' && v !== 'unset';
}

/**
 * The *at syscalls and the registers holding their directory descriptors: a relative name there is relative to that
 * folder, which the log does not name, unless the descriptor is AT_FDCWD.
 */
const DIRFD_ARGS: Record<string, string[]> = {
  openat: ['a0'], openat2: ['a0'], execveat: ['a0'], mkdirat: ['a0'], mknodat: ['a0'], unlinkat: ['a0'], fchownat: ['a0'],
  fchmodat: ['a0'], faccessat: ['a0'], faccessat2: ['a0'], renameat: ['a0', 'a2'], renameat2: ['a0', 'a2'],
  linkat: ['a0', 'a2'], symlinkat: ['a1'],
};

/** AT_FDCWD (-100) as a register: 32 bits wide (x86_64 passes an int) or sign-extended to 64 (aarch64). */
const AT_FDCWD = /^(?:ffffffff)?ffffff9c$/i;

/** The folder relative PATH names start from: the cwd, or none when the syscall used a directory descriptor. */
function nameBase(syscall: AuditRecord | undefined, syscallName: string | undefined, cwd: string | undefined): string | undefined {
  const dirfds = syscallName ? lookup(DIRFD_ARGS, syscallName) : undefined;
  if (dirfds && syscall && dirfds.some((a) => !AT_FDCWD.test(recVal(syscall, a) ?? ''))) return undefined;
  return cwd;
}

/**
 * A PATH name as the file it reached: relative names joined to the base folder, then . and .. resolved lexically
 * (the kernel logs the name as the program passed it). A relative name without an absolute base stays as written.
 */
function resolvePath(name: string, base: string | undefined): string {
  let abs: string;
  if (name.startsWith('/')) abs = name;
  else if (base?.startsWith('/')) abs = `${base}/${name}`;
  else return name;
  const out: string[] = [];
  for (const seg of abs.split('/')) {
    if (seg === '..') out.pop();
    else if (seg !== '' && seg !== '.') out.push(seg);
  }
  return `/${out.join('/')}`;
}

function ipv6(hex: string): string {
  const groups: string[] = [];
  for (let i = 0; i < 32; i += 4) groups.push(parseInt(hex.slice(i, i + 4), 16).toString(16));
  // compress the longest run of zero groups, as RFC 5952 writes it
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

/** A SOCKADDR record's saddr (a raw struct sockaddr in hex): inet and inet6 addresses with their port. */
function sockaddr(hex: string): { ip: string; port: number } | undefined {
  if (!isHex(hex) || hex.length < 16) return undefined;
  const family = parseInt(hex.slice(2, 4) + hex.slice(0, 2), 16);
  const port = parseInt(hex.slice(4, 8), 16);
  if (family === 2) {
    const b = (i: number) => parseInt(hex.slice(i, i + 2), 16);
    return { ip: `${b(8)}.${b(10)}.${b(12)}.${b(14)}`, port };
  }
  if (family === 10 && hex.length >= 48) return { ip: ipv6(hex.slice(16, 48)), port };
  return undefined;
}

/** The register holding an open's flags (openat2 passes a struct: its flags are in the OPENAT2 record). */
const OPEN_FLAGS_ARG: Record<string, string> = { open: 'a1', openat: 'a2', open_by_handle_at: 'a2' };

/** O_* bits above the access mode, as x86_64, i386, arm and aarch64 share them. */
const OPEN_FLAG_BITS: [number, string][] = [[0o100, 'O_CREAT'], [0o200, 'O_EXCL'], [0o1000, 'O_TRUNC'], [0o2000, 'O_APPEND']];
/** Flags that let an open change the file: write access, creating it, or truncating it (even read-only). */
const OPEN_MAY_WRITE = 0o3 | 0o100 | 0o1000;

/** An open-like call's flags, or undefined for other syscalls and unreadable values. */
function openFlags(recs: AuditRecord[], syscall: AuditRecord | undefined, syscallName: string): number | undefined {
  let v: number;
  if (syscallName === 'openat2') {
    // the kernel prints oflag in octal with a leading 0
    const how = recs.find((r) => canonical(r.type) === 'OPENAT2');
    v = parseInt((how && recVal(how, 'oflag')) ?? '', 8);
  } else {
    const arg = lookup(OPEN_FLAGS_ARG, syscallName);
    v = parseInt((arg && syscall && recVal(syscall, arg)) || '', 16);
  }
  return Number.isNaN(v) ? undefined : v;
}

function openFlagNames(flags: number): string[] {
  const names: string[] = [];
  const access = ['O_RDONLY', 'O_WRONLY', 'O_RDWR'][flags & 3];
  if (access) names.push(access);
  for (const [bit, name] of OPEN_FLAG_BITS) if (flags & bit) names.push(name);
  return names;
}

/** nametype= since kernel 4.x; objtype= before. */
function nameType(r: AuditRecord): string | undefined {
  return recVal(r, 'nametype') ?? recVal(r, 'objtype');
}

/**
 * What the PATH items say the syscall did, for a syscall the tables do not name: a CREATE or DELETE item is only
 * written for a creation or removal (both: a rename over a file).
 */
function pathChange(recs: AuditRecord[]): [string[], string[]] | undefined {
  const types = new Set(recs.filter((r) => r.type === 'PATH').map(nameType));
  if (types.has('CREATE') && types.has('DELETE')) return [['file'], ['change']];
  if (types.has('CREATE')) return [['file'], ['creation']];
  if (types.has('DELETE')) return [['file'], ['deletion']];
  return undefined;
}

function buildEvent(g: Group): ParsedEvent {
  const span = { at: g.first, raw: g.lines.length === 1 ? g.lines[0] : g.lines.join('\n'), lines: g.lines.length };
  const recs = g.records;
  if (recs.length === 0) {
    return { dataset: DATASET, fields: { 'event.kind': 'pipeline_error', 'error.message': 'ausearch separator lines without a record after them' }, span };
  }
  const head = recs[0];
  const execve = recs.find((r) => r.type === 'EXECVE');
  const syscall = recs.find((r) => r.type === 'SYSCALL');

  // every key of every record; a key written by several records holds their values in record order
  const obj: Record<string, FieldValue> = {};
  let multi: Set<string> | undefined;
  const add = (k: string, v: FieldValue) => {
    const cur = obj[k];
    // values are strings or arrays: a function here is inherited (a key such as "constructor"), not a value
    if (cur === undefined || typeof cur === 'function') obj[k] = v;
    else if (multi?.has(k)) (cur as FieldValue[]).push(v);
    else {
      obj[k] = [cur, v];
      (multi ??= new Set()).add(k);
    }
  };
  for (const r of recs) {
    add('type', r.type);
    // with an EXECVE record, a0.. are the program's arguments; the SYSCALL's a0-a3 are only pointers to them
    const registers = execve !== undefined && r.type === 'SYSCALL';
    for (let i = 0; i < r.keys.length; i++) {
      const k = r.keys[i];
      if (registers && k.length === 2 && k.charCodeAt(0) === 97 && k.charCodeAt(1) >= 48 && k.charCodeAt(1) <= 51) continue;
      add(k, r.vals[i]);
    }
  }
  /** the first meaningful value of a key, in record order */
  const val = (k: string): string | undefined => {
    const v = obj[k];
    if (typeof v === 'string') return meaningful(v) ? v : undefined;
    if (Array.isArray(v)) for (const x of v) if (typeof x === 'string' && meaningful(x)) return x;
    return undefined;
  };

  const arch = val('arch');
  const syscallNo = val('syscall');
  const archSyscalls = arch ? lookup(SYSCALLS_BY_ARCH, arch) : undefined;
  const syscallName = val('SYSCALL') ?? (syscallNo && archSyscalls ? lookup(archSyscalls, syscallNo) : undefined);
  if (syscallName) obj.syscall_name = syscallName;
  if (head.serial !== undefined) obj.sequence = Number(head.serial);
  obj.record_count = recs.length;

  const f: Fields = {};
  const primary = recs.find((r) => !AUXILIARY.has(canonical(r.type)));
  const ptype = primary ? canonical(primary.type) : undefined;
  f['event.action'] = (ptype ?? (execve ? 'execve' : syscall ? 'syscall' : canonical(head.type))).toLowerCase();

  // categorisation and outcome
  let cat: [string[], string[]] | undefined;
  let outcome: string | undefined;
  if (ptype && MAC_TYPES.has(ptype)) {
    const verdict = (val('seresult') ?? val('apparmor') ?? '').toLowerCase();
    const denied = verdict === 'denied';
    const allowed = verdict === 'granted' || verdict === 'allowed';
    outcome = denied ? 'failure' : allowed ? 'success' : undefined;
    const tclass = val('tclass');
    const category = tclass ? (FILE_CLASSES.has(tclass) ? 'file' : tclass.includes('socket') ? 'network' : 'process') : val('name')?.startsWith('/') ? 'file' : 'process';
    cat = [[category], [denied ? 'denied' : allowed ? 'allowed' : 'info']];
  } else if (ptype) {
    cat = lookup(TYPE_CATEGORIES, ptype);
  } else if (execve) {
    cat = [['process'], ['start']];
  } else if (syscallName) {
    cat = lookup(SYSCALL_CATEGORIES, syscallName);
    const flags = openFlags(recs, syscall, syscallName);
    if (flags !== undefined) {
      obj.open_flags = openFlagNames(flags);
      // a read-only open (cat /etc/sudoers under an rwxa watch) stays an access; a CREATE item makes a creation
      if (recs.some((r) => r.type === 'PATH' && nameType(r) === 'CREATE')) cat = [['file'], ['creation']];
      else if (flags & OPEN_MAY_WRITE) cat = [['file'], ['change']];
    }
  }
  cat ??= pathChange(recs);
  cat ??= [[syscall || execve ? 'process' : 'host'], ['info']];
  f['event.category'] = cat[0];
  f['event.type'] = cat[1];
  if (!outcome) {
    const res = val('res') ?? val('success');
    outcome = res ? lookup(OUTCOMES, res.toLowerCase()) : undefined;
  }
  f['event.outcome'] = outcome ?? 'unknown';

  const host = head.node ?? head.host;
  if (host) f['host.name'] = host;
  if (arch) f['host.architecture'] = lookup(ARCHITECTURES, arch);

  f['process.pid'] = toInt(val('pid'));
  f['process.ppid'] = toInt(val('ppid'));
  f['process.name'] = val('comm');
  f['process.executable'] = val('exe');
  f['process.title'] = val('proctitle');
  const cwd = val('cwd');
  f['process.working_directory'] = cwd;
  if (execve) {
    const args: string[] = [];
    for (let i = 0; i < execve.keys.length; i++) {
      const v = execve.vals[i];
      if (isArgKey(execve.keys[i]) && typeof v === 'string') args.push(v);
    }
    if (args.length) {
      f['process.args'] = args;
      f['process.command_line'] = args.join(' ');
    }
  } else if (ptype === 'USER_CMD') {
    const cmd = val('cmd');
    if (cmd) {
      f['process.command_line'] = cmd;
      f['process.args'] = cmd.split(' ').filter((a) => a !== '');
    }
  }

  f['user.id'] = val('uid');
  f['user.audit.id'] = val('auid');
  f['user.effective.id'] = val('euid');
  const acct = val('acct');
  const account = acct && !acct.startsWith('(') ? acct : undefined;
  const id = val('id');
  if (ptype && IAM_USER.has(ptype)) {
    f['user.target.name'] = account;
    f['user.target.id'] = id;
    f['group.name'] = val('grp');
    f['user.name'] = val('AUID');
  } else if (ptype && IAM_GROUP.has(ptype)) {
    f['group.name'] = val('grp') ?? account;
    f['group.id'] = id;
    f['user.name'] = val('AUID');
  } else {
    f['user.name'] = account ?? (id && !isDigits(id) ? id : undefined) ?? val('ID') ?? val('UID');
  }

  // the remote side: addr= (user-space records), hostname= when it is an address, src=/dst= (IPsec),
  // laddr/lport/rport (crypto sessions), and the socket address of connect/accept syscalls
  const addr = val('addr');
  const hostname = val('hostname');
  const src = val('src');
  if (addr && isIpAddress(addr)) f['source.ip'] = addr;
  else if (hostname && isIpAddress(hostname)) f['source.ip'] = hostname;
  else if (src && isIpAddress(src)) f['source.ip'] = src;
  // local tools write their own host name there; it names the remote side only beside a remote address
  if (hostname && addr && hostname !== addr && !isIpAddress(hostname)) f['source.domain'] = hostname;
  f['source.port'] = toInt(val('rport'));
  const dst = val('dst') ?? val('laddr');
  if (dst && isIpAddress(dst)) f['destination.ip'] = dst;
  f['destination.port'] = toInt(val('lport'));
  const saddr = val('saddr');
  if (saddr && syscallName) {
    const sa = sockaddr(saddr);
    // network.direction from the host's point of view, as ECS asks of host-based events: its connect goes out, an
    // accept comes in (Sysmon's Initiated)
    if (sa && (syscallName === 'connect' || syscallName === 'sendto' || syscallName === 'sendmsg')) {
      f['destination.ip'] = sa.ip;
      f['destination.port'] = sa.port;
      f['network.direction'] = 'egress';
    } else if (sa && (syscallName === 'accept' || syscallName === 'accept4') && !f['source.ip']) {
      f['source.ip'] = sa.ip;
      f['source.port'] = sa.port;
      f['network.direction'] = 'ingress';
    }
  }

  // every PATH item as the file it reached, in item order (ausearch lists records in reverse); the main object is
  // the lowest item that is not a parent directory
  const base = nameBase(syscall, syscallName, cwd);
  const items: { item: number; path: string; parent: boolean }[] = [];
  for (const r of recs) {
    if (r.type !== 'PATH') continue;
    const name = recVal(r, 'name');
    if (!meaningful(name)) continue;
    const parent = nameType(r) === 'PARENT';
    items.push({ item: Number(recVal(r, 'item') ?? NaN), path: resolvePath(name, base), parent });
  }
  items.sort((a, b) => (a.item || 0) - (b.item || 0));
  if (items.length) obj.paths = items.map((i) => i.path);
  let path: string | undefined = (items.find((i) => !i.parent) ?? items[0])?.path;
  if (!path) {
    const p = val('path');
    const n = ptype && MAC_TYPES.has(ptype) ? val('name') : undefined;
    path = p?.startsWith('/') ? p : n?.startsWith('/') ? n : undefined;
    // an SELinux denial names only the last component of the object
    if (!path && n) f['file.name'] = n;
  }
  if (path) f['file.path'] = path;

  f.auditd = obj;
  return { ts: head.ts, dataset: DATASET, fields: f, span };
}

function isSeparator(line: string): boolean {
  return line === '----' || line.startsWith('time->');
}

export const auditd: Parser = {
  name: 'auditd',
  description: 'Linux audit log (audit.log, audispd via syslog, kernel audit lines, ausearch output); records of one event are grouped',
  datasets: [DATASET],
  standalone: true,
  detect(sample) {
    let n = 0;
    for (const l of sample) {
      if (DETECT.test(l) || (l.startsWith('type=') && l.includes(' msg=')) || isSeparator(l)) n++;
    }
    return sample.length ? n / sample.length : 0;
  },
  create() {
    let open: Group | undefined;
    const close = (): ParsedEvent => {
      const g = open!;
      open = undefined;
      return buildEvent(g);
    };
    return {
      parse(line, at) {
        if (isSeparator(line)) {
          if (open && open.records.length === 0) {
            open.lines.push(line);
            return null;
          }
          const closed = open ? close() : null;
          open = { first: at, lines: [line], records: [] };
          return closed;
        }
        const rec = parseRecord(line);
        if (typeof rec === 'string') return rec;
        if (open && open.lines.length < MAX_GROUP_LINES) {
          const head = open.records[0];
          if (!head || (rec.serial !== undefined && rec.serial === head.serial && rec.node === head.node)) {
            open.lines.push(line);
            open.records.push(rec);
            return rec.type === 'EOE' ? close() : null;
          }
        }
        const closed = open ? close() : undefined;
        if (rec.serial === undefined || rec.type === 'EOE') {
          const own = buildEvent({ first: at, lines: [line], records: [rec] });
          return closed ? [closed, own] : own;
        }
        open = { first: at, lines: [line], records: [rec] };
        return closed ?? null;
      },
      flush: () => (open ? [close()] : []),
      held: () => open?.first,
    };
  },
  fields: fieldDefs(),
};

function fieldDefs(): FieldDef[] {
  const by = 'auditd';
  const d = (name: string, type: FieldDef['type'], desc: string): FieldDef => ({ name, type, desc, filledBy: by });
  return [
    d('auditd', 'object', 'every key=value of every record of the event, decoded; a key several records write holds an array in record order; plus type (record types), sequence, record_count, syscall_name, paths (every PATH name resolved like file.path, in item order) and open_flags (the flags of an open: O_RDONLY/O_WRONLY/O_RDWR, O_CREAT, O_EXCL, O_TRUNC, O_APPEND)'),
    d('process.ppid', 'long', 'parent process id'),
    d('process.executable', 'keyword', 'absolute path of the executable (exe=)'),
    d('process.args', 'keyword[]', 'the program arguments (EXECVE a0.., or a USER_CMD command split on spaces)'),
    d('process.command_line', 'keyword', 'the arguments joined with spaces, or the USER_CMD command'),
    d('process.title', 'keyword', 'the process title (PROCTITLE, NUL separators as spaces)'),
    d('process.working_directory', 'keyword', 'the working directory (CWD record, or cwd= of USER_CMD)'),
    d('user.id', 'keyword', 'uid of the acting process'),
    d('user.audit.id', 'keyword', 'login uid (auid); 4294967295 means unset'),
    // described by the VPC flow parser, which comes first in the registry; listed here for "filled by"
    d('network.direction', 'keyword', ''),
    d('user.effective.id', 'keyword', 'effective uid (euid)'),
    d('user.target.id', 'keyword', 'uid of the account created, deleted or changed (id= of ADD_USER, USER_MGMT, ...)'),
    d('group.name', 'keyword', 'group created, deleted or changed'),
    d('group.id', 'keyword', 'gid of the group created, deleted or changed'),
    d('file.path', 'keyword', 'the file the event is about: in auditd the first PATH item that is not a parent directory, made absolute against the cwd (not after a directory descriptor) with . and .. resolved; in Apache error logs the file a denial or not-found line names'),
    d('file.name', 'keyword', 'the object of an SELinux denial when only its last component is known (name=)'),
    d('source.domain', 'keyword', 'remote host name (hostname= of user-space records)'),
    d('host.architecture', 'keyword', 'x86_64, i386, aarch64, arm (from arch=)'),
  ];
}
