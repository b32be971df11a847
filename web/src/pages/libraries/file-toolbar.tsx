/**
 * The writer's tools for the folder on screen: a new folder, and uploads of
 * files or of a whole folder (a folder input, `webkitdirectory`). Readers do
 * not get it.
 */
import { useState, type FormEvent } from 'react';
import { ErrorNote } from '../../components/error-note';
import { createFolder, joinPath } from './library-api';
import { filesFromInput, type PickedFile } from './upload-sources';

/** The non-standard attribute that makes a file input pick a folder (every engine supports it). */
const FOLDER_PICKER = { webkitdirectory: '', directory: '' } as Record<string, string>;

export function FileToolbar(props: { libraryId: string; path: string; onFolderCreated(): void; onFiles(files: PickedFile[]): void }) {
  const [name, setName] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await createFolder(props.libraryId, joinPath(props.path, name.trim()));
      setName('');
      props.onFolderCreated();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const picked = (input: HTMLInputElement) => {
    const files = filesFromInput(input.files);
    input.value = '';
    if (files.length > 0) props.onFiles(files);
  };

  return (
    <div className="file-toolbar">
      <form className="row new-folder" onSubmit={create}>
        <label htmlFor="new-folder-name" className="visually-hidden">
          New folder name
        </label>
        <input
          id="new-folder-name"
          placeholder="New folder name"
          value={name}
          required
          onChange={(e) => setName(e.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'new-folder-error' : undefined}
        />
        <button type="submit" disabled={busy}>
          Create folder
        </button>
      </form>
      <div className="row">
        <label className="file-pick">
          Upload files
          <input type="file" multiple className="visually-hidden" onChange={(e) => picked(e.currentTarget)} />
        </label>
        <label className="file-pick">
          Upload a folder
          <input type="file" multiple className="visually-hidden" {...FOLDER_PICKER} onChange={(e) => picked(e.currentTarget)} />
        </label>
      </div>
      <ErrorNote error={error} id="new-folder-error" />
    </div>
  );
}
