/**
 * tus-js-client's URL storage as a small JSON file: upload URLs keyed by the
 * file's fingerprint, so `batchyard import` run again resumes the upload it
 * left. Written whole through a temp file and a rename (never half a file).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { PreviousUpload, UrlStorage } from 'tus-js-client';

type Entries = Record<string, PreviousUpload>;

export class ResumeFile implements UrlStorage {
  constructor(readonly file: string) {}

  private read(): Entries {
    try {
      const parsed = JSON.parse(fs.readFileSync(this.file, 'utf8')) as unknown;
      return parsed !== null && typeof parsed === 'object' ? (parsed as Entries) : {};
    } catch {
      return {};
    }
  }

  private write(entries: Entries): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const temp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(temp, JSON.stringify(entries, null, 2));
    fs.renameSync(temp, this.file);
  }

  async findAllUploads(): Promise<PreviousUpload[]> {
    return Object.entries(this.read()).map(([key, upload]) => ({ ...upload, urlStorageKey: key }));
  }

  async findUploadsByFingerprint(fingerprint: string): Promise<PreviousUpload[]> {
    const prefix = `tus::${fingerprint}::`;
    return (await this.findAllUploads()).filter((u) => u.urlStorageKey.startsWith(prefix));
  }

  async removeUpload(urlStorageKey: string): Promise<void> {
    const entries = this.read();
    delete entries[urlStorageKey];
    this.write(entries);
  }

  async addUpload(fingerprint: string, upload: PreviousUpload): Promise<string> {
    const key = `tus::${fingerprint}::${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
    const entries = this.read();
    entries[key] = { ...upload, urlStorageKey: key };
    this.write(entries);
    return key;
  }
}
