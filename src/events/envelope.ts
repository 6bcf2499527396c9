/**
 * The body every receiver gets: `{"id","type","createdAt","data"}`. Built by concatenation
 * around the stored data text so the producer's bytes (key order, spacing of numbers) pass
 * through untouched, and every retry of a delivery sends exactly the same bytes: a receiver
 * verifying the signature over the raw body must never see them change.
 */
export interface EnvelopeSource {
  id: string;
  type: string;
  createdAt: Date;
  /** JSON text of the payload, as stored. */
  data: string;
}

export function renderEnvelope(e: EnvelopeSource): string {
  return `{"id":${JSON.stringify(e.id)},"type":${JSON.stringify(e.type)},"createdAt":${JSON.stringify(e.createdAt.toISOString())},"data":${e.data}}`;
}
