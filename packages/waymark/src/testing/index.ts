// `waymark/testing`: what users need to test their own workflows and stores.
export { FakeClock, settle } from './fake-clock.ts';
export { createTestEngine, setTestEngineStore } from './test-engine.ts';
export type { TestEngine, TestEngineOptions } from './test-engine.ts';
