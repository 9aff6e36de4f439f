/** systemd-logind: `New session 3 of user alice.` / `Removed session 3.` */
import type { ParsedEvent } from '../../model/event.js';
import { act } from './types.js';

const NEW = /^New session (\S+) of user (.+?)\.?$/s;
const REMOVED = /^Removed session (\S+?)\.?$/;

export function logindMessage(msg: string, ev: ParsedEvent): void {
  const f = ev.fields;
  let m = NEW.exec(msg);
  if (m) {
    f['logind.session_id'] = m[1];
    f['user.name'] = m[2];
    act(f, 'logind_session_new', 'success', ['session'], ['start']);
    return;
  }
  m = REMOVED.exec(msg);
  if (m) {
    f['logind.session_id'] = m[1];
    act(f, 'logind_session_removed', 'success', ['session'], ['end']);
  }
}
