/** Params of the `retention` job: none; what it removes follows the library's own settings (daysBeforeDelete, retention). */
import { Type } from '@sinclair/typebox';

export const RetentionParams = Type.Object(
  {},
  {
    additionalProperties: false,
    description:
      "no params: purges the trash older than the library's daysBeforeDelete, forgets the snapshots its retention policy does not keep (restic's meaning), and deletes its jobs' expired results",
  },
);
