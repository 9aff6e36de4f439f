import { notYet } from './stub.js';

export const json = notYet('json', 'json');
