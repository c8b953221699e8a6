import { describe, expect, it } from 'vitest';
import { calls, events, isCallName, CardSettings } from '../../main/contract';
import { dispatch, type Handlers } from '../../main/dispatch';

describe('the contract', () => {
  it('names every call as area.verb and gives each an input and an output schema', () => {
    for (const [name, spec] of Object.entries(calls)) {
      expect(name).toMatch(/^[a-z]+\.[a-z][A-Za-z]*$/);
      expect(typeof spec.input.safeParse).toBe('function');
      expect(typeof spec.output.safeParse).toBe('function');
      expect(spec.doc.length).toBeGreaterThan(5);
    }
    expect(Object.keys(events).length).toBeGreaterThan(0);
  });

  it('knows its own call names and nothing else', () => {
    expect(isCallName('projects.list')).toBe(true);
    expect(isCallName('toString')).toBe(false);
    expect(isCallName('__proto__')).toBe(false);
    expect(isCallName(42)).toBe(false);
  });

  it('rejects card settings out of range with the field named', () => {
    const r = CardSettings.safeParse({ seed: -1, steps: 0, guidance: 3, aspect: '4:3', extendOverlap: 0 });
    expect(r.success).toBe(false);
    const paths = r.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['seed', 'steps', 'aspect', 'extendOverlap']));
    expect(CardSettings.safeParse({ seed: 1, steps: 12, guidance: 1.5, aspect: '16:9', extendOverlap: 2.5 }).success).toBe(false);
  });
});

describe('dispatch', () => {
  const handlers = {
    'projects.create': ({ name }: { name: string }) => ({ id: 'p1', name, createdAt: 'x', updatedAt: 'x', cardCount: 0 }),
    'projects.list': () => [{ id: 'p1', name: 'bad', createdAt: 'x' }], // breaks the contract on purpose
  } as unknown as Handlers;

  it('validates input and names the field that is wrong', async () => {
    const r = await dispatch(handlers, 'projects.create', { name: '   ' });
    expect(r).toEqual({ ok: false, error: { code: 'invalid_input', message: expect.stringContaining('name: a project needs a name') } });
  });

  it('rejects fields the contract does not declare', async () => {
    const r = await dispatch(handlers, 'projects.create', { name: 'A', admin: true });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('invalid_input');
  });

  it('answers an unknown call with unknown_call, not an exception', async () => {
    expect(await dispatch(handlers, 'fs.readFile', { path: '/etc/passwd' })).toMatchObject({ ok: false, error: { code: 'unknown_call' } });
  });

  it('passes a valid call through, trimming the name as the schema says', async () => {
    expect(await dispatch(handlers, 'projects.create', { name: '  Dusk  ' })).toEqual({
      ok: true,
      value: { id: 'p1', name: 'Dusk', createdAt: 'x', updatedAt: 'x', cardCount: 0 },
    });
  });

  it('refuses to pass on a reply that breaks the contract', async () => {
    expect(await dispatch(handlers, 'projects.list', {})).toMatchObject({ ok: false, error: { code: 'internal' } });
  });
});
