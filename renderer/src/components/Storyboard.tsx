import { useState } from 'react';
import { useStudio } from '../store';
import { StoryCard } from './StoryCard';

const CARD_MIME = 'application/x-studio-card';

export function Storyboard() {
  const projectId = useStudio((s) => s.currentProjectId);
  const cards = useStudio((s) => s.cards);
  const addCard = useStudio((s) => s.addCard);
  const moveCard = useStudio((s) => s.moveCard);
  const dropPicture = useStudio((s) => s.dropPicture);
  const [fileOver, setFileOver] = useState(false);
  const [dropIndex, setDropIndex] = useState<number | null>(null);

  if (!projectId) {
    return (
      <section className="storyboard empty">
        <p className="muted">Open a project on the left, or make one with New project.</p>
      </section>
    );
  }

  return (
    <section
      className={`storyboard${fileOver ? ' file-over' : ''}`}
      aria-label="Storyboard"
      onDragOver={(e) => {
        if (!e.dataTransfer.types.includes('Files')) return;
        e.preventDefault();
        e.dataTransfer.dropEffect = 'copy';
        setFileOver(true);
      }}
      onDragLeave={(e) => e.currentTarget === e.target && setFileOver(false)}
      onDrop={(e) => {
        setFileOver(false);
        if (!e.dataTransfer.types.includes('Files')) return;
        e.preventDefault();
        // Dropped on the board, not on a card: a new card at the end, with the picture as its first frame.
        const file = e.dataTransfer.files[0];
        if (file) void dropPicture(null, file);
      }}
    >
      <div className="storyboard-head">
        <span className="muted">
          {cards.length} card{cards.length === 1 ? '' : 's'} · drag a card by its header to reorder · drop a picture to animate it
        </span>
        <button type="button" className="primary" onClick={() => void addCard()}>
          New card
        </button>
      </div>
      <ol className="cards" aria-label="Cards">
        {cards.map((card, index) => (
          <StoryCard
            key={card.id}
            card={card}
            index={index}
            count={cards.length}
            nextCardId={cards[index + 1]?.id ?? null}
            dropTarget={dropIndex === index}
            onDragStartCard={(e) => {
              e.dataTransfer.setData(CARD_MIME, card.id);
              e.dataTransfer.effectAllowed = 'move';
            }}
            onDragOverCard={(e) => {
              if (!e.dataTransfer.types.includes(CARD_MIME)) return;
              e.preventDefault();
              e.dataTransfer.dropEffect = 'move';
              setDropIndex(index);
            }}
            onDropCard={(e) => {
              const id = e.dataTransfer.getData(CARD_MIME);
              setDropIndex(null);
              if (!id) return;
              e.preventDefault();
              void moveCard(id, index);
            }}
            onDragEndCard={() => setDropIndex(null)}
          />
        ))}
        <li className="card add-card">
          <button type="button" className="add-card-button" onClick={() => void addCard()} aria-label="Add a card at the end">
            <span>+</span>
          </button>
        </li>
      </ol>
    </section>
  );
}
