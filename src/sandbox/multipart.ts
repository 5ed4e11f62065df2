/**
 * A small multipart/form-data reader for Bot API calls that arrive as forms (Telegraf sends them when a
 * call carries a file). Text fields become parameters; file parts become their file name (the sandbox
 * does not store files).
 */

/**
 * Parse `body` into fields. Returns {} when the boundary is missing or the body is malformed.
 * @param contentType the request's Content-Type header (carries the boundary).
 */
export function parseMultipart(body: Buffer, contentType: string): Record<string, string> {
  const match = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary) return {};
  const delimiter = Buffer.from(`--${boundary.trim()}`);
  const fields: Record<string, string> = {};
  let pos = body.indexOf(delimiter);
  while (pos !== -1) {
    const start = pos + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next === -1) break;
    const part = body.subarray(start, next);
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd !== -1) {
      const headers = part.subarray(0, headerEnd).toString('utf8');
      let value = part.subarray(headerEnd + 4);
      if (value.subarray(value.length - 2).toString() === '\r\n') value = value.subarray(0, value.length - 2);
      const name = /name="([^"]*)"/i.exec(headers)?.[1];
      const filename = /filename="([^"]*)"/i.exec(headers)?.[1];
      if (name !== undefined) fields[name] = filename !== undefined ? filename : value.toString('utf8');
    }
    pos = next;
  }
  return fields;
}
