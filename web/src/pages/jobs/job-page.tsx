/** Job page: being written (issue 11). */
export function JobPage(_props: { params: Record<string, string> }) {
  return <h1>Job</h1>;
}
