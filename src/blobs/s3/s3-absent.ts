/**
 * Which of many blobs an S3 location holds, asked with LIST instead of a HEAD
 * per blob. A blob's key is `<objects><sha256>`, so the keys sort as the hashes
 * do: a page of ListObjectsV2 starting just before the smallest hash asked
 * (StartAfter its first 63 digits, which sorts before the hash itself) settles
 * every asked hash up to the page's last key; the next page starts before the
 * next unsettled hash. Into an empty or sparse location a copy of 10,000 blobs
 * asks one LIST where it asked 10,000 HEADs (as rclone lists a destination once).
 * Into a location holding far more blobs than are asked, a page settles few of
 * them: once a full page settles fewer than MIN_SETTLED_PER_PAGE, the rest are
 * left to the caller's HEADs (one HEAD is cheaper than a page of 1,000 keys).
 */
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { S3Keys } from './s3-sweep.js';

/** A full page that settles fewer asked hashes than this: LIST is the dearer way for the rest. */
export const MIN_SETTLED_PER_PAGE = 16;

/**
 * `sorted`: distinct sha256 hex digests, ascending. Returns those found stored,
 * and those left unsettled (the caller HEADs them): a suffix of `sorted`.
 * `pageKeys` (default 1,000, S3's most) and `minSettledPerPage` are for tests.
 */
export async function presentByListing(
  keys: S3Keys,
  sorted: readonly string[],
  options: { pageKeys?: number; minSettledPerPage?: number } = {},
): Promise<{ present: Set<string>; unsettled: string[] }> {
  const pageKeys = options.pageKeys ?? 1000;
  const minSettled = options.minSettledPerPage ?? MIN_SETTLED_PER_PAGE;
  const present = new Set<string>();
  let i = 0;
  while (i < sorted.length) {
    const page = await keys.client.send(
      new ListObjectsV2Command({ Bucket: keys.bucket, Prefix: keys.objects, StartAfter: keys.objects + sorted[i]!.slice(0, 63), MaxKeys: pageKeys }),
    );
    const listed = new Set((page.Contents ?? []).map((o) => o.Key?.slice(keys.objects.length) ?? ''));
    const last = (page.Contents ?? []).at(-1)?.Key?.slice(keys.objects.length);
    // The listing went to the end: every hash left is settled (present if listed).
    const end = page.IsTruncated !== true || last === undefined ? sorted.length : upperBound(sorted, last, i);
    for (let k = i; k < end; k++) if (listed.has(sorted[k]!)) present.add(sorted[k]!);
    const settled = end - i;
    i = end;
    if (i < sorted.length && settled < minSettled) return { present, unsettled: sorted.slice(i) };
  }
  return { present, unsettled: [] };
}

/** The index of the first of `sorted` (from `from`) greater than `value`. */
function upperBound(sorted: readonly string[], value: string, from: number): number {
  let lo = from;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
