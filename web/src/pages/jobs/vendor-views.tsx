import { useState } from 'react';
import { ErrorNote } from '../../components/error-note';
import { useApi } from '../../components/use-api';

interface VendorView {
  dialect: string;
  available: boolean;
  reason?: string;
  method?: string;
  path?: string;
  requestBody?: unknown;
  body?: unknown;
}

const DIALECT_NAMES: Record<string, string> = { aodocs: 'AODocs', avepoint: 'AvePoint', koodrive: 'KooDrive', 'vsp-one': 'VSP One' };

/** "Seen by vendor APIs": the same job as each vendor dialect renders it, with the request its client would make. */
export function VendorViews({ jobId, version }: { jobId: number; version: string }) {
  const { data, error } = useApi<{ views: VendorView[] }>(`/jobs/${jobId}/vendor-views`, undefined, version);
  const [chosen, setChosen] = useState<string | null>(null);
  const views = data?.views ?? [];
  const view = views.find((v) => v.dialect === chosen) ?? views[0];
  return (
    <section aria-labelledby="vendor-heading">
      <h2 id="vendor-heading">Seen by vendor APIs</h2>
      <ErrorNote error={error} />
      {views.length > 0 && (
        <div className="segmented" role="group" aria-label="Vendor dialect">
          {views.map((v) => (
            <button key={v.dialect} type="button" aria-pressed={v === view} onClick={() => setChosen(v.dialect)}>
              {DIALECT_NAMES[v.dialect] ?? v.dialect}
            </button>
          ))}
        </div>
      )}
      {view && (
        <div className="vendor-view" aria-live="polite">
          {view.available ? (
            <>
              <p>
                <code>
                  {view.method} {view.path}
                </code>
              </p>
              {view.requestBody !== undefined && (
                <pre tabIndex={0} aria-label={`${DIALECT_NAMES[view.dialect] ?? view.dialect} request body`}>
                  {JSON.stringify(view.requestBody, null, 2)}
                </pre>
              )}
              <pre tabIndex={0} aria-label={`${DIALECT_NAMES[view.dialect] ?? view.dialect} response`}>
                {JSON.stringify(view.body, null, 2)}
              </pre>
            </>
          ) : (
            <p className="notice">
              {DIALECT_NAMES[view.dialect] ?? view.dialect} does not show this job{view.reason ? `: ${view.reason}` : '.'}
            </p>
          )}
        </div>
      )}
    </section>
  );
}
