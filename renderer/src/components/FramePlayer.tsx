import { useEffect, useRef, useState } from 'react';
import { studio } from '../studio';

/** Loads a take's lossless frames once; the player and the scrubbers draw from them. */
export function useFrames(shas: string[]): HTMLImageElement[] {
  const [images, setImages] = useState<HTMLImageElement[]>([]);
  const key = shas.join(',');
  useEffect(() => {
    let live = true;
    const imgs = shas.map((sha) => {
      const img = new Image();
      img.src = studio.mediaUrl(sha, 'png');
      return img;
    });
    Promise.all(imgs.map((i) => i.decode().catch(() => undefined))).then(() => live && setImages(imgs));
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  return images;
}

/**
 * Plays a take frame by frame at its real frame rate, from its lossless frames: what you see is
 * exactly what was generated, and scrubbing lands on whole frames.
 */
export function FramePlayer(props: { frameShas: string[]; fps: number; label: string; autoPlay?: boolean; range?: [number, number] | null; onPickFrame?: (frame: number, extend: boolean) => void }) {
  const frames = useFrames(props.frameShas);
  const [index, setIndex] = useState(0);
  const [playing, setPlaying] = useState(props.autoPlay ?? true);
  const canvas = useRef<HTMLCanvasElement>(null);
  const n = props.frameShas.length;

  useEffect(() => {
    if (!playing || n === 0) return;
    const period = 1000 / props.fps;
    let start = performance.now() - index * period;
    let raf = 0;
    const tick = (t: number) => {
      const i = Math.floor((t - start) / period) % n;
      setIndex(i);
      raf = requestAnimationFrame(tick);
    };
    raf = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(raf);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [playing, n, props.fps]);

  useEffect(() => {
    const img = frames[index];
    const c = canvas.current;
    if (!img || !c) return;
    c.width = img.naturalWidth;
    c.height = img.naturalHeight;
    c.getContext('2d')!.drawImage(img, 0, 0);
  }, [frames, index]);

  const scrub = (e: React.PointerEvent<HTMLDivElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    const i = Math.max(0, Math.min(n - 1, Math.floor(((e.clientX - r.left) / r.width) * n)));
    setPlaying(false);
    setIndex(i);
    return i;
  };

  return (
    <div className="player" aria-label={props.label} data-frame={index + 1} data-playing={playing}>
      <canvas ref={canvas} className="player-canvas" onClick={() => setPlaying((p) => !p)} />
      <div className="player-bar">
        <button type="button" className="ghost icon" aria-label={playing ? 'Pause' : 'Play'} onClick={() => setPlaying((p) => !p)}>
          {playing ? '❚❚' : '▶'}
        </button>
        <div
          className="scrubber"
          role="slider"
          aria-label="Frame"
          aria-valuemin={1}
          aria-valuemax={n}
          aria-valuenow={index + 1}
          tabIndex={0}
          onPointerDown={(e) => {
            e.currentTarget.setPointerCapture(e.pointerId);
            const i = scrub(e);
            props.onPickFrame?.(i + 1, e.shiftKey);
          }}
          onPointerMove={(e) => e.buttons === 1 && scrub(e)}
          onKeyDown={(e) => {
            if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
              e.preventDefault();
              setPlaying(false);
              setIndex((i) => Math.max(0, Math.min(n - 1, i + (e.key === 'ArrowRight' ? 1 : -1))));
            }
          }}
        >
          {props.range && <div className="scrub-range" style={{ left: `${((props.range[0] - 1) / n) * 100}%`, width: `${((props.range[1] - props.range[0] + 1) / n) * 100}%` }} />}
          <div className="scrub-head" style={{ left: `${((index + 0.5) / n) * 100}%` }} />
        </div>
        <span className="muted small tabular">
          {index + 1}/{n} · {props.fps} fps
        </span>
      </div>
    </div>
  );
}
