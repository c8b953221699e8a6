import fs from 'node:fs';
import path from 'node:path';
import { test, expect } from '@playwright/test';
import { repoRoot, startStudio, tempDir } from '../support/studio-process';
import { shot } from '../support/screens';
import { attachHostOutputOnFailure } from '../support/host-output';

attachHostOutputOnFailure();

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

test('a second pack in the models folder can be chosen for new takes; the choice holds after a restart, and a pack that is gone is named', async ({ page }) => {
  // The second pack is the built-in one under another id (a real, complete pack: every graph checked),
  // with its own sampler defaults, which a new card takes while that pack is chosen.
  const models = tempDir('models');
  const alt = path.join(models, 'world-s-alt');
  fs.cpSync(path.join(repoRoot, 'resources', 'models', 'world-s'), alt, { recursive: true });
  const manifestFile = path.join(alt, 'manifest.json');
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
  fs.writeFileSync(manifestFile, JSON.stringify({ ...manifest, id: 'world-s-alt', version: '0.1.0-alt', sampler: { ...manifest.sampler, steps: 10, guidance: 2.5 } }, null, 2));
  const library = tempDir('lib');

  let studio = await startStudio({ library, args: ['--models', models] });
  try {
    await page.goto(studio.url);
    const picker = page.getByRole('combobox', { name: 'Model pack' });
    await expect(picker).toHaveValue('world-s');
    await expect(picker.locator('option')).toHaveText([`world-s ${manifest.version} (built-in)`, 'world-s-alt 0.1.0-alt']);
    await picker.selectOption('world-s-alt');
    await expect(picker).toHaveValue('world-s-alt');

    await page.getByRole('button', { name: 'New project' }).click();
    await page.getByRole('textbox', { name: 'Project name' }).press('Enter');
    await page.getByRole('button', { name: 'New card' }).click();
    const c = page.getByRole('listitem', { name: 'Card 1', exact: true });
    await expect(c).toContainText('10 steps · guidance 2.5');
    await c.getByRole('textbox', { name: 'Prompt' }).fill('a red ball rolls right on the grass');
    await c.getByRole('button', { name: 'Generate' }).click();
    await expect(c.locator('li.take[data-status="ready"]')).toHaveCount(1, { timeout: 90_000 });
    await c.getByRole('button', { name: 'Details' }).click();
    await expect(page.getByRole('dialog')).toContainText('world-s-alt 0.1.0-alt');
    await shot(page, '21-pack-chosen');

    // Back to the built-in pack: Reproduce still uses the take's own pack, a new take the chosen one.
    await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
    await picker.selectOption('world-s');
    await c.getByRole('button', { name: 'Details' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Reproduce' }).click();
    await expect(page.getByRole('dialog').getByRole('status')).toContainText('identical, byte for byte', { timeout: 90_000 });
    await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
    await c.getByRole('button', { name: 'Generate' }).click();
    await expect(c.locator('li.take[data-status="ready"]')).toHaveCount(3, { timeout: 90_000 });
    const packs = await page.evaluate(async (cardId) => (await window.studio.invoke('takes.list', { cardId })).map((t) => (t.provenance as { pack: { id: string } }).pack.id), (await c.getAttribute('data-card-id'))!);
    expect(packs).toEqual(['world-s-alt', 'world-s-alt', 'world-s']);
    await picker.selectOption('world-s-alt');

    // After a restart the library still makes new takes with the chosen pack.
    await studio.stop();
    studio = await startStudio({ library, args: ['--models', models] });
    await page.goto(studio.url);
    await expect(page.getByRole('combobox', { name: 'Model pack' })).toHaveValue('world-s-alt');

    // The chosen pack is taken away: the app says so and new takes use the built-in pack.
    await studio.stop();
    fs.rmSync(alt, { recursive: true });
    studio = await startStudio({ library, args: ['--models', models] });
    await page.goto(studio.url);
    await expect(page.getByRole('alert', { name: 'Model pack problems' })).toContainText('"world-s-alt" chosen for new takes is no longer in the models folder');
    await expect(page.getByRole('note', { name: 'Model and provider' })).toContainText(`world-s ${manifest.version}`);
  } finally {
    await studio.stop();
  }
});
