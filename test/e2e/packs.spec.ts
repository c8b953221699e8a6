import fs from 'node:fs';
import path from 'node:path';
import { test, expect } from '@playwright/test';
import { repoRoot, startStudio, tempDir } from '../support/studio-process';
import { shot } from '../support/screens';

test('a damaged model pack in the models folder is named in the app, which still opens and generates with the built-in pack', async ({ page }) => {
  const models = tempDir('models');
  const copy = path.join(models, 'damaged-pack');
  fs.cpSync(path.join(repoRoot, 'resources', 'models', 'world-s'), copy, { recursive: true });
  const decoder = path.join(copy, 'decoder.onnx');
  const bytes = fs.readFileSync(decoder);
  const mid = bytes.length >> 1;
  bytes[mid] = bytes[mid]! ^ 0xff; // one flipped byte: the sha256 no longer matches the manifest
  fs.writeFileSync(decoder, bytes);

  const studio = await startStudio({ args: ['--models', models] });
  try {
    await page.goto(studio.url);
    const banner = page.getByRole('alert', { name: 'Model pack problems' });
    await expect(banner).toContainText('decoder.onnx');
    await expect(page.getByRole('note', { name: 'Model and provider' })).toContainText('world-s');
    await page.getByRole('button', { name: 'New project' }).click();
    await page.getByRole('textbox', { name: 'Project name' }).press('Enter');
    await page.getByRole('button', { name: 'New card' }).click();
    await expect(page.getByRole('button', { name: 'Generate' })).toBeEnabled();
    await shot(page, '20-damaged-pack-named');
  } finally {
    await studio.stop();
  }
});
