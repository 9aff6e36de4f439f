/**
 * sudo: `alice : [REASON ; ]TTY=pts/0 ; PWD=/home/alice ; USER=root ; [ENV=... ; ]COMMAND=/bin/ls -la`.
 * COMMAND comes last and is taken whole (it may contain " ; ").
 */
import type { Fields, ParsedEvent } from '../../model/event.js';
import { act } from './types.js';

const ATTEMPTS = /^(\d+) incorrect password attempts?$/;

export function sudoMessage(msg: string, ev: ParsedEvent): void {
  const colon = msg.indexOf(' : ');
  if (colon < 0) return;
  const user = msg.slice(0, colon).trim();
  if (user === '' || user.includes(' ')) return;
  const f = ev.fields;
  f['user.name'] = user;
  const rest = msg.slice(colon + 3);
  // long commands are split over several lines: "alice : (command continued) ..."
  if (rest.startsWith('(command continued)')) return;
  let reason: string | undefined;
  let i = 0;
  while (i < rest.length) {
    if (rest.startsWith('COMMAND=', i)) {
      f['sudo.command'] = rest.slice(i + 8);
      break;
    }
    const sep = rest.indexOf(' ; ', i);
    const part = rest.slice(i, sep < 0 ? rest.length : sep);
    const eq = part.indexOf('=');
    const key = eq > 0 ? part.slice(0, eq) : '';
    if (key !== '' && /^[A-Z]+$/.test(key)) setKey(f, key, part.slice(eq + 1));
    else if (i === 0) reason = part;
    if (sep < 0) break;
    i = sep + 3;
  }
  if (f['sudo.command'] === undefined && reason === undefined) return;
  classify(f, reason);
}

function setKey(f: Fields, key: string, value: string): void {
  switch (key) {
    case 'TTY':
      f['sudo.tty'] = value;
      break;
    case 'PWD':
      f['sudo.pwd'] = value;
      break;
    case 'USER':
      f['user.target.name'] = value;
      break;
    case 'GROUP':
      f['group.name'] = value;
      break;
    case 'ENV':
      f['sudo.env'] = value;
      break;
    case 'TSID':
      f['sudo.tsid'] = value;
      break;
  }
}

function classify(f: Fields, reason: string | undefined): void {
  if (reason === undefined) {
    act(f, 'sudo_command', 'success', ['process'], ['start']);
    return;
  }
  f['sudo.error'] = reason;
  const m = ATTEMPTS.exec(reason);
  if (m) {
    f['sudo.attempts'] = Number(m[1]);
    act(f, 'sudo_auth_failure', 'failure', ['authentication'], ['info']);
  } else if (reason === 'a password is required') {
    act(f, 'sudo_auth_failure', 'failure', ['authentication'], ['info']);
  } else if (reason === 'user NOT in sudoers') {
    act(f, 'sudo_not_in_sudoers', 'failure', ['authentication'], ['info']);
  } else if (reason === 'command not allowed' || reason === 'user NOT authorized on host') {
    // in sudoers, but the policy refused this command or host: the command did not run
    act(f, 'sudo_command', 'failure', ['process'], ['start']);
  }
}
