/**
 * One HTTP exchange with redirects followed by hand, each hop judged by the network policy
 * again: a redirect to a blocked address is refused like a request to it. Credentials are not
 * carried to another origin.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { WaymarkError } from '../../core/errors.ts';
import type { ExecutorLogger } from '../executor.ts';
import type { NetworkPolicy } from './network-policy.ts';

export interface OutgoingRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string;
}

export interface ReceivedResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The URL that answered (after redirects). */
  url: string;
}

export interface SendOptions {
  policy: NetworkPolicy;
  lookup: LookupFunction;
  signal: AbortSignal;
  maxRedirects: number;
  maxBodyBytes: number;
  logger: ExecutorLogger;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];

export async function sendRequest(
  first: OutgoingRequest,
  o: SendOptions,
): Promise<ReceivedResponse> {
  let req = first;
  for (let hop = 0; ; hop++) {
    checkTarget(req.url, o.policy);
    o.logger.info(`${req.method} ${req.url.href}`);
    const response = await sendOnce(req, o);
    const location = response.headers.location;
    if (!REDIRECTS.has(response.status) || location === undefined || o.maxRedirects === 0) {
      return response;
    }
    if (hop >= o.maxRedirects) {
      throw new WaymarkError(
        'HTTP_REDIRECTS',
        `more than ${o.maxRedirects} redirects (last to ${location})`,
      );
    }
    const next = new URL(location, req.url);
    o.logger.info(`${response.status} → ${next.href}`);
    const asGet = response.status === 303 || (req.method === 'POST' && response.status <= 302);
    const headers = { ...req.headers };
    if (next.origin !== req.url.origin) for (const h of CREDENTIAL_HEADERS) delete headers[h];
    if (asGet) {
      delete headers['content-type'];
      delete headers['content-length'];
    }
    req = {
      method: asGet && req.method !== 'HEAD' ? 'GET' : req.method,
      url: next,
      headers,
      ...(asGet || req.body === undefined ? {} : { body: req.body }),
    };
  }
}

/** A URL's scheme and, for an IP literal, its address (names are checked when resolved). */
function checkTarget(url: URL, policy: NetworkPolicy): void {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new WaymarkError(
      'HTTP_BLOCKED',
      `only http and https URLs are allowed, not ${url.protocol}`,
    );
  }
  const host = bareHost(url);
  if (isIP(host) !== 0) {
    const refused = policy.refusal(host, host);
    if (refused !== undefined) throw new WaymarkError('HTTP_BLOCKED', refused);
  }
}

function bareHost(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

function sendOnce(req: OutgoingRequest, o: SendOptions): Promise<ReceivedResponse> {
  return new Promise((resolve, reject) => {
    const send = req.url.protocol === 'https:' ? httpsRequest : httpRequest;
    const outgoing = send(
      {
        method: req.method,
        hostname: bareHost(req.url),
        port: req.url.port === '' ? undefined : Number(req.url.port),
        path: `${req.url.pathname}${req.url.search}`,
        headers: req.headers,
        lookup: o.lookup,
        signal: o.signal,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > o.maxBodyBytes) {
            res.destroy(
              new WaymarkError(
                'HTTP_RESPONSE_TOO_LARGE',
                `the response body exceeded ${o.maxBodyBytes} bytes`,
              ),
            );
          } else chunks.push(chunk);
        });
        res.on('error', reject);
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
            url: req.url.href,
          }),
        );
      },
    );
    outgoing.on('error', reject);
    outgoing.end(req.body);
  });
}
