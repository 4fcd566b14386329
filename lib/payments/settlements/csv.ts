// A small, strict CSV reader for settlement reports (RFC 4180 plus what spreadsheets and
// provider dashboards produce): a UTF-8 byte order mark, CRLF or LF line ends, quoted fields
// with "" escapes and line breaks inside quotes, blank lines skipped. Headers are matched
// case-insensitively with spaces and dashes read as underscores ("Settled At" = settled_at).

/** A problem in a settlement file, with the 1-based line of the file it is on. */
export class SettlementFileError extends Error {
  constructor(readonly line: number, message: string) {
    super(line > 0 ? `Line ${line}: ${message}` : message);
    this.name = "SettlementFileError";
  }
}

export interface CsvRow {
  /** The file line the row starts on (1-based; the header is usually line 1). */
  line: number;
  /** Values by normalized header name. */
  values: Record<string, string>;
}

/** A header as a key: "Settled At" -> settled_at, "Payment Intent ID" -> payment_intent_id. */
export function headerKey(header: string): string {
  return header.trim().toLowerCase().replace(/[\s\-./]+/g, "_").replace(/[^a-z0-9_[\]]/g, "");
}

/** Splits CSV text into records of fields, each with the line it starts on. */
export function readCsvRecords(text: string): { line: number; fields: string[] }[] {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const records: { line: number; fields: string[] }[] = [];
  let fields: string[] = [];
  let field = "";
  let quoted = false;
  let afterQuote = false;
  let line = 1;
  let start = 1;
  const endRecord = () => {
    fields.push(field);
    if (!(fields.length === 1 && fields[0]!.trim() === "")) records.push({ line: start, fields });
    fields = [];
    field = "";
    afterQuote = false;
  };
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (quoted) {
      if (c === '"') {
        if (src[i + 1] === '"') {
          field += '"';
          i++;
        } else {
          quoted = false;
          afterQuote = true;
        }
      } else {
        if (c === "\n") line++;
        field += c;
      }
      continue;
    }
    if (c === '"') {
      if (field.trim() !== "" || afterQuote) {
        throw new SettlementFileError(line, `A quote (") in the middle of the field "${field}"`);
      }
      field = "";
      quoted = true;
    } else if (c === ",") {
      fields.push(field);
      field = "";
      afterQuote = false;
    } else if (c === "\r" || c === "\n") {
      if (c === "\r" && src[i + 1] === "\n") i++;
      endRecord();
      line++;
      start = line;
    } else if (afterQuote) {
      if (c.trim() !== "") {
        throw new SettlementFileError(line, `Text after a closing quote ("${c}")`);
      }
    } else {
      field += c;
    }
  }
  if (quoted) throw new SettlementFileError(start, "A quoted field is never closed");
  if (field !== "" || fields.length > 0) endRecord();
  return records;
}

/** Reads a CSV with a header row; every row must have as many fields as the header. */
export function readCsv(text: string, options: { required: string[] }): CsvRow[] {
  const records = readCsvRecords(text);
  const head = records.shift();
  if (!head) throw new SettlementFileError(0, "The file is empty");
  const keys = head.fields.map(headerKey);
  const missing = options.required.filter((r) => !keys.includes(r));
  if (missing.length) {
    throw new SettlementFileError(
      head.line,
      `The header lacks the column${missing.length > 1 ? "s" : ""} ${
        missing.map((m) => `"${m}"`).join(", ")
      } (found ${keys.map((k) => `"${k}"`).join(", ")})`,
    );
  }
  return records.map((r) => {
    if (r.fields.length !== keys.length) {
      throw new SettlementFileError(
        r.line,
        `Expected ${keys.length} fields like the header but found ${r.fields.length}`,
      );
    }
    const values: Record<string, string> = {};
    keys.forEach((k, i) => values[k] = r.fields[i]!.trim());
    return { line: r.line, values };
  });
}
