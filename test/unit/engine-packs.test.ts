import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { discoverPacks, loadPack, PackError } from '../../main/engine/packs';
import { canvasFor } from '../../main/engine/manifest';
import { latentNormOf, predictionOf, scheduleOf } from '../../main/engine/engine';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'studio-packs-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** A pack folder with stand-in graph files (these tests check discovery and checking, not inference). */
function makePack(name: string, edit: (m: Record<string, any>) => void = () => {}, files: Record<string, string> = {}): string {
  const dir = path.join(tmp, 'models', name);
  mkdirSync(dir, { recursive: true });
  const graphs: Record<string, { file: string; sha256: string }> = {};
  for (const g of ['text_encoder', 'denoiser', 'encoder', 'decoder']) {
    const body = `graph ${g} of ${name}`;
    writeFileSync(path.join(dir, `${g}.onnx`), body);
    graphs[g] = { file: `${g}.onnx`, sha256: sha(body) };
  }
  writeFileSync(path.join(dir, 'vocab.json'), JSON.stringify({ words: ['<pad>', '<unk>', 'a'] }));
  const m: Record<string, any> = {
    format: 1, id: name, version: '0.1.0', license: 'MIT', fps: 8, frames_per_window: 16,
    canvas: { width: 128, height: 72 }, aspects: { '16:9': { width: 128, height: 72 }, '1:1': { width: 72, height: 72 } },
    latent: { channels: 4, spatial_stride: 4, temporal_stride: 1, scale: 1.0, shift: 0.0 },
    tasks: ['text-to-video'],
    sampler: { kind: 'rectified-flow', prediction: 'x0', steps: 12, guidance: 3.0, schedule: 't_i = 1 - i/steps' },
    text: { vocab_file: 'vocab.json', max_tokens: 32, pad_id: 0, unk_id: 1, null_prompt: '' },
    graphs, io: {}, extra_field_from_a_newer_trainer: true,
  };
  edit(m);
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(m));
  for (const [f, body] of Object.entries(files)) writeFileSync(path.join(dir, f), body);
  return dir;
}

describe('model packs', () => {
  it('loads a good pack and keeps fields it does not know', async () => {
    const p = await loadPack(makePack('good'));
    expect(p.manifest.id).toBe('good');
    expect(p.words).toEqual(['<pad>', '<unk>', 'a']);
    expect(p.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect((p.manifest as Record<string, unknown>).extra_field_from_a_newer_trainer).toBe(true);
    expect(canvasFor(p.manifest, '1:1')).toEqual({ width: 72, height: 72 });
    expect(() => canvasFor(p.manifest, '4:3')).toThrow(/no 4:3 canvas/);
    expect(predictionOf(p.manifest)).toBe('x0');
    expect(scheduleOf(p.manifest)).toEqual({ kind: 'linear' });
    expect(latentNormOf(p.manifest)).toBeNull();
    // packs from before the noise share sample from independent noise
    expect(p.manifest.sampler.noise_share).toBe(0);
  });

  it("reads a vocabulary's word readings, and names the vocabulary when a reading is malformed", async () => {
    expect((await loadPack(makePack('plain'))).readings).toEqual([]);
    const reading = { words: ['right'], after: ['pans'], skip: [], suffix: '@pan' };
    const words = ['<pad>', '<unk>', 'pans', 'right', 'right@pan'];
    const read = makePack('readings', () => {}, { 'vocab.json': JSON.stringify({ words, readings: [reading] }) });
    expect((await loadPack(read)).readings).toEqual([reading]);
    const bad = makePack('badreading', () => {}, { 'vocab.json': JSON.stringify({ words, readings: [{ ...reading, suffix: '' }] }) });
    await expect(loadPack(bad)).rejects.toThrow(/vocab\.json is unreadable .*readings/);
    // the discovery test below counts the packs in this folder
    for (const d of ['plain', 'readings', 'badreading']) rmSync(path.join(tmp, 'models', d), { recursive: true, force: true });
  });

  it('refuses a tampered graph, naming the file', async () => {
    const dir = makePack('tampered', () => {}, { 'decoder.onnx': 'graph decoder of tampered!' });
    await expect(loadPack(dir)).rejects.toThrow(/decoder\.onnx \(decoder\) is damaged or was changed/);
    await expect(loadPack(dir)).rejects.toBeInstanceOf(PackError);
  });

  it('names the file when the manifest, a graph or the vocabulary is missing or broken', async () => {
    const noGraph = makePack('nograph');
    rmSync(path.join(noGraph, 'encoder.onnx'));
    await expect(loadPack(noGraph)).rejects.toThrow(/encoder\.onnx \(encoder\) is missing/);
    const badJson = makePack('badjson', () => {}, { 'manifest.json': '{ nope' });
    await expect(loadPack(badJson)).rejects.toThrow(/manifest\.json is not valid JSON/);
    const badField = makePack('badfield', (m) => (m.latent.channels = 'four'));
    await expect(loadPack(badField)).rejects.toThrow(/manifest\.json does not match the manifest format: latent\.channels/);
    const badShare = makePack('badshare', (m) => (m.sampler.noise_share = 1));
    await expect(loadPack(badShare)).rejects.toThrow(/manifest\.json does not match the manifest format: sampler\.noise_share/);
    rmSync(badShare, { recursive: true, force: true });
    // an extension given the whole window would have no frame left to make
    const badOverlap = makePack('badoverlap', (m) => (m.conditioning = { extend_overlap: 16 }));
    await expect(loadPack(badOverlap)).rejects.toThrow(/manifest\.json does not match the manifest format: conditioning\.extend_overlap: must be smaller than frames_per_window/);
    rmSync(badOverlap, { recursive: true, force: true });
    const escape = makePack('escape', (m) => (m.graphs.decoder.file = '../../etc/passwd'));
    await expect(loadPack(escape)).rejects.toThrow(/graphs\.decoder\.file/);
    const noVocab = makePack('novocab');
    rmSync(path.join(noVocab, 'vocab.json'));
    await expect(loadPack(noVocab)).rejects.toThrow(/vocab\.json is missing/);
    await expect(loadPack(path.join(tmp, 'nowhere'))).rejects.toThrow(/manifest\.json is missing/);
  });

  it('discovery: broken packs are reported, the others still load; a user pack can add to the built-in ones', async () => {
    const d = await discoverPacks([
      { dir: path.join(tmp, 'models'), source: 'built-in' },
      { dir: path.join(tmp, 'no-such-user-folder'), source: 'user' },
    ]);
    expect(d.packs.map((p) => p.manifest.id).sort()).toEqual(['good']);
    const byDir = Object.fromEntries(d.problems.map((p) => [path.basename(p.dir), path.basename(p.file)]));
    expect(byDir).toMatchObject({ tampered: 'decoder.onnx', nograph: 'encoder.onnx', badjson: 'manifest.json', novocab: 'vocab.json' });
  });

  it('reads engine-side latent normalisation and the velocity prediction when a pack asks for them', async () => {
    const p = await loadPack(makePack('norm', (m) => {
      m.latent.scale = [2, 2, 2, 2];
      m.latent.shift = 0.5;
      m.sampler.prediction = 'velocity';
      m.sampler.shift = 3;
    }));
    expect(latentNormOf(p.manifest)).toEqual({ scale: [2, 2, 2, 2], shift: [0.5, 0.5, 0.5, 0.5] });
    expect(predictionOf(p.manifest)).toBe('velocity');
    expect(scheduleOf(p.manifest)).toEqual({ kind: 'shifted', shift: 3 });
    const folded = await loadPack(makePack('folded', (m) => {
      m.latent.scale = 2;
      m.latent.normalisation = 'already applied inside encoder.onnx';
    }));
    expect(latentNormOf(folded.manifest)).toBeNull();
  });
});
