import { ApiError, errorMessage } from '../api/client';

/**
 * The server's own words about what went wrong, shown where it went wrong
 * (role=alert so a screen reader hears it). Never a blank page.
 */
export function ErrorNote({ error, id }: { error: unknown; id?: string }) {
  if (error === null || error === undefined) return null;
  const code = error instanceof ApiError ? error.code : null;
  return (
    <p className="error-note" role="alert" id={id}>
      {errorMessage(error)}
      {code !== null && <span className="error-code"> ({code})</span>}
    </p>
  );
}
