import { notYet } from './stub.js';

export const nginxError = notYet('nginx-error', 'nginx.error');
