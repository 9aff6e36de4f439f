/**
 * su, from shadow-utils (`Successful su for root by alice`, `FAILED su for root by alice`, `+ pts/0 alice:root`),
 * util-linux (`(to root) alice on pts/0`, `FAILED SU (to root) alice on pts/0`) and BSD
 * (`'su root' failed for alice on /dev/pts/8`).
 */
import type { Fields, ParsedEvent } from '../../model/event.js';
import { act } from './types.js';

const SHADOW = /^(Successful|FAILED) su for (\S+) by (\S+)$/;
const SULOG = /^([+-]) (\S+) (\S+?):(\S+)$/;
const UTIL_LINUX = /^(FAILED SU )?\(to (\S+)\) (\S+) on (\S+)$/;
const BSD = /^'su (\S+)' (failed|succeeded) for (\S+) on (\S+)$/;

function su(f: Fields, ok: boolean, user: string, target: string, tty?: string): void {
  f['user.name'] = user;
  f['user.target.name'] = target;
  if (tty !== undefined) f['su.tty'] = tty;
  if (ok) act(f, 'su', 'success', ['authentication', 'session'], ['start']);
  else act(f, 'su', 'failure', ['authentication'], ['info']);
}

export function suMessage(msg: string, ev: ParsedEvent): void {
  const f = ev.fields;
  let m = SHADOW.exec(msg);
  if (m) return su(f, m[1] === 'Successful', m[3], m[2]);
  m = SULOG.exec(msg);
  if (m) return su(f, m[1] === '+', m[3], m[4], m[2]);
  m = UTIL_LINUX.exec(msg);
  if (m) return su(f, m[1] === undefined, m[3], m[2], m[4]);
  m = BSD.exec(msg);
  if (m) return su(f, m[2] === 'succeeded', m[3], m[1], m[4]);
}
