import { useEffect, useId, useState } from 'react';
import { AGREEMENT_QUERY } from '../api/documents.js';
import type { Agreement as AgreementResult, ImageSummary, MaskSummary } from '../api/types.js';
import { NumberField } from '../builder/NumberField.js';
import { formatCount } from '../format.js';
import { MaskOverlay } from '../results/MaskOverlay.js';
import { pictureSize } from '../results/roi-rect.js';
import { useGraphQL } from '../state/use-graphql.js';
import type { Combination } from './BinaryLayer.js';
import { BinaryLayer } from './BinaryLayer.js';

interface Props {
  image: ImageSummary;
  masks: MaskSummary[];
  threshold: number;
}

/** Saliency against human attention when the image has both; else its first two masks. */
function defaultPair(masks: MaskSummary[]): [string, string] {
  const ofType = (type: string) => masks.find((m) => m.maskType === type)?.id;
  const saliency = ofType('saliency') ?? masks[0].id;
  const human = ofType('human-attention') ?? masks.find((m) => m.id !== saliency)!.id;
  return [saliency, human];
}

const label = (mask: MaskSummary) => (mask.model ? `${mask.maskType} (${mask.model.name})` : mask.maskType);

/** Two masks of the image binarised and combined: their intersection and union drawn, and counted exactly by the API. */
export function Agreement({ image, masks, threshold: initialThreshold }: Props) {
  const id = useId();
  const [pair, setPair] = useState(() => defaultPair(masks));
  const [threshold, setThreshold] = useState(initialThreshold);
  useEffect(() => setPair(defaultPair(masks)), [masks]);
  const [a, b] = pair.map((maskId) => masks.find((m) => m.id === maskId)!);
  const valid = Number.isFinite(threshold) && a.id !== b.id;
  const counts = useGraphQL<AgreementResult>(AGREEMENT_QUERY, valid ? { where: { ids: [a.id, b.id] }, threshold } : null);
  // A group the API skips (IoU of two empty masks) has no value.
  const shown = (part: keyof AgreementResult, format: (v: number) => string, none: string) => {
    if (counts.status !== 'done') return '…';
    const value = counts.data[part].groups.nodes[0]?.value;
    return value === undefined ? none : format(value);
  };

  const picker = (which: 0 | 1) => (
    <select id={`${id}-${which}`} value={pair[which]} onChange={(e) => setPair(which === 0 ? [e.target.value, pair[1]] : [pair[0], e.target.value])}>
      {masks.map((mask) => (
        <option key={mask.id} value={mask.id}>
          {label(mask)}
        </option>
      ))}
    </select>
  );
  const panel = (combination: Combination) => (
    <figure>
      <MaskOverlay image={image} size={pictureSize(image, a)} opacity={1} roi={null}>
        <BinaryLayer a={{ url: a.gray, width: a.width, height: a.height }} b={{ url: b.gray }} threshold={threshold} combination={combination} />
      </MaskOverlay>
      <figcaption>
        {combination}: {shown(combination, (v) => `${formatCount(v)} pixels`, 'none')}
      </figcaption>
    </figure>
  );

  return (
    <section className="agreement" aria-labelledby={`${id}-heading`}>
      <h3 id={`${id}-heading`}>Where two masks agree</h3>
      <div className="inline-fields">
        <label htmlFor={`${id}-0`}>Mask A</label>
        {picker(0)}
        <label htmlFor={`${id}-1`}>Mask B</label>
        {picker(1)}
        <label htmlFor={`${id}-threshold`}>each above</label>
        <NumberField id={`${id}-threshold`} className="number" value={threshold} onChange={setThreshold} />
      </div>
      {a.id === b.id && <p role="alert">Choose two different masks.</p>}
      {counts.status === 'error' && <p role="alert">{counts.message}</p>}
      {valid && (
        <>
          <p data-testid="agreement-iou">IoU {shown('iou', (v) => v.toFixed(4), 'undefined: both masks are empty at this threshold')}</p>
          <div className="agreement-panels">
            {panel('intersection')}
            {panel('union')}
          </div>
        </>
      )}
    </section>
  );
}
