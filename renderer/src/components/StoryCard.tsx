import { useEffect, useRef, type DragEvent } from 'react';
import type { Card } from '../../../main/contract';
import { useStudio } from '../store';

export function StoryCard(props: {
  card: Card;
  index: number;
  count: number;
  dropTarget: boolean;
  onDragStartCard: (e: DragEvent) => void;
  onDragOverCard: (e: DragEvent) => void;
  onDropCard: (e: DragEvent) => void;
  onDragEndCard: () => void;
}) {
  const { card, index, count } = props;
  const setPrompt = useStudio((s) => s.setPrompt);
  const flushPrompt = useStudio((s) => s.flushPrompt);
  const moveCard = useStudio((s) => s.moveCard);
  const deleteCard = useStudio((s) => s.deleteCard);
  const label = `Card ${index + 1}`;
  const promptRef = useRef<HTMLTextAreaElement>(null);
  const wantsFocus = useStudio((s) => s.focusCardId === card.id);
  const focused = useStudio((s) => s.focused);
  useEffect(() => {
    if (!wantsFocus) return;
    promptRef.current?.focus();
    promptRef.current?.scrollIntoView({ block: 'nearest' });
    focused();
  }, [wantsFocus, focused]);

  return (
    <li
      className={`card${props.dropTarget ? ' drop-target' : ''}`}
      aria-label={label}
      data-card-id={card.id}
      onDragOver={props.onDragOverCard}
      onDrop={props.onDropCard}
      onKeyDown={(e) => {
        if (!e.altKey) return;
        if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
          e.preventDefault();
          void moveCard(card.id, index + (e.key === 'ArrowLeft' ? -1 : 1));
        }
      }}
    >
      <div
        className="card-head"
        draggable
        onDragStart={props.onDragStartCard}
        onDragEnd={props.onDragEndCard}
        title="Drag to reorder"
        aria-label={`Drag handle of ${label}`}
      >
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
        <span className="frame-empty">No take yet</span>
      </div>
      <textarea
        ref={promptRef}
        className="prompt"
        aria-label="Prompt"
        placeholder="Describe the shot: a red ball bounces on a grass field, the camera pans left"
        value={card.prompt}
        rows={3}
        maxLength={2000}
        onChange={(e) => setPrompt(card.id, e.target.value)}
        onBlur={() => void flushPrompt(card.id)}
      />
    </li>
  );
}
