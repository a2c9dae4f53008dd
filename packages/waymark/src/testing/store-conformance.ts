import { describe } from 'vitest';
import { describeCancelRun, describePauseResume } from './store-conformance/cancel-and-pause.ts';
import { describeChildRuns } from './store-conformance/child-runs.ts';
import { describeClaimRuns, describeCreateRun } from './store-conformance/create-and-claim.ts';
import { describeFencing } from './store-conformance/fenced-writes.ts';
import { useStore, type StoreFactory } from './store-conformance/fixtures.ts';
import {
  describeConcurrentWrites,
  describeListEvents,
  describeListRuns,
} from './store-conformance/listing.ts';
import { describeParkRun, describeSaveStep } from './store-conformance/steps-and-parking.ts';

export type { StoreFactory } from './store-conformance/fixtures.ts';

/**
 * The Store port's rules as a vitest suite, through the interface only: every implementation
 * runs the same tests, differing only in how a fresh store is made and thrown away.
 *
 * @example
 * describeStoreConformance('sqlite :memory:', async () => {
 *   const store = await openSqliteStore({ path: ':memory:' });
 *   return { store, cleanup: () => store.close() };
 * });
 */
export function describeStoreConformance(name: string, factory: StoreFactory): void {
  describe(`Store conformance: ${name}`, () => {
    const fx = useStore(factory);
    describeCreateRun(fx);
    describeClaimRuns(fx);
    describeFencing(fx);
    describeSaveStep(fx);
    describeParkRun(fx);
    describeChildRuns(fx);
    describeCancelRun(fx);
    describePauseResume(fx);
    describeListRuns(fx);
    describeListEvents(fx);
    describeConcurrentWrites(fx);
  });
}
