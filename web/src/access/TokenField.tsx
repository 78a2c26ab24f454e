import { useState } from 'react';
import { storedToken, storeToken } from './token.js';

/** A small form in the header: paste a token to send with every request, or forget it. */
export function TokenField() {
  const [saved, setSaved] = useState(storedToken() !== null);
  const [draft, setDraft] = useState('');
  if (saved) {
    return (
      <div className="token-field">
        <span>Using an API token</span>
        <button type="button" onClick={() => (storeToken(null), setSaved(false))}>
          Forget token
        </button>
      </div>
    );
  }
  return (
    <form
      className="token-field"
      onSubmit={(event) => {
        event.preventDefault();
        if (!draft.trim()) return;
        storeToken(draft.trim());
        setDraft('');
        setSaved(true);
      }}
    >
      <label>
        API token <input type="password" autoComplete="off" placeholder="reads need none" value={draft} onChange={(e) => setDraft(e.target.value)} />
      </label>
      <button type="submit">Use</button>
    </form>
  );
}
