/** Raised by {@link requestJson} for a non-2xx answer; keeps the status and the Matrix `errcode` if any. */
export class HttpError extends Error {
  constructor(
    readonly method: string,
    readonly url: string,
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`${method} ${url} -> ${status}: ${JSON.stringify(body)}`);
    this.name = 'HttpError';
  }

  get errcode(): string | undefined {
    const body = this.body as { errcode?: unknown } | null;
    return typeof body?.errcode === 'string' ? body.errcode : undefined;
  }
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  accessToken?: string;
  timeoutMs?: number;
}

/** Sends a JSON request and parses the JSON answer; throws {@link HttpError} unless the status is 2xx. */
export async function requestJson<T>(url: string, options: RequestOptions = {}): Promise<T> {
  const method = options.method ?? (options.body === undefined ? 'GET' : 'POST');
  const headers: Record<string, string> = {};
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.accessToken !== undefined) headers.authorization = `Bearer ${options.accessToken}`;
  const response = await fetch(url, {
    method,
    headers,
    body: options.body === undefined ? null : JSON.stringify(options.body),
    signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? null : JSON.parse(text);
  } catch {
    // Not JSON: keep the raw text for the error message.
  }
  if (!response.ok) throw new HttpError(method, url, response.status, parsed);
  return parsed as T;
}
