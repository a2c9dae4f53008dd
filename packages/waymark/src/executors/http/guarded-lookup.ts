/**
 * The `lookup` the http executor's sockets resolve names with: DNS as usual, then the network
 * policy on every address found. A name with any refused address is refused as a whole (no
 * picking the public one of a rebinding pair), so the address connected to is always one that
 * was checked.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { WaymarkError } from '../../core/errors.ts';
import type { NetworkPolicy } from './network-policy.ts';

/** Resolves a host name to all its addresses (dns.lookup with `all: true`, or a test's). */
export type ResolveHost = (
  hostname: string,
  callback: (error: Error | null, addresses: LookupAddress[]) => void,
) => void;

export const systemResolve: ResolveHost = (hostname, callback) =>
  dnsLookup(hostname, { all: true }, (error, addresses) => callback(error, addresses ?? []));

export function guardedLookup(policy: NetworkPolicy, resolve: ResolveHost): LookupFunction {
  return (hostname: string, options: LookupOptions, callback) => {
    resolve(hostname, (error, found) => {
      if (error !== null) return callback(error as NodeJS.ErrnoException, '', 0);
      const wanted = found.filter((a) => !options.family || a.family === options.family);
      const refused = wanted
        .map((a) => policy.refusal(a.address, hostname))
        .find((r) => r !== undefined);
      if (refused !== undefined) {
        return callback(
          new WaymarkError('HTTP_BLOCKED', refused) as unknown as NodeJS.ErrnoException,
          '',
          0,
        );
      }
      const first = wanted[0];
      if (first === undefined) {
        const none = Object.assign(new Error(`no address found for ${hostname}`), {
          code: 'ENOTFOUND',
        });
        return callback(none, '', 0);
      }
      if (options.all === true)
        return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, wanted);
      return callback(null, first.address, first.family);
    });
  };
}
