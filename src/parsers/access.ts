import { notYet } from './stub.js';

export const access = notYet('access', 'web.access');
