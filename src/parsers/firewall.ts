import { notYet } from './stub.js';

export const firewall = notYet('firewall', 'firewall');
