import { useEffect, useState } from 'react';
import type { AppInfo } from '../../main/contract';
import { studio } from './studio';
import { useStudio } from './store';
import { projectInUrl } from './store/projects';
import { ProjectList } from './components/ProjectList';
import { Storyboard } from './components/Storyboard';
import { TopBar } from './components/TopBar';
import { ErrorBanner } from './components/ErrorBanner';
import { EngineBanner } from './components/EngineBanner';

export function App() {
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [startError, setStartError] = useState<string | null>(null);
  const loadProjects = useStudio((s) => s.loadProjects);
  const openProject = useStudio((s) => s.openProject);
  const undo = useStudio((s) => s.undo);
  const loadEngine = useStudio((s) => s.loadEngine);
  const subscribe = useStudio((s) => s.subscribe);

  useEffect(() => subscribe(), [subscribe]);

  useEffect(() => {
    studio
      .invoke('app.info', {})
      .then(async (i) => {
        setInfo(i);
        if (!i.library.ok) return;
        void loadEngine();
        await loadProjects();
        const wanted = projectInUrl();
        const exists = useStudio.getState().projects.some((p) => p.id === wanted);
        await openProject(exists ? wanted : null);
      })
      .catch((err: Error) => setStartError(err.message));
  }, [loadProjects, openProject, loadEngine]);

  // Ctrl/Cmd+Z undoes the last storyboard change, except while typing (the field's own undo wins).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const typing = e.target instanceof HTMLElement && e.target.closest('input, textarea, [contenteditable="true"]');
      if ((e.ctrlKey || e.metaKey) && !e.shiftKey && e.key.toLowerCase() === 'z' && !typing) {
        e.preventDefault();
        void undo();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [undo]);

  if (startError) return <FullPageMessage title="Studio cannot reach its services" message={startError} />;
  if (!info) return <div className="app loading" aria-busy="true" />;
  if (!info.library.ok) {
    return (
      <FullPageMessage
        title="The library could not be opened"
        message={info.library.message}
        hint="Nothing in it was changed. Restart Studio with --library DIR to use another folder."
      />
    );
  }
  return (
    <div className="app">
      <ProjectList />
      <main className="workspace">
        <TopBar info={info} />
        <ErrorBanner />
        <EngineBanner />
        <Storyboard />
      </main>
    </div>
  );
}

function FullPageMessage({ title, message, hint }: { title: string; message: string; hint?: string }) {
  return (
    <div className="fullpage" role="alert">
      <h1>{title}</h1>
      <p className="mono">{message}</p>
      {hint && <p className="muted">{hint}</p>}
    </div>
  );
}
