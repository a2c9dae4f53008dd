/**
 * createTestEngine for a test file: every engine it makes is closed after each test, newest
 * first (an engine that opened its own store closes it, and an engine made on another's store
 * must close before that store does).
 */
import { afterEach } from 'vitest';
import { type TestEngine, createTestEngine } from '../src/testing/test-engine.ts';

export function testEnginesClosedAfterEach(): typeof createTestEngine {
  const opened: TestEngine[] = [];
  afterEach(async () => {
    for (const engine of opened.splice(0).reverse()) await engine.close();
  });
  return async (...args) => {
    const engine = await createTestEngine(...args);
    opened.push(engine);
    return engine;
  };
}
