import { useState } from 'react';
import { graphql } from '../api/client.js';
import { TAG_IMAGES_MUTATION } from '../api/documents.js';
import type { MaskWhere, TagImagesMutationVariables } from '../api/generated.js';
import { formatCount } from '../format.js';

interface Props {
  /** What to tag: image keys (a result set), or a where (the images browsing lists). */
  target: { imageKeys: string[] } | { where: MaskWhere };
  /** How many images that is, for the label. */
  count: number;
  onTagged(): void;
}

/** Tags or untags a set of images; the tags are stored and show among the facets. */
export function TagForm({ target, count, onTagged }: Props) {
  const [tag, setTag] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  const change = async (remove: boolean) => {
    const name = tag.trim();
    if (!name) return;
    try {
      const variables: TagImagesMutationVariables = { ...target, ...(remove ? { remove: [name] } : { add: [name] }) };
      const { tagImages } = await graphql(TAG_IMAGES_MUTATION, variables);
      setMessage(`${remove ? 'Untagged' : 'Tagged'} ${formatCount(tagImages.changedImages)} of ${formatCount(count)} images ${remove ? 'from' : 'with'} "${name}".`);
      onTagged();
    } catch (error) {
      setMessage(error instanceof Error ? error.message : String(error));
    }
  };
  return (
    <form
      className="tag-form"
      onSubmit={(e) => {
        e.preventDefault();
        void change(false);
      }}
    >
      <label>
        Tag these {formatCount(count)} images <input value={tag} onChange={(e) => setTag(e.target.value)} placeholder="e.g. review" aria-label="Tag" />
      </label>
      <button type="submit" disabled={!tag.trim()}>
        Tag
      </button>
      <button type="button" disabled={!tag.trim()} onClick={() => void change(true)}>
        Untag
      </button>
      {message && (
        <span role="status" data-testid="tag-message">
          {message}
        </span>
      )}
    </form>
  );
}
