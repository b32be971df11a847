/** Library page: being written (issue 11). */
export function LibraryPage(_props: { params: Record<string, string> }) {
  return <h1>Library</h1>;
}
