/** Schemas for saved views: a user's named job-list queries. */
import { Type } from '@sinclair/typebox';
import { MAX_VIEW_NAME_LENGTH, MAX_VIEW_QUERY_LENGTH } from '../../services/saved-view-service.js';

export const SavedViewBody = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  query: Type.String({ description: 'The query-bar text, as saved.' }),
  createdAt: Type.String({ format: 'date-time' }),
});

export const SavedViewList = Type.Object({ views: Type.Array(SavedViewBody) });

export const CreateSavedViewBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: MAX_VIEW_NAME_LENGTH, description: 'Unique among your views (409 otherwise).' }),
    query: Type.String({ maxLength: MAX_VIEW_QUERY_LENGTH, description: 'The query-bar text.' }),
  },
  { additionalProperties: false },
);

export const ViewIdParams = Type.Object({
  viewId: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'A saved view id.' }),
});
