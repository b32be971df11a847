import { useEffect, useId, useMemo, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import type { QueryError } from './job-query';
import { applySuggestion, completeAt, type CompletionContext } from './query-completion';

interface QueryBarProps {
  /** the query in effect (the URL's) */
  value: string;
  onSubmit(text: string): void;
  /** what is wrong with `value`, token by token */
  errors: readonly QueryError[];
  context: CompletionContext;
}

/**
 * The typed query as an ARIA 1.2 combobox: the input completes keys and values
 * from a listbox (arrow keys move, Enter takes the highlighted option or runs
 * the query, Escape closes). A wrong token is named next to the bar.
 */
export function QueryBar({ value, onSubmit, errors, context }: QueryBarProps) {
  const [draft, setDraft] = useState(value);
  const [caret, setCaret] = useState(value.length);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const input = useRef<HTMLInputElement>(null);
  const id = useId();
  const listId = `${id}-list`;
  const errorId = `${id}-error`;
  const helpId = `${id}-help`;

  useEffect(() => setDraft(value), [value]);

  const completion = useMemo(() => completeAt(draft, caret, context), [draft, caret, context]);
  const options = completion.suggestions;
  const expanded = open && options.length > 0;

  const accept = (index: number) => {
    const suggestion = options[index];
    if (!suggestion) return;
    const next = applySuggestion(draft, completion, suggestion);
    setDraft(next.text);
    setCaret(next.caret);
    setActive(-1);
    setOpen(!suggestion.complete);
    requestAnimationFrame(() => input.current?.setSelectionRange(next.caret, next.caret));
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'ArrowDown') {
      event.preventDefault();
      setOpen(true);
      setActive((a) => (options.length === 0 ? -1 : (a + 1) % options.length));
    } else if (event.key === 'ArrowUp') {
      event.preventDefault();
      setOpen(true);
      setActive((a) => (options.length === 0 ? -1 : a <= 0 ? options.length - 1 : a - 1));
    } else if (event.key === 'Enter' && expanded && active >= 0) {
      event.preventDefault();
      accept(active);
    } else if (event.key === 'Escape') {
      if (expanded) {
        event.preventDefault();
        setOpen(false);
        setActive(-1);
      } else if (draft !== value) {
        setDraft(value);
      }
    }
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setOpen(false);
    setActive(-1);
    onSubmit(draft.trim());
  };

  const trackCaret = () => setCaret(input.current?.selectionStart ?? draft.length);
  const invalid = errors.length > 0;
  const activeId = expanded && active >= 0 ? `${id}-option-${active}` : undefined;

  return (
    <form className="query-bar" role="search" aria-label="Jobs" onSubmit={submit}>
      <div className="query-row">
        <label htmlFor={`${id}-input`} className="visually-hidden">
          Filter jobs
        </label>
        <div className="combobox">
          <input
            id={`${id}-input`}
            ref={input}
            type="text"
            role="combobox"
            aria-autocomplete="list"
            aria-expanded={expanded}
            aria-controls={listId}
            aria-activedescendant={activeId}
            aria-invalid={invalid}
            aria-describedby={invalid ? `${errorId} ${helpId}` : helpId}
            autoComplete="off"
            spellCheck={false}
            placeholder='status:running type:copy library:"Q1 Reports" created>=2026-11-01'
            value={draft}
            onChange={(event) => {
              setDraft(event.target.value);
              setCaret(event.target.selectionStart ?? event.target.value.length);
              setOpen(true);
              setActive(-1);
            }}
            onKeyDown={onKeyDown}
            onKeyUp={trackCaret}
            onClick={() => {
              trackCaret();
              setOpen(true);
            }}
            onFocus={() => setOpen(true)}
            onBlur={() => setOpen(false)}
          />
          <ul id={listId} role="listbox" aria-label="Suggestions" className="combobox-list" hidden={!expanded}>
            {expanded &&
              options.map((option, index) => (
                <li
                  key={`${option.label}-${index}`}
                  id={`${id}-option-${index}`}
                  role="option"
                  aria-selected={index === active}
                  onMouseDown={(event) => event.preventDefault()}
                  onClick={() => accept(index)}
                >
                  <span className="option-label">{option.label}</span> <span className="muted option-hint">{option.hint}</span>
                </li>
              ))}
          </ul>
        </div>
        <button type="submit" className="primary">
          Search
        </button>
        {value !== '' && (
          <button type="button" onClick={() => onSubmit('')}>
            Clear
          </button>
        )}
      </div>
      <p id={helpId} className="muted query-help">
        Keys: status, type, library, requestor, created (&gt;, &gt;=, &lt;, &lt;=), order. Arrow keys pick a suggestion.
      </p>
      {invalid && (
        <div id={errorId} className="error-note query-errors" role="alert">
          <ul>
            {errors.map((error) => (
              <li key={`${error.start}-${error.message}`}>
                <code>{error.token}</code> (characters {error.start + 1}–{error.end}): {error.message}
              </li>
            ))}
          </ul>
        </div>
      )}
    </form>
  );
}
