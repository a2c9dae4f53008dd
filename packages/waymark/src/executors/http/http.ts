/**
 * `uses: http`: one HTTP request; returns `{ status, headers, body }` with a JSON body parsed.
 * A status outside 2xx (and `accept_status`) is an error: 429 and 5xx retryable, with
 * `Retry-After` as the least delay before the next attempt, other statuses not. Targets are
 * judged by the network policy after DNS resolution and on every redirect (network-policy.ts).
 * Time — the `timeout`, a `Retry-After` date — is the Clock port's, so tests fake it.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import { type Clock, systemClock } from '../../core/clock.ts';
import { formatDuration, isDuration, parseDuration } from '../../core/durations.ts';
import { RetryableError, WaymarkError } from '../../core/errors.ts';
import { defineExecutor, type Executor, type ExecutorContext } from '../executor.ts';
import { guardedLookup, type ResolveHost, systemResolve } from './guarded-lookup.ts';
import { NetworkPolicy, type NetworkPolicyOptions } from './network-policy.ts';
import { type ReceivedResponse, sendRequest } from './send-request.ts';

export interface HttpExecutorOptions extends NetworkPolicyOptions {
  /** Response bodies beyond this fail the step. Default 10 MiB. */
  maxBodyBytes?: number;
  /** Redirects followed at most. Default 5. */
  maxRedirects?: number;
  /** How host names are resolved (tests give a fake DNS). Default: the system's. */
  resolve?: ResolveHost;
  /** Times the `timeout` and reads now for a `Retry-After` date. Default: the system clock. */
  clock?: Clock;
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
const scalar = z.union([z.string(), z.number(), z.boolean()]).transform(String);

const httpArgs = z
  .object({
    method: z
      .string()
      .transform((m) => m.toUpperCase())
      .pipe(z.enum(METHODS))
      .default('GET'),
    url: z.string().refine((u) => URL.canParse(u) && /^https?:$/.test(new URL(u).protocol), {
      message: 'expected an absolute http:// or https:// URL',
    }),
    headers: z.record(z.string(), scalar).optional(),
    query: z.record(z.string(), z.union([scalar, z.array(scalar)])).optional(),
    json: z.unknown().optional(),
    body: z.string().optional(),
    timeout: z
      .union([z.string(), z.number()])
      .refine(isDuration, { message: 'expected a duration such as 30s or 500ms' })
      .optional(),
    accept_status: z.array(z.number().int().min(100).max(599)).optional(),
    follow_redirects: z.boolean().default(true),
  })
  .strict()
  .refine((a) => a.json === undefined || a.body === undefined, {
    message: 'give "json" or "body", not both',
  });

export type HttpArgs = z.output<typeof httpArgs>;

export interface HttpOutput {
  status: number;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export function createHttpExecutor(options: HttpExecutorOptions = {}): Executor {
  const policy = new NetworkPolicy(options);
  const lookup = guardedLookup(policy, options.resolve ?? systemResolve);
  const clock = options.clock ?? systemClock;
  return defineExecutor<HttpArgs>({
    name: 'http',
    withSchema: httpArgs,
    retry: { maxAttempts: 3 },
    run: async (args, ctx) => {
      const url = new URL(args.url);
      for (const [name, value] of Object.entries(args.query ?? {})) {
        for (const v of Array.isArray(value) ? value : [value]) url.searchParams.append(name, v);
      }
      const headers = lowerCaseKeys(args.headers ?? {});
      let body = args.body;
      if (args.json !== undefined) {
        body = JSON.stringify(args.json);
        headers['content-type'] ??= 'application/json';
      }
      const timeoutMs = args.timeout === undefined ? undefined : parseDuration(args.timeout);
      const timeout = new AbortController();
      const cancelTimer =
        timeoutMs === undefined ? undefined : clock.setTimer(timeoutMs, () => timeout.abort());
      let response: ReceivedResponse;
      try {
        response = await sendRequest(
          { method: args.method, url, headers, ...(body === undefined ? {} : { body }) },
          {
            policy,
            lookup,
            signal: AbortSignal.any([ctx.signal, timeout.signal]),
            maxRedirects: args.follow_redirects ? (options.maxRedirects ?? 5) : 0,
            maxBodyBytes: options.maxBodyBytes ?? 10 * 1024 * 1024,
            logger: ctx.logger,
          },
        );
      } catch (error) {
        throw requestError(error, args, ctx, timeout.signal.aborted ? timeoutMs : undefined);
      } finally {
        cancelTimer?.();
      }
      ctx.logger.info(`${response.status} from ${response.url}`);
      const output: HttpOutput = {
        status: response.status,
        headers: response.headers,
        body: parseBody(response),
      };
      const accepted =
        (response.status >= 200 && response.status < 300) ||
        (args.accept_status ?? []).includes(response.status);
      if (!accepted) throw statusError(args.method, response, output, clock.now());
      return { output };
    },
  });
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = value;
  return out;
}

/** JSON when the response says it is JSON (and parses), else text. */
function parseBody(response: ReceivedResponse): unknown {
  const text = response.body.toString('utf8');
  const type = response.headers['content-type'] ?? '';
  if (/^application\/([\w.+-]*\+)?json\b/i.test(type) && text.trim() !== '') {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

function statusError(
  method: string,
  response: ReceivedResponse,
  output: HttpOutput,
  now: number,
): WaymarkError {
  const message = `${method} ${response.url} answered ${response.status}`;
  const details = { status: response.status, body: bodyHead(output.body) };
  if (response.status === 429 || response.status >= 500) {
    const retryAfterMs = retryAfter(response.headers, now);
    return new RetryableError(message, {
      code: 'HTTP_STATUS',
      details,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  }
  return new WaymarkError('HTTP_STATUS', message, { details });
}

function bodyHead(body: unknown): string {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}

/**
 * `Retry-After` in ms: seconds, or an HTTP date taken against the response's own `Date` (the
 * server's clock, which the date was written by), or `now` when it has none.
 */
export function retryAfter(headers: IncomingHttpHeaders, now: number): number | undefined {
  const value = headers['retry-after']?.trim();
  if (value === undefined || value === '') return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  const sent = Date.parse(headers.date ?? '');
  return Math.max(0, at - (Number.isNaN(sent) ? now : sent));
}

function requestError(
  error: unknown,
  args: HttpArgs,
  ctx: ExecutorContext,
  timeoutMs: number | undefined,
): unknown {
  if (ctx.signal.aborted) return ctx.signal.reason as unknown;
  if (error instanceof WaymarkError) return error;
  const what = `${args.method} ${args.url}`;
  // `timeoutMs` is given when the request's own timeout aborted it.
  if (timeoutMs !== undefined) {
    return new WaymarkError(
      'HTTP_TIMEOUT',
      `${what} got no answer within ${formatDuration(timeoutMs)}`,
      {
        retryable: true,
      },
    );
  }
  const code = (error as { code?: unknown }).code;
  const reason = error instanceof Error ? error.message : String(error);
  return new WaymarkError('HTTP_REQUEST', `${what} failed: ${reason}`, {
    retryable: true,
    cause: error,
    ...(typeof code === 'string' ? { details: { errno: code } } : {}),
  });
}
