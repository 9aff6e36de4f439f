import { notYet } from './stub.js';

export const apacheError = notYet('apache-error', 'apache.error');
