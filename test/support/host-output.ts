/**
 * A failed e2e test carries what the browser hosts printed while it ran: the host's stderr names
 * the cause behind a user-facing message (an ffmpeg error behind "could not read the picture"),
 * which the page alone does not show. Call once at the top of a spec.
 */
import { test } from '@playwright/test';
import { hostOutputsSince } from './studio-process';

export function attachHostOutputOnFailure(): void {
  let began = 0;
  test.beforeEach(() => {
    began = Date.now();
  });
  // Hooks run in the order they are declared, so a spec's own afterEach that stops its host has
  // already run; a host that stopped during the test still counts.
  test.afterEach(async ({}, testInfo) => {
    if (testInfo.status === testInfo.expectedStatus) return;
    const outputs = hostOutputsSince(began);
    for (const [i, body] of outputs.entries())
      await testInfo.attach(outputs.length > 1 ? `browser host output ${i + 1} of ${outputs.length}` : 'browser host output', { body, contentType: 'text/plain' });
  });
}
