/**
 * The claim order's index: active jobs by priority, domain, last turn and id, so a claim walks
 * only the jobs it may take (one priority and domain at a time, in turn order) instead of
 * sorting every active job (100,000 queued one-item jobs made each claim a full sort).
 */
export const name = 'jobs-claim-index';
export const sql = `
CREATE INDEX jobs_claim ON jobs(priority, domain_id, last_claim_at, id) WHERE status IN ('queued', 'planning', 'running', 'cancelling');
`;
