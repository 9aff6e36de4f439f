/**
 * Emitters for Linux examples (see sigma-example.ts): a Sigma example written as the native lines a Linux host
 * logs. auditd: the records of one kernel event as auditd writes them to audit.log (raw format), every Sigma field
 * in the record that carries it. Syslog: one BSD syslog line of the program that logs such a message.
 */
import type { Example } from './sigma-example.js';

/** Which host, process and event serial one example gets, so that findings can be told apart. */
export interface Identity {
  host: string;
  pid: number;
  /** audit event serial, and seconds added to the base time */
  serial: number;
}

const BASE_EPOCH = 1709805601; // 2024-03-07 10:00:01 UTC

/**
 * x86_64 syscall numbers (the kernel's arch/x86/entry/syscalls/syscall_64.tbl), written out here rather than read
 * from the parser's table, so that a number missing there shows as a rule that does not fire.
 */
const SYSCALL_NUMBERS = new Map(
  Object.entries({ openat: '257', execve: '59', personality: '135', syslog: '103', sysinfo: '99', mknod: '133', socket: '41', creat: '85', rename: '82' }),
);

/** Record types of a syscall event (the kernel writes them under one serial); the rest are user-space records. */
const SYSCALL_FAMILY = new Set(['SYSCALL', 'EXECVE', 'CWD', 'PATH', 'PROCTITLE']);

/** The keys each kernel record carries, in the order the kernel writes them. */
const SYSCALL_KEYS = ['arch', 'syscall', 'success', 'exit', 'a0', 'a1', 'a2', 'a3', 'items', 'ppid', 'pid', 'auid', 'uid', 'gid', 'euid', 'suid', 'fsuid', 'egid', 'sgid', 'fsgid', 'tty', 'ses', 'comm', 'exe', 'subj', 'key'];
const PATH_KEYS = ['item', 'name', 'inode', 'dev', 'mode', 'ouid', 'ogid', 'rdev', 'nametype', 'cap_fp', 'cap_fi', 'cap_fe', 'cap_fver'];
const CWD_KEYS = ['cwd'];
/** keys auditd writes as text: quoted, or hex when the value holds a space, a quote or a control character */
const TEXT_KEYS = new Set(['comm', 'exe', 'key', 'name', 'cwd', 'proctitle', 'subj']);

function isArg(k: string): boolean {
  return /^a\d+$/.test(k);
}

/** A text value as auditd writes it. */
function text(v: string): string {
  return /[\s"'\x00-\x1f\x7f]/.test(v) ? Buffer.from(v).toString('hex').toUpperCase() : `"${v}"`;
}

function kv(keys: string[], values: Map<string, string>): string {
  return keys
    .filter((k) => values.has(k))
    .map((k) => `${k}=${TEXT_KEYS.has(k) ? text(values.get(k)!) : values.get(k)}`)
    .join(' ');
}

/**
 * The audit.log lines of an example. `type` picks the records: a user-space type (SERVICE_STOP, ...) is one record
 * with the fields in its msg='...'; otherwise one syscall event (SYSCALL, EXECVE for an execve, CWD, PATH,
 * PROCTITLE). Keywords are the program's further arguments. `enriched`: as auditd 3 writes them by default.
 */
export function auditdLines(ex: Example, id: Identity, enriched = false): string[] {
  const lines = rawAuditdLines(ex, id);
  return enriched ? lines.map(enrich) : lines;
}

/**
 * auditd's ENRICHED log format (the default since auditd 3): after a 0x1d byte, the record's numbers as names
 * (ARCH, SYSCALL, the ids as user names).
 */
function enrich(line: string): string {
  const type = / type=(\S+) /.exec(line)![1];
  const value = (k: string) => new RegExp(` ${k}=(\\S+)`).exec(line)?.[1];
  const user = (id: string) => (id === '1000' ? 'alice' : id === '4294967295' ? 'unset' : 'root');
  const ids = (keys: string[]) => keys.filter((k) => value(k) !== undefined).map((k) => `${k.toUpperCase()}="${user(value(k)!)}"`);
  if (type === 'SYSCALL') {
    const no = value('syscall');
    const syscall = [...SYSCALL_NUMBERS].find(([, n]) => n === no)![0];
    return `${line}\x1dARCH=x86_64 SYSCALL=${syscall} ${ids(['auid', 'uid', 'gid', 'euid', 'suid', 'fsuid', 'egid', 'sgid', 'fsgid']).join(' ')}`;
  }
  if (type === 'PATH') return `${line}\x1d${ids(['ouid', 'ogid']).join(' ')}`;
  if (!SYSCALL_FAMILY.has(type)) return `${line}\x1d${ids(['uid', 'auid']).join(' ')}`;
  return line;
}

function rawAuditdLines(ex: Example, id: Identity): string[] {
  const fields = new Map(ex.fields);
  const types = (fields.get('type') ?? '').toUpperCase();
  fields.delete('type');
  const stamp = `msg=audit(${BASE_EPOCH + id.serial}.${String(id.serial % 1000).padStart(3, '0')}:${id.serial})`;
  const node = `node=${id.host}`;
  if (types !== '' && !SYSCALL_FAMILY.has(types)) return [userRecord(fields, id, `${node} type=${types} ${stamp}`)];

  // a file watch (PATH) or a syscall's registers: an open; anything else: a program started
  const opens = types === 'PATH' || (types === 'SYSCALL' && hasArgs(fields));
  const syscallName = (fields.get('SYSCALL') ?? (opens ? 'openat' : 'execve')).toLowerCase();
  fields.delete('SYSCALL');
  const execve = syscallName === 'execve';
  // with an EXECVE record the a0.. are the program's arguments; without, the SYSCALL's registers
  const args = [...fields].filter(([k]) => isArg(k));
  for (const [k] of args) fields.delete(k);
  const argv = execve ? argvOf(args, ex.keywords) : [];
  const program = argv[0] ?? 'sh';
  const exe = fields.get('exe') ?? (program.startsWith('/') ? program : `/usr/bin/${program}`);
  const comm = fields.get('comm') ?? exe.split('/').pop()!.slice(0, 15);
  const name = fields.get('name') ?? exe;

  const sys = syscallRecord(id, syscallName, exe, comm, {
    a0: execve ? '7ffd3c1e2a10' : 'ffffff9c',
    a1: '55d0c8a1b2c0',
    a2: execve ? '55d0c8a1b3e0' : '0',
    a3: '0',
    items: '1',
  });
  if (!execve) for (const [k, v] of args) sys.set(k, v);
  const path = new Map<string, string>([
    ['item', '0'],
    ['name', name],
    ['inode', String(400000 + id.serial)],
    ['dev', 'fd:00'],
    ['mode', '0100755'],
    ['ouid', '0'],
    ['ogid', '0'],
    ['rdev', '00:00'],
    ['nametype', 'NORMAL'],
  ]);
  const cwd = new Map([['cwd', '/root']]);
  for (const [k, v] of fields) {
    const rec = SYSCALL_KEYS.includes(k) ? sys : PATH_KEYS.includes(k) ? path : CWD_KEYS.includes(k) ? cwd : undefined;
    if (!rec) fail(`no kernel record carries the field ${k}`);
    rec.set(k, v);
  }
  // the key is written unquoted when unset
  const sysLine = kv(SYSCALL_KEYS, sys).replace('key="(null)"', 'key=(null)');
  const title = execve ? argv.join('\0') : comm;
  const lines = [`${node} type=SYSCALL ${stamp}: ${sysLine}`];
  if (execve) lines.push(`${node} type=EXECVE ${stamp}: argc=${argv.length} ${argv.map((a, i) => `a${i}=${text(a)}`).join(' ')}`);
  lines.push(`${node} type=CWD ${stamp}: ${kv(CWD_KEYS, cwd)}`);
  lines.push(`${node} type=PATH ${stamp}: ${kv(PATH_KEYS, path)}`);
  lines.push(`${node} type=PROCTITLE ${stamp}: proctitle=${Buffer.from(title).toString('hex').toUpperCase()}`);
  return lines;
}

/** A SYSCALL record's keys: the call, its registers and item count, then the process as the kernel names it. */
function syscallRecord(id: Identity, syscallName: string, exe: string, comm: string, regs: Record<'a0' | 'a1' | 'a2' | 'a3' | 'items', string>): Map<string, string> {
  return new Map<string, string>([
    ['arch', 'c000003e'],
    ['syscall', SYSCALL_NUMBERS.get(syscallName) ?? fail(`no x86_64 number for the syscall ${syscallName}`)],
    ['success', 'yes'],
    ['exit', '0'],
    ...Object.entries(regs),
    ['ppid', String(id.pid - 1)],
    ['pid', String(id.pid)],
    ['auid', '1000'],
    ['uid', '0'],
    ['gid', '0'],
    ['euid', '0'],
    ['suid', '0'],
    ['fsuid', '0'],
    ['egid', '0'],
    ['sgid', '0'],
    ['fsgid', '0'],
    ['tty', 'pts0'],
    ['ses', '3'],
    ['comm', comm],
    ['exe', exe],
    ['key', '(null)'],
  ]);
}

/**
 * How a program comes to write a file: a new file opened with O_CREAT (a shell's `>`, cp), creat(), an existing
 * file opened with O_TRUNC (overwritten), and three writes that create and overwrite nothing: an append (`>>`),
 * a read, and a rename (mv into place).
 */
export type FileWrite = 'create' | 'creat' | 'truncate' | 'append' | 'read' | 'rename';

/** x86_64 open flags as the kernel writes the register (hex): O_WRONLY 1, O_CREAT 0x40, O_TRUNC 0x200, O_APPEND 0x400 */
const OPEN_FLAGS: Partial<Record<FileWrite, string>> = { create: '241', truncate: '241', append: '441', read: '0' };

/**
 * The audit.log lines of one file write by `exe` to `path` (absolute, or relative to `cwd`): SYSCALL, CWD, the PATH
 * items (the folder with nametype=PARENT and the file: CREATE when the call made it, NORMAL when it was there),
 * PROCTITLE, as a watch (`-w /etc/cron.d -p wa`) or a syscall rule logs them.
 */
export function auditdFileLines(file: { path: string; exe: string; cwd?: string }, id: Identity, how: FileWrite = 'create'): string[] {
  const stamp = `msg=audit(${BASE_EPOCH + id.serial}.${String(id.serial % 1000).padStart(3, '0')}:${id.serial})`;
  const head = (type: string) => `node=${id.host} type=${type} ${stamp}:`;
  const comm = file.exe.split('/').pop()!.slice(0, 15);
  const cwd = file.cwd ?? '/root';
  // the folder as the name gives it, up to its last slash; a bare file name's folder is the cwd, which the kernel
  // then writes in full
  const folder = file.path.includes('/') ? file.path.slice(0, file.path.lastIndexOf('/') + 1) : cwd;
  const made = how === 'create' || how === 'creat' || how === 'rename';
  const pathItem = (item: number, name: string, nametype: string, mode: string) =>
    kv(PATH_KEYS, new Map([['item', String(item)], ['name', name], ['inode', String(400000 + id.serial * 4 + item)], ['dev', 'fd:00'], ['mode', mode], ['ouid', '0'], ['ogid', '0'], ['rdev', '00:00'], ['nametype', nametype], ['cap_fp', '0'], ['cap_fi', '0'], ['cap_fe', '0'], ['cap_fver', '0']]));
  const items: string[] = [];
  let regs: Record<'a0' | 'a1' | 'a2' | 'a3' | 'items', string>;
  if (how === 'rename') {
    // rename(2) of a temporary file in the same folder (an editor's or sed -i's save): both folders, the old name
    // deleted and the new one created, one inode
    const from = `${folder}.${file.path.slice(file.path.lastIndexOf('/') + 1)}.tmp`;
    const inode = (line: string, item: number) => line.replace(/inode=\d+/, `inode=${400000 + id.serial * 4 + item}`);
    const dir = pathItem(0, folder, 'PARENT', '040755');
    items.push(dir, inode(dir, 0).replace('item=0', 'item=1'), pathItem(2, from, 'DELETE', '0100644'), inode(pathItem(3, file.path, 'CREATE', '0100644'), 2));
    regs = { a0: '7ffd3c1e4e61', a1: '7ffd3c1e4e77', a2: '0', a3: '0', items: '4' };
  } else if (how === 'read') {
    items.push(pathItem(0, file.path, 'NORMAL', '0100644'));
    regs = { a0: 'ffffff9c', a1: '55d0c8a1b2c0', a2: OPEN_FLAGS.read!, a3: '0', items: '1' };
  } else {
    // an open or creat with O_CREAT looks the folder up first: its PARENT item, then the file's
    items.push(pathItem(0, folder, 'PARENT', '040755'), pathItem(1, file.path, made ? 'CREATE' : 'NORMAL', '0100644'));
    regs = how === 'creat' ? { a0: '55d0c8a1b2c0', a1: '1a4', a2: '0', a3: '0', items: '2' } : { a0: 'ffffff9c', a1: '55d0c8a1b2c0', a2: OPEN_FLAGS[how]!, a3: '1b6', items: '2' };
  }
  const syscall = how === 'creat' ? 'creat' : how === 'rename' ? 'rename' : 'openat';
  const sys = syscallRecord(id, syscall, file.exe, comm, regs);
  sys.set('exit', how === 'rename' ? '0' : '3');
  return [
    `${head('SYSCALL')} ${kv(SYSCALL_KEYS, sys).replace('key="(null)"', 'key=(null)')}`,
    `${head('CWD')} ${kv(CWD_KEYS, new Map([['cwd', cwd]]))}`,
    ...items.map((i) => `${head('PATH')} ${i}`),
    `${head('PROCTITLE')} proctitle=${Buffer.from(comm).toString('hex').toUpperCase()}`,
  ];
}

function hasArgs(fields: Map<string, string>): boolean {
  return [...fields.keys()].some(isArg);
}

/**
 * The argument vector: the rule's a0..aN in place (gaps filled), then the keywords as further arguments, split at
 * spaces as a shell splits a command line.
 */
function argvOf(args: [string, string][], keywords: string[]): string[] {
  const argv: string[] = [];
  for (const [k, v] of args) argv[Number(k.slice(1))] = v;
  for (let i = 0; i < argv.length; i++) argv[i] ??= i === 0 ? 'sh' : `arg${i}`;
  if (argv.length === 0) argv.push('sh');
  return [...argv, ...keywords.flatMap((k) => k.split(' ').filter((w) => w !== ''))];
}

/** A user-space record (SERVICE_STOP, USER_CMD, ...): the sender's fields, then its message's key=value pairs. */
function userRecord(fields: Map<string, string>, id: Identity, head: string): string {
  const exe = fields.get('exe') ?? '/usr/lib/systemd/systemd';
  const comm = fields.get('comm') ?? exe.split('/').pop()!;
  fields.delete('exe');
  fields.delete('comm');
  const msg = [...fields].map(([k, v]) => `${k}=${/\s/.test(v) ? `"${v}"` : v}`).join(' ');
  return `${head}: pid=${id.pid} uid=0 auid=4294967295 ses=4294967295 subj=system_u:system_r:init_t:s0 msg='${msg} comm="${comm}" exe="${exe}" hostname=? addr=? terminal=? res=success'`;
}

/** A BSD syslog line, as rsyslog writes /var/log/syslog and auth.log. */
export function syslogLine(id: Identity, program: string, message: string): string {
  const d = new Date((BASE_EPOCH + id.serial) * 1000);
  const month = d.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  const time = d.toISOString().slice(11, 19);
  return `${month} ${String(d.getUTCDate()).padStart(2, ' ')} ${time} ${id.host} ${program}[${id.pid}]: ${message}`;
}

function fail(why: string): never {
  throw new Error(why);
}
