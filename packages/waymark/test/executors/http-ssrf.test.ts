/**
 * SSRF: private, loopback and link-local targets are refused by default — IP literals in any
 * encoding, names that resolve to them (a fake DNS: no network needed), redirects to them —
 * and reached only when the configuration allows them. A refused target receives nothing.
 */
import type { LookupAddress } from 'node:dns';
import { afterEach, describe, expect, it } from 'vitest';
import type { WaymarkError } from '../../src/core/errors.ts';
import {
  createHttpExecutor,
  type HttpExecutorOptions,
  NetworkPolicy,
  type ResolveHost,
} from '../../src/executors/index.ts';
import { fakeContext } from './fake-step.ts';
import { json, startServer, type TestServer } from './http-server.ts';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A DNS of fixed answers; anything else is unknown. */
function fakeDns(records: Record<string, string[]>): ResolveHost {
  return (hostname, callback) => {
    const addresses = records[hostname];
    if (addresses === undefined) {
      callback(
        Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }),
        [],
      );
      return;
    }
    callback(
      null,
      addresses.map((address): LookupAddress => ({
        address,
        family: address.includes(':') ? 6 : 4,
      })),
    );
  };
}

async function get(url: string, options: HttpExecutorOptions = {}): Promise<unknown> {
  const http = createHttpExecutor(options);
  return (await http.run(http.withSchema.parse({ url }), fakeContext())).output;
}

async function refusal(url: string, options: HttpExecutorOptions = {}): Promise<WaymarkError> {
  return get(url, options).then(
    () => {
      throw new Error(`${url} was not refused`);
    },
    (e: unknown) => e as WaymarkError,
  );
}

describe('http executor: blocked targets', () => {
  it('refuses loopback in every encoding, before connecting', async () => {
    server = await startServer((_req, res) => json(res, 200, 'reached'));
    const port = server.port;
    const targets = [
      `http://127.0.0.1:${port}/`,
      `http://127.1:${port}/`,
      `http://0x7f000001:${port}/`,
      `http://2130706433:${port}/`,
      `http://017700000001:${port}/`,
      `http://[::ffff:127.0.0.1]:${port}/`,
      `http://[::ffff:7f00:1]:${port}/`,
      `http://[0:0:0:0:0:ffff:7f00:1]:${port}/`,
      `http://[::127.0.0.1]:${port}/`,
      `http://[::1]:${port}/`,
      `http://localhost:${port}/`, // resolved by the system (hosts file), then refused
    ];
    for (const url of targets) {
      const error = await refusal(url);
      expect([url, error.code, error.retryable]).toEqual([url, 'HTTP_BLOCKED', false]);
      expect(error.message).toMatch(/private, loopback or link-local/);
    }
    expect(server.requests).toEqual([]);
  });

  it('refuses private, link-local, metadata and embedded-IPv4 targets', async () => {
    const targets = [
      'http://10.0.0.1/',
      'http://172.16.5.4/',
      'http://192.168.1.1/',
      'http://169.254.169.254/latest/meta-data/',
      'http://100.64.0.1/',
      'http://0.0.0.0/',
      'http://[fe80::1]/',
      'http://[fd12:3456::1]/',
      'http://[::]/',
      'http://[64:ff9b::a00:1]/', // NAT64 of 10.0.0.1
      'http://[2002:a00:1::]/', // 6to4 of 10.0.0.1
      'http://[::ffff:a9fe:a9fe]/', // mapped 169.254.169.254
    ];
    for (const url of targets)
      expect([url, (await refusal(url)).code]).toEqual([url, 'HTTP_BLOCKED']);
  });

  it('judges the address a name resolves to, refusing a name with any private address', async () => {
    const resolve = fakeDns({
      'internal.test': ['127.0.0.1'],
      'rebind.test': ['93.184.216.34', '10.0.0.7'],
      'metadata.test': ['169.254.169.254'],
      'v6.test': ['::1'],
    });
    for (const host of ['internal.test', 'rebind.test', 'metadata.test', 'v6.test']) {
      const error = await refusal(`http://${host}/`, { resolve });
      expect([host, error.code]).toEqual([host, 'HTTP_BLOCKED']);
      expect(error.message).toContain(`${host} (`);
    }
  });

  it('refuses a redirect to a blocked address', async () => {
    server = await startServer((req, res) => {
      const to: Record<string, string> = {
        '/to-other-loopback': `http://127.0.0.2:${server?.port}/`,
        '/to-hex': `http://0x7f000002:${server?.port}/`,
        '/to-metadata': 'http://169.254.169.254/latest/meta-data/',
        '/to-name': 'http://internal.test/',
      };
      res.writeHead(302, { location: to[req.url] ?? '/' });
      res.end();
    });
    const options = { allow: ['127.0.0.1'], resolve: fakeDns({ 'internal.test': ['10.1.1.1'] }) };
    for (const path of ['/to-other-loopback', '/to-hex', '/to-metadata', '/to-name']) {
      const error = await refusal(server.url(path), options);
      expect([path, error.code]).toEqual([path, 'HTTP_BLOCKED']);
    }
    expect(server.requests.map((r) => r.url)).toEqual([
      '/to-other-loopback',
      '/to-hex',
      '/to-metadata',
      '/to-name',
    ]);
  });

  it('reaches a private target only when the configuration allows it', async () => {
    server = await startServer((_req, res) => json(res, 200, 'reached'));
    const url = server.url('/');
    expect(await get(url, { allow: ['127.0.0.1'] })).toMatchObject({
      status: 200,
      body: 'reached',
    });
    expect(await get(url, { allow: ['127.0.0.0/8'] })).toMatchObject({ body: 'reached' });
    expect(await get(url, { allowPrivateNetworks: true })).toMatchObject({ body: 'reached' });
    const resolve = fakeDns({ 'api.internal': ['127.0.0.1'] });
    const byName = `http://api.internal:${server.port}/`;
    expect(await get(byName, { allow: ['api.internal'], resolve })).toMatchObject({
      body: 'reached',
    });
    expect((await refusal(byName, { resolve })).code).toBe('HTTP_BLOCKED');
    expect((await refusal(url, { allow: ['10.0.0.0/8'] })).code).toBe('HTTP_BLOCKED');
  });

  it('lets public addresses through and rejects a malformed allow entry', () => {
    const policy = new NetworkPolicy();
    for (const address of [
      '93.184.216.34',
      '2606:2800:220:1::1',
      '::ffff:5db8:d822',
      '64:ff9b::5db8:d822',
    ]) {
      expect([address, policy.refusal(address, address)]).toEqual([address, undefined]);
    }
    expect(() => new NetworkPolicy({ allow: ['10.0.0.0/99'] })).toThrow(/invalid network/);
  });
});
