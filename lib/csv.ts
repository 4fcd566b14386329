// CSV (RFC 4180): fields with a comma, quote, CR or LF are quoted, quotes doubled; lines end
// with CRLF. Cells starting with = + - @ (or tab/CR) get a leading apostrophe so spreadsheet
// programs do not run them as formulas (CSV injection).
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  let text = value instanceof Date ? value.toISOString() : String(value);
  if (/^[=+\-@\t\r]/.test(text) && !/^-?\d+(\.\d+)?$/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvLine(values: unknown[]): string {
  return values.map(csvCell).join(",") + "\r\n";
}

/** A streamed CSV response: `pages` yields arrays of rows until done. */
export function csvResponse(
  filename: string,
  header: string[],
  pages: AsyncIterable<unknown[][]>,
): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      try {
        controller.enqueue(encoder.encode("\uFEFF" + csvLine(header)));
        for await (const rows of pages) {
          controller.enqueue(encoder.encode(rows.map(csvLine).join("")));
        }
        controller.close();
      } catch (error) {
        controller.error(error);
      }
    },
  });
  return new Response(body, {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${filename.replace(/[^\w.-]/g, "_")}"`,
      "cache-control": "no-store",
    },
  });
}
