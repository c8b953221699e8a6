import { test, expect, type Locator, type Page } from '@playwright/test';
import { encodePng } from '../../main/media/png';
import { startStudio, type RunningStudio } from '../support/studio-process';
import { shot } from '../support/screens';
import { attachHostOutputOnFailure } from '../support/host-output';

// The real built-in model pack, through real onnxruntime sessions in the browser host's process.
// The built-in model samples 100 steps in about 3 s on two cores, and on a loaded machine the page
// can show a job's progress a second or more late, so a click on Cancel (or a crash) could land
// after the job has finished. The host pauses 100 ms after each sampler step here
// (STUDIO_STEP_PAUSE_MS, an engine option; the frames are the same), which keeps a 100-step job
// sampling for over 10 s.
const env = { STUDIO_STEP_PAUSE_MS: '100' };

let studio: RunningStudio;
test.beforeAll(async () => {
  studio = await startStudio({ env });
});
test.afterAll(async () => studio?.stop());
attachHostOutputOnFailure();
test.describe.configure({ mode: 'serial' });

/** A 160x90 picture: sky over grass with a red ball on the left. */
function pictureBytes(): Buffer {
  const w = 160, h = 90;
  const rgb = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3;
      const ball = (x - 40) ** 2 + (y - 48) ** 2 < 12 ** 2;
      const c = ball ? [220, 40, 40] : y < 56 ? [140, 190, 240] : [70, 150, 60];
      rgb.set(c, i);
    }
  return encodePng(rgb, w, h);
}

async function dropFile(page: Page, target: Locator, name: string, type: string, bytes: Buffer) {
  const dt = await page.evaluateHandle(
    ({ name, type, b64 }) => {
      const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const t = new DataTransfer();
      t.items.add(new File([data], name, { type }));
      return t;
    },
    { name, type, b64: bytes.toString('base64') },
  );
  await target.dispatchEvent('dragenter', { dataTransfer: dt });
  await target.dispatchEvent('dragover', { dataTransfer: dt });
  await target.dispatchEvent('drop', { dataTransfer: dt });
}

/** Each test opens the app afresh (a person coming back) and opens the project. */
async function openProject(page: Page) {
  await page.goto(studio.url);
  await page.getByRole('navigation', { name: 'Projects' }).getByText('Generated').click();
  await expect(page.getByRole('region', { name: 'Storyboard' })).toBeVisible();
}

/** Starts a generation of 100 steps on the card and waits until sampling is under way. */
async function startLongGeneration(page: Page, c: Locator) {
  await c.locator('summary').click();
  await c.getByRole('spinbutton', { name: 'Steps' }).fill('100');
  await expect(page.getByRole('status')).toHaveText('All changes saved');
  await c.getByRole('button', { name: 'Generate' }).click();
  await expect(c.getByRole('progressbar')).toContainText(/sample \d+\/100/, { timeout: 60_000 });
}

const card = (page: Page, n: number) => page.getByRole('listitem', { name: `Card ${n}`, exact: true });
const takes = (c: Locator) => c.getByRole('list', { name: 'Takes' }).getByRole('listitem');

async function readyTakes(c: Locator, count: number) {
  await expect(c.locator('li.take[data-status="ready"]')).toHaveCount(count, { timeout: 90_000 });
}

test('generate from a prompt, watch it form, and play the take', async ({ page }) => {
  await page.goto(studio.url);
  await expect(page.getByRole('note', { name: 'Model and provider' })).toContainText(/world-s .* · CPU/);
  await page.getByRole('button', { name: 'New project' }).click();
  await page.getByRole('textbox', { name: 'Project name' }).fill('Generated');
  await page.getByRole('textbox', { name: 'Project name' }).press('Enter');
  await page.getByRole('button', { name: 'New card' }).click();
  await expect(page.getByRole('textbox', { name: 'Prompt' })).toBeFocused();
  await page.keyboard.type('a red ball moves right on a grass field, glimmering');
  // Words the pack does not know are named before generating.
  await expect(card(page, 1).getByRole('note')).toContainText('“glimmering”');
  await card(page, 1).getByRole('button', { name: 'Generate' }).click();
  await expect(card(page, 1).getByRole('progressbar', { name: 'Generation progress' })).toBeVisible();
  await readyTakes(card(page, 1), 1);
  await expect(card(page, 1).getByRole('progressbar')).toHaveCount(0);
  const player = card(page, 1).locator('.player');
  const first = await player.getAttribute('data-frame');
  await expect.poll(async () => player.getAttribute('data-frame'), { timeout: 5000 }).not.toBe(first);
  await expect(takes(card(page, 1)).first().getByRole('button', { name: 'Choose take' })).toHaveAttribute('aria-pressed', 'true');
  await shot(page, '10-generated-take');

  // The take's details carry its provenance; Reproduce makes the same bytes again.
  await card(page, 1).getByRole('button', { name: 'Details' }).click();
  const details = page.getByRole('dialog');
  await expect(details).toContainText('glimmering');
  await expect(details).toContainText(/world-s/);
  await expect(details).toContainText(/cpu/i);
  await details.getByRole('button', { name: 'Reproduce' }).click();
  await expect(details.getByRole('status')).toContainText('identical, byte for byte', { timeout: 90_000 });
  await shot(page, '11-take-details-reproduced');
  await details.getByRole('button', { name: 'Close' }).click();
  await readyTakes(card(page, 1), 2);
});

test('drop a picture onto a card and animate it; a file that is not a picture is refused', async ({ page }) => {
  await openProject(page);
  await page.getByRole('button', { name: 'New card' }).click();
  await expect(page.getByRole('textbox', { name: 'Prompt' }).last()).toBeFocused();
  await page.keyboard.type('a red ball moves right on a grass field');
  const c = card(page, 2);
  await dropFile(page, c, 'notes.txt', 'text/plain', Buffer.from('not a picture'));
  await expect(c.getByRole('alert')).toContainText('notes.txt is not a PNG, JPEG or WebP picture');
  await dropFile(page, c, 'broken.png', 'image/png', pictureBytes().subarray(0, 60));
  await expect(c.getByRole('alert')).toContainText('broken.png could not be read as a picture');
  await dropFile(page, c, 'harbour.png', 'image/png', pictureBytes());
  await expect(c.getByRole('img', { name: /first frame/ })).toBeVisible();
  await expect(c.getByRole('alert')).toHaveCount(0);
  await shot(page, '12-picture-dropped');
  // Ctrl+Enter in the prompt generates, like the button.
  await c.getByRole('textbox', { name: 'Prompt' }).press('Control+Enter');
  await readyTakes(c, 1);
  await c.getByRole('button', { name: 'Details' }).click();
  await expect(page.getByRole('dialog')).toContainText('image-to-video');
  await expect(page.getByRole('dialog').locator('.cond')).toHaveCount(1);
  await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
  await shot(page, '13-image-to-video');

  // Dropped on the empty board: a new card with the picture.
  await dropFile(page, page.getByRole('region', { name: 'Storyboard' }), 'still.png', 'image/png', pictureBytes());
  await expect(card(page, 3).getByRole('img', { name: /first frame/ })).toBeVisible();
  // Its empty prompt asks for a description of the picture, not of a new shot.
  await expect(card(page, 3).getByRole('textbox', { name: 'Prompt' })).toHaveAttribute('placeholder', /Describe the picture/);
  await expect(card(page, 1).getByRole('textbox', { name: 'Prompt' })).toHaveAttribute('placeholder', /Describe the shot/);
  await shot(page, '13a-picture-on-a-new-card');
});

test('extend forward makes a new card after the take, and bridge joins two cards', async ({ page }) => {
  await openProject(page);
  // The card says how many of the take's frames an extension continues from: the pack's by default,
  // here another count (10, or 6 where the pack's is 10), so the new card's take is the window's 16
  // frames less those.
  const packK = await page.evaluate(async () => (await window.studio.invoke('engine.status', {})).pack!.extendOverlap);
  const k = packK === 10 ? 6 : 10;
  await card(page, 1).locator('summary').click();
  const from = card(page, 1).getByRole('combobox', { name: 'Extend from' });
  await expect(from.locator('option:checked')).toHaveText(`pack's ${packK} frames · adds ${((16 - packK) / 8).toFixed(2)} s`);
  await from.selectOption(String(k));
  await expect(page.getByRole('status')).toHaveText('All changes saved');
  await expect(from.locator('option:checked')).toHaveText(`${k} frames · adds ${((16 - k) / 8).toFixed(2)} s`);
  await shot(page, '13b-extend-from-setting');
  await card(page, 1).locator('summary').click();
  await card(page, 1).getByRole('button', { name: 'Extend forward' }).click();
  await expect(page.getByRole('list', { name: 'Cards' }).getByRole('listitem').filter({ has: page.getByRole('textbox', { name: 'Prompt' }) })).toHaveCount(4);
  await readyTakes(card(page, 2), 1);
  await expect(card(page, 2).getByRole('textbox', { name: 'Prompt' })).toHaveValue(/a red ball moves right/);
  await expect(card(page, 2).getByRole('slider', { name: 'Frame' })).toHaveAttribute('aria-valuemax', String(16 - k));
  // the new card carries the setting on, so extending it again continues from as many frames
  await expect(card(page, 2).locator('summary')).toContainText(`extend from ${k}`);
  await card(page, 2).getByRole('button', { name: 'Details' }).click();
  await expect(page.getByRole('dialog')).toContainText('extend forward');
  // the frames it continues from, each named in the take's provenance
  await expect(page.getByRole('dialog').locator('.cond')).toHaveCount(k);
  // ...and its stored request, which Reproduce runs again, holds the count whatever card 1 says later
  const request = await page.evaluate(async (cardId) => (await window.studio.invoke('takes.list', { cardId }))[0]!.provenance.request, (await card(page, 2).getAttribute('data-card-id'))!);
  expect(request).toMatchObject({ task: 'extend', direction: 'forward', overlap: k });
  await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
  await shot(page, '14-extended-forward');

  // Bridge card 2 (the extension) and card 3 (the animated picture).
  await card(page, 2).getByRole('button', { name: 'Bridge' }).click();
  await expect(page.getByRole('list', { name: 'Cards' }).getByRole('listitem').filter({ has: page.getByRole('textbox', { name: 'Prompt' }) })).toHaveCount(5);
  await readyTakes(card(page, 3), 1);
  await card(page, 3).getByRole('button', { name: 'Details' }).click();
  await expect(page.getByRole('dialog')).toContainText('infill');
  // In-filling uses the pack's own guidance for it (3), not the card's 1.5 (the pack's default).
  await expect(page.getByRole('dialog').getByRole('row', { name: /^Guidance/ }).getByRole('cell')).toHaveText('3');
  await expect(card(page, 3)).toContainText('12 steps · guidance 3 · 16:9');
  await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
  await shot(page, '15-bridged');

  // Generate on the bridge card makes another bridge of the same two takes, not a new shot of its text.
  await card(page, 3).locator('summary').click();
  await card(page, 3).getByRole('button', { name: 'New random seed' }).click();
  await expect(page.getByRole('status')).toHaveText('All changes saved');
  await card(page, 3).getByRole('button', { name: 'Generate' }).click();
  await readyTakes(card(page, 3), 2);
  await card(page, 3).getByRole('button', { name: 'Show take 2' }).click();
  await card(page, 3).getByRole('button', { name: 'Details' }).click();
  await expect(page.getByRole('dialog')).toContainText('infill');
  await expect(page.getByRole('dialog').getByRole('row', { name: /^Guidance/ }).getByRole('cell')).toHaveText('3');
  await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
});

test('cancel mid-job: the take ends cancelled and the card keeps its earlier takes', async ({ page }) => {
  await openProject(page);
  const c = card(page, 1);
  await startLongGeneration(page, c);
  // The main process stays responsive while it generates (the sampler runs in a worker thread):
  // the library answers a call at once.
  const projects = await page.evaluate(async () => (await window.studio.invoke('projects.list', {})).map((p) => p.name));
  expect(projects).toContain('Generated');
  await expect(c.getByRole('progressbar')).toBeVisible();
  await c.getByRole('button', { name: 'Cancel' }).click();
  await expect(c.locator('li.take[data-status="cancelled"]')).toHaveCount(1, { timeout: 30_000 });
  await readyTakes(c, 2);
  await shot(page, '16-cancelled');
});

test('retake a range keeps every other frame exactly; variations make several takes with consecutive seeds', async ({ page }) => {
  await openProject(page);
  const c = card(page, 2);
  await c.getByRole('button', { name: 'Retake' }).click();
  const scrubber = c.getByRole('slider', { name: 'Frame' });
  const n = Number(await scrubber.getAttribute('aria-valuemax'));
  const clickFrame = async (frame: number) => {
    const box = (await scrubber.boundingBox())!;
    await page.mouse.click(box.x + (box.width * (frame - 0.5)) / n, box.y + box.height / 2);
  };
  // Mark frames 3..5 on the scrubber: click frame 3, shift+click frame 5.
  await clickFrame(3);
  await page.keyboard.down('Shift');
  await clickFrame(5);
  await page.keyboard.up('Shift');
  await shot(page, '16a-retake-marked');
  await c.getByRole('button', { name: 'Retake frames 3–5' }).click();
  await readyTakes(c, 2);
  const [orig, redo] = await page.evaluate(async (cardId) => {
    const list = await window.studio.invoke('takes.list', { cardId });
    return list.filter((t) => t.status === 'ready').map((t) => t.frameSha256s);
  }, (await c.getAttribute('data-card-id'))!);
  expect(redo!.length).toBe(orig!.length);
  orig!.forEach((sha, i) => {
    if (i + 1 < 3 || i + 1 > 5) expect(redo![i], `frame ${i + 1} is kept`).toBe(sha);
  });
  expect(redo!.slice(2, 5)).not.toEqual(orig!.slice(2, 5));

  const v = card(page, 5);
  await v.locator('summary').click();
  await v.getByRole('spinbutton', { name: 'Variations' }).fill('2');
  await v.getByRole('button', { name: 'Generate ×2' }).click();
  await readyTakes(v, 2);
  const seeds = await page.evaluate(async (cardId) => (await window.studio.invoke('takes.list', { cardId })).map((t) => t.seed), (await v.getAttribute('data-card-id'))!);
  expect(seeds[1]).toBe(seeds[0]! + 1);
  await shot(page, '16b-variations');
});

test('reload: every card, take and picture is still there', async ({ page }) => {
  await openProject(page);
  await expect(page.getByRole('list', { name: 'Cards' }).getByRole('listitem').filter({ has: page.getByRole('textbox', { name: 'Prompt' }) })).toHaveCount(5);
  await readyTakes(card(page, 1), 2);
  await expect(card(page, 1).locator('li.take[data-status="cancelled"]')).toHaveCount(1);
  await readyTakes(card(page, 2), 2);
  await readyTakes(card(page, 3), 2); // the bridge and its second take
  await readyTakes(card(page, 4), 1);
  await readyTakes(card(page, 5), 2);
  await shot(page, '17-after-reload');
});

test('the app dies mid-generation: on reopen the card and its takes are intact and the unfinished take shows as failed', async ({ page }) => {
  await openProject(page);
  const c = card(page, 1);
  await startLongGeneration(page, c);
  await studio.crash();
  studio = await startStudio({ library: studio.library, env });
  await openProject(page);
  await readyTakes(card(page, 1), 2);
  await expect(card(page, 1).locator('li.take[data-status="failed"]')).toHaveCount(1);
  await expect(card(page, 1).locator('li.take[data-status="cancelled"]')).toHaveCount(1);
  await expect(page.getByRole('list', { name: 'Cards' }).getByRole('listitem').filter({ has: page.getByRole('textbox', { name: 'Prompt' }) })).toHaveCount(5);
  await shot(page, '18-after-crash');
});
