/** Typed rules after loading and validation: Sigma detection rules, Sigma correlations, loghound baselines. */
import type { Level } from '../model/event.js';

export interface Where {
  file: string;
  line: number;
  col: number;
}

export interface RuleMeta {
  /** Sigma `id` (or a stable id derived from the file and title when absent) */
  id: string;
  /** Sigma `name`, used by correlations to refer to rules */
  name?: string;
  title: string;
  status?: string;
  description?: string;
  author?: string;
  references: string[];
  tags: string[];
  level: Level;
  /** `level` was written in the rule (an intermediate correlation step often has none) */
  levelGiven: boolean;
  falsepositives: string[];
  fields: string[];
  where: Where;
  /** loghound custom attributes (`loghound:` mapping in the rule) */
  custom: { groupBy?: string[]; window?: number };
  /** content hash: a changed rule is evaluated again from the start */
  hash: string;
}

export interface LogSource {
  product?: string;
  category?: string;
  service?: string;
}

/** One `field|mod|mod: value(s)` item of a selection. An empty field means a keyword search. */
export interface FieldItem {
  field: string;
  modifiers: string[];
  values: (string | number | boolean | null)[];
}

/** A selection: items ANDed; a list of selections (`alternatives`) ORed. */
export type Selection = { kind: 'and'; items: FieldItem[] } | { kind: 'or'; alternatives: Selection[] };

export type Condition =
  | { op: 'ref'; name: string }
  | { op: 'and' | 'or'; args: Condition[] }
  | { op: 'not'; arg: Condition }
  | { op: 'of'; quantifier: 'one' | 'all'; pattern: string };

export interface DetectionRule extends RuleMeta {
  kind: 'detection';
  logsource: LogSource;
  selections: Map<string, Selection>;
  condition: Condition;
}

export type CorrelationType = 'event_count' | 'value_count' | 'value_sum' | 'value_avg' | 'temporal' | 'temporal_ordered';

/** The types that aggregate a field of the events (`condition.field`): they read detection rules only. */
export const FIELD_TYPES: readonly CorrelationType[] = ['value_count', 'value_sum', 'value_avg'];

export interface CountCondition {
  gt?: number;
  gte?: number;
  lt?: number;
  lte?: number;
  eq?: number;
  neq?: number;
  field?: string;
}

export interface CorrelationRule extends RuleMeta {
  kind: 'correlation';
  type: CorrelationType;
  rules: string[];
  groupBy: string[];
  timespan: number;
  condition: CountCondition;
  aliases: Record<string, Record<string, string>>;
  generate: boolean;
}

export type BaselineType = 'first_seen' | 'spike' | 'off_hours';

/** loghound extension, same file shape as a correlation but under `baseline:`. */
export interface BaselineRule extends RuleMeta {
  kind: 'baseline';
  type: BaselineType;
  rules: string[];
  groupBy: string[];
  /** first_seen: the field whose new values are reported */
  field?: string;
  /** spike: bucket size; off_hours: unused */
  timespan: number;
  /** how far back the group's own history reaches */
  history: number;
  /** fewer prior events than this in the group's history: no verdict yet (learning) */
  minHistory: number;
  /** spike: how many times the group's usual rate counts as a spike */
  factor: number;
  /** spike: the smallest count (or sum) that can be a spike at all */
  minCount: number;
  /** spike: count events, or sum a numeric field */
  metric: { sum?: string };
}

export type Rule = DetectionRule | CorrelationRule | BaselineRule;

export interface Skipped {
  file: string;
  id?: string;
  title?: string;
  reason: string;
  where?: Where;
}
