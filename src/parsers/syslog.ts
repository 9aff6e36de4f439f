import { notYet } from './stub.js';

export const syslog = notYet('syslog', 'system.syslog');
