// `waymark/testing`: what users need to test their own workflows and stores.
export { FakeClock, settle } from './fake-clock.ts';
export { describeStoreConformance } from './store-conformance.ts';
