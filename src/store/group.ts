/**
 * A finding's group at the event fields it stands for. Group names are event field names (source.ip, user.name, a
 * JSON log's own field), except a correlation's aliases: `client` in a rule that joins the web log's c-ip to sshd's
 * source.ip names no field at all. The store keeps no rules, so an alias is resolved from the finding's evidence:
 * the fields that hold the group's value in the events linked to it are the fields the rule's aliases read.
 */
import type { DB } from './db.js';
import { EVENT_SELECT, rowToEvent } from './events.js';
import { COLUMN_FIELDS } from '../model/fields.js';
import type { FieldValue } from '../model/event.js';

const COLUMN_NAMES = new Set(COLUMN_FIELDS.map((d) => d.name));

function isScalar(v: FieldValue | undefined): v is string | number | boolean {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

/** An event's scalar values by dotted name; extra JSON nests objects (`auditd` holds `auid`), so they are walked. */
function flatten(fields: Record<string, FieldValue | undefined>, prefix = '', out = new Map<string, string | number | boolean>()): Map<string, string | number | boolean> {
  for (const [k, v] of Object.entries(fields)) {
    if (isScalar(v)) out.set(prefix + k, v);
    else if (v && typeof v === 'object' && !Array.isArray(v)) flatten(v, `${prefix}${k}.`, out);
  }
  return out;
}

/** The fields holding `value` in any of `events` (compared as text: a group keeps "1002" where a field may hold 1002). */
function fieldsHolding(events: Map<string, string | number | boolean>[], value: string | number | boolean): string[] {
  const names = new Set<string>();
  for (const ev of events) for (const [name, v] of ev) if (String(v) === String(value)) names.add(name);
  return [...names].sort();
}

/**
 * Field name -> value for a finding's group. A name every event has as a column, or one the evidence carries,
 * stays as it is; an alias becomes every field that holds its value in the evidence (two, when an alias joins
 * source.ip in one rule to destination.ip in another). An alias no evidence explains (its events were pruned) is
 * left out: a guess would put a value at a field whose type it may not have.
 */
export function groupFields(db: DB, findingId: string, group: Record<string, FieldValue>): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = {};
  let evidence: Map<string, string | number | boolean>[] | undefined;
  const linked = () =>
    (evidence ??= (
      db
        .prepare(`SELECT ${EVENT_SELECT} FROM finding_events fe JOIN events e ON e.id = fe.event_id JOIN sources s ON s.id = e.source_id WHERE fe.finding_id = ?`)
        .all(findingId) as Parameters<typeof rowToEvent>[0][]
    ).map((row) => flatten(rowToEvent(row).fields)));
  for (const [name, value] of Object.entries(group)) {
    if (COLUMN_NAMES.has(name) || linked().some((ev) => ev.has(name))) out[name] = value;
    else if (isScalar(value)) for (const field of fieldsHolding(linked(), value)) out[field] = value;
  }
  return out;
}
