/** Admin page: being written (issue 11). */
export function AdminPage(_props: { params: Record<string, string> }) {
  return <h1>Admin</h1>;
}
