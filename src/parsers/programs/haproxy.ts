/** haproxy's lines in a syslog stream: the same code as the haproxy parser, so both give the same events. */
import type { ParsedEvent } from '../../model/event.js';
import { haproxyMessage } from '../haproxy.js';
import type { MessageContext } from './types.js';

export function haproxyProgram(msg: string, ev: ParsedEvent, mc: MessageContext): void {
  haproxyMessage(msg, ev, mc.header, mc.tz);
}
