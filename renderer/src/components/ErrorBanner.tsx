import { useStudio } from '../store';

export function ErrorBanner() {
  const error = useStudio((s) => s.error);
  const dismiss = useStudio((s) => s.dismissError);
  if (!error) return null;
  return (
    <div className="banner error" role="alert">
      <span>{error}</span>
      <button type="button" className="ghost" onClick={dismiss} aria-label="Dismiss message">
        ×
      </button>
    </div>
  );
}
