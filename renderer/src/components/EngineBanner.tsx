import { useState } from 'react';
import { useStudio } from '../store';

/** Says plainly when there is no usable model pack, or when a pack was refused (damaged, tampered). */
export function EngineBanner() {
  const engine = useStudio((s) => s.engine);
  const [dismissed, setDismissed] = useState(false);
  if (!engine || dismissed) return null;
  const lines = [...(engine.ready ? [] : [engine.message ?? 'No model pack could be loaded.']), ...engine.problems];
  if (lines.length === 0) return null;
  return (
    <div className="banner error" role="alert" aria-label="Model pack problems">
      <span>
        {engine.ready ? 'A model pack was not loaded: ' : 'Generation is off: '}
        {lines.join(' · ')}
      </span>
      <button type="button" className="ghost" onClick={() => setDismissed(true)} aria-label="Dismiss model pack message">
        ×
      </button>
    </div>
  );
}
