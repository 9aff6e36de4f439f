import { notYet } from './stub.js';

export const cloudtrail = notYet('cloudtrail', 'aws.cloudtrail');
