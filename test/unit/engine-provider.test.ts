import { describe, expect, it } from 'vitest';
import { chooseProviders, defaultThreads, nvidiaGpuPresent, ortCudaInstalled, ortVersion } from '../../main/engine/ort-host';

describe('execution provider choice', () => {
  it('is CUDA only when onnxruntime-node has the CUDA provider and an NVIDIA GPU answers, else CPU, with the reason', () => {
    const c = chooseProviders({});
    if (ortCudaInstalled() && nvidiaGpuPresent()) expect(c.providers).toEqual(['cuda', 'cpu']);
    else expect(c.providers).toEqual(['cpu']);
    expect(c.reason.length).toBeGreaterThan(5);
    expect(chooseProviders({ STUDIO_EP: 'cpu' })).toEqual({ providers: ['cpu'], reason: 'STUDIO_EP=cpu' });
  });

  it('uses a sensible thread count and knows the onnxruntime-node version', () => {
    const n = defaultThreads();
    expect(n).toBeGreaterThanOrEqual(1);
    expect(n).toBeLessThanOrEqual(16);
    expect(ortVersion()).toMatch(/^1\.\d+\.\d+/);
  });
});
