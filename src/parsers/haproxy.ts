import { notYet } from './stub.js';

export const haproxy = notYet('haproxy', 'haproxy.log');
