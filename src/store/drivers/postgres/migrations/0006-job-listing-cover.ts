/**
 * The creation-order listing indexes carry the columns listings filter on, so
 * an offset page (the KooDrive and AvePoint dialects page by offset) skips
 * its rows in an index-only scan instead of reading each one from the heap
 * (PostgreSQL: as INCLUDE columns, outside the search keys).
 */
export const name = 'job-listing-cover';
export const sql = `
DROP INDEX jobs_domain_created;
CREATE INDEX jobs_domain_created ON jobs(domain_id, created_at, id) INCLUDE (type, status, origin, requestor_id, library_id);
DROP INDEX jobs_requestor_created;
CREATE INDEX jobs_requestor_created ON jobs(requestor_id, created_at, id) INCLUDE (type, status, origin, domain_id);
`;
