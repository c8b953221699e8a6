import { useEffect, useRef, useState, type DragEvent } from 'react';
import type { Card, Take } from '../../../main/contract';
import { useStudio } from '../store';
import { studio } from '../studio';
import { FramePlayer } from './FramePlayer';
import { LivePreview } from './LivePreview';
import { PromptField } from './PromptField';
import { TakeDetails } from './TakeDetails';
import { TakeList } from './TakeList';
import { Icon } from './Icon';

const EMPTY: Take[] = [];
/** The frame counts offered for Extend beside the pack's own (a card may also be set through the contract to any other). */
const OVERLAPS = [4, 6, 8, 10, 12];

function formatEta(ms: number | null): string {
  if (ms === null) return '';
  const s = Math.max(0, Math.round(ms / 1000));
  return s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s left` : `${s} s left`;
}

export function StoryCard(props: {
  card: Card;
  index: number;
  count: number;
  nextCardId: string | null;
  dropTarget: boolean;
  onDragStartCard: (e: DragEvent) => void;
  onDragOverCard: (e: DragEvent) => void;
  onDropCard: (e: DragEvent) => void;
  onDragEndCard: () => void;
}) {
  const { card, index, count } = props;
  const s = useStudio;
  const moveCard = s((x) => x.moveCard);
  const deleteCard = s((x) => x.deleteCard);
  const takes = s((x) => x.takesByCard[card.id]) ?? EMPTY;
  const jobs = s((x) => x.jobs);
  const preview = s((x) => x.previews[card.id]);
  const message = s((x) => x.cardMessages[card.id]);
  const engine = s((x) => x.engine);
  const generate = s((x) => x.generate);
  const cancelJob = s((x) => x.cancelJob);
  const dropPicture = s((x) => x.dropPicture);
  const clearPicture = s((x) => x.clearPicture);
  const setCardMessage = s((x) => x.setCardMessage);
  const extendTake = s((x) => x.extendTake);
  const retakeRange = s((x) => x.retakeRange);
  const deleteTake = s((x) => x.deleteTake);
  const bridge = s((x) => x.bridge);
  const track = s((x) => x.track);
  const label = `Card ${index + 1}`;
  const promptRef = useRef<HTMLTextAreaElement>(null);
  const wantsFocus = s((x) => x.focusCardId === card.id);
  const focused = s((x) => x.focused);
  const [fileOver, setFileOver] = useState(false);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [details, setDetails] = useState<Take | null>(null);
  const [marking, setMarking] = useState<[number, number] | null>(null);
  const [variations, setVariations] = useState(1);

  useEffect(() => {
    if (!wantsFocus) return;
    promptRef.current?.focus();
    promptRef.current?.scrollIntoView({ block: 'nearest' });
    focused();
  }, [wantsFocus, focused]);

  const cardJobs = Object.values(jobs).filter((j) => j.cardId === card.id);
  const running = cardJobs.find((j) => j.state === 'running') ?? cardJobs[0];
  const shown = takes.find((t) => t.id === selectedId) ?? takes.find((t) => t.id === card.chosenTakeId) ?? null;
  const fps = engine?.pack?.fps ?? 8;
  const packFrames = engine?.pack?.frames ?? 16;
  const packOverlap = engine?.pack?.extendOverlap;
  /** The new time an extension that continues from k frames adds (a window less the k frames). */
  const addedTime = (k: number) => `${((packFrames - k) / fps).toFixed(2)} s`;

  const updateSettings = (patch: Partial<Card['settings']>) =>
    void track(studio.invoke('cards.update', { id: card.id, settings: patch })).then((c) => useStudio.setState((st) => ({ cards: st.cards.map((x) => (x.id === c.id ? c : x)) })));

  const isFileDrag = (e: DragEvent) => e.dataTransfer.types.includes('Files');

  let frame;
  if (preview && running) frame = <LivePreview preview={preview} fps={fps} />;
  else if (shown && shown.status === 'ready')
    frame = (
      <FramePlayer
        key={shown.id}
        frameShas={shown.frameSha256s}
        fps={shown.fps ?? fps}
        label={`Player, take ${takes.indexOf(shown) + 1}`}
        autoPlay={!marking}
        range={marking}
        onPickFrame={
          marking
            ? (f, extend) =>
                setMarking((m) => {
                  const [a, b] = m ?? [f, f];
                  return extend || (f > a && a === b) ? [Math.min(a, f), Math.max(b, f)] : [f, f];
                })
            : undefined
        }
      />
    );
  else if (card.imageHash)
    frame = (
      <div className="first-frame" aria-label="First frame">
        <img src={studio.mediaUrl(card.imageHash, 'png')} alt="The card's first frame, cropped to the canvas" />
        <span className="badge">first frame · cropped to {card.settings.aspect}</span>
      </div>
    );
  else frame = <span className="frame-empty">Drop a picture here, or write a prompt and Generate</span>;

  return (
    <li
      className={`card${props.dropTarget ? ' drop-target' : ''}${fileOver ? ' file-over' : ''}`}
      aria-label={label}
      data-card-id={card.id}
      onDragOver={(e) => {
        if (isFileDrag(e)) {
          e.preventDefault();
          e.stopPropagation();
          e.dataTransfer.dropEffect = 'copy';
          setFileOver(true);
        } else props.onDragOverCard(e);
      }}
      onDragLeave={() => setFileOver(false)}
      onDrop={(e) => {
        if (isFileDrag(e)) {
          e.preventDefault();
          e.stopPropagation();
          setFileOver(false);
          const file = e.dataTransfer.files[0];
          if (e.dataTransfer.files.length > 1) setCardMessage(card.id, 'Drop one picture at a time; the first was used.');
          if (file) void dropPicture(card.id, file);
        } else props.onDropCard(e);
      }}
      onKeyDown={(e) => {
        // Ctrl/Cmd+Enter anywhere on the card generates, without reaching for the mouse.
        if ((e.ctrlKey || e.metaKey) && e.key === 'Enter' && engine?.ready) {
          e.preventDefault();
          void generate(card.id, variations);
          return;
        }
        if (!e.altKey) return;
        if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
          e.preventDefault();
          void moveCard(card.id, index + (e.key === 'ArrowLeft' ? -1 : 1));
        }
      }}
    >
      <div className="card-head" draggable onDragStart={props.onDragStartCard} onDragEnd={props.onDragEndCard} title="Drag to reorder" aria-label={`Drag handle of ${label}`}>
        <span className="grip" aria-hidden>
          ⋮⋮
        </span>
        <span className="card-number">{String(index + 1).padStart(2, '0')}</span>
        <span className="muted small">
          {card.settings.aspect} · seed {card.settings.seed}
        </span>
        <span className="spacer" />
        <button type="button" className="ghost icon" aria-label="Move card left" title="Move left (Alt+←)" disabled={index === 0} onClick={() => void moveCard(card.id, index - 1)}>
          ‹
        </button>
        <button type="button" className="ghost icon" aria-label="Move card right" title="Move right (Alt+→)" disabled={index === count - 1} onClick={() => void moveCard(card.id, index + 1)}>
          ›
        </button>
        <button type="button" className="ghost icon" aria-label="Delete card" title="Delete card (Undo brings it back)" onClick={() => void deleteCard(card.id)}>
          ×
        </button>
      </div>
      <div className={`frame aspect-${card.settings.aspect.replace(':', 'x')}`}>
        {frame}
        {running && (
          <div className="progress" role="progressbar" aria-label="Generation progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(running.fraction * 100)}>
            <div className="progress-fill" style={{ width: `${Math.round(running.fraction * 100)}%` }} />
            <span className="progress-text">
              {running.state === 'pending'
                ? `Queued${running.queuePosition ? ` (#${running.queuePosition})` : ''}`
                : `${running.stage}${running.total ? ` ${running.step}/${running.total}` : ''}${running.etaMs !== null ? ` · ${formatEta(running.etaMs)}` : ''}`}
              {cardJobs.length > 1 ? ` · ${cardJobs.length} takes queued` : ''}
            </span>
          </div>
        )}
      </div>
      {message && (
        <div className="card-message" role="alert">
          <span>{message}</span>
          <button type="button" className="ghost icon" aria-label="Dismiss" onClick={() => setCardMessage(card.id, null)}>
            ×
          </button>
        </div>
      )}
      <PromptField ref={promptRef} cardId={card.id} value={card.prompt} hasPicture={!!card.imageHash} />
      <details className="settings">
        <summary>
          Settings <span className="muted small">· {card.settings.steps} steps · guidance {card.settings.guidance} · {card.settings.aspect}
            {card.settings.extendOverlap ? ` · extend from ${card.settings.extendOverlap}` : ''}
          </span>
        </summary>
        <div className="settings-grid">
          <label>
            Seed
            <span className="seed-row">
              <input aria-label="Seed" type="number" min={0} max={2147483646} value={card.settings.seed} onChange={(e) => e.target.value !== '' && updateSettings({ seed: Math.max(0, Math.min(2147483646, Math.floor(Number(e.target.value)))) })} />
              <button type="button" className="ghost icon" aria-label="New random seed" title="New random seed" onClick={() => updateSettings({ seed: Math.floor(Math.random() * 2147483646) })}>
                <Icon name="dice" />
              </button>
            </span>
          </label>
          <label>
            Steps
            <input aria-label="Steps" type="number" min={1} max={100} value={card.settings.steps} onChange={(e) => e.target.value !== '' && updateSettings({ steps: Math.max(1, Math.min(100, Math.floor(Number(e.target.value)))) })} />
          </label>
          <label>
            Guidance
            <input aria-label="Guidance" type="number" min={0} max={20} step={0.5} value={card.settings.guidance} onChange={(e) => e.target.value !== '' && updateSettings({ guidance: Math.max(0, Math.min(20, Number(e.target.value))) })} />
          </label>
          <label>
            Aspect
            <select aria-label="Aspect" value={card.settings.aspect} onChange={(e) => updateSettings({ aspect: e.target.value as '16:9' | '1:1' })}>
              {(engine?.pack?.aspects ?? ['16:9', '1:1']).map((a) => (
                <option key={a}>{a}</option>
              ))}
            </select>
          </label>
          <label>
            Variations
            <input aria-label="Variations" type="number" min={1} max={8} value={variations} onChange={(e) => setVariations(Math.max(1, Math.min(8, Math.floor(Number(e.target.value) || 1))))} />
          </label>
          <label className="wide" title="How many frames of a take Extend continues from: more frames make a surer extension that adds less new time">
            Extend from
            <select
              aria-label="Extend from"
              value={card.settings.extendOverlap ?? ''}
              onChange={(e) => updateSettings({ extendOverlap: e.target.value === '' ? null : Number(e.target.value) })}
            >
              <option value="">{packOverlap ? `pack's ${packOverlap} frames · adds ${addedTime(packOverlap)}` : "the pack's"}</option>
              {[...new Set([...OVERLAPS, card.settings.extendOverlap ?? 0])]
                .filter((k) => k > 0 && k < packFrames && (k !== packOverlap || k === card.settings.extendOverlap))
                .sort((a, b) => a - b)
                .map((k) => (
                  <option key={k} value={k}>
                    {k} frames · adds {addedTime(k)}
                  </option>
                ))}
            </select>
          </label>
          {card.imageHash && (
            <button type="button" className="ghost small" onClick={() => void clearPicture(card.id)}>
              Remove first frame
            </button>
          )}
        </div>
      </details>
      <div className="generate-row">
        {running ? (
          <>
            <span className="grow" />
            <button type="button" onClick={() => void cancelJob(running.jobId)}>
              Cancel
            </button>
          </>
        ) : (
          <span className="muted small grow">{engine && !engine.ready ? 'No model pack: see the top bar' : takes.length ? `${takes.length} take${takes.length === 1 ? '' : 's'}` : card.imageHash ? 'Animate the picture' : ''}</span>
        )}
        <button type="button" className="primary" disabled={!engine?.ready} onClick={() => void generate(card.id, variations)} title={`${variations > 1 ? `Make ${variations} takes with consecutive seeds` : 'Make a take'} (Ctrl+Enter)`}>
          Generate{variations > 1 ? ` ×${variations}` : ''}
        </button>
      </div>
      {takes.length > 0 && <TakeList takes={takes} chosenId={card.chosenTakeId} selectedId={shown?.id ?? null} onSelect={(t) => setSelectedId(t.id)} />}
      {shown && shown.status === 'ready' && (
        <div className="take-tools" aria-label="Take tools">
          {marking ? (
            <>
              <span className="small">
                Frames {marking[0]}–{marking[1]} (click the scrubber; Shift+click extends)
              </span>
              <span className="spacer" />
              <button type="button" className="ghost small" onClick={() => setMarking(null)}>
                Back
              </button>
              <button
                type="button"
                className="primary small"
                onClick={() => {
                  const [a, b] = marking;
                  setMarking(null);
                  void retakeRange(shown, a, b);
                }}
              >
                Retake frames {marking[0]}–{marking[1]}
              </button>
            </>
          ) : (
            <>
              <button type="button" className="small" onClick={() => void extendTake(shown, 'backward')} title="A new card before this one that leads into this take">
                Extend backward
              </button>
              <button type="button" className="small" onClick={() => void extendTake(shown, 'forward')} title="A new card after this one that carries this take on">
                Extend forward
              </button>
              <button type="button" className="small" onClick={() => setMarking([Math.ceil((shown.frames ?? 2) / 3), Math.ceil((shown.frames ?? 2) / 2)])} title="Mark frames on the scrubber and generate only those again">
                Retake
              </button>
              <span className="spacer" />
              <button type="button" className="ghost small" onClick={() => setDetails(shown)}>
                Details
              </button>
              <button type="button" className="ghost icon" aria-label="Delete take" title="Delete take (Undo brings it back)" onClick={() => void deleteTake(shown)}>
                <Icon name="trash" />
              </button>
            </>
          )}
        </div>
      )}
      {props.nextCardId && (
        <button type="button" className="bridge" onClick={() => void bridge(card.id, props.nextCardId!)} title="Make a card between this one and the next whose clip connects their chosen takes">
          Bridge
        </button>
      )}
      {details && <TakeDetails take={details} onClose={() => setDetails(null)} />}
    </li>
  );
}
