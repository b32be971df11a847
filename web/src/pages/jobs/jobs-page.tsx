/** Jobs page: being written (issue 11). */
export function JobsPage(_props: { params: Record<string, string> }) {
  return <h1>Jobs</h1>;
}
