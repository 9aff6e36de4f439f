/** The kernel's messages: netfilter LOG lines (UFW, iptables) become firewall events; the rest stay syslog. */
import type { ParsedEvent } from '../../model/event.js';
import { firewallMessage } from '../firewall.js';

export function kernelMessage(msg: string, ev: ParsedEvent): void {
  if (msg.includes(' SRC=') && firewallMessage(msg, ev.fields)) ev.dataset = 'firewall';
}
