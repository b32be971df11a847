/** Libraries page: being written (issue 11). */
export function LibrariesPage(_props: { params: Record<string, string> }) {
  return <h1>Libraries</h1>;
}
