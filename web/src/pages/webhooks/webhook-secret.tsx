/** A webhook's signing secret: shown once (when it is added, or made anew), with a Copy button; and a new one made here. */
import { useState } from 'react';

/** A new secret in Standard Webhooks form, as the server makes one: `whsec_` and 32 random bytes in base64. */
export function newWebhookSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return `whsec_${btoa(String.fromCharCode(...bytes))}`;
}

export function SecretNote({ secret, text }: { secret: string; text: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="notice minted" role="status">
      <p>{text} Its signing secret, shown this once: copy it now (receivers verify each message with it).</p>
      <div className="row">
        <code className="secret">{secret}</code>
        <button type="button" onClick={() => void navigator.clipboard?.writeText(secret).then(() => setCopied(true))}>
          {copied ? 'Copied' : 'Copy'}
        </button>
      </div>
    </div>
  );
}
