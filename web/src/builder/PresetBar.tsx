import type { Preset } from '../query/presets.js';

interface Props {
  presets: readonly Preset[];
  onPick(preset: Preset): void;
}

/** The demonstration's three scenarios, each one click (or Enter) away. */
export function PresetBar({ presets, onPick }: Props) {
  return (
    <section className="presets" aria-labelledby="presets-heading">
      <h2 id="presets-heading">Scenarios</h2>
      <ul>
        {presets.map((preset) => (
          <li key={preset.id}>
            <button type="button" data-preset={preset.id} aria-describedby={`preset-${preset.id}`} onClick={() => onPick(preset)}>
              {preset.title}
            </button>
            <p id={`preset-${preset.id}`}>{preset.description}</p>
          </li>
        ))}
      </ul>
    </section>
  );
}
