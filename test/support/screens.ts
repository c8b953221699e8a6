import fs from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { repoRoot } from './studio-process';

/** Screenshots of what a person sees, kept as test artifacts in test-results/screenshots. */
export const SCREENSHOTS = path.join(repoRoot, 'test-results', 'screenshots');

export function shot(page: Page, name: string): Promise<Buffer> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  return page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
