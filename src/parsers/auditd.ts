import { notYet } from './stub.js';

export const auditd = notYet('auditd', 'auditd.log');
