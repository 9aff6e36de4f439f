/**
 * Writes the example of a Sigma CloudTrail rule (test/helpers/sigma-example.ts) as a CloudTrail record as AWS
 * writes it. Sigma's CloudTrail field names are the record's own keys, dotted for nesting, so each example field
 * goes to its nested place in an otherwise ordinary record (identity, time, region, request id...); an absent field
 * is left out. Where real records hold something other than a string, so does the example: the rule's 'true' and
 * 'false' become JSON booleans, keys that CloudTrail writes as lists become lists (the example value being one
 * element among others), and a rule value for a key that is an object in real records (requestParameters...) is
 * written inside that object, not in its place.
 */
import type { Example } from './sigma-example.js';

type Obj = Record<string, unknown>;

export const ACCOUNT = '210987654321';

/**
 * Keys (dotted, from the record's root, list elements not counted) that CloudTrail writes as lists: ECS task
 * definitions (RegisterTaskDefinition, RunTask overrides), a container's command, Lambda layers.
 */
const LIST_KEYS = new Set([
  'requestParameters.containerDefinitions',
  'requestParameters.containerDefinitions.command',
  'requestParameters.layers',
]);

/** Keys whose value is an object in every real record: a rule value for the key itself is text inside it. */
const OBJECT_KEYS = new Set(['requestParameters', 'responseElements', 'additionalEventData', 'userIdentity', 'serviceEventDetails', 'tlsDetails']);

/** The service a rule that names only the event calls (ConsoleLogin is signed in through signin.amazonaws.com). */
const SOURCE_OF: Record<string, string> = { ConsoleLogin: 'signin.amazonaws.com', DeleteBucket: 's3.amazonaws.com', DeleteFlowLogs: 'ec2.amazonaws.com' };

export interface RecordIds {
  /** distinct per record: tells one example's evidence from another's */
  eventID: string;
  sourceIPAddress: string;
  userName: string;
  eventTime: string;
}

/** An ordinary IAM user's API call: what an example record is before the rule's fields are set. */
function baseRecord(ids: RecordIds, eventName: string | undefined): Obj {
  const name = eventName ?? 'DescribeInstances';
  return {
    eventVersion: '1.09',
    userIdentity: {
      type: 'IAMUser',
      principalId: 'AIDAT4EXAMPLE' + ids.userName.toUpperCase().replace(/[^A-Z0-9]/g, ''),
      arn: `arn:aws:iam::${ACCOUNT}:user/${ids.userName}`,
      accountId: ACCOUNT,
      accessKeyId: 'AKIAT4EXAMPLEKEY0001',
      userName: ids.userName,
    },
    eventTime: ids.eventTime,
    eventSource: SOURCE_OF[name] ?? 'ec2.amazonaws.com',
    eventName: name,
    awsRegion: 'eu-west-1',
    sourceIPAddress: ids.sourceIPAddress,
    userAgent: 'aws-cli/2.15.30 md/awscrt#0.19.19 ua/2.0 os/linux#6.1.0 md/arch#x86_64 lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/prompt#off md/command#ec2.describe-instances',
    requestParameters: null,
    responseElements: null,
    requestID: ids.eventID.replace(/^[0-9a-f]{8}/, 'a1b2c3d4'),
    eventID: ids.eventID,
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: ACCOUNT,
    eventCategory: 'Management',
    tlsDetails: { tlsVersion: 'TLSv1.3', cipherSuite: 'TLS_AES_128_GCM_SHA256', clientProvidedHostHeader: 'ec2.eu-west-1.amazonaws.com' },
  };
}

/** A rule's value as CloudTrail would write it at that key: the booleans are JSON booleans. */
function typed(value: string): unknown {
  const v = value.toLowerCase();
  return v === 'true' ? true : v === 'false' ? false : value;
}

/**
 * Sets `value` at the dotted path. A list key gets a list whose last element leads on (an ordinary element before it:
 * a rule must find the example in any element); an object key named as a whole gets the value inside it.
 */
function setPath(record: Obj, dotted: string, value: unknown): void {
  const segs = dotted.split('.');
  let at: Obj = record;
  for (let i = 0; i < segs.length; i++) {
    const key = segs[i];
    const here = segs.slice(0, i + 1).join('.');
    const last = i === segs.length - 1;
    if (last && OBJECT_KEYS.has(here) && typeof value === 'string') {
      at[key] = { ...(objectAt(at, key) ?? {}), detail: value };
      return;
    }
    if (LIST_KEYS.has(here)) {
      if (last) {
        at[key] = ['ordinary-element', value];
        return;
      }
      const list = Array.isArray(at[key]) ? (at[key] as Obj[]) : [{ name: 'ordinary-element' }, {}];
      at[key] = list;
      at = list[list.length - 1];
      continue;
    }
    if (last) {
      at[key] = value;
      return;
    }
    const next = objectAt(at, key) ?? {};
    at[key] = next;
    at = next;
  }
}

function objectAt(o: Obj, key: string): Obj | undefined {
  const v = o[key];
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
}

function deletePath(record: Obj, dotted: string): void {
  const segs = dotted.split('.');
  let at: Obj | undefined = record;
  for (const key of segs.slice(0, -1)) at = at && objectAt(at, key);
  if (at) delete at[segs[segs.length - 1]];
}

/** The CloudTrail record of an example. Keywords are not written: CloudTrail rules have none. */
export function cloudtrailRecord(example: Example, ids: RecordIds): Obj {
  const record = baseRecord(ids, example.fields.get('eventName'));
  for (const [field, value] of example.fields) setPath(record, field, typed(value));
  for (const field of example.absent) deletePath(record, field);
  return record;
}

/** The file CloudTrail delivers to S3: one JSON document, `{"Records":[...]}`, on one line. */
export function cloudtrailFile(records: Obj[]): string {
  return JSON.stringify({ Records: records }) + '\n';
}
