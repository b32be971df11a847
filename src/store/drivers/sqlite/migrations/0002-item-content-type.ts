/** Files remember their media type (from the upload, or guessed from the name). */
export const name = 'item-content-type';
export const sql = `
ALTER TABLE items ADD COLUMN content_type TEXT;
`;
