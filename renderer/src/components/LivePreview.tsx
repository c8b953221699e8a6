import { useEffect, useRef } from 'react';
import type { Preview } from '../store/takes';

/** The sampler's current estimate of the clip, looping, so the person watches it form. */
export function LivePreview({ preview, fps }: { preview: Preview; fps: number }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = canvas.current;
    if (!c) return;
    c.width = preview.width;
    c.height = preview.height;
    const ctx = c.getContext('2d')!;
    let raf = 0;
    const t0 = performance.now();
    const tick = (t: number) => {
      // Preview frames are every second frame: play them at half the rate to keep real time.
      const i = Math.floor(((t - t0) / 1000) * (fps / 2)) % preview.frames.length;
      ctx.putImageData(preview.frames[i]!, 0, 0);
      raf = requestAnimationFrame(tick);
    };
    raf = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(raf);
  }, [preview, fps]);
  return (
    <div className="live-preview" aria-label="Live preview">
      <canvas ref={canvas} className="player-canvas" />
      <span className="badge">
        preview · step {preview.step}/{preview.total}
      </span>
    </div>
  );
}
