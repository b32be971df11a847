/** A labelled progress bar (role=progressbar): `value` from 0 to 1, or null while unknown. */
export function FileProgress({ value, label, text }: { value: number | null; label: string; text?: string }) {
  const percent = value === null ? null : Math.round(Math.min(1, Math.max(0, value)) * 100);
  return (
    <div className="progress">
      <div
        className="bar"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent ?? undefined}
        aria-valuetext={text ?? (percent === null ? 'waiting' : `${percent}%`)}
      >
        <span style={{ width: `${percent ?? 0}%` }} />
      </div>
      <span className="progress-text">{text ?? (percent === null ? '…' : `${percent}%`)}</span>
    </div>
  );
}
