/**
 * The http executor against a local server (allowed by configuration): methods, query,
 * headers, JSON and text bodies, statuses, Retry-After, redirects, timeout and cancel. Time is
 * a FakeClock's.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type RetryableError, WaymarkError } from '../../src/core/errors.ts';
import { serializeError } from '../../src/core/serialize-error.ts';
import { FakeClock } from '../../src/testing/fake-clock.ts';
import { createHttpExecutor, type HttpExecutorOptions } from '../../src/executors/index.ts';
import { fakeContext, fakeStep } from './fake-step.ts';
import { json, startServer, type TestServer } from './http-server.ts';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function call(
  args: Record<string, unknown>,
  options: HttpExecutorOptions = { allow: ['127.0.0.1'] },
  signal?: AbortSignal,
): Promise<{ status: number; headers: Record<string, unknown>; body: unknown }> {
  const http = createHttpExecutor(options);
  const parsed = http.withSchema.parse(args);
  const result = await http.run(
    parsed,
    fakeContext(fakeStep(signal === undefined ? {} : { signal })),
  );
  return result.output as { status: number; headers: Record<string, unknown>; body: unknown };
}

const failure = (promise: Promise<unknown>): Promise<WaymarkError> =>
  promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e as WaymarkError,
  );

describe('http executor', () => {
  it('sends method, query and headers; parses a JSON answer', async () => {
    server = await startServer((req, res) => json(res, 200, { got: req.url }, { 'x-id': '7' }));
    const out = await call({
      url: server.url('/items'),
      query: { q: 'a b&c', tag: ['x', 'y'], n: 3 },
      headers: { 'X-Token': 'abc' },
    });
    expect(out.status).toBe(200);
    expect(out.body).toEqual({ got: '/items?q=a+b%26c&tag=x&tag=y&n=3' });
    expect(out.headers['x-id']).toBe('7');
    expect(server.requests[0]).toMatchObject({ method: 'GET', headers: { 'x-token': 'abc' } });
  });

  it('sends json and text bodies; returns a text answer as text', async () => {
    server = await startServer((req, res) => {
      res.writeHead(201, { 'content-type': 'text/plain' });
      res.end(`${req.method} ${String(req.headers['content-type'])} ${req.body}`);
    });
    const sent = await call({ method: 'post', url: server.url('/'), json: { a: [1, 'two'] } });
    expect(sent).toMatchObject({ status: 201, body: 'POST application/json {"a":[1,"two"]}' });
    const text = await call({
      method: 'PUT',
      url: server.url('/'),
      body: 'plain',
      headers: { 'content-type': 'text/csv' },
    });
    expect(text.body).toBe('PUT text/csv plain');
  });

  it('fails on a status outside 2xx unless accepted; 4xx is not retryable', async () => {
    server = await startServer((_req, res) => json(res, 404, { error: 'nope' }));
    const error = await failure(call({ url: server.url('/missing') }));
    expect(error.code).toBe('HTTP_STATUS');
    expect(error.retryable).toBe(false);
    expect(error.message).toBe(`GET ${server.url('/missing')} answered 404`);
    expect(error.details).toEqual({ status: 404, body: '{"error":"nope"}' });
    const accepted = await call({ url: server.url('/missing'), accept_status: [404] });
    expect(accepted).toMatchObject({ status: 404, body: { error: 'nope' } });
  });

  it('makes 429 and 5xx retryable, with Retry-After as the least delay', async () => {
    const answers = [
      [429, { 'retry-after': '7' }],
      [
        503,
        { 'retry-after': 'Wed, 21 Oct 2015 07:28:30 GMT', date: 'Wed, 21 Oct 2015 07:28:00 GMT' },
      ],
      // No Date header: the date is taken against the clock's now (2026-01-01T00:00:00Z).
      [503, { 'retry-after': 'Thu, 01 Jan 2026 00:02:00 GMT' }],
      [503, { 'retry-after': 'Wed, 31 Dec 2025 23:00:00 GMT' }], // already past
      [500, {}],
    ] as const;
    let i = 0;
    server = await startServer((_req, res) => {
      const [status, headers] = answers[i++] as (typeof answers)[number];
      res.sendDate = false;
      res.writeHead(status, headers);
      res.end('busy');
    });
    const options = { allow: ['127.0.0.1'], clock: new FakeClock() };
    const errors: WaymarkError[] = [];
    for (let n = 0; n < answers.length; n++) {
      errors.push(await failure(call({ url: server.url('/') }, options)));
    }
    expect(errors.map((e) => [e.code, e.retryable, (e as RetryableError).retryAfterMs])).toEqual([
      ['HTTP_STATUS', true, 7000],
      ['HTTP_STATUS', true, 30000],
      ['HTTP_STATUS', true, 120000],
      ['HTTP_STATUS', true, 0],
      ['HTTP_STATUS', true, undefined],
    ]);
    expect(serializeError(errors[0])).toMatchObject({ code: 'HTTP_STATUS', retryAfterMs: 7000 });
  });

  it('follows redirects (303 becomes GET) and drops credentials for another origin', async () => {
    server = await startServer((req, res) => {
      if (req.url === '/old') {
        res.writeHead(303, { location: '/new' });
        res.end();
      } else if (req.url === '/away') {
        res.writeHead(302, { location: `http://localhost:${server?.port}/landing` });
        res.end();
      } else
        json(res, 200, {
          path: req.url,
          method: req.method,
          auth: req.headers.authorization ?? null,
        });
    });
    const moved = await call({
      method: 'POST',
      url: server.url('/old'),
      json: { x: 1 },
      headers: { authorization: 'Bearer t' },
    });
    expect(moved.body).toEqual({ path: '/new', method: 'GET', auth: 'Bearer t' });
    const away = await call(
      { url: server.url('/away'), headers: { authorization: 'Bearer t' } },
      { allow: ['127.0.0.1', '::1', 'localhost'] },
    );
    expect(away.body).toEqual({ path: '/landing', method: 'GET', auth: null });
    const notFollowed = await call({
      url: server.url('/old'),
      follow_redirects: false,
      accept_status: [303],
    });
    expect(notFollowed.status).toBe(303);
  });

  it('times out with its own timeout, on the clock it is given, retryably', async () => {
    server = await startServer(() => {}); // never answers
    const clock = new FakeClock();
    let settled = false;
    const pending = failure(
      call({ url: server.url('/slow'), timeout: '30s' }, { allow: ['127.0.0.1'], clock }),
    ).finally(() => (settled = true));
    while (server.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    await clock.advance('29999ms');
    expect(settled).toBe(false);
    await clock.advance(1);
    const error = await pending;
    expect(error).toMatchObject({
      code: 'HTTP_TIMEOUT',
      retryable: true,
      message: `GET ${server.url('/slow')} got no answer within 30s`,
    });
    expect(clock.pendingTimers).toBe(0);
  });

  it('stops when the step is cancelled, with the step signal reason', async () => {
    server = await startServer(() => {});
    const controller = new AbortController();
    const pending = call({ url: server.url('/slow') }, { allow: ['127.0.0.1'] }, controller.signal);
    while (server.requests.length === 0) await new Promise((r) => setTimeout(r, 10));
    controller.abort(new WaymarkError('CANCELLED', 'run cancelled'));
    await expect(pending).rejects.toThrow('run cancelled');
  });

  it('reports a refused connection as a retryable HTTP_REQUEST error', async () => {
    server = await startServer(() => {});
    const port = server.port;
    await server.close();
    server = undefined;
    const error = await failure(call({ url: `http://127.0.0.1:${port}/` }));
    expect(error.code).toBe('HTTP_REQUEST');
    expect(error.retryable).toBe(true);
    expect(error.details).toEqual({ errno: 'ECONNREFUSED' });
  });

  it('refuses arguments it cannot send', () => {
    const http = createHttpExecutor();
    expect(http.withSchema.safeParse({ url: 'file:///etc/passwd' }).success).toBe(false);
    expect(http.withSchema.safeParse({ url: '/relative' }).success).toBe(false);
    expect(http.withSchema.safeParse({ url: 'http://x.test', json: {}, body: 'b' }).success).toBe(
      false,
    );
    expect(http.withSchema.safeParse({ url: 'http://x.test', method: 'BREW' }).success).toBe(false);
    expect(http.withSchema.safeParse({ url: 'http://x.test', timeout: 'soon' }).success).toBe(
      false,
    );
  });
});
