import type { Seeding } from '../api/types.js';
import { formatCount } from '../format.js';

/** Seeding under way (or ended badly): how far, and that the views refresh themselves as data lands. */
export function SeedingBanner({ seeding }: { seeding: Seeding }) {
  if (seeding.state === 'seeding') {
    const { masksStored, masksPlanned, imagesMade, imagesPlanned } = seeding;
    return (
      <div className="seeding" role="status" data-testid="seeding" data-state="seeding">
        <p>
          <strong>Seeding the demo data: {seeding.dataset}.</strong> {formatCount(masksStored)} of {formatCount(masksPlanned)} masks stored
          {imagesPlanned > 0 && `, ${formatCount(imagesMade)} of ${formatCount(imagesPlanned)} images made`}. Queries see what has landed; the
          views refresh as more arrives.
        </p>
        <progress max={Math.max(1, masksPlanned)} value={masksStored} aria-label="Masks stored" />
      </div>
    );
  }
  if (seeding.state === 'failed' || seeding.state === 'stopped') {
    return (
      <div className="seeding" role="alert" data-testid="seeding" data-state={seeding.state}>
        <p>
          Seeding the demo data {seeding.state}: {seeding.message}. <code>masksearch demo</code> completes it.
        </p>
      </div>
    );
  }
  return null;
}
