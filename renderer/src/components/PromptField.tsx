import { forwardRef, useEffect, useRef } from 'react';
import { useStudio } from '../store';

function escapeRe(s: string) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The prompt, with the words the model pack does not know underlined (a backdrop behind the text).
 * With a picture on the card the placeholder asks for a description of the picture: the pack reads
 * the scene from the prompt as well as from the frame, and a prompt that names another scene pulls
 * the clip away from the picture (model/README.md, the conflicting-prompt row).
 */
export const PromptField = forwardRef<HTMLTextAreaElement, { cardId: string; value: string; hasPicture?: boolean }>(function PromptField({ cardId, value, hasPicture }, ref) {
  const setPrompt = useStudio((s) => s.setPrompt);
  const flushPrompt = useStudio((s) => s.flushPrompt);
  const checkPrompt = useStudio((s) => s.checkPrompt);
  const unknown = useStudio((s) => s.unknownWords[cardId]) ?? [];
  const engineReady = useStudio((s) => !!s.engine?.ready);
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);

  useEffect(() => {
    clearTimeout(timer.current);
    timer.current = setTimeout(() => void checkPrompt(cardId, value), 250);
    return () => clearTimeout(timer.current);
  }, [cardId, value, checkPrompt, engineReady]);

  // The backdrop mirrors the text; unknown words get a mark. Matching is on whole words, any case.
  const parts: (string | { w: string })[] = [];
  if (unknown.length) {
    const re = new RegExp(`(^|[^a-z0-9])(${unknown.map(escapeRe).join('|')})(?=$|[^a-z0-9])`, 'gi');
    let last = 0;
    for (const m of value.matchAll(re)) {
      const start = m.index! + m[1]!.length;
      parts.push(value.slice(last, start), { w: m[2]! });
      last = start + m[2]!.length;
    }
    parts.push(value.slice(last));
  } else parts.push(value);

  return (
    <div className="prompt-wrap">
      <div className="prompt-backdrop" aria-hidden>
        {parts.map((p, i) => (typeof p === 'string' ? p : <mark key={i}>{p.w}</mark>))}
        {'\n'}
      </div>
      <textarea
        ref={ref}
        className="prompt"
        aria-label="Prompt"
        aria-describedby={unknown.length ? `unknown-${cardId}` : undefined}
        placeholder={
          hasPicture
            ? 'Describe the picture and how it should move: a red ball on a grass field moves right'
            : 'Describe the shot: a red ball bounces on a grass field, the camera pans left'
        }
        value={value}
        rows={3}
        maxLength={2000}
        spellCheck={false}
        onChange={(e) => setPrompt(cardId, e.target.value)}
        onBlur={() => void flushPrompt(cardId)}
      />
      {unknown.length > 0 && (
        <p className="unknown-hint" id={`unknown-${cardId}`} role="note">
          The model does not know: {unknown.map((w) => `“${w}”`).join(', ')}. The clip is still made; these words are ignored.
        </p>
      )}
    </div>
  );
});
