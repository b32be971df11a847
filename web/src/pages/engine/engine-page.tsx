/** Engine page: being written (issue 11). */
export function EnginePage(_props: { params: Record<string, string> }) {
  return <h1>Engine</h1>;
}
