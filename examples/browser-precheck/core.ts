// guard-core's main entry as the page loads it (the test checks that it runs on the main thread).
export * from '@vigil/guard-core';
