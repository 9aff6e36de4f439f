import { notYet } from './stub.js';

export const vpcflow = notYet('vpcflow', 'aws.vpcflow');
