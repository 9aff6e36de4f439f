import { notYet } from './stub.js';

export const logfmt = notYet('logfmt', 'logfmt');
