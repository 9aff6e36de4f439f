/** cron / crond: `(root) CMD (command)` when a job starts. */
import type { ParsedEvent } from '../../model/event.js';
import { act } from './types.js';

const CMD = /^\((\S+)\) CMD \((.*)\)$/s;

export function cronMessage(msg: string, ev: ParsedEvent): void {
  const m = CMD.exec(msg);
  if (!m) return;
  const f = ev.fields;
  f['user.name'] = m[1];
  f['process.command_line'] = m[2].trim();
  act(f, 'cron_command', 'success', ['process'], ['start']);
}
