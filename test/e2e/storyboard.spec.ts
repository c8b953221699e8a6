import fs from 'node:fs';
import path from 'node:path';
import { test, expect, type Page } from '@playwright/test';
import { startStudio, type RunningStudio } from '../support/studio-process';
import { shot } from '../support/screens';
import { attachHostOutputOnFailure } from '../support/host-output';

let studio: RunningStudio;
test.beforeEach(async () => {
  studio = await startStudio();
});
test.afterEach(async () => {
  await studio.stop();
});
attachHostOutputOnFailure();

async function saved(page: Page) {
  await expect(page.getByRole('status')).toHaveText('All changes saved');
}

/** Clicks New card, waits for the card to appear, and types its prompt. */
async function addCard(page: Page, text: string) {
  const fields = page.getByRole('list', { name: 'Cards' }).getByRole('textbox', { name: 'Prompt' });
  const before = await fields.count();
  await page.getByRole('button', { name: 'New card' }).click();
  await expect(fields).toHaveCount(before + 1);
  // The new card's prompt takes the focus, so a person can type straight away.
  await expect(fields.last()).toBeFocused();
  await page.keyboard.type(text);
}

async function prompts(page: Page): Promise<string[]> {
  return page.getByRole('list', { name: 'Cards' }).getByRole('textbox', { name: 'Prompt' }).evaluateAll((els) => els.map((e) => (e as HTMLTextAreaElement).value));
}

test('create a project, add three cards, type prompts, reorder, reload: all still there', async ({ page }) => {
  await page.goto(studio.url);
  await shot(page, '01-empty-library');

  await page.getByRole('button', { name: 'New project' }).click();
  const nameField = page.getByRole('textbox', { name: 'Project name' });
  await nameField.fill('Harbour at dusk');
  await nameField.press('Enter');
  await expect(page.getByRole('navigation', { name: 'Projects' }).getByText('Harbour at dusk')).toBeVisible();

  const texts = ['a red ball moves right on a grass field', 'a big blue box spins in the snow', 'a small yellow star rises at night, the camera pans left'];
  for (const text of texts) {
    await addCard(page, text);
  }
  await saved(page);
  expect(await prompts(page)).toEqual(texts);
  await shot(page, '02-three-cards');

  // Drag the third card's header onto the first card: it becomes the first.
  const cards = page.getByRole('list', { name: 'Cards' }).getByRole('listitem');
  await cards.nth(2).locator('.card-head').dragTo(cards.nth(0));
  await saved(page);
  expect(await prompts(page)).toEqual([texts[2], texts[0], texts[1]]);

  // And with the keyboard: Alt+→ on the (now) first card moves it one place right.
  await page.getByRole('textbox', { name: 'Prompt' }).first().focus();
  await page.keyboard.press('Alt+ArrowRight');
  await saved(page);
  expect(await prompts(page)).toEqual([texts[0], texts[2], texts[1]]);
  await shot(page, '03-reordered');

  await page.reload();
  await expect(page.getByRole('textbox', { name: 'Prompt' })).toHaveCount(3);
  expect(await prompts(page)).toEqual([texts[0], texts[2], texts[1]]);
  await expect(page.getByRole('navigation', { name: 'Projects' }).getByText('Harbour at dusk')).toBeVisible();
  await shot(page, '04-after-reload');
});

test('delete a card and undo brings it back in place; a project is deleted only after confirmation', async ({ page }) => {
  await page.goto(studio.url);
  await page.getByRole('button', { name: 'New project' }).click();
  await page.getByRole('textbox', { name: 'Project name' }).press('Enter');
  for (const text of ['first', 'second', 'third']) {
    await addCard(page, text);
  }
  await saved(page);

  await page.getByRole('listitem', { name: 'Card 2' }).getByRole('button', { name: 'Delete card' }).click();
  await saved(page);
  expect(await prompts(page)).toEqual(['first', 'third']);
  await page.getByRole('button', { name: 'Undo' }).click();
  await expect(page.getByRole('textbox', { name: 'Prompt' })).toHaveCount(3);
  expect(await prompts(page)).toEqual(['first', 'second', 'third']);

  // Deleting, then reloading: the deletion persisted; Ctrl+Z outside a text field undoes too.
  await page.getByRole('listitem', { name: 'Card 1' }).getByRole('button', { name: 'Delete card' }).click();
  await saved(page);
  await page.locator('body').click({ position: { x: 700, y: 20 } });
  await page.keyboard.press('Control+z');
  await expect(page.getByRole('textbox', { name: 'Prompt' })).toHaveCount(3);
  await page.reload();
  // prompts() reads the page once, without waiting: wait for the reloaded board first (as the reload above)
  await expect(page.getByRole('textbox', { name: 'Prompt' })).toHaveCount(3);
  expect(await prompts(page)).toEqual(['first', 'second', 'third']);

  // Delete the project: a dialog asks first; Cancel keeps it.
  const nav = page.getByRole('navigation', { name: 'Projects' });
  await nav.getByRole('listitem').first().hover();
  await nav.getByRole('button', { name: /^Delete / }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText('3 cards');
  await shot(page, '05-delete-project-confirm');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(nav.getByRole('listitem')).toHaveCount(1);
  await nav.getByRole('listitem').first().hover();
  await nav.getByRole('button', { name: /^Delete / }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete project' }).click();
  await expect(nav.getByRole('listitem')).toHaveCount(0);
  await page.reload();
  await expect(page.getByText('No projects yet')).toBeVisible();
});

test('rename a project and open another; each keeps its own cards', async ({ page }) => {
  await page.goto(studio.url);
  const nav = page.getByRole('navigation', { name: 'Projects' });
  for (const name of ['Alpha', 'Beta']) {
    await page.getByRole('button', { name: 'New project' }).click();
    await page.getByRole('textbox', { name: 'Project name' }).fill(name);
    await page.getByRole('textbox', { name: 'Project name' }).press('Enter');
    await addCard(page, `${name} shot`);
  }
  await saved(page);
  await nav.getByRole('button', { name: 'Rename Alpha' }).click();
  await page.getByRole('textbox', { name: 'Project name' }).fill('Alpha, final');
  await page.getByRole('textbox', { name: 'Project name' }).press('Enter');
  await nav.getByText('Alpha, final').click();
  expect(await prompts(page)).toEqual(['Alpha shot']);
  await page.reload();
  await expect(nav.getByText('Alpha, final')).toBeVisible();
  expect(await prompts(page)).toEqual(['Alpha shot']);
});

test('a library that is not SQLite: the app opens, names the file, and leaves it untouched', async ({ page }) => {
  await studio.stop();
  const dir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'studio-bad-'));
  const file = path.join(dir, 'library.sqlite');
  fs.writeFileSync(file, 'these are my notes, not a database');
  studio = await startStudio({ library: dir });
  await page.goto(studio.url);
  await expect(page.getByRole('alert')).toContainText('The library could not be opened');
  await expect(page.getByRole('alert')).toContainText(file);
  await expect(page.getByRole('alert')).toContainText('not an SQLite database');
  await shot(page, '06-library-error');
  expect(fs.readFileSync(file, 'utf8')).toBe('these are my notes, not a database');
});
