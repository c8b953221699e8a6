import { defineConfig } from '@playwright/test';
import { chromiumPath } from '../support/chromium';

// Playwright drives Debian's Chromium (no browser download is possible here) against the real
// renderer served by the browser host. The Electron binary cannot exist on these machines; the
// browser host carries the very same contract, so this is the app a person uses, minus the frame.
export default defineConfig({
  testDir: '.',
  testMatch: /.*\.spec\.ts$/,
  outputDir: '../../test-results/e2e',
  timeout: 120_000,
  workers: 1,
  reporter: [['list'], ['json', { outputFile: '../../test-results/e2e-report.json' }]],
  use: {
    headless: true,
    viewport: { width: 1440, height: 900 },
    launchOptions: {
      executablePath: chromiumPath(),
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
});
