/**
 * `extract {path, destination, entries?, onConflict?}`: an archive in the
 * library (zip, tar or tar.gz, told by its content) unpacked into a folder of
 * the same library, all of it or the listed entries (a listed folder brings
 * what is under it). Planning lists the archive once (extract-plan.ts); each
 * task streams its chunk of entries into the storage (extract-bytes.ts),
 * then commits their catalog rows (extract-apply.ts), so a crash resumes
 * mid-archive with the chunks not yet committed. Limits: config.archiveLimits.
 */
import type { Operation } from '../jobs/operation.js';
import type { ArchiveLimits } from '../domain/archive-limits.js';
import { InvalidArgumentError, UnprocessableError } from '../domain/errors.js';
import { assertWritable } from '../domain/library-rules.js';
import { normalizePath } from '../domain/item-path.js';
import { ExtractParams } from '../domain/job-params/index.js';
import { isArchiveError, normalizeEntryName } from '../archives/index.js';
import { planExtract } from './extract-plan.js';
import { extractBytes, releasePins, type ExtractedBytes } from './extract-bytes.js';
import { applyExtract } from './extract-apply.js';
import type { ExtractContext, ExtractEntry } from './extract-model.js';

/** The listed entry names, each checked (a name no entry could have is a 400 naming it), duplicates dropped. */
function checkEntries(entries: string[]): string[] {
  const kept = new Set<string>();
  entries.forEach((raw, i) => {
    const field = `params.entries[${i}]`;
    let name: string;
    try {
      name = normalizeEntryName(raw);
    } catch (error) {
      if (!isArchiveError(error)) throw error;
      throw new InvalidArgumentError(`${field}: ${error.message}`, { field });
    }
    if (name === '') throw new InvalidArgumentError(`${field}: names the archive's root; leave \`entries\` out to unpack everything`, { field });
    kept.add(name);
  });
  return [...kept];
}

export function extractOperation(limits: ArchiveLimits): Operation<typeof ExtractParams, null, ExtractContext | null, ExtractEntry, ExtractedBytes> {
  return {
    type: 'extract',
    params: ExtractParams,
    sourceRight: 'WRITER',
    async validate(params, ctx) {
      assertWritable(ctx.library.library.state);
      const path = normalizePath(params.path, 'params.path');
      if (path === '/') throw new UnprocessableError("params.path: the library's root folder is not an archive", { field: 'params.path' });
      const destination = normalizePath(params.destination, 'params.destination');
      if (destination === path || destination.startsWith(`${path}/`)) {
        throw new UnprocessableError(`params.destination: '${destination}' is inside the archive '${path}'`, { field: 'params.destination' });
      }
      const entries = params.entries ? checkEntries(params.entries) : undefined;
      return {
        params: { path, destination, ...(entries ? { entries } : {}), onConflict: params.onConflict ?? 'fail' },
        targetLibraryId: null,
      };
    },
    plan: (ctx, job) => planExtract(ctx, job, limits),
    prepare: (ctx, job, task) => extractBytes(ctx, job, task, limits),
    async apply(tx, ctx, job, task, bytes) {
      try {
        return await applyExtract(tx, ctx, job, task, bytes);
      } finally {
        // The bytes are durable at their addresses (persist ran): pins only guard them until the references are in.
        await releasePins(bytes);
      }
    },
  };
}
