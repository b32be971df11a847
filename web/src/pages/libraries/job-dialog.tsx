/**
 * The dialog that starts one job on a selection: its fields (or a question
 * to confirm), then POST /jobs. A refusal shows the server's message beside
 * the field it names (`params.destination` → the destination box), or under
 * the form when it names none. A native modal <dialog>: focus stays inside,
 * Escape closes it.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api, ApiError } from '../../api/client';
import type { Job } from '../../api/types';
import { ErrorNote } from '../../components/error-note';
import type { FieldSpec, FieldValue, JobSpec } from './job-specs';
import { submitJob, type Item, type Library } from './library-api';

interface LibraryChoice {
  libraryId: string;
  name: string;
  currentUserRight: string;
}

function useLibraryChoices(wanted: boolean): LibraryChoice[] {
  const [choices, setChoices] = useState<LibraryChoice[]>([]);
  useEffect(() => {
    if (!wanted) return;
    let live = true;
    api<{ libraries: LibraryChoice[] }>('/libraries', { query: { limit: 1000 } })
      .then((page) => live && setChoices(page.libraries))
      .catch(() => live && setChoices([]));
    return () => {
      live = false;
    };
  }, [wanted]);
  return choices;
}

/** Whether a server error names this field (`params.destination`, `params.paths[2]`). */
function namesField(error: unknown, name: string): boolean {
  if (!(error instanceof ApiError) || error.field === undefined) return false;
  return error.field === `params.${name}` || error.field.startsWith(`params.${name}[`) || error.field.startsWith(`params.${name}.`);
}

export function JobDialog(props: { spec: JobSpec; library: Library; selection: Item[]; folder: string; onStarted(job: Job): void; onClose(): void }) {
  const { spec, library, selection, folder } = props;
  const dialog = useRef<HTMLDialogElement>(null);
  const [values, setValues] = useState<Record<string, FieldValue>>(() =>
    Object.fromEntries(spec.fields.map((field) => [field.name, field.kind === 'library' ? library.libraryId : field.initial(selection, folder)])),
  );
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const libraries = useLibraryChoices(spec.fields.some((field) => field.kind === 'library'));

  useEffect(() => {
    const element = dialog.current;
    // No close() on cleanup: an unmounted dialog leaves the top layer by itself, and a close event
    // fired by a cleanup (StrictMode runs effects twice) would close the dialog just reopened.
    if (element && !element.open) element.showModal();
  }, []);

  // close() (not unmounting) hands the focus back to the button that opened the dialog; its close event then unmounts it.
  const close = () => (dialog.current?.open ? dialog.current.close() : props.onClose());

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const job = await submitJob(spec.type, library.libraryId, spec.params(values, selection, folder));
      props.onStarted(job);
      close();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const fieldError = (field: FieldSpec) => (namesField(error, field.name) ? error : null);
  const generalError = spec.fields.some((field) => namesField(error, field.name)) ? null : error;
  const titleId = `job-dialog-title-${spec.type}`;

  return (
    <dialog ref={dialog} aria-labelledby={titleId} onClose={props.onClose} className="job-dialog">
      <form onSubmit={submit} className="stack">
        <h2 id={titleId}>{spec.label.replace('…', '')}</h2>
        {spec.confirm && <p>{spec.confirm(selection)}</p>}
        {spec.fields.map((field) => {
          const id = `job-field-${field.name}`;
          const problem = fieldError(field);
          const describedBy = [field.help ? `${id}-help` : '', problem ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
          const value = values[field.name];
          const set = (next: FieldValue) => setValues((current) => ({ ...current, [field.name]: next }));
          if (field.kind === 'checkbox') {
            return (
              <div key={field.name}>
                <label className="check">
                  <input id={id} type="checkbox" checked={value === true} onChange={(e) => set(e.target.checked)} aria-describedby={describedBy} />
                  {field.label}
                </label>
                <ErrorNote error={problem} id={`${id}-error`} />
              </div>
            );
          }
          const options =
            field.kind === 'library'
              ? libraries.map((choice) => ({ value: choice.libraryId, label: choice.libraryId === library.libraryId ? `${choice.name} (this library)` : choice.name }))
              : (field.options ?? []);
          return (
            <div key={field.name} className="stack-tight">
              <label htmlFor={id}>{field.label}</label>
              {field.kind === 'text' ? (
                <input id={id} value={String(value ?? '')} onChange={(e) => set(e.target.value)} aria-invalid={problem ? true : undefined} aria-describedby={describedBy} required={!field.optional} />
              ) : (
                <select id={id} value={String(value ?? '')} onChange={(e) => set(e.target.value)} aria-invalid={problem ? true : undefined} aria-describedby={describedBy}>
                  {field.kind === 'library' && !options.some((option) => option.value === library.libraryId) && <option value={library.libraryId}>{library.name} (this library)</option>}
                  {options.map((option) => (
                    <option key={option.value} value={option.value}>
                      {option.label}
                    </option>
                  ))}
                </select>
              )}
              {field.help && (
                <span id={`${id}-help`} className="muted">
                  {field.help}
                </span>
              )}
              <ErrorNote error={problem} id={`${id}-error`} />
            </div>
          );
        })}
        <ErrorNote error={generalError} />
        <div className="row">
          <button type="submit" className={spec.danger ? 'danger' : 'primary'} disabled={busy}>
            {busy ? 'Starting…' : `Start ${spec.type}`}
          </button>
          <button type="button" onClick={close}>
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}
