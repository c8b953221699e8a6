import { useState } from 'react';
import { useStudio } from '../store';
import { ConfirmDialog } from './ConfirmDialog';
import { Icon } from './Icon';

export function ProjectList() {
  const projects = useStudio((s) => s.projects);
  const current = useStudio((s) => s.currentProjectId);
  const createProject = useStudio((s) => s.createProject);
  const openProject = useStudio((s) => s.openProject);
  const renameProject = useStudio((s) => s.renameProject);
  const deleteProject = useStudio((s) => s.deleteProject);
  const [renaming, setRenaming] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const toDelete = projects.find((p) => p.id === confirming);

  const newProject = () => {
    const n = projects.length + 1;
    void createProject(`Untitled project ${n}`).then((p) => p && setRenaming(p.id));
  };

  return (
    <nav className="sidebar" aria-label="Projects">
      <div className="sidebar-head">
        <span className="brand">Studio</span>
        <button type="button" className="primary small" onClick={newProject}>
          New project
        </button>
      </div>
      <ul className="project-list" aria-label="Project list">
        {projects.map((p) => (
          <li key={p.id} className={p.id === current ? 'active' : ''}>
            {renaming === p.id ? (
              <RenameField
                initial={p.name}
                onDone={(name) => {
                  setRenaming(null);
                  if (name && name !== p.name) void renameProject(p.id, name);
                }}
              />
            ) : (
              <button
                type="button"
                className="project-open"
                aria-current={p.id === current ? 'page' : undefined}
                onClick={() => void openProject(p.id)}
                onDoubleClick={() => setRenaming(p.id)}
              >
                <span className="project-name">{p.name}</span>
                <span className="muted count">{p.cardCount}</span>
              </button>
            )}
            <span className="row-actions">
              <button type="button" className="ghost icon" aria-label={`Rename ${p.name}`} title="Rename" onClick={() => setRenaming(p.id)}>
                <Icon name="pencil" />
              </button>
              <button type="button" className="ghost icon" aria-label={`Delete ${p.name}`} title="Delete project" onClick={() => setConfirming(p.id)}>
                <Icon name="trash" />
              </button>
            </span>
          </li>
        ))}
      </ul>
      {projects.length === 0 && <p className="muted empty-hint">No projects yet. Start one with New project.</p>}
      {toDelete && (
        <ConfirmDialog
          title={`Delete “${toDelete.name}”?`}
          message={`Its ${toDelete.cardCount} card${toDelete.cardCount === 1 ? '' : 's'} and all their takes are removed from the library. This cannot be undone.`}
          confirmLabel="Delete project"
          onCancel={() => setConfirming(null)}
          onConfirm={() => {
            setConfirming(null);
            void deleteProject(toDelete.id);
          }}
        />
      )}
    </nav>
  );
}

function RenameField({ initial, onDone }: { initial: string; onDone: (name: string | null) => void }) {
  const [value, setValue] = useState(initial);
  return (
    <input
      className="rename"
      aria-label="Project name"
      autoFocus
      value={value}
      maxLength={120}
      onFocus={(e) => e.currentTarget.select()}
      onChange={(e) => setValue(e.target.value)}
      onBlur={() => onDone(value.trim() || null)}
      onKeyDown={(e) => {
        if (e.key === 'Enter') onDone(value.trim() || null);
        if (e.key === 'Escape') onDone(null);
      }}
    />
  );
}
