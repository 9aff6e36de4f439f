import type { FieldDef } from '../model/fields.js';
import type { LineRef, ParsedEvent } from '../model/event.js';

/** What a parser knows about the stream it reads. Parsers never touch files themselves. */
export interface ParserContext {
  /** log.file.path ("-" for stdin) */
  path: string;
  /** IANA zone for timestamps that carry none */
  tz: string;
  /** the file's mtime (stdin: now); the reference for year inference */
  mtimeMs: number;
  /**
   * The stream's first decompressed bytes as text, also when ingest resumes in the middle: a parser whose state
   * comes from a header line (VPC flow logs' field order) reads it here.
   */
  head?: string;
}

/**
 * A parse of one line: an event for this line, several events (a multi-line group closed by this line, each with
 * its span), null when the line was absorbed into a group still open, or a string: the line was rejected, and why.
 */
export type ParseResult = ParsedEvent | ParsedEvent[] | string | null;

export interface LineParser {
  parse(line: string, at: LineRef): ParseResult;
  /** Events still held at the end of the stream. */
  flush(): ParsedEvent[];
  /** The earliest line still held in an open group: the resume point must not pass it. */
  held?(): LineRef | undefined;
}

export interface Parser {
  /** the --format name */
  name: string;
  description: string;
  /** the event.dataset values it produces */
  datasets: string[];
  /**
   * True when one line of this format is recognised on its own, without the stream around it: such a parser also
   * reads the lines that the stream's own parser rejects (an nginx container's error lines among its access lines,
   * `cat access.log error.log`). Left out: formats whose lines are ambiguous alone (logfmt takes any key=value text,
   * VPC flow any 14 words) or framed by the stream (CloudTrail documents, journal entries).
   */
  standalone?: boolean;
  /** Share (0..1) of the sample lines this parser would take. Cheap: a regex test or a prefix check per line. */
  detect(sample: string[]): number;
  create(ctx: ParserContext): LineParser;
  /**
   * True when the stream's head (first decompressed bytes) is a CloudTrail {"Records":[...]} document, often
   * hundreds of MB on one line: ingest then hands on each element of the array as it arrives instead of lines
   * (RecordsFramer), and create() gets the same head, so the parser knows what its input is.
   */
  splitsRecords?(head: string): boolean;
  /** Fields beyond the column catalogue that this parser fills (for documentation and search typing). */
  fields?: FieldDef[];
}
