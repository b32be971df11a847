import { Component, type ErrorInfo, type ReactNode } from 'react';
import { ErrorNote } from './error-note';

/**
 * A page that throws while rendering shows what went wrong and a way on,
 * never a blank screen; the frame (navigation, sign-out) stays usable.
 * Keyed by the address in app.tsx, so moving to another page starts afresh.
 */
export class ErrorBoundary extends Component<{ children: ReactNode }, { error: unknown }> {
  override state: { error: unknown } = { error: null };

  static getDerivedStateFromError(error: unknown): { error: unknown } {
    return { error };
  }

  override componentDidCatch(error: unknown, info: ErrorInfo): void {
    console.error('page failed to render', error, info.componentStack);
  }

  override render(): ReactNode {
    if (this.state.error === null) return this.props.children;
    return (
      <section aria-labelledby="page-error">
        <h1 id="page-error">This page could not be shown</h1>
        <ErrorNote error={this.state.error} />
        <button type="button" onClick={() => window.location.reload()}>
          Reload the page
        </button>
      </section>
    );
  }
}
