/** Where seeding a demo dataset into the running service stands, for clients to show and to wait on. */
export type SeedingState = 'none' | 'seeding' | 'done' | 'stopped' | 'failed';

export interface SeedingProgress {
  state: SeedingState;
  /** Which dataset, e.g. "synthetic demo (5,000 images, seed 1)"; null before any seeding. */
  dataset: string | null;
  imagesPlanned: number;
  /** Images whose files are made (the synthetic demo makes them as it goes). */
  imagesMade: number;
  masksPlanned: number;
  /** Masks committed to the store so far: queries see them. */
  masksStored: number;
  /** Why seeding failed or stopped. */
  message: string | null;
}

/** One per server: the seeding (if any) writes to it, GraphQL reads it. */
export class SeedingStatus {
  private progress: SeedingProgress = { state: 'none', dataset: null, imagesPlanned: 0, imagesMade: 0, masksPlanned: 0, masksStored: 0, message: null };

  get current(): SeedingProgress {
    return { ...this.progress };
  }

  started(dataset: string): void {
    this.progress = { ...this.progress, state: 'seeding', dataset, message: null };
  }

  planned(images: number, masks: number): void {
    this.progress = { ...this.progress, imagesPlanned: images, masksPlanned: masks };
  }

  made(images: number): void {
    this.progress = { ...this.progress, imagesMade: images };
  }

  stored(masks: number): void {
    this.progress = { ...this.progress, masksStored: masks };
  }

  ended(state: 'done' | 'stopped' | 'failed', message: string | null = null): void {
    this.progress = { ...this.progress, state, message };
  }
}
