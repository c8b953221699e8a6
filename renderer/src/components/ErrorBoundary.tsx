import { Component, type ReactNode } from 'react';

/** A bug in one view must not blank the whole window: say what broke; nothing saved is lost. */
export class ErrorBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  override state = { error: null as Error | null };
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <div className="fullpage" role="alert">
        <h1>Something in this view broke</h1>
        <p className="mono">{this.state.error.message}</p>
        <p className="muted">Everything you saved is in the library. Reload the window to carry on, and please report this.</p>
        <button type="button" onClick={() => location.reload()}>
          Reload
        </button>
      </div>
    );
  }
}
