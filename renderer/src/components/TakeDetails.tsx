import { useEffect, useRef } from 'react';
import type { Take } from '../../../main/contract';
import { studio } from '../studio';
import { useStudio } from '../store';

/** Everything needed to reproduce a take, and the button that does. */
export function TakeDetails({ take, onClose }: { take: Take; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const reproduce = useStudio((s) => s.reproduceTake);
  const reproduced = useStudio((s) => s.reproduced);
  const reproductions = Object.entries(reproduced).filter(([, r]) => r.of === take.id);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
  }, []);
  const p = take.provenance as Record<string, any>;
  const rows: [string, string][] = [
    ['Prompt', take.prompt || '(empty)'],
    ['Task', take.task + (p.direction ? ` ${p.direction}` : '') + (p.range ? ` frames ${p.range[0]}–${p.range[1]}` : '')],
    ['Seed', String(take.seed)],
    ['Steps', String(take.steps)],
    ['Guidance', String(take.guidance)],
    ['Canvas', take.width ? `${take.width}×${take.height} (${take.aspect})` : take.aspect],
    ['Frames', take.frames ? `${take.frames} at ${take.fps} fps` : '—'],
    ['Model pack', p.pack ? `${p.pack.id} ${p.pack.version}` : '—'],
    ['Pack sha256', p.pack?.sha256 ?? '—'],
    ['Provider', p.provider ?? '—'],
    ['Engine', p.engine_version ?? '—'],
    ['Time taken', take.elapsedMs ? `${(take.elapsedMs / 1000).toFixed(1)} s` : '—'],
    ['Unknown words', take.unknownWords.length ? take.unknownWords.join(', ') : 'none'],
  ];
  const conditioning = (p.conditioning ?? []) as { role: string; sha256: string; frame?: number }[];
  return (
    <dialog ref={ref} className="dialog wide" aria-labelledby="take-details-title" onCancel={onClose}>
      <h2 id="take-details-title">Take details</h2>
      <table className="details">
        <tbody>
          {rows.map(([k, v]) => (
            <tr key={k}>
              <th scope="row">{k}</th>
              <td className={k.includes('sha') ? 'mono' : ''}>{v}</td>
            </tr>
          ))}
          <tr>
            <th scope="row">Conditioning</th>
            <td>
              {conditioning.length === 0 && 'none (text only)'}
              <div className="cond-list">
                {conditioning.map((c, i) => (
                  <figure key={i} className="cond">
                    <img src={studio.mediaUrl(c.sha256, 'png')} alt="" onError={(e) => (e.currentTarget.style.visibility = 'hidden')} />
                    <figcaption className="mono small">
                      {c.role}
                      {c.frame ? ` @${c.frame}` : ''} · {c.sha256.slice(0, 12)}
                    </figcaption>
                  </figure>
                ))}
              </div>
            </td>
          </tr>
        </tbody>
      </table>
      {reproductions.map(([id, r]) => (
        <p key={id} role="status" className={r.identical ? 'ok' : 'warn'}>
          {r.identical ? 'Reproduced: the new take is identical, byte for byte.' : 'Reproduced, but the bytes differ from this take (another provider or pack?).'}
        </p>
      ))}
      <div className="dialog-actions">
        <button type="button" onClick={() => void reproduce(take)} disabled={take.status !== 'ready'}>
          Reproduce
        </button>
        <button type="button" autoFocus onClick={onClose}>
          Close
        </button>
      </div>
    </dialog>
  );
}
