import type { AppInfo } from '../../../main/contract';
import { useStudio } from '../store';

export function TopBar({ info }: { info: AppInfo }) {
  const project = useStudio((s) => s.projects.find((p) => p.id === s.currentProjectId));
  const pending = useStudio((s) => s.pendingSaves);
  const undoStack = useStudio((s) => s.undoStack);
  const undo = useStudio((s) => s.undo);
  const last = undoStack.at(-1);
  const engine = useStudio((s) => s.engine);
  const usePack = useStudio((s) => s.usePack);
  return (
    <header className="topbar">
      <div className="title">
        <span className="crumb muted">Storyboard</span>
        <span className="sep">/</span>
        <strong>{project?.name ?? 'No project open'}</strong>
      </div>
      <div className="topbar-right">
        <span className="save-state muted" role="status" aria-live="polite">
          {pending > 0 ? 'Saving…' : 'All changes saved'}
        </span>
        <button
          type="button"
          onClick={() => void undo()}
          disabled={!last}
          title={last ? `Undo ${last.label.toLowerCase()} (Ctrl+Z)` : 'Nothing to undo'}
        >
          Undo
        </button>
        {engine && engine.ready && engine.packs.length > 1 ? (
          <label className="pill pack-picker" title={`${engine.providerReason ?? ''}\npack sha256 ${engine.pack?.sha256}\nNew takes use this pack; retakes and Reproduce keep their take's pack.`}>
            <select aria-label="Model pack" value={engine.pack?.id ?? ''} onChange={(e) => void usePack(e.target.value)}>
              {engine.packs.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.id} {p.version}
                  {p.source === 'built-in' ? ' (built-in)' : ''}
                </option>
              ))}
            </select>
            <span>· {(engine.provider ?? 'cpu').toUpperCase()}</span>
          </label>
        ) : (
          engine && (
            <span className={`pill${engine.ready ? '' : ' bad'}`} role="note" aria-label="Model and provider" title={engine.ready ? `${engine.providerReason ?? ''}\npack sha256 ${engine.pack?.sha256}` : (engine.message ?? '')}>
              {engine.ready ? `${engine.pack?.id} ${engine.pack?.version} · ${(engine.provider ?? 'cpu').toUpperCase()}` : 'No model pack'}
            </span>
          )
        )}
        <span className="pill" title={`Studio ${info.version}, library ${info.library.ok ? info.library.path : ''}`}>
          {info.host === 'electron' ? 'Desktop' : 'Browser host'} · v{info.version}
        </span>
      </div>
    </header>
  );
}
