import { useRef, useState } from 'react';
import type { Take } from '../../../main/contract';
import { useStudio } from '../store';
import { useFrames } from './FramePlayer';
import { studio } from '../studio';
import { Icon } from './Icon';

/** A take's thumbnail: plays on hover, scrubs with the pointer. */
function TakeThumb({ take }: { take: Take }) {
  const [hover, setHover] = useState(false);
  const frames = useFrames(hover ? take.frameSha256s : []);
  const [index, setIndex] = useState<number | null>(null);
  const timer = useRef<ReturnType<typeof setInterval> | null>(null);
  const n = take.frameSha256s.length;
  const src = index !== null && frames[index] ? frames[index]!.src : take.thumbSha256 ? studio.mediaUrl(take.thumbSha256, 'png') : undefined;
  const stop = () => {
    if (timer.current) clearInterval(timer.current);
    timer.current = null;
  };
  return (
    <div
      className="thumb"
      onPointerEnter={() => {
        setHover(true);
        stop();
        let i = 0;
        timer.current = setInterval(() => setIndex((i = (i + 1) % n)), 1000 / (take.fps ?? 8));
      }}
      onPointerMove={(e) => {
        if (e.movementX === 0) return;
        stop();
        const r = e.currentTarget.getBoundingClientRect();
        setIndex(Math.max(0, Math.min(n - 1, Math.floor(((e.clientX - r.left) / r.width) * n))));
      }}
      onPointerLeave={() => {
        stop();
        setHover(false);
        setIndex(null);
      }}
    >
      {src ? <img src={src} alt="" draggable={false} /> : <span className={`thumb-state ${take.status}`}>{take.status === 'pending' ? '…' : take.status}</span>}
    </div>
  );
}

export function TakeList(props: { takes: Take[]; chosenId: string | null; selectedId: string | null; onSelect: (take: Take) => void }) {
  const choose = useStudio((s) => s.chooseTake);
  const jobs = useStudio((s) => s.jobs);
  return (
    <ul className="takes" aria-label="Takes">
      {props.takes.map((t, i) => {
        const chosen = t.id === props.chosenId;
        const job = jobs[t.id];
        return (
          <li key={t.id} className={`take ${t.status}${chosen ? ' chosen' : ''}${t.id === props.selectedId ? ' selected' : ''}`} aria-label={`Take ${i + 1}, ${t.status}${chosen ? ', chosen' : ''}`} data-status={t.status}>
            <button type="button" className="take-select" onClick={() => props.onSelect(t)} aria-label={`Show take ${i + 1}`} title={`Take ${i + 1} · seed ${t.seed} · ${t.task}`}>
              <TakeThumb take={t} />
              {job && <span className="take-progress" style={{ width: `${Math.round(job.fraction * 100)}%` }} />}
              {t.unknownWords.length > 0 && <span className="take-unknown" title={`Words the model did not know: ${t.unknownWords.join(', ')}`} aria-label={`Unknown words: ${t.unknownWords.join(', ')}`} />}
            </button>
            <button type="button" className={`ghost icon choose${chosen ? ' on' : ''}`} aria-label="Choose take" aria-pressed={chosen} title={chosen ? 'The chosen take' : 'Choose this take'} disabled={t.status !== 'ready'} onClick={() => void choose(t)}>
              <Icon name="star" size={11} />
            </button>
          </li>
        );
      })}
    </ul>
  );
}
